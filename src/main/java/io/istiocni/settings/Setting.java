package io.istiocni.settings;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One setting, declared once: its environment variable, its flag, its kind (how a value is parsed), its default and
 * its help text. Parsing ({@link SettingSet#parse}), the {@code --help} text and the README's table are derived from
 * the declarations.
 *
 * <p>The flag of a variable {@code NAME} is {@code --name} (lower case, {@code _} as {@code -}) unless declared
 * otherwise. An empty value counts as unset unless the setting is {@link #keepingEmpty()}.
 *
 * @param <T> the parsed value's type
 */
public final class Setting<T> {

    /** What a setting holds, for the help text and the README. */
    public enum Kind {
        BOOL("boolean"),
        INT("integer"),
        STRING("string"),
        LIST("comma-separated list"),
        /** accepted so that charts and older versions can set it, never acted on */
        IGNORED("ignored");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final String env;
    private final String flag;
    private final Kind kind;
    private final Function<String, T> parser;
    private final T defaultValue;
    private final String defaultText;
    private final String help;
    private final boolean emptyIsValue;
    private final T refused;
    private final String refusedReason;

    private Setting(String env, String flag, Kind kind, Function<String, T> parser, T defaultValue,
            String defaultText, String help, boolean emptyIsValue, T refused, String refusedReason) {
        if (env == null && flag == null) {
            throw new IllegalArgumentException("a setting needs an environment variable or a flag");
        }
        this.env = env;
        this.flag = flag;
        this.kind = Objects.requireNonNull(kind);
        this.parser = Objects.requireNonNull(parser);
        this.defaultValue = defaultValue;
        this.defaultText = Objects.requireNonNull(defaultText);
        this.help = Objects.requireNonNull(help);
        this.emptyIsValue = emptyIsValue;
        this.refused = refused;
        this.refusedReason = refusedReason;
    }

    // ---------------------------------------------------------------------------------------------------------
    // declarations

    /** A boolean in Go's syntax ({@code 1 t T TRUE true True} and the false counterparts); a bare flag is true. */
    public static Setting<Boolean> bool(String env, boolean defaultValue, String help) {
        return new Setting<>(env, flagOf(env), Kind.BOOL, GoSyntax::parseBool, defaultValue,
                Boolean.toString(defaultValue), help, false, null, null);
    }

    /**
     * An integer in Go's syntax ({@code strconv.ParseInt(s, 0, 64)}: {@code 0600} and {@code 0o600} octal,
     * {@code 0x180} hexadecimal), within {@code min..max}; {@code defaultText} is how the README and help show the
     * default (e.g. {@code 0600}).
     */
    public static Setting<Long> integer(String env, long defaultValue, String defaultText, long min, long max,
            String help) {
        Function<String, Long> parse = v -> {
            // an empty value only gets here for keepingEmpty(): Istio reads it as 0
            long n = v.isEmpty() ? 0 : GoSyntax.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException("out of range " + (min == Integer.MIN_VALUE ? "" : min) + ".."
                        + max);
            }
            return n;
        };
        return new Setting<>(env, flagOf(env), Kind.INT, parse, defaultValue, defaultText, help, false, null, null);
    }

    /** {@link #integer(String, long, String, long, long, String)} showing the default in decimal. */
    public static Setting<Long> integer(String env, long defaultValue, long min, long max, String help) {
        return integer(env, defaultValue, Long.toString(defaultValue), min, max, help);
    }

    /** A string, taken as it is. */
    public static Setting<String> string(String env, String defaultValue, String help) {
        return new Setting<>(env, flagOf(env), Kind.STRING, v -> v, defaultValue, defaultValue, help, false, null,
                null);
    }

    /** Comma-separated items, each trimmed, empty items dropped, order kept. */
    public static Setting<List<String>> list(String env, String defaultValue, String help) {
        return new Setting<>(env, flagOf(env), Kind.LIST, GoSyntax::list, GoSyntax.list(defaultValue),
                defaultValue, help, false, null, null);
    }

    /** A variable (and its flag) that is accepted and never acted on. */
    public static Setting<String> ignored(String env) {
        return new Setting<>(env, flagOf(env), Kind.IGNORED, v -> v, "", "", "accepted and ignored", false, null,
                null);
    }

    /** A flag without a variable that takes a value and is accepted and never acted on. */
    public static Setting<String> ignoredFlag(String flag) {
        return new Setting<>(null, flag, Kind.IGNORED, v -> v, "", "", "accepted and ignored", false, null, null);
    }

    /**
     * A setting with a parser of its own ({@code parser} throws {@link IllegalArgumentException} with the reason);
     * {@code env} or {@code flag} (without the dashes) may be null.
     */
    public static <T> Setting<T> of(String env, String flag, Kind kind, Function<String, T> parser, T defaultValue,
            String defaultText, String help) {
        return new Setting<>(env, flag, kind, parser, defaultValue, defaultText, help, false, null, null);
    }

    /** The same setting as a flag only, without an environment variable. */
    public Setting<T> flagOnly(String flagName) {
        return new Setting<>(null, flagName, kind, parser, defaultValue, defaultText, help, emptyIsValue, refused,
                refusedReason);
    }

    /** The same setting where an empty value counts as set (to the empty string, or 0), as Istio's REPAIR_*. */
    public Setting<T> keepingEmpty() {
        return new Setting<>(env, flag, kind, parser, defaultValue, defaultText, help, true, refused, refusedReason);
    }

    /** The same setting where {@code value} is a usage error: {@code NAME=value: <reason>}. */
    public Setting<T> refusing(T value, String reason) {
        return new Setting<>(env, flag, kind, parser, defaultValue, defaultText, help, emptyIsValue,
                Objects.requireNonNull(value), Objects.requireNonNull(reason));
    }

    /** {@code --chained-cni-plugin} for {@code CHAINED_CNI_PLUGIN}, without the dashes. */
    static String flagOf(String env) {
        return env.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    // ---------------------------------------------------------------------------------------------------------
    // reading

    /** The environment variable, or null when the setting is a flag only. */
    public String env() {
        return env;
    }

    /** The flag name without the dashes, or null when there is no flag. */
    public String flag() {
        return flag;
    }

    public Kind kind() {
        return kind;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the help text and the README show it ("" for empty). */
    public String defaultText() {
        return defaultText;
    }

    public String help() {
        return help;
    }

    boolean keepsEmpty() {
        return emptyIsValue;
    }

    /** The value that is a usage error, or null. */
    T refused() {
        return refused;
    }

    /** Why {@link #refused()} is a usage error, or null. */
    String refusedReason() {
        return refusedReason;
    }

    /** The name by which messages call the setting: its variable, or its flag. */
    public String name() {
        return env != null ? env : "--" + flag;
    }

    boolean bareFlagIsTrue() {
        return kind == Kind.BOOL;
    }

    T parse(String value) {
        return parser.apply(value);
    }

    @Override
    public String toString() {
        return name();
    }
}
