package io.istiocni.daemon;

import io.istiocni.rules.GoQuote;
import io.istiocni.settings.Setting;
import io.istiocni.settings.SettingSet;
import io.istiocni.settings.SettingValues;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings both node daemons read, {@code istio-cni install} and {@code istio-cni repair} (install.md 3.2, 3.4;
 * repair.md 2): the metrics port, the log flags and the refused nftables mode.
 */
public final class DaemonSettings {

    public static final List<String> LOG_LEVELS = List.of("debug", "info", "warn", "error", "fatal", "none");
    public static final List<String> LOG_SCOPES = List.of("default", "cni-agent", "cni-plugin");

    private static final SettingSet.Builder DECLARED = SettingSet.builder();

    public static final Setting<Long> MONITORING_PORT = DECLARED.add(Setting.integer("MONITORING_PORT", 15014,
            Integer.MIN_VALUE, 65535, "Prometheus metrics port (`/metrics`); 0 or negative: no metrics server"));
    public static final Setting<Boolean> NATIVE_NFTABLES = DECLARED.add(Setting.bool("NATIVE_NFTABLES", false,
            "written into the plugin entry as `native_nftables`; true is refused: there is no nftables backend")
            .refusing(true, "native nftables is not supported"));
    public static final Setting<Map<String, String>> LOG_OUTPUT_LEVEL = DECLARED.add(Setting.of(null,
            "log_output_level", Setting.Kind.STRING, DaemonSettings::logLevels, logLevels(""), "default:info",
            "comma-separated `scope:level` items; a bare level is the `default` scope, scope `all` every scope;"
                    + " levels " + String.join(", ", LOG_LEVELS) + "; scopes " + String.join(", ", LOG_SCOPES)
                    + " (the plugin's level is the `cni-plugin` scope's)"));
    public static final Setting<Boolean> LOG_AS_JSON = DECLARED.add(Setting.bool("LOG_AS_JSON", false,
            "JSON log lines").flagOnly("log_as_json"));

    static {
        for (String flag : List.of("log_caller", "log_stacktrace_level", "log_target", "log_rotate",
                "log_rotate_max_age", "log_rotate_max_size", "log_rotate_max_backups", "ctrlz_port",
                "ctrlz_address")) {
            DECLARED.add(Setting.ignoredFlag(flag)); // Istio's other log flags
        }
    }

    public static final SettingSet SETTINGS = DECLARED.build();

    private final SettingValues values;

    private DaemonSettings(SettingValues values) {
        this.values = values;
    }

    /** The settings out of values parsed with (a union including) {@link #SETTINGS}. */
    public static DaemonSettings of(SettingValues values) {
        return new DaemonSettings(values);
    }

    /** {@code MONITORING_PORT}; 0 or negative: no metrics server. */
    public int monitoringPort() {
        return (int) (long) values.get(MONITORING_PORT);
    }

    /** {@code NATIVE_NFTABLES} (always false: true is refused). */
    public boolean nativeNftables() {
        return values.get(NATIVE_NFTABLES);
    }

    /** {@code --log_output_level}: the level of every scope mentioned or known. */
    public Map<String, String> logLevels() {
        return values.get(LOG_OUTPUT_LEVEL);
    }

    /** {@code --log_as_json}. */
    public boolean logAsJson() {
        return values.get(LOG_AS_JSON);
    }

    /**
     * Parses {@code --log_output_level}: comma-separated {@code scope:level} items; a bare level is the
     * {@code default} scope; scope {@code all} sets every scope known so far and the installer's scopes.
     */
    static Map<String, String> logLevels(String value) {
        Map<String, String> levels = new LinkedHashMap<>();
        for (String scope : LOG_SCOPES) {
            levels.put(scope, "info");
        }
        if (value.isEmpty()) {
            return Collections.unmodifiableMap(levels);
        }
        for (String item : value.split(",", -1)) {
            int colon = item.lastIndexOf(':');
            String scope = colon < 0 ? "default" : item.substring(0, colon).trim();
            String level = (colon < 0 ? item : item.substring(colon + 1)).trim().toLowerCase(Locale.ROOT);
            if (scope.isEmpty() || !LOG_LEVELS.contains(level)) {
                throw new IllegalArgumentException("item " + GoQuote.quote(item)
                        + " is not [scope:]level with level one of " + String.join(", ", LOG_LEVELS));
            }
            if (scope.equals("all")) {
                for (String s : new LinkedHashSet<>(levels.keySet())) {
                    levels.put(s, level);
                }
            } else {
                levels.put(scope, level);
            }
        }
        return Collections.unmodifiableMap(levels);
    }
}
