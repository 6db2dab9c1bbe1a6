package io.istiocni.cni.log;

import java.util.Locale;

/** The plugin's log levels (plugin.md 9), in increasing severity; {@link #NONE} turns logging off. */
public enum LogLevel {
    DEBUG("debug"),
    INFO("info"),
    WARN("warn"),
    ERROR("error"),
    FATAL("fatal"),
    NONE("none");

    private final String label;

    LogLevel(String label) {
        this.label = label;
    }

    /** The name written in the {@code level} field and used in the configuration. */
    public String label() {
        return label;
    }

    /** The level of that name ({@code debug}, ..., {@code none}; case and surrounding blanks ignored), else null. */
    public static LogLevel byName(String name) {
        if (name == null) {
            return null;
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (LogLevel l : values()) {
            if (l.label.equals(n)) {
                return l;
            }
        }
        return n.equals("warning") ? WARN : null;
    }

    /** As {@link #byName}, but an unknown or missing name counts as {@link #INFO} (difference D7). */
    public static LogLevel parse(String name) {
        LogLevel l = byName(name);
        return l == null ? INFO : l;
    }
}
