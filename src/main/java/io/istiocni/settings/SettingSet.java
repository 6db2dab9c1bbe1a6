package io.istiocni.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of a mode in their declaration order, and what is derived from them: the parser of the command line
 * and the environment ({@link #parse}), the {@code --help} text ({@link #helpText()}) and the README's table
 * ({@link #markdownTable()}).
 */
public final class SettingSet {

    private static final int HELP_WIDTH = 80;

    private final List<Setting<?>> settings;
    private final Map<String, Setting<?>> byFlag = new LinkedHashMap<>();

    private SettingSet(List<Setting<?>> settings) {
        Map<String, Setting<?>> byEnv = new LinkedHashMap<>();
        IdentityHashMap<Setting<?>, Boolean> seen = new IdentityHashMap<>();
        List<Setting<?>> kept = new ArrayList<>();
        for (Setting<?> s : settings) {
            if (seen.put(s, Boolean.TRUE) != null) {
                continue; // the same declaration reached through two sets
            }
            if (s.env() != null && byEnv.put(s.env(), s) != null) {
                throw new IllegalStateException("setting " + s.env() + " declared twice");
            }
            if (s.flag() != null && byFlag.put(s.flag(), s) != null) {
                throw new IllegalStateException("flag --" + s.flag() + " declared twice");
            }
            kept.add(s);
        }
        this.settings = Collections.unmodifiableList(kept);
    }

    /** Collects declarations in order: {@code static final Setting<X> NAME = DECLARED.add(Setting.x(...));}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of several sets (a declaration in more than one is taken once), in order. */
    public static SettingSet union(SettingSet... sets) {
        List<Setting<?>> all = new ArrayList<>();
        for (SettingSet s : sets) {
            all.addAll(s.settings);
        }
        return new SettingSet(all);
    }

    /** The declarations, in order. */
    public List<Setting<?>> settings() {
        return settings;
    }

    /**
     * Resolves every setting from the command-line arguments (without the mode's name) and the environment: a flag
     * given on the command line, then the environment variable, then the default. Flags are {@code --name=value}
     * or {@code --name value}; a boolean flag alone means {@code true}, a boolean takes its value only after
     * {@code =}; when a flag is repeated the last one counts.
     *
     * @throws SettingsException one line naming the flag or variable and the value
     */
    public SettingValues parse(Map<String, String> env, List<String> args) {
        Map<Setting<?>, String> flags = new IdentityHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new SettingsException("unexpected argument " + GoSyntax.quote(arg)
                        + " (only --flag or --flag=value is accepted)");
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            Setting<?> s = byFlag.get(name);
            if (s == null) {
                throw new SettingsException("unknown flag: --" + name);
            }
            String value = eq < 0 ? null : body.substring(eq + 1);
            if (value == null) {
                if (s.bareFlagIsTrue()) {
                    value = "true";
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new SettingsException("flag needs an argument: --" + name);
                }
            }
            flags.put(s, value);
        }
        Map<Setting<?>, Object> values = new IdentityHashMap<>();
        for (Setting<?> s : settings) {
            values.put(s, resolve(s, flags.get(s), s.env() == null ? null : env.get(s.env())));
        }
        return new SettingValues(values);
    }

    private static <T> T resolve(Setting<T> s, String fromFlag, String fromEnv) {
        String raw;
        String label;
        if (fromFlag != null && (s.keepsEmpty() || !fromFlag.isEmpty())) {
            raw = fromFlag;
            label = "--" + s.flag();
        } else if (fromEnv != null && (s.keepsEmpty() || !fromEnv.isEmpty())) {
            raw = fromEnv;
            label = s.env();
        } else {
            return s.defaultValue();
        }
        T value;
        try {
            value = s.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("invalid value for " + label + ": " + GoSyntax.quote(raw) + " ("
                    + e.getMessage() + ")");
        }
        if (s.refused() != null && s.refused().equals(value)) {
            throw new SettingsException(label + "=" + raw + ": " + s.refusedReason());
        }
        return value;
    }

    // ---------------------------------------------------------------------------------------------------------
    // documentation

    /**
     * The settings for {@code --help}: each with its flag and variable, then its help text, kind and default, lines
     * of at most 80 characters (but for longer words); the ignored ones named at the end.
     */
    public String helpText() {
        StringBuilder out = new StringBuilder();
        out.append("Settings (a flag, else the environment variable, else the default):\n");
        List<String> ignored = new ArrayList<>();
        for (Setting<?> s : settings) {
            if (s.kind() == Setting.Kind.IGNORED) {
                ignored.add(s.env() != null ? s.env() : "--" + s.flag());
                continue;
            }
            StringBuilder head = new StringBuilder("  ");
            if (s.flag() != null) {
                head.append("--").append(s.flag());
            }
            if (s.env() != null) {
                boolean fits = head.length() + 2 + s.env().length() <= HELP_WIDTH;
                head.append(s.flag() == null ? "" : fits ? ", " : ",\n  ").append(s.env());
            }
            out.append(head).append('\n');
            wrap(out, s.help() + " (" + s.kind().label() + ", default "
                    + (s.defaultText().isEmpty() ? "empty" : s.defaultText()) + ")", "      ");
        }
        if (!ignored.isEmpty()) {
            out.append('\n');
            wrap(out, "Accepted and ignored: " + String.join(", ", ignored) + ".", "");
        }
        return out.toString();
    }

    /**
     * The README's table of these settings (Markdown, one row per setting, the ignored ones named in a line below),
     * ending with a newline.
     */
    public String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| flag | environment variable | kind | default | meaning |\n");
        out.append("| --- | --- | --- | --- | --- |\n");
        List<String> ignored = new ArrayList<>();
        for (Setting<?> s : settings) {
            if (s.kind() == Setting.Kind.IGNORED) {
                ignored.add(s.env() != null ? "`" + s.env() + "`" : "`--" + s.flag() + "`");
                continue;
            }
            out.append("| ").append(s.flag() == null ? "-" : "`--" + s.flag() + "`")
                    .append(" | ").append(s.env() == null ? "-" : "`" + s.env() + "`")
                    .append(" | ").append(s.kind().label())
                    .append(" | ").append(s.defaultText().isEmpty() ? "empty" : "`" + s.defaultText() + "`")
                    .append(" | ").append(s.help().replace("|", "\\|")).append(" |\n");
        }
        if (!ignored.isEmpty()) {
            out.append("\nAccepted and ignored: ").append(String.join(", ", ignored)).append(".\n");
        }
        return out.toString();
    }

    private static void wrap(StringBuilder out, String text, String indent) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > HELP_WIDTH) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.append(line).append('\n');
    }

    /** Declarations in order; {@link #build()} once they are all added. */
    public static final class Builder {
        private final List<Setting<?>> settings = new ArrayList<>();

        private Builder() {
        }

        /** Adds a declaration and returns it, to be kept in a constant. */
        public <T> Setting<T> add(Setting<T> setting) {
            settings.add(setting);
            return setting;
        }

        public SettingSet build() {
            return new SettingSet(settings);
        }
    }
}
