package io.istiocni.log;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.Locale;

/**
 * The log of the edge packages (iptables, netns, nftables): {@link System.Logger} messages ({@code {0}} patterns),
 * the logger looked up on first use rather than when the class loads. The lookup (the logger-finder service search
 * over the class path, then the JDK's logging set-up) costs a plugin start about 20 ms (issue 10), so the plugin
 * process, whose own log is {@code cni.log.PluginLog}, sends these lines to stderr as JDK logging's default does
 * (INFO and above, one line each) without making a logger ({@link #toStderr}).
 */
public final class EdgeLog {

    private static volatile PrintStream plainSink;

    private final String name;
    private volatile System.Logger logger;

    private EdgeLog(String name) {
        this.name = name;
    }

    public static EdgeLog of(Class<?> owner) {
        return new EdgeLog(owner.getName());
    }

    /** From now on in this process: INFO and above to {@code stderr}, one line each, DEBUG dropped. */
    public static void toStderr(PrintStream stderr) {
        plainSink = stderr;
    }

    /** Whether a {@link #debug} line would be written (to spare building its arguments). */
    public boolean debugEnabled() {
        return plainSink == null && logger().isLoggable(System.Logger.Level.DEBUG);
    }

    public void debug(String pattern, Object... args) {
        log(System.Logger.Level.DEBUG, pattern, args);
    }

    public void info(String pattern, Object... args) {
        log(System.Logger.Level.INFO, pattern, args);
    }

    public void warn(String pattern, Object... args) {
        log(System.Logger.Level.WARNING, pattern, args);
    }

    private System.Logger logger() {
        System.Logger l = logger;
        if (l == null) {
            l = System.getLogger(name);
            logger = l;
        }
        return l;
    }

    private void log(System.Logger.Level level, String pattern, Object... args) {
        PrintStream sink = plainSink;
        if (sink != null) {
            if (level.getSeverity() >= System.Logger.Level.INFO.getSeverity()) {
                String text = args.length == 0 ? pattern : new MessageFormat(pattern, Locale.ROOT).format(args);
                sink.println(level.getName() + ": " + text);
            }
            return;
        }
        System.Logger l = logger();
        if (l.isLoggable(level)) {
            l.log(level, pattern, args);
        }
    }
}
