package io.istiocni.install.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import io.istiocni.localhttp.LocalHttpRequest;
import org.jboss.logging.Logger;

/**
 * install.md 9.4: the Unix socket {@code <CNI_AGENT_RUN_DIR>/log.sock} where CNI plugin processes (ours and Istio's)
 * {@code POST /log} a JSON array of JSON-encoded log lines when they end; each line is logged again under the
 * {@code cni-plugin} scope, so that plugin logs show in the node agent's own log ({@code kubectl logs}).
 *
 * <p>A minimal HTTP/1.1 server with the JDK's Unix domain sockets (no native transport): one platform daemon thread
 * accepts (a virtual thread blocked in {@code accept} held up the JVM's exit by some 300 ms after SIGTERM), one
 * virtual thread per connection reads the request ({@code Content-Length} or chunked body, at most
 * {@link #MAX_BODY} bytes and {@link #CONNECTION_TIMEOUT}), answers and closes. A stale socket file is replaced on
 * start; a failure to serve is logged and never fatal.
 */
public final class PluginLogSocket implements AutoCloseable {

    /** Where re-logged plugin lines go, with their level ({@code debug}, {@code info}, {@code warn}, {@code error}). */
    @FunctionalInterface
    interface Sink {
        void log(String level, String text);
    }

    static final String FILE_NAME = "log.sock";
    static final int MAX_BODY = 8 * 1024 * 1024;
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger AGENT = Logger.getLogger("cni-agent");
    private static final Logger PLUGIN = Logger.getLogger("cni-plugin");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final ServerSocketChannel server;
    private final Sink sink;
    private volatile boolean closed;

    private PluginLogSocket(Path path, ServerSocketChannel server, Sink sink) {
        this.path = path;
        this.server = server;
        this.sink = sink;
    }

    /** The production sink: the daemon's log, scope {@code cni-plugin}. */
    static void toDaemonLog(String level, String text) {
        switch (level) {
            case "debug" -> PLUGIN.debug(text);
            case "warn" -> PLUGIN.warn(text);
            case "error" -> PLUGIN.error(text);
            default -> PLUGIN.info(text);
        }
    }

    /** Serves {@code <runDir>/log.sock}; null (after logging why) when it cannot. */
    static PluginLogSocket start(Path runDir, Sink sink) {
        Path path = runDir.resolve(FILE_NAME);
        ServerSocketChannel server = null;
        try {
            CoreInstaller.createRunDirectory(runDir);
            if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path)) {
                Files.delete(path); // a stale socket from an earlier run
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            // only root (the plugin) may connect and write into the daemon's log, whatever the umask made of it
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            closeQuietly(server);
            AGENT.warnf("cannot serve the plugin log socket %s: %s (plugin logs stay in its own log file)", path,
                    e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
        PluginLogSocket socket = new PluginLogSocket(path, server, sink);
        Thread.ofPlatform().daemon().name("plugin-log-socket").start(socket::acceptLoop);
        AGENT.debugf("serving the plugin log socket %s", path);
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    AGENT.debugf("plugin log socket: accept failed: %s", e.getMessage());
                }
                continue;
            }
            Thread.ofVirtual().name("plugin-log-connection").start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        Thread watchdog = LocalHttpRequest.closeAfter(ch, CONNECTION_TIMEOUT);
        try (ch) {
            int status;
            List<String> lines = null;
            try {
                LocalHttpRequest request = LocalHttpRequest.read(ch, MAX_BODY);
                if (!"/log".equals(request.path())) {
                    status = 404;
                } else if (!"POST".equals(request.method())) {
                    status = 405;
                } else {
                    lines = lines(request.body());
                    status = lines == null ? 400 : 200;
                }
            } catch (LocalHttpRequest.BadRequestException e) {
                AGENT.debugf("plugin log socket: bad request: %s", e.getMessage());
                status = 400;
            }
            String reason = switch (status) {
                case 200 -> "OK";
                case 404 -> "Not Found";
                case 405 -> "Method Not Allowed";
                default -> "Bad Request";
            };
            if (lines != null) {
                lines.forEach(this::relog); // before the answer: once the plugin has its 200, the lines are logged
            }
            ByteBuffer answer = ByteBuffer.wrap(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            while (answer.hasRemaining()) {
                ch.write(answer);
            }
        } catch (IOException e) {
            AGENT.debugf("plugin log socket: %s", e.getMessage());
        } finally {
            watchdog.interrupt();
        }
    }

    /** The body's strings; null when it is not a JSON array of strings. */
    static List<String> lines(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
        if (root == null || !root.isArray()) {
            return null;
        }
        List<String> lines = new ArrayList<>(root.size());
        for (JsonNode n : root) {
            if (!n.isTextual()) {
                return null;
            }
            lines.add(n.textValue());
        }
        return lines;
    }

    /**
     * One plugin line again: its level, its message, then its other fields as {@code key=value} separated by tabs
     * (Istio's labels); its own {@code time} is dropped (the daemon's line has one). A line that is not a JSON object
     * is logged as it is, at info.
     */
    void relog(String line) {
        relog(line, sink);
    }

    /**
     * One plugin log line into the daemon's log under the {@code cni-plugin} scope, as the lines received here: the
     * node agent's pod set-ups log their pods' lines this way too (composed by the install command).
     */
    public static void relogToDaemonLog(String line) {
        relog(line, PluginLogSocket::toDaemonLog);
    }

    /** {@link #relog(String)} to any sink. */
    static void relog(String line, Sink sink) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            sink.log("info", line.strip());
            return;
        }
        String level = n.path("level").asText("info").toLowerCase(Locale.ROOT);
        if (level.equals("warning")) {
            level = "warn";
        }
        StringBuilder text = new StringBuilder(n.path("msg").asText(""));
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = f.getKey();
            if (key.equals("level") || key.equals("msg") || key.equals("time")) {
                continue;
            }
            JsonNode v = f.getValue();
            text.append('\t').append(key).append('=').append(v.isTextual() ? v.textValue() : v.toString());
        }
        sink.log(level, text.toString());
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            AGENT.debugf("cannot remove %s: %s", path, e.getMessage());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
