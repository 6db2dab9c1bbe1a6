package io.istiocni.log;

import io.istiocni.json.GoJsonString;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one log of the daemons ({@code istio-cni install}, {@code istio-cni repair}), in Istio's {@code pkg/log}
 * layout (install.md 3.4, 9.4): every line of every scope goes to stdout, Istio's default log target, as
 * {@code <time>\t<level>\t<scope>\t<message>} or, with {@code --log_as_json}, as zap's JSON
 * {@code {"level":"info","time":"2026-...Z","scope":"cni-agent","msg":"..."}} (keys {@code level}, {@code time},
 * {@code scope}, {@code msg}, then {@code stack} for an exception; no caller); levels as Istio writes them
 * ({@code debug info warn error fatal}); time UTC with microseconds. The {@code default} scope is written without
 * a scope, as Istio does.
 *
 * <p>Scopes: the loggers {@code cni-agent} and {@code cni-plugin} are Istio's scopes; the program's own classes
 * ({@code io.istiocni.*}, which log through {@code System.Logger}) count as {@code cni-agent}, the scope Istio's
 * installer and repair controller log under; everything else (libraries) is {@code default} for its level and keeps
 * its category name on the line. {@code --log_output_level} sets each scope's level ({@code none} silences it).
 *
 * <p>Installed over the JDK logging root, so the JBoss Logging loggers Quarkus provides and {@code System.Logger}
 * both end here; no reflection, nothing done at class initialisation.
 */
public final class DaemonLog {

    public static final String AGENT = "cni-agent";
    public static final String PLUGIN = "cni-plugin";
    public static final String DEFAULT = "default";
    private static final String OWN_PACKAGE = "io.istiocni";

    /** The configured loggers, held so that the JDK's weakly held loggers keep their levels. */
    private static volatile java.util.List<Logger> configured = java.util.List.of();

    private DaemonLog() {
    }

    /**
     * Replaces every handler of the root logger with the daemon's and sets the scopes' levels.
     *
     * @param levels scope to Istio level name ({@code default}, {@code cni-agent}, {@code cni-plugin}; others are
     *               ignored), as {@code --log_output_level} resolved them
     * @param json   {@code --log_as_json}
     */
    public static void install(Map<String, String> levels, boolean json, PrintStream out) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler handler = new LineHandler(out, new IstioFormatter(json, Clock.systemUTC()));
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(level(levels.getOrDefault(DEFAULT, "info")));
        Level agent = level(levels.getOrDefault(AGENT, "info"));
        Logger agentLogger = Logger.getLogger(AGENT);
        Logger ownLogger = Logger.getLogger(OWN_PACKAGE);
        Logger pluginLogger = Logger.getLogger(PLUGIN);
        agentLogger.setLevel(agent);
        ownLogger.setLevel(agent);
        pluginLogger.setLevel(level(levels.getOrDefault(PLUGIN, "info")));
        configured = java.util.List.of(root, agentLogger, ownLogger, pluginLogger);
    }

    /** Istio's level name to the JDK's (JBoss Logging's DEBUG is FINE, its FATAL above SEVERE). */
    static Level level(String istio) {
        return switch (istio.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            case "fatal" -> FATAL;
            case "none" -> Level.OFF;
            default -> Level.INFO;
        };
    }

    /** JBoss Logging's FATAL (1100). */
    private static final Level FATAL = new Level("FATAL", 1100) {
    };

    /** The level as Istio names it. */
    static String name(Level level) {
        int v = level.intValue();
        if (v >= 1100) {
            return "fatal";
        }
        if (v >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (v >= Level.WARNING.intValue()) {
            return "warn";
        }
        if (v >= Level.INFO.intValue()) {
            return "info";
        }
        return "debug";
    }

    /** The scope written on a line: "" for default, the scope's name, a library's category name. */
    static String scope(String loggerName) {
        if (loggerName == null || loggerName.isEmpty() || loggerName.equals(DEFAULT)) {
            return "";
        }
        if (loggerName.equals(OWN_PACKAGE) || loggerName.startsWith(OWN_PACKAGE + ".")) {
            return AGENT;
        }
        return loggerName;
    }

    /** Istio's text or JSON line, without the line end. */
    static final class IstioFormatter extends Formatter {

        private final boolean json;
        private final Clock clock;

        IstioFormatter(boolean json, Clock clock) {
            this.json = json;
            this.clock = clock;
        }

        @Override
        public String format(LogRecord r) {
            return line(r.getInstant() != null ? r.getInstant() : clock.instant(), r.getLevel(),
                    scope(r.getLoggerName()), message(r), stack(r.getThrown()));
        }

        String line(java.time.Instant time, Level level, String scope, String msg, String stack) {
            StringBuilder sb = new StringBuilder(64 + msg.length());
            if (json) {
                sb.append("{\"level\":\"").append(name(level)).append("\",\"time\":\"").append(LogTime.format(time))
                        .append('"');
                if (!scope.isEmpty()) {
                    sb.append(",\"scope\":");
                    GoJsonString.append(sb, scope, GoJsonString.Style.ZAP);
                }
                sb.append(",\"msg\":");
                GoJsonString.append(sb, msg, GoJsonString.Style.ZAP);
                if (stack != null) {
                    sb.append(",\"stack\":");
                    GoJsonString.append(sb, stack, GoJsonString.Style.ZAP);
                }
                return sb.append('}').toString();
            }
            sb.append(LogTime.format(time)).append('\t').append(name(level)).append('\t');
            if (!scope.isEmpty()) {
                sb.append(scope).append('\t');
            }
            sb.append(msg);
            if (stack != null) {
                sb.append('\n').append(stack);
            }
            return sb.toString();
        }

        /** JBoss Logging's printf-style records know their text; JDK records are formatted the JDK's way. */
        private String message(LogRecord r) {
            if (r instanceof org.jboss.logmanager.ExtLogRecord ext) {
                String m = ext.getFormattedMessage();
                return m == null ? "" : m;
            }
            String m = formatMessage(r);
            return m == null ? "" : m;
        }

        private static String stack(Throwable t) {
            if (t == null) {
                return null;
            }
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            return w.toString().stripTrailing();
        }
    }

    /** Writes each formatted record as one line and flushes, under a lock (lines never interleave). */
    static final class LineHandler extends Handler {

        private final PrintStream out;

        LineHandler(PrintStream out, Formatter formatter) {
            this.out = out;
            setFormatter(formatter);
        }

        @Override
        public void publish(LogRecord record) {
            if (record == null || !isLoggable(record)) {
                return;
            }
            String line;
            try {
                line = getFormatter().format(record);
            } catch (RuntimeException e) {
                line = String.valueOf(record.getMessage());
            }
            synchronized (this) {
                out.print(line + "\n");
                out.flush();
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
