package io.istiocni.cni.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cni.AddRequest;
import io.istiocni.cni.CniException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod set-up socket with the plugin's client on the other end: answers, fallbacks, bounds, mode. */
class PodSetupSocketTest {

    @TempDir
    Path runDir;

    PodSetupSocket socket;
    final List<PodSetupProtocol.PodRequest> seen = new CopyOnWriteArrayList<>();
    final PodSetupClient client = new PodSetupClient(Duration.ofMillis(500), Duration.ofSeconds(5));

    @AfterEach
    void close() {
        if (socket != null) {
            socket.close();
        }
    }

    AddRequest request() throws Exception {
        return PodSetupProtocolTest.requestForTests();
    }

    PodSetupSocket start(PodSetupSocket.Handler handler, int max) throws Exception {
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = PodSetupSocket.start(runDir, handler, max, Duration.ofSeconds(1));
        assertNotNull(socket);
        return socket;
    }

    PodSetupSocket.Reply recording(byte[] body, byte[] answer) {
        try {
            seen.add(PodSetupProtocol.readRequest(body));
        } catch (CniException e) {
            throw new AssertionError(e);
        }
        return new PodSetupSocket.Reply(200, answer);
    }

    @Test
    void anAnswerOfTheAgentIsThePlugins() throws Exception {
        start(body -> recording(body, PodSetupProtocol.done()), 4);
        Path sock = runDir.resolve("pod.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertInstanceOf(PodSetupProtocol.Done.class, client.ask(sock, "ADD", request()));
        assertEquals("shop/web-1", seen.get(0).request().podNamespace() + "/" + seen.get(0).request().podName());
        socket.close();
        start(body -> recording(body, PodSetupProtocol.failed(CniException.internal("pods \"web-1\" not found"))),
                4);
        PodSetupProtocol.Answer failed = client.ask(sock, "CHECK", request());
        assertEquals("pods \"web-1\" not found",
                assertInstanceOf(PodSetupProtocol.Failed.class, failed).error().getMessage());
        assertEquals("CHECK", seen.get(1).command());
    }

    @Test
    void noSocketOrARefusedConnectionIsDeclined() throws Exception {
        Path sock = runDir.resolve("pod.sock");
        assertTrue(assertInstanceOf(PodSetupProtocol.Declined.class, client.ask(sock, "ADD", request())).reason()
                .startsWith("no node agent socket"));
        // a socket file nobody listens on any more (an agent that crashed)
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();
        assertTrue(Files.exists(sock));
        assertTrue(assertInstanceOf(PodSetupProtocol.Declined.class, client.ask(sock, "ADD", request())).reason()
                .startsWith("node agent not reachable"));
    }

    @Test
    void aConnectionLostAfterTheRequestIsDeclined() throws Exception {
        Path sock = runDir.resolve("pod.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread t = Thread.ofVirtual().start(() -> {
            try (SocketChannel ch = server.accept()) {
                ch.read(java.nio.ByteBuffer.allocate(100)); // part of the request, then the agent dies
            } catch (Exception e) {
                // test end
            }
        });
        try {
            PodSetupProtocol.Answer a = client.ask(sock, "ADD", request());
            assertTrue(assertInstanceOf(PodSetupProtocol.Declined.class, a).reason().contains("answer")
                    || ((PodSetupProtocol.Declined) a).reason().contains("failed"), a.toString());
        } finally {
            t.join(5000);
            server.close();
        }
    }

    @Test
    void noAnswerInTimeIsDeclinedAtTheBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(body -> {
            await(release);
            return new PodSetupSocket.Reply(200, PodSetupProtocol.done());
        }, 4);
        PodSetupClient impatient = new PodSetupClient(Duration.ofMillis(500), Duration.ofMillis(300));
        long start = System.nanoTime();
        PodSetupProtocol.Answer a = impatient.ask(runDir.resolve("pod.sock"), "ADD", request());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        release.countDown();
        assertTrue(assertInstanceOf(PodSetupProtocol.Declined.class, a).reason().contains("no answer in time"),
                a.toString());
        assertTrue(ms < 2000, ms + " ms");
    }

    @Test
    void overTheBoundTheAgentIsBusyAndThePluginDoesTheWork() throws Exception {
        CountDownLatch inWork = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        start(body -> {
            inWork.countDown();
            await(release);
            return new PodSetupSocket.Reply(200, PodSetupProtocol.done());
        }, 1);
        Path sock = runDir.resolve("pod.sock");
        Thread first = Thread.ofVirtual().start(() -> {
            try {
                client.ask(sock, "ADD", request());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(inWork.await(5, TimeUnit.SECONDS));
        PodSetupClient patient = new PodSetupClient(Duration.ofMillis(500), Duration.ofSeconds(10));
        PodSetupProtocol.Answer second = patient.ask(sock, "ADD", request());
        release.countDown();
        first.join(5000);
        assertTrue(assertInstanceOf(PodSetupProtocol.Declined.class, second).reason().startsWith("busy"),
                second.toString());
    }

    @Test
    void aBadRequestIsRefusedWithoutCallingTheHandler() throws Exception {
        start(body -> recording(body, PodSetupProtocol.done()), 4);
        Path sock = runDir.resolve("pod.sock");
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(java.nio.ByteBuffer.wrap(("POST /v1/pod HTTP/1.1\r\nContent-Length: " + (1 << 20)
                    + "\r\n\r\n").getBytes()));
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(4096);
            while (ch.read(in) >= 0) {
                // until the agent closes
            }
            assertTrue(new String(in.array(), 0, in.position()).startsWith("HTTP/1.1 400 "));
        }
        assertTrue(seen.isEmpty());
    }

    @Test
    void aWorldWritableRunDirectoryIsNotServedAndOnlyOurOwnSocketIsRemoved() throws Exception {
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(PodSetupSocket.start(runDir, body -> null, 1, Duration.ofSeconds(1)));
        assertFalse(Files.exists(runDir.resolve("pod.sock")));
        PodSetupSocket old = start(body -> recording(body, PodSetupProtocol.done()), 1);
        PodSetupSocket replacement = PodSetupSocket.start(runDir, body -> recording(body, PodSetupProtocol.done()), 1,
                Duration.ofSeconds(1));
        assertNotNull(replacement);
        old.close(); // the old agent of a DaemonSet update stops after the new one started
        assertTrue(Files.exists(runDir.resolve("pod.sock")));
        assertInstanceOf(PodSetupProtocol.Done.class, client.ask(runDir.resolve("pod.sock"), "ADD", request()));
        assertTrue(replacement.serving());
        replacement.close();
        assertFalse(Files.exists(runDir.resolve("pod.sock")));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
