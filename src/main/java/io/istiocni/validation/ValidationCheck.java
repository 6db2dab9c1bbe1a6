package io.istiocni.validation;

import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The check of validation.md section 3, in the current network namespace: listeners on the envoy and inbound
 * capture ports, a probe connection to {@code 127.0.0.6:<probe port>} ({@code [::6]}) every second, and a pass
 * when one of the probes arrives at a listener (see {@link ProbeLedger}).
 *
 * <p>It runs in the calling thread with one NIO selector: no other thread is started (this runs in an init container
 * of every pod). Logs go to the given stream (stderr).
 */
public final class ValidationCheck {

    /** Pause between two probes (validation.md 3, step 4). */
    public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

    private static final int BACKLOG = 64;

    /**
     * @param target        listen and probe addresses
     * @param envoyPort     first listening port ({@code -p})
     * @param inboundPort   second listening port ({@code -z})
     * @param probePort     port the probe connects to
     * @param timeout       overall time limit (negative counts as zero)
     * @param probeInterval pause between probes
     */
    public record Settings(ValidationTarget target, int envoyPort, int inboundPort, int probePort, Duration timeout,
            Duration probeInterval) {
    }

    private final Settings settings;
    private final PrintStream log;
    private final ProbeLedger ledger = new ProbeLedger();
    private final ProtocolFamily family;

    public ValidationCheck(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.family = settings.target().listen() instanceof Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }

    /** Runs the check; returns the exit status: 0 passed, {@link Validation#EXIT_FAILED} otherwise. */
    public int run() {
        long start = System.nanoTime();
        long deadline = start + Math.max(0, settings.timeout().toNanos());
        try (Selector selector = Selector.open()) {
            List<ServerSocketChannel> listeners = listen(selector);
            try {
                if (listeners.isEmpty()) {
                    return fail(Validation.noListenerReason(settings.target().listen(),
                            List.of(settings.envoyPort(), settings.inboundPort())));
                }
                log.println("istio-cni: validation: probing " + endpoint(settings.target().probe(),
                        settings.probePort()) + " from " + Validation.host(settings.target().listen())
                        + " every " + settings.probeInterval().toMillis() + " ms for up to "
                        + settings.timeout().toMillis() + " ms");
                return loop(selector, deadline);
            } finally {
                for (SelectionKey key : selector.keys()) {
                    closeQuietly(key.channel());
                }
                listeners.forEach(ValidationCheck::closeQuietly);
            }
        } catch (IOException e) {
            return fail("validation failed: " + e.getMessage());
        }
    }

    private int loop(Selector selector, long deadline) throws IOException {
        long interval = Math.max(1, settings.probeInterval().toNanos());
        long nextProbe = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return fail(Validation.TIMEOUT_REASON);
            }
            if (now - nextProbe >= 0) {
                probe(selector);
                nextProbe += interval;
                if (now - nextProbe >= 0) {
                    nextProbe = now + interval; // never fire a burst after a stall
                }
            }
            long wake = deadline - nextProbe < 0 ? deadline : nextProbe;
            long waitMillis = Math.max(1, (wake - System.nanoTime() + 999_999) / 1_000_000);
            selector.select(waitMillis);
            var selected = selector.selectedKeys().iterator();
            while (selected.hasNext()) {
                SelectionKey key = selected.next();
                selected.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable() && accepted((ServerSocketChannel) key.channel())) {
                    log.println(Validation.PASSED);
                    return 0;
                }
                if (key.isValid() && key.isConnectable()) {
                    finishProbe(key);
                }
            }
        }
    }

    /** Opens the listeners that can be opened; logs and skips the others. */
    private List<ServerSocketChannel> listen(Selector selector) {
        List<ServerSocketChannel> open = new ArrayList<>();
        for (int port : List.of(settings.envoyPort(), settings.inboundPort())) {
            ServerSocketChannel server = null;
            try {
                server = ServerSocketChannel.open(family);
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (server.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                server.bind(new InetSocketAddress(settings.target().listen(), port), BACKLOG);
                server.configureBlocking(false);
                server.register(selector, SelectionKey.OP_ACCEPT);
                open.add(server);
            } catch (IOException | RuntimeException e) {
                log.println("istio-cni: validation: cannot listen on "
                        + endpoint(settings.target().listen(), port) + ": " + e.getMessage());
                closeQuietly(server);
            }
        }
        return open;
    }

    /** Starts one probe: bound explicitly to the listen address, port 0, then a non-blocking connect. */
    private void probe(Selector selector) {
        SocketChannel client = null;
        SocketAddress local = null;
        InetSocketAddress remote = new InetSocketAddress(settings.target().probe(), settings.probePort());
        try {
            client = SocketChannel.open(family);
            client.bind(new InetSocketAddress(settings.target().listen(), 0));
            local = client.getLocalAddress();
            ledger.record(local);
            client.configureBlocking(false);
            if (client.connect(remote)) {
                closeQuietly(client); // connected at once: close immediately, the server side decides
            } else {
                client.register(selector, SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            probeFailed(local, e);
            closeQuietly(client);
        }
    }

    private void finishProbe(SelectionKey key) {
        SocketChannel client = (SocketChannel) key.channel();
        SocketAddress local = null;
        try {
            local = client.getLocalAddress();
            client.finishConnect();
        } catch (IOException | RuntimeException e) {
            probeFailed(local, e);
        } finally {
            key.cancel();
            closeQuietly(client);
        }
    }

    private void probeFailed(SocketAddress local, Exception e) {
        String from = local instanceof InetSocketAddress inet ? endpoint(inet.getAddress(), inet.getPort())
                : Validation.host(settings.target().listen());
        log.println("istio-cni: validation: probe " + from + " -> "
                + endpoint(settings.target().probe(), settings.probePort()) + " failed: " + e.getMessage()
                + "; retrying");
    }

    /**
     * Accepts every pending connection; each is answered with its original port as decimal text and closed.
     * Returns whether one of them was a redirected probe.
     */
    private boolean accepted(ServerSocketChannel server) {
        boolean passed = false;
        while (true) {
            SocketChannel conn;
            try {
                conn = server.accept();
            } catch (IOException e) {
                log.println("istio-cni: validation: accept failed: " + e.getMessage());
                return passed;
            }
            if (conn == null) {
                return passed;
            }
            try {
                SocketAddress remote = conn.getRemoteAddress();
                boolean probe = ledger.isProbe(remote);
                // The original port of a probe is the probe port; without SO_ORIGINAL_DST a stray is answered
                // with the port it reached, which is its original one unless it was redirected too.
                int original = probe ? settings.probePort() : ((InetSocketAddress) conn.getLocalAddress()).getPort();
                conn.configureBlocking(false);
                conn.write(ByteBuffer.wrap(Integer.toString(original).getBytes(StandardCharsets.US_ASCII)));
                if (probe) {
                    passed = true;
                } else {
                    log.println("istio-cni: validation: ignoring a connection from " + describe(remote)
                            + " (not one of our probes)");
                }
            } catch (IOException | RuntimeException e) {
                log.println("istio-cni: validation: cannot answer an accepted connection: " + e.getMessage());
            } finally {
                closeQuietly(conn);
            }
        }
    }

    private int fail(String reason) {
        log.print(Validation.failureText(reason));
        log.flush();
        return Validation.EXIT_FAILED;
    }

    private static String describe(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? endpoint(inet.getAddress(), inet.getPort())
                : String.valueOf(address);
    }

    private static String endpoint(java.net.InetAddress address, int port) {
        return Validation.hostPort(address, port);
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
