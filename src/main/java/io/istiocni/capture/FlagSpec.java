package io.istiocni.capture;

import java.util.List;

/**
 * One command-line flag in Go pflag style: a long name, an optional one-letter shorthand, extra long names,
 * the environment variables that feed it (later ones win) and its default.
 */
public record FlagSpec(String name, char shorthand, List<String> aliases, List<String> envVars, Type type,
        String defaultValue, String usage) {

    public enum Type {
        STRING, BOOL, DURATION, UINT16
    }

    public FlagSpec {
        aliases = List.copyOf(aliases);
        envVars = List.copyOf(envVars);
    }

    public boolean isBool() {
        return type == Type.BOOL;
    }

    static FlagSpec string(String name, char shorthand, String env, String def, String usage) {
        return new FlagSpec(name, shorthand, List.of(), env == null ? List.of() : List.of(env), Type.STRING, def,
                usage);
    }

    static FlagSpec bool(String name, List<String> envVars, String usage) {
        return new FlagSpec(name, '\0', List.of(), envVars, Type.BOOL, "false", usage);
    }
}
