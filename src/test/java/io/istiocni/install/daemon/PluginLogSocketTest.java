package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cni.log.PluginLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** install.md 9.4: the plugin log socket, with the plugin's own sender on the other end. */
class PluginLogSocketTest {

    @TempDir
    Path runDir;

    final List<String> relogged = new CopyOnWriteArrayList<>();
    PluginLogSocket socket;

    @AfterEach
    void close() {
        if (socket != null) {
            socket.close();
        }
    }

    PluginLogSocket start() {
        socket = PluginLogSocket.start(runDir, (level, text) -> relogged.add(level + " " + text));
        assertNotNull(socket);
        return socket;
    }

    @Test
    void thePluginsLinesAreLoggedAgainUnderTheirLevelsWithTheirLabels() throws Exception {
        start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PluginLog log = new PluginLog(new PrintStream(stderr, true, StandardCharsets.UTF_8), Clock.systemUTC(),
                1 << 20, Duration.ofSeconds(1));
        log.configure("debug", runDir, runDir.resolve("log.sock"));
        log.info("pod left alone: excluded namespace", "pod", "kube-system/coredns-1", "netns", "/var/run/netns/x");
        log.warn("first pod fetch failed");
        log.error("ADD failed: boom");
        log.debug("details");
        log.close();
        assertEquals(200, log.lastPostStatus());
        assertEquals(List.of(
                "info pod left alone: excluded namespace\tpod=kube-system/coredns-1\tnetns=/var/run/netns/x",
                "warn first pod fetch failed", "error ADD failed: boom", "debug details"), relogged);
    }

    @Test
    void aStaleSocketFileIsReplacedAndCloseRemovesIt() throws Exception {
        Files.writeString(runDir.resolve("log.sock"), "left over by a crashed agent");
        start();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(runDir.resolve("log.sock"))), "no other user may write into our log");
        assertEquals(200, post("POST", "/log", "[\"{\\\"level\\\":\\\"info\\\",\\\"msg\\\":\\\"hi\\\"}\"]", false));
        socket.close();
        socket = null;
        assertFalse(Files.exists(runDir.resolve("log.sock")));
    }

    @Test
    void chunkedBodiesAndLinesThatAreNotJsonObjects() throws Exception {
        start();
        assertEquals(200, post("POST", "/log", "[\"plain text line\", \"{\\\"msg\\\":\\\"no level\\\",\\\"n\\\":3}\"]",
                true));
        assertEquals(List.of("info plain text line", "info no level\tn=3"), relogged);
    }

    @Test
    void badRequestsAreRefusedAndNothingIsLogged() throws Exception {
        start();
        assertEquals(400, post("POST", "/log", "{\"not\":\"an array\"}", false));
        assertEquals(400, post("POST", "/log", "[1, 2]", false));
        assertEquals(400, post("POST", "/log", "[\"unterminated", false));
        assertEquals(404, post("POST", "/other", "[]", false));
        assertEquals(405, post("GET", "/log", "", false));
        assertEquals(400, rawExchange("NONSENSE\r\n\r\n"));
        assertTrue(relogged.isEmpty(), relogged.toString());
        // and it still serves
        assertEquals(200, post("POST", "/log", "[\"ok\"]", false));
        assertEquals(List.of("info ok"), relogged);
    }

    @Test
    void aSocketThatCannotBeMadeIsNotFatal() throws IOException {
        Path file = Files.writeString(runDir.resolve("not-a-dir"), "x");
        assertNull(PluginLogSocket.start(file.resolve("run"), (l, t) -> { }));
    }

    private int post(String method, String path, String body, boolean chunked) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + b.length + "\r\n") + "\r\n";
        String payload;
        if (chunked) {
            int half = body.length() / 2;
            payload = chunk(body.substring(0, half)) + chunk(body.substring(half)) + "0\r\n\r\n";
        } else {
            payload = body;
        }
        return rawExchange(head + payload);
    }

    private static String chunk(String s) {
        return Integer.toHexString(s.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + s + "\r\n";
    }

    private int rawExchange(String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(runDir.resolve("log.sock")));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer in = ByteBuffer.allocate(1024);
            while (ch.read(in) > 0) {
                // until the server closes
            }
            String answer = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            return Integer.parseInt(answer.split(" ", 3)[1]);
        }
    }
}
