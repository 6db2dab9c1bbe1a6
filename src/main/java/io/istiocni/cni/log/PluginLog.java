package io.istiocni.cni.log;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The CNI plugin's log (plugin.md 9): JSON lines ({@link LogLine}) to three sinks, never to stdout.
 * <ol>
 * <li>stderr, always (at the configured level; before {@link #configure} at {@code info});</li>
 * <li>the node agent's log socket, when it exists at {@link #configure}: the lines are kept and sent in one
 * {@code POST /log} by {@link #close()} (1 s, failures ignored);</li>
 * <li>the rolling file {@code <run dir>/istio-cni.log}, at {@code info} and above and not below the configured
 * level, when the run directory exists ({@link RollingFile}).</li>
 * </ol>
 * {@code none} turns all of them off. A failing sink never throws. Thread-safe.
 */
public final class PluginLog implements AutoCloseable {

    /** Rotate the file when it passes 10 MB. */
    public static final long MAX_FILE_BYTES = 10L * 1024 * 1024;
    /** Drop the rotated file when it is older than 2 days. */
    public static final Duration MAX_BACKUP_AGE = Duration.ofDays(2);
    /** The whole {@code POST /log} exchange. */
    public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(1);
    /** Lines kept for the socket at most (a plugin run logs a few dozen). */
    private static final int MAX_SOCKET_LINES = 10_000;

    private final PrintStream stderr;
    private final Clock clock;
    private final long maxFileBytes;
    private final Duration socketTimeout;

    private LogLevel level = LogLevel.INFO;
    private RollingFile file;
    private Path socket;
    private List<String> socketLines;
    private int lastPostStatus;

    /** Stderr, the system clock and the production limits. */
    public PluginLog() {
        this(System.err, Clock.systemUTC(), MAX_FILE_BYTES, SOCKET_TIMEOUT);
    }

    /** For tests: where "stderr" goes, the clock, the rotation size and the socket timeout. */
    public PluginLog(PrintStream stderr, Clock clock, long maxFileBytes, Duration socketTimeout) {
        this.stderr = stderr;
        this.clock = clock;
        this.maxFileBytes = maxFileBytes;
        this.socketTimeout = socketTimeout;
    }

    /**
     * Applies the configuration: the level by name (unknown or null: {@code info}), the run directory of the rolling
     * file (null, or a directory that does not exist: no file) and the node agent's log socket (null, or no such
     * file: not used).
     */
    public void configure(String levelName, Path runDir, Path socketPath) {
        configure(LogLevel.parse(levelName), runDir, socketPath);
    }

    public synchronized void configure(LogLevel newLevel, Path runDir, Path socketPath) {
        level = newLevel == null ? LogLevel.INFO : newLevel;
        file = null;
        try {
            if (runDir != null && level != LogLevel.NONE && Files.isDirectory(runDir)) {
                file = new RollingFile(runDir, maxFileBytes, MAX_BACKUP_AGE, clock);
            }
        } catch (RuntimeException e) {
            file = null;
        }
        boolean useSocket = false;
        try {
            useSocket = socketPath != null && level != LogLevel.NONE && Files.exists(socketPath);
        } catch (RuntimeException e) {
            // unusable path: no socket
        }
        socket = useSocket ? socketPath : null;
        if (socket != null && socketLines == null) {
            socketLines = new ArrayList<>();
        } else if (socket == null) {
            socketLines = null;
        }
    }

    /** The level in effect. */
    public synchronized LogLevel level() {
        return level;
    }

    /** Whether an entry at {@code l} would be written anywhere (to skip building expensive debug messages). */
    public synchronized boolean enabled(LogLevel l) {
        return l != LogLevel.NONE && level != LogLevel.NONE && l.compareTo(level) >= 0;
    }

    public void debug(String msg, String... labels) {
        log(LogLevel.DEBUG, msg, labels);
    }

    public void info(String msg, String... labels) {
        log(LogLevel.INFO, msg, labels);
    }

    public void warn(String msg, String... labels) {
        log(LogLevel.WARN, msg, labels);
    }

    public void error(String msg, String... labels) {
        log(LogLevel.ERROR, msg, labels);
    }

    /** Maps the JDK's levels (as used by {@code io.istiocni.kube.FetchLog}) to ours. */
    public void log(System.Logger.Level jdkLevel, String msg, String... labels) {
        log(switch (jdkLevel) {
            case ALL, TRACE, DEBUG -> LogLevel.DEBUG;
            case INFO -> LogLevel.INFO;
            case WARNING -> LogLevel.WARN;
            case ERROR -> LogLevel.ERROR;
            case OFF -> LogLevel.NONE;
        }, msg, labels);
    }

    /** One entry; {@code labels} are key, value pairs ({@code "pod", "ns/name", "if", "eth0"}). Never throws. */
    public synchronized void log(LogLevel l, String msg, String... labels) {
        if (!enabled(l)) {
            return;
        }
        String line;
        try {
            line = LogLine.format(clock.instant(), l, msg, labels);
        } catch (RuntimeException e) {
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            stderr.write(bytes, 0, bytes.length);
            stderr.flush();
        } catch (RuntimeException e) {
            // ignored
        }
        if (file != null && l.compareTo(LogLevel.INFO) >= 0) {
            file.append(bytes);
        }
        if (socketLines != null && socketLines.size() < MAX_SOCKET_LINES) {
            socketLines.add(line);
        }
    }

    /** The time source (for callers that log durations consistently with the entries). */
    public Instant now() {
        return clock.instant();
    }

    /**
     * Sends the kept lines to the node agent's socket (one {@code POST /log}, at most the socket timeout; nothing is
     * sent when there are no lines). Later entries still go to stderr and the file. Never throws.
     */
    @Override
    public void close() {
        Path target;
        List<String> lines;
        synchronized (this) {
            target = socket;
            lines = socketLines;
            socket = null;
            socketLines = null;
        }
        if (target != null && lines != null && !lines.isEmpty()) {
            int status = LogSocket.post(target, lines, socketTimeout);
            synchronized (this) {
                lastPostStatus = status;
            }
        }
    }

    /** The HTTP status of the last {@code POST /log} made by {@link #close()}: -1 failed, 0 none made. */
    public synchronized int lastPostStatus() {
        return lastPostStatus;
    }
}
