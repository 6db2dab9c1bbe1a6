package io.istiocni.cni.agent;

import io.istiocni.cni.AddRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The plugin's side of {@link PodSetupProtocol}: asks the node agent to do one pod's ADD or CHECK. Never depends on
 * the agent: no socket, a refused or slow connect, a transport failure after the request was sent, or no answer in
 * time all come back as {@link PodSetupProtocol.Declined}, and the plugin then does the work itself (applying is
 * idempotent, so work the agent may have started is harmless). JDK {@code SocketChannel} with a selector and one
 * deadline per phase, no threads, no HTTP library: a few classes on the plugin's start-up path.
 */
public final class PodSetupClient {

    /** How long the connect may take: a live agent accepts at once (the accept queue is in the kernel). */
    public static final Duration CONNECT_BOUND = Duration.ofMillis(500);

    private final Duration connectBound;
    private final Duration answerBound;

    /**
     * @param answerBound how long to wait for the agent's answer once the request is sent; after it the plugin does
     *                    the work itself, so it must leave room for that within the ADD's deadline
     */
    public PodSetupClient(Duration connectBound, Duration answerBound) {
        this.connectBound = connectBound;
        this.answerBound = answerBound;
    }

    public Duration answerBound() {
        return answerBound;
    }

    /** Asks the agent at {@code socket}; never throws. */
    public PodSetupProtocol.Answer ask(Path socket, String command, AddRequest request) {
        try {
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                return new PodSetupProtocol.Declined("no node agent socket " + socket);
            }
        } catch (RuntimeException e) {
            return new PodSetupProtocol.Declined("no node agent socket " + socket);
        }
        byte[] body = PodSetupProtocol.request(command, request, answerBound.toMillis());
        byte[] head = ("POST " + PodSetupProtocol.PATH + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, 0);
            long connectDeadline = System.nanoTime() + connectBound.toNanos();
            try {
                if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                    key.interestOps(SelectionKey.OP_CONNECT);
                    while (!ch.finishConnect()) {
                        await(selector, connectDeadline);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return new PodSetupProtocol.Declined("node agent not reachable at " + socket + ": " + describe(e));
            }
            long deadline = System.nanoTime() + answerBound.toNanos();
            try {
                key.interestOps(SelectionKey.OP_WRITE);
                for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(body)}) {
                    while (buf.hasRemaining()) {
                        if (ch.write(buf) == 0) {
                            await(selector, deadline);
                        }
                    }
                }
                key.interestOps(SelectionKey.OP_READ);
                ByteArrayOutputStream got = new ByteArrayOutputStream(512);
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (true) {
                    int n = ch.read(in);
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        await(selector, deadline);
                        continue;
                    }
                    got.write(in.array(), 0, in.position());
                    in.clear();
                    if (got.size() > PodSetupProtocol.MAX_ANSWER_BYTES + 4096) {
                        return new PodSetupProtocol.Declined("node agent answer too large");
                    }
                }
                if (got.size() == 0) {
                    // the agent went away after taking the request (killed, restarted): its work may be half done
                    return new PodSetupProtocol.Declined("node agent request failed: connection closed without an "
                            + "answer");
                }
                return answer(got.toByteArray());
            } catch (IOException | RuntimeException e) {
                return new PodSetupProtocol.Declined("node agent request failed: " + describe(e));
            }
        } catch (IOException | RuntimeException e) {
            return new PodSetupProtocol.Declined("cannot open a socket: " + describe(e));
        }
    }

    /** A complete HTTP answer (the agent closes the connection after it). */
    static PodSetupProtocol.Answer answer(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return new PodSetupProtocol.Declined("incomplete answer from the node agent");
        }
        String[] lines = text.substring(0, headEnd).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            return new PodSetupProtocol.Declined("not an HTTP answer from the node agent");
        }
        long length = -1;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("content-length")) {
                try {
                    length = Long.parseLong(lines[i].substring(colon + 1).strip());
                } catch (NumberFormatException e) {
                    return new PodSetupProtocol.Declined("bad Content-Length from the node agent");
                }
            }
        }
        int bodyStart = headEnd + 4;
        if (length < 0 || bodyStart + length != response.length) {
            return new PodSetupProtocol.Declined("truncated answer from the node agent");
        }
        byte[] body = new byte[(int) length];
        System.arraycopy(response, bodyStart, body, 0, body.length);
        return PodSetupProtocol.readAnswer(body);
    }

    private static void await(Selector selector, long deadline) throws IOException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new IOException("no answer in time");
        }
        selector.select(ms);
        selector.selectedKeys().clear();
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
