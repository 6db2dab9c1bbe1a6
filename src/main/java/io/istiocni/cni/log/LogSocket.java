package io.istiocni.cni.log;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Sends the plugin's log lines to the node agent (plugin.md 9): one {@code POST /log} over its Unix domain socket,
 * body a JSON array of strings (one log line each), written as a minimal HTTP/1.1 request by hand. Non-blocking
 * with one selector and one deadline for connect, write and reading the status line; no threads.
 */
final class LogSocket {

    private LogSocket() {
    }

    /** The HTTP status of the answer, or -1 on any failure (including the timeout); never throws. */
    static int post(Path socket, List<String> lines, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] body = LogLine.array(lines).getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST /log HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, 0);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                key.interestOps(SelectionKey.OP_CONNECT);
                while (!ch.finishConnect()) {
                    await(selector, deadline);
                }
            }
            key.interestOps(SelectionKey.OP_WRITE);
            for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(body)}) {
                while (buf.hasRemaining()) {
                    if (ch.write(buf) == 0) {
                        await(selector, deadline);
                    }
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(512);
            while (true) {
                int n = ch.read(in);
                String got = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                int eol = got.indexOf("\r\n");
                if (eol >= 0 || n < 0 || !in.hasRemaining()) {
                    return status(eol >= 0 ? got.substring(0, eol) : got);
                }
                if (n == 0) {
                    await(selector, deadline);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void await(Selector selector, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        long ms = left / 1_000_000;
        if (ms <= 0) {
            throw new IOException("timed out");
        }
        selector.select(ms);
        selector.selectedKeys().clear();
    }

    private static int status(String statusLine) {
        // HTTP/1.1 200 OK
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return -1;
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
