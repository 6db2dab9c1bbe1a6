package io.istiocni.capture;

import io.istiocni.rules.ValueChecks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses arguments the way Go's pflag does for Istio's {@code istio-iptables} (capture.md 1.1): {@code --name value},
 * {@code --name=value}, {@code -xvalue}, {@code -x=value}, grouped boolean shorthands, booleans that never take
 * the next word, last occurrence wins, positional words ignored, and environment variables below the command
 * line. Picocli cannot express "a boolean never consumes the next word", so this mode parses by itself.
 */
public final class FlagParser {

    /** The outcome: the value of every flag after precedence, plus whether help was asked for. */
    public record Parsed(Map<String, String> values, Set<String> explicit, boolean help, List<String> positionals) {
        public String get(String name) {
            return values.get(name);
        }

        public boolean isTrue(String name) {
            return Boolean.TRUE.equals(ValueChecks.parseGoBool(values.get(name)));
        }
    }

    private final List<FlagSpec> specs;
    private final Map<String, FlagSpec> byLongName = new HashMap<>();
    private final Map<Character, FlagSpec> byShorthand = new HashMap<>();

    public FlagParser(List<FlagSpec> specs) {
        this.specs = List.copyOf(specs);
        for (FlagSpec spec : specs) {
            byLongName.put(spec.name(), spec);
            spec.aliases().forEach(alias -> byLongName.put(alias, spec));
            if (spec.shorthand() != '\0') {
                byShorthand.put(spec.shorthand(), spec);
            }
        }
    }

    public Parsed parse(List<String> args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (FlagSpec spec : specs) {
            values.put(spec.name(), spec.defaultValue());
            for (String var : spec.envVars()) {
                String fromEnv = env.get(var);
                if (fromEnv != null && parsesAs(spec, fromEnv)) {
                    values.put(spec.name(), fromEnv);
                }
            }
        }
        Set<String> explicit = new TreeSet<>();
        boolean help = false;
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                positionals.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (arg.startsWith("--") && arg.length() > 2) {
                String body = arg.substring(2);
                int eq = body.indexOf('=');
                String name = eq < 0 ? body : body.substring(0, eq);
                FlagSpec spec = byLongName.get(name);
                if (spec == null) {
                    if (name.equals("help")) {
                        help = true;
                        continue;
                    }
                    throw new UsageException("unknown flag: --" + name);
                }
                String value;
                if (eq >= 0) {
                    value = body.substring(eq + 1);
                } else if (spec.isBool()) {
                    value = "true";
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException("flag needs an argument: --" + name);
                }
                set(values, spec, value, "--" + name);
                explicit.add(spec.name());
            } else if (arg.startsWith("-") && arg.length() > 1 && !arg.startsWith("--")) {
                String shorthands = arg.substring(1);
                while (!shorthands.isEmpty()) {
                    char c = shorthands.charAt(0);
                    FlagSpec spec = byShorthand.get(c);
                    if (spec == null) {
                        if (c == 'h') {
                            help = true;
                            shorthands = shorthands.substring(1);
                            continue;
                        }
                        throw new UsageException("unknown shorthand flag: '" + c + "' in -" + shorthands);
                    }
                    String rest = shorthands.substring(1);
                    String value;
                    if (rest.startsWith("=")) {
                        value = rest.substring(1);
                        rest = "";
                    } else if (spec.isBool()) {
                        value = "true";
                    } else if (!rest.isEmpty()) {
                        value = rest;
                        rest = "";
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException("flag needs an argument: '" + c + "' in -" + shorthands);
                    }
                    set(values, spec, value, "-" + c);
                    explicit.add(spec.name());
                    shorthands = rest;
                }
            } else {
                positionals.add(arg);
            }
        }
        return new Parsed(values, explicit, help, positionals);
    }

    private static void set(Map<String, String> values, FlagSpec spec, String value, String given) {
        if (!parsesAs(spec, value)) {
            throw new UsageException("invalid argument \"" + value + "\" for \"" + given + "\" flag: "
                    + switch (spec.type()) {
                        case BOOL -> "not a boolean (true or false)";
                        case DURATION -> "not a duration (e.g. 500ms, 5s, 1m)";
                        case UINT16 -> "not a port number (0-65535)";
                        case STRING -> "invalid";
                    });
        }
        values.put(spec.name(), value);
    }

    static boolean parsesAs(FlagSpec spec, String value) {
        return switch (spec.type()) {
            case STRING -> true;
            case BOOL -> ValueChecks.parseGoBool(value) != null;
            case DURATION -> GoDuration.parse(value) != null;
            case UINT16 -> ValueChecks.isPort(value);
        };
    }

    /** A usage text listing every flag, its shorthand, environment variables and default. */
    public String usage(String header) {
        StringBuilder sb = new StringBuilder(header).append("\n\nFlags:\n");
        for (FlagSpec spec : specs) {
            String left = (spec.shorthand() != '\0' ? "  -" + spec.shorthand() + ", " : "      ") + "--" + spec.name()
                    + (spec.isBool() ? "" : " " + spec.type().name().toLowerCase());
            sb.append(String.format("%-58s %s", left, spec.usage()));
            if (!spec.envVars().isEmpty()) {
                sb.append(" [env ").append(String.join(", ", spec.envVars())).append(']');
            }
            if (!spec.defaultValue().isEmpty() && !spec.isBool()) {
                sb.append(" (default ").append(spec.defaultValue()).append(')');
            }
            if (!spec.aliases().isEmpty()) {
                sb.append(" (also --").append(String.join(", --", spec.aliases())).append(')');
            }
            sb.append('\n');
        }
        sb.append(String.format("%-58s %s%n", "  -h, --help", "show this help"));
        return sb.toString();
    }
}
