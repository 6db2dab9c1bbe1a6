package io.istiocni.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The check on this machine's loopback, no root and no rules needed: without redirection the probe is refused and
 * the check fails with 126 at its timeout; a "probe" aimed straight at a listener (what redirection achieves) passes;
 * a stranger's connections to the listeners do not.
 */
class ValidationCheckTest {

    static final InetAddress LO;

    static {
        try {
            LO = InetAddress.getByName("127.0.0.1");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LO)) {
            return s.getLocalPort();
        }
    }

    int check(ValidationTarget target, int p, int z, int probePort, Duration timeout, Duration interval) {
        return new ValidationCheck(new ValidationCheck.Settings(target, p, z, probePort, timeout, interval),
                logStream).run();
    }

    String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutRedirectionItFailsAtTheTimeout() throws IOException {
        long start = System.nanoTime();
        int code = check(ValidationTarget.IPV4, freePort(), freePort(), freePort(), Duration.ofMillis(600),
                Duration.ofMillis(100));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(126, code, log());
        assertTrue(ms >= 550 && ms < 3000, "took " + ms + " ms\n" + log());
        assertTrue(log().endsWith("error: validation timeout\n" + Validation.FAILURE_MESSAGE + "\n"), log());
        assertTrue(log().contains("failed: Connection refused; retrying"), log());
    }

    @Test
    void aProbeThatReachesAListenerPasses() throws IOException {
        // the probe target is the listen address itself: the probe lands on the first listener as if redirected
        int p = freePort();
        int code = check(new ValidationTarget(LO, LO), p, freePort(), p, Duration.ofSeconds(5),
                ValidationCheck.PROBE_INTERVAL);
        assertEquals(0, code, log());
        assertTrue(log().endsWith(Validation.PASSED + "\n"), log());
    }

    @Test
    void itListensWithReusePortBesideAnotherListener() throws IOException {
        int p = freePort();
        try (java.nio.channels.ServerSocketChannel other = java.nio.channels.ServerSocketChannel.open()) {
            other.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            other.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            other.bind(new InetSocketAddress(LO, p));
            int code = check(ValidationTarget.IPV4, p, p, freePort(), Duration.ofMillis(200), Duration.ofMillis(100));
            assertEquals(126, code, log());
            assertTrue(!log().contains("cannot listen"), log());
        }
    }

    @Test
    void noListenerFailsAtOnce() throws IOException {
        int p = freePort();
        try (ServerSocket busy = new ServerSocket()) { // no SO_REUSEPORT: nobody can share it
            busy.bind(new InetSocketAddress(LO, p));
            long start = System.nanoTime();
            int code = check(ValidationTarget.IPV4, p, p, freePort(), Duration.ofSeconds(10), Duration.ofMillis(100));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(126, code, log());
            assertTrue(ms < 2000, "took " + ms + " ms");
            assertTrue(log().contains("error: no listener available: 127.0.0.1:" + p + ",127.0.0.1:" + p + "\n"
                    + Validation.FAILURE_MESSAGE), log());
        }
    }

    @Test
    void strangersConnectionsDoNotPass() throws Exception {
        int p = freePort();
        int z = freePort();
        AtomicBoolean stop = new AtomicBoolean();
        Thread stranger = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                for (int port : new int[] {p, z}) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(LO, port), 200);
                    } catch (IOException ignored) {
                        // not listening yet, or already closed
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            int code = check(ValidationTarget.IPV4, p, z, freePort(), Duration.ofMillis(700), Duration.ofMillis(100));
            assertEquals(126, code, log());
            assertTrue(log().contains("not one of our probes"), log());
        } finally {
            stop.set(true);
            stranger.join(2000);
        }
    }
}
