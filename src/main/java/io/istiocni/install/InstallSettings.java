package io.istiocni.install;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of the installer (install.md section 3) under Istio's names, resolved from the command line and the
 * environment by {@link #from(Map, List)}: a flag given on the command line, then the environment variable, then the
 * default. Every setting {@code NAME} has the flag {@code --name} (lower case, {@code _} as {@code -}).
 *
 * @param mountedCniNetDir      {@code MOUNTED_CNI_NET_DIR}: the CNI conf dir as seen in the container
 * @param cniConfName           {@code CNI_CONF_NAME}: empty = choose automatically (chained) / default name
 * @param chainedCniPlugin      {@code CHAINED_CNI_PLUGIN}
 * @param cniAgentRunDir        {@code CNI_AGENT_RUN_DIR}
 * @param kubeconfigMode        {@code KUBECONFIG_MODE} as permission bits (0600 by default)
 * @param cniConfGroupRead      {@code CNI_CONF_GROUP_READ}
 * @param kubeCaFile            {@code KUBE_CA_FILE}, resolved: {@code <serviceAccountPath>/ca.crt} when not set
 * @param skipTlsVerify         {@code SKIP_TLS_VERIFY}
 * @param monitoringPort        {@code MONITORING_PORT}; 0 or negative: no metrics server
 * @param excludeNamespaces     {@code EXCLUDE_NAMESPACES} split on commas, trimmed, empty items dropped
 * @param podNamespace          {@code POD_NAMESPACE} ("" when unset)
 * @param nativeNftables        {@code NATIVE_NFTABLES}: the plugin programs native nftables (nftables.md 9)
 * @param enableAmbientDetectionRetry {@code ENABLE_AMBIENT_DETECTION_RETRY}
 * @param kubernetesServiceHost {@code KUBERNETES_SERVICE_HOST} ("" when unset)
 * @param kubernetesServicePort {@code KUBERNETES_SERVICE_PORT} ("" when unset)
 * @param kubernetesServiceProtocol {@code KUBERNETES_SERVICE_PROTOCOL}, default {@code https}
 * @param kubernetesNodeName    {@code KUBERNETES_NODE_NAME} ("" when unset: the caller may use the host name)
 * @param nodeName              {@code NODE_NAME}
 * @param podName               {@code POD_NAME}
 * @param cniBinSourceDir       {@code CNI_BIN_SOURCE_DIR}
 * @param cniBinTargetDirs      {@code CNI_BIN_TARGET_DIRS}, comma-separated
 * @param serviceAccountPath    {@code SERVICE_ACCOUNT_PATH}
 * @param hostProcPath          {@code HOST_PROC_PATH}
 * @param healthPort            {@code HEALTH_PORT}
 * @param logLevels             {@code --log_output_level}: level of every scope mentioned or known
 *                              ({@code default}, {@code cni-agent}, {@code cni-plugin})
 * @param logAsJson             {@code --log_as_json}
 * @param updateCniBinaries     legacy {@code UPDATE_CNI_BINARIES}
 * @param skipCniBinaries       legacy {@code SKIP_CNI_BINARIES}
 * @param repair                the {@code REPAIR_*} settings
 * @param warnings              things to log at start-up (e.g. {@code ISTIO_OWNED_CNI_CONFIG=true} ignored)
 */
public record InstallSettings(
        String mountedCniNetDir,
        String cniConfName,
        boolean chainedCniPlugin,
        String cniAgentRunDir,
        int kubeconfigMode,
        boolean cniConfGroupRead,
        String kubeCaFile,
        boolean skipTlsVerify,
        int monitoringPort,
        List<String> excludeNamespaces,
        String podNamespace,
        boolean nativeNftables,
        boolean enableAmbientDetectionRetry,
        String kubernetesServiceHost,
        String kubernetesServicePort,
        String kubernetesServiceProtocol,
        String kubernetesNodeName,
        String nodeName,
        String podName,
        String cniBinSourceDir,
        List<String> cniBinTargetDirs,
        String serviceAccountPath,
        String hostProcPath,
        int healthPort,
        Map<String, String> logLevels,
        boolean logAsJson,
        boolean updateCniBinaries,
        List<String> skipCniBinaries,
        Repair repair,
        List<String> warnings) {

    /** The repair controller's settings (install.md 3.5, repair.md 2). */
    public record Repair(
            boolean enabled,
            boolean deletePods,
            boolean labelPods,
            boolean repairPods,
            String brokenPodLabelKey,
            String brokenPodLabelValue,
            String nodeName,
            String sidecarAnnotation,
            String initContainerName,
            String initContainerTerminationMessage,
            long initContainerExitCode,
            String labelSelectors,
            String fieldSelectors) {
    }

    public static final String KUBECONFIG_FILE = "istio-cni-kubeconfig";
    public static final String DEFAULT_STANDALONE_NAME = "YYY-istio-cni.conf";
    public static final List<String> LOG_LEVELS = List.of("debug", "info", "warn", "error", "fatal", "none");
    public static final List<String> LOG_SCOPES = List.of("default", "cni-agent", "cni-plugin");

    public InstallSettings {
        excludeNamespaces = List.copyOf(excludeNamespaces);
        cniBinTargetDirs = List.copyOf(cniBinTargetDirs);
        skipCniBinaries = List.copyOf(skipCniBinaries);
        logLevels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(logLevels));
        warnings = List.copyOf(warnings);
    }

    /** The plugin's log level: the output level of the {@code cni-plugin} scope (install.md 3.4). */
    public String pluginLogLevel() {
        return logLevels.getOrDefault("cni-plugin", "info");
    }

    /** {@code <CNI_AGENT_RUN_DIR>/istio-cni-kubeconfig}. */
    public String kubeconfigPath() {
        return join(cniAgentRunDir, KUBECONFIG_FILE);
    }

    /** {@code <SERVICE_ACCOUNT_PATH>/token}. */
    public String tokenPath() {
        return join(serviceAccountPath, "token");
    }

    /** Standalone mode: the file name we write ({@code CNI_CONF_NAME} or {@code YYY-istio-cni.conf}). */
    public String standaloneFileName() {
        return cniConfName.isEmpty() ? DEFAULT_STANDALONE_NAME : cniConfName;
    }

    /** File mode of the standalone config: 0600, or 0640 with {@code CNI_CONF_GROUP_READ}. */
    public int standaloneMode() {
        return cniConfGroupRead ? 0640 : 0600;
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    // ---------------------------------------------------------------------------------------------------------
    // parsing

    private enum Kind { BOOL, INT, STRING, REPAIR_STRING, REPAIR_INT, IGNORED }

    private static final Map<String, Kind> SETTINGS = new LinkedHashMap<>();
    private static final Set<String> LOG_FLAGS_IGNORED = Set.of("log_caller", "log_stacktrace_level", "log_target",
            "log_rotate", "log_rotate_max_age", "log_rotate_max_size", "log_rotate_max_backups", "ctrlz_port",
            "ctrlz_address");

    static {
        for (String s : List.of("CHAINED_CNI_PLUGIN", "CNI_CONF_GROUP_READ", "SKIP_TLS_VERIFY", "NATIVE_NFTABLES",
                "ENABLE_AMBIENT_DETECTION_RETRY", "AMBIENT_ENABLED", "ISTIO_OWNED_CNI_CONFIG", "UPDATE_CNI_BINARIES",
                "REPAIR_ENABLED", "REPAIR_DELETE_PODS", "REPAIR_LABEL_PODS", "REPAIR_REPAIR_PODS")) {
            SETTINGS.put(s, Kind.BOOL);
        }
        for (String s : List.of("KUBECONFIG_MODE", "MONITORING_PORT", "HEALTH_PORT")) {
            SETTINGS.put(s, Kind.INT);
        }
        for (String s : List.of("MOUNTED_CNI_NET_DIR", "CNI_CONF_NAME", "CNI_AGENT_RUN_DIR", "KUBE_CA_FILE",
                "EXCLUDE_NAMESPACES", "POD_NAMESPACE", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                "KUBERNETES_SERVICE_PROTOCOL", "KUBERNETES_NODE_NAME", "NODE_NAME", "POD_NAME", "CNI_BIN_SOURCE_DIR",
                "CNI_BIN_TARGET_DIRS", "SERVICE_ACCOUNT_PATH", "HOST_PROC_PATH", "SKIP_CNI_BINARIES")) {
            SETTINGS.put(s, Kind.STRING);
        }
        for (String s : List.of("REPAIR_BROKEN_POD_LABEL_KEY", "REPAIR_BROKEN_POD_LABEL_VALUE", "REPAIR_NODE_NAME",
                "REPAIR_SIDECAR_ANNOTATION", "REPAIR_INIT_CONTAINER_NAME",
                "REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE", "REPAIR_LABEL_SELECTORS", "REPAIR_FIELD_SELECTORS")) {
            SETTINGS.put(s, Kind.REPAIR_STRING);
        }
        SETTINGS.put("REPAIR_INIT_CONTAINER_EXIT_CODE", Kind.REPAIR_INT);
        for (String s : List.of("CNI_NETWORK_CONFIG", "CNI_NETWORK_CONFIG_FILE", "LOG_LEVEL", "CURRENT_AGENT_VERSION",
                "REPAIR_RUN_AS_DAEMON", "GOMEMLIMIT", "ALLOW_SWITCH_TO_HOST_NS", "AMBIENT_ENABLEMENT_SELECTOR",
                "AMBIENT_DNS_CAPTURE", "AMBIENT_IPV6", "AMBIENT_RECONCILE_POD_RULES_ON_STARTUP",
                "AMBIENT_DISABLE_SAFE_UPGRADE", "ZTUNNEL_UDS_ADDRESS", "SYSTEM_NAMESPACE", "REVISION",
                "FORCE_IPTABLES_BINARY", "ISTIO_OWNED_CNI_CONFIG_FILENAME", "ISTIO_OWNED_CNI_CONF_FILENAME",
                "CNI_NET_DIR", "CNI_NETNS_DIR")) {
            SETTINGS.put(s, Kind.IGNORED);
        }
    }

    /** The flag of a setting: {@code --chained-cni-plugin} for {@code CHAINED_CNI_PLUGIN}. */
    public static String flagOf(String envName) {
        return "--" + envName.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Resolves the settings from the process environment and the command-line arguments of {@code istio-cni install}
     * (without the subcommand itself). Flags are {@code --name=value} or {@code --name value}; a boolean flag alone
     * means {@code true}.
     *
     * @throws InstallSettingsException (one line naming the setting and the value) on any usage error
     */
    public static InstallSettings from(Map<String, String> env, List<String> args) {
        Map<String, String> flagToEnv = new LinkedHashMap<>();
        for (String name : SETTINGS.keySet()) {
            flagToEnv.put(flagOf(name).substring(2), name);
        }
        Map<String, String> flags = new LinkedHashMap<>(); // env name -> value
        String logOutputLevel = null;
        boolean logAsJson = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InstallSettingsException("unexpected argument " + quote(arg)
                        + " (istio-cni install takes only flags)");
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String inline = eq < 0 ? null : body.substring(eq + 1);
            if (name.equals("log_as_json")) {
                logAsJson = inline == null || parseBool("--log_as_json", inline);
                continue;
            }
            String envName = flagToEnv.get(name);
            boolean isBool = envName != null && SETTINGS.get(envName) == Kind.BOOL;
            if (envName == null && !name.equals("log_output_level") && !LOG_FLAGS_IGNORED.contains(name)) {
                throw new InstallSettingsException("unknown flag: --" + name);
            }
            String value = inline;
            if (value == null) {
                if (isBool) {
                    value = "true";
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new InstallSettingsException("flag needs an argument: --" + name);
                }
            }
            if (name.equals("log_output_level")) {
                logOutputLevel = value;
            } else if (envName != null) {
                flags.put(envName, value);
            }
        }
        Reader r = new Reader(env, flags);

        if (r.bool("AMBIENT_ENABLED", false)) {
            throw new InstallSettingsException(r.label("AMBIENT_ENABLED") + "=true: ambient mode is not supported");
        }
        boolean nativeNftables = r.bool("NATIVE_NFTABLES", false);
        List<String> warnings = new ArrayList<>();
        if (nativeNftables && !r.string("FORCE_IPTABLES_BINARY", "").isEmpty()) {
            warnings.add("FORCE_IPTABLES_BINARY is ignored: NATIVE_NFTABLES=true selects the nftables backend");
        }
        if (r.bool("ISTIO_OWNED_CNI_CONFIG", false)) {
            warnings.add("ISTIO_OWNED_CNI_CONFIG=true is ambient-only and ignored: the primary CNI config is"
                    + " modified as usual and never deleted");
        }
        for (String ignored : SETTINGS.keySet()) {
            if (SETTINGS.get(ignored) == Kind.IGNORED) {
                r.string(ignored, ""); // accepted, never acted on
            }
        }

        String serviceAccountPath = r.string("SERVICE_ACCOUNT_PATH", "/var/run/secrets/kubernetes.io/serviceaccount");
        String kubeCaFile = r.string("KUBE_CA_FILE", "");
        if (kubeCaFile.isEmpty()) {
            kubeCaFile = join(serviceAccountPath, "ca.crt");
        }
        int kubeconfigMode = (int) r.integer("KUBECONFIG_MODE", 0600, 0, 07777);
        int monitoringPort = (int) r.integer("MONITORING_PORT", 15014, Integer.MIN_VALUE, 65535);
        int healthPort = (int) r.integer("HEALTH_PORT", 8000, 0, 65535);
        String nodeName = r.string("NODE_NAME", "");
        String kubernetesNodeName = r.string("KUBERNETES_NODE_NAME", "");

        String repairNode = r.repairString("REPAIR_NODE_NAME", "");
        if (repairNode.isEmpty()) {
            repairNode = !nodeName.isEmpty() ? nodeName : kubernetesNodeName;
        }
        Repair repair = new Repair(
                r.bool("REPAIR_ENABLED", true),
                r.bool("REPAIR_DELETE_PODS", false),
                r.bool("REPAIR_LABEL_PODS", false),
                r.bool("REPAIR_REPAIR_PODS", false),
                r.repairString("REPAIR_BROKEN_POD_LABEL_KEY", "cni.istio.io/uninitialized"),
                r.repairString("REPAIR_BROKEN_POD_LABEL_VALUE", "true"),
                repairNode,
                r.repairString("REPAIR_SIDECAR_ANNOTATION", "sidecar.istio.io/status"),
                r.repairString("REPAIR_INIT_CONTAINER_NAME", "istio-validation"),
                r.repairString("REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE", ""),
                r.repairInteger("REPAIR_INIT_CONTAINER_EXIT_CODE", 126),
                r.repairString("REPAIR_LABEL_SELECTORS", ""),
                r.repairString("REPAIR_FIELD_SELECTORS", ""));

        return new InstallSettings(
                r.string("MOUNTED_CNI_NET_DIR", "/host/etc/cni/net.d"),
                r.string("CNI_CONF_NAME", ""),
                r.bool("CHAINED_CNI_PLUGIN", true),
                r.string("CNI_AGENT_RUN_DIR", "/var/run/istio-cni"),
                kubeconfigMode,
                r.bool("CNI_CONF_GROUP_READ", false),
                kubeCaFile,
                r.bool("SKIP_TLS_VERIFY", false),
                monitoringPort,
                list(r.string("EXCLUDE_NAMESPACES", "")),
                r.string("POD_NAMESPACE", ""),
                nativeNftables,
                r.bool("ENABLE_AMBIENT_DETECTION_RETRY", false),
                r.string("KUBERNETES_SERVICE_HOST", ""),
                r.string("KUBERNETES_SERVICE_PORT", ""),
                r.string("KUBERNETES_SERVICE_PROTOCOL", "https"),
                kubernetesNodeName,
                nodeName,
                r.string("POD_NAME", ""),
                r.string("CNI_BIN_SOURCE_DIR", "/opt/cni/bin"),
                list(r.string("CNI_BIN_TARGET_DIRS", "/host/opt/cni/bin")),
                serviceAccountPath,
                r.string("HOST_PROC_PATH", "/host/proc"),
                healthPort,
                logLevels(logOutputLevel),
                logAsJson,
                r.bool("UPDATE_CNI_BINARIES", true),
                list(r.string("SKIP_CNI_BINARIES", "")),
                repair,
                warnings);
    }

    /** Comma-separated items, each trimmed, empty items dropped, order kept. */
    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String t = item.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
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
        if (value == null || value.isEmpty()) {
            return levels;
        }
        for (String item : value.split(",", -1)) {
            int colon = item.lastIndexOf(':');
            String scope = colon < 0 ? "default" : item.substring(0, colon).trim();
            String level = (colon < 0 ? item : item.substring(colon + 1)).trim().toLowerCase(Locale.ROOT);
            if (scope.isEmpty() || !LOG_LEVELS.contains(level)) {
                throw new InstallSettingsException("invalid --log_output_level " + quote(value) + ": item "
                        + quote(item) + " is not [scope:]level with level one of " + String.join(", ", LOG_LEVELS));
            }
            if (scope.equals("all")) {
                for (String s : new LinkedHashSet<>(levels.keySet())) {
                    levels.put(s, level);
                }
            } else {
                levels.put(scope, level);
            }
        }
        return levels;
    }

    static boolean parseBool(String label, String v) {
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new InstallSettingsException("invalid value for " + label + ": " + quote(v)
                    + " (want true or false)");
        };
    }

    /** Go's {@code strconv.ParseInt(s, 0, 64)}: decimal, {@code 0x} hex, {@code 0o} or leading-0 octal, {@code 0b}. */
    static long parseInt(String label, String v) {
        String s = v;
        boolean negative = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        int radix = 10;
        boolean prefixed = false;
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
            prefixed = true;
        } else if (lower.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
            prefixed = true;
        } else if (lower.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
            prefixed = true;
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
            prefixed = true;
        }
        if (s.contains("_")) {
            // Go allows an underscore only between digits or right after a base prefix
            if (s.endsWith("_") || s.contains("__") || (s.startsWith("_") && !prefixed)) {
                s = "!";
            } else {
                s = s.replace("_", "");
            }
        }
        try {
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new NumberFormatException();
            }
            long n = Long.parseLong(s, radix);
            return negative ? -n : n;
        } catch (NumberFormatException e) {
            throw new InstallSettingsException("invalid value for " + label + ": " + quote(v)
                    + " (want an integer: decimal, 0x hexadecimal or 0/0o octal)");
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Looks a setting up: flag first, then environment variable; remembers where a value came from. */
    private static final class Reader {
        private final Map<String, String> env;
        private final Map<String, String> flags;

        Reader(Map<String, String> env, Map<String, String> flags) {
            this.env = env;
            this.flags = flags;
        }

        /** The name to report for a setting's value: the flag when given there, else the variable. */
        String label(String name) {
            String f = flags.get(name);
            return f != null && !f.isEmpty() ? flagOf(name) : name;
        }

        /** The raw value, empty counting as unset (null). */
        String raw(String name) {
            String f = flags.get(name);
            if (f != null && !f.isEmpty()) {
                return f;
            }
            String e = env.get(name);
            return e == null || e.isEmpty() ? null : e;
        }

        /** The raw value where an empty value counts as set (REPAIR_* strings and integers). */
        String rawKeepEmpty(String name) {
            String f = flags.get(name);
            return f != null ? f : env.get(name);
        }

        boolean bool(String name, boolean dflt) {
            String v = raw(name);
            return v == null ? dflt : parseBool(label(name), v);
        }

        long integer(String name, long dflt, long min, long max) {
            String v = raw(name);
            if (v == null) {
                return dflt;
            }
            long n = parseInt(label(name), v);
            if (n < min || n > max) {
                throw new InstallSettingsException("invalid value for " + label(name) + ": " + quote(v)
                        + " (out of range " + (min == Integer.MIN_VALUE ? "" : min) + ".." + max + ")");
            }
            return n;
        }

        String string(String name, String dflt) {
            String v = raw(name);
            return v == null ? dflt : v;
        }

        String repairString(String name, String dflt) {
            String v = rawKeepEmpty(name);
            return v == null ? dflt : v;
        }

        long repairInteger(String name, long dflt) {
            String v = rawKeepEmpty(name);
            if (v == null) {
                return dflt;
            }
            return v.isEmpty() ? 0 : parseInt(flags.containsKey(name) ? flagOf(name) : name, v);
        }
    }
}
