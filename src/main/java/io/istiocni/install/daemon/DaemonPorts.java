package io.istiocni.install.daemon;

import java.util.List;
import java.util.Map;

/**
 * The two listener ports of the daemon, read as install.md 3.1 says (flag, then environment variable, then
 * default; integers decimal, {@code 0x..} hex, {@code 0..}/{@code 0o..} octal; empty = unset):
 * {@code --health-port}/{@code HEALTH_PORT} (8000, 3.3) and {@code --monitoring-port}/{@code MONITORING_PORT}
 * (15014, 0 or negative: no metrics server, 3.2). Other arguments are left to the installer's settings.
 */
public record DaemonPorts(int health, int monitoring) {

    public static final int DEFAULT_HEALTH_PORT = 8000;
    public static final int DEFAULT_MONITORING_PORT = 15014;

    /** @throws IllegalArgumentException a usage error, naming the flag or variable */
    public static DaemonPorts parse(List<String> args, Map<String, String> env) {
        int health = read(args, env, "health-port", DEFAULT_HEALTH_PORT);
        int monitoring = read(args, env, "monitoring-port", DEFAULT_MONITORING_PORT);
        if (health <= 0 || health > 65535) {
            throw new IllegalArgumentException("invalid health port " + health + " (HEALTH_PORT / --health-port)");
        }
        if (monitoring > 65535) {
            throw new IllegalArgumentException(
                    "invalid monitoring port " + monitoring + " (MONITORING_PORT / --monitoring-port)");
        }
        return new DaemonPorts(health, monitoring);
    }

    private static int read(List<String> args, Map<String, String> env, String flag, int dflt) {
        String value = null;
        String name = "--" + flag;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                break;
            }
            String bare = a.startsWith("--") ? a : a.startsWith("-") ? "-" + a : a; // Go flags: -x is --x
            if (bare.equals(name)) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("flag needs an argument: " + name);
                }
                value = args.get(++i);
                name = "--" + flag;
            } else if (bare.startsWith(name + "=")) {
                value = bare.substring(name.length() + 1);
            }
        }
        String source = "--" + flag;
        if (value == null || value.isEmpty()) {
            String var = flag.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            value = env.get(var);
            source = var;
        }
        if (value == null || value.isEmpty()) {
            return dflt;
        }
        try {
            return parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + value + "\" for " + source + ": not an integer");
        }
    }

    /** Go's strconv.ParseInt(s, 0, 0): decimal, 0x hex, 0o or leading-0 octal, 0b binary, optional sign. */
    static int parseInt(String s) {
        boolean negative = false;
        String t = s;
        if (t.startsWith("-") || t.startsWith("+")) {
            negative = t.startsWith("-");
            t = t.substring(1);
        }
        t = t.replace("_", "");
        int radix = 10;
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            t = t.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            t = t.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        if (t.isEmpty() || t.startsWith("-") || t.startsWith("+")) {
            throw new NumberFormatException(s);
        }
        int v = Integer.parseInt(t, radix);
        return negative ? -v : v;
    }
}
