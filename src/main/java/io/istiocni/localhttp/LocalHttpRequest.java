package io.istiocni.localhttp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The parts of an HTTP/1.1 request that the node agent's local Unix sockets look at (the plugin log socket of
 * install.md 9.4 and the pod set-up socket of issue 10): a minimal reader with bounded head and body, no library.
 */
public record LocalHttpRequest(String method, String path, byte[] body) {

    /** The bound of the request line and of the headers together. */
    public static final int MAX_HEAD = 16 * 1024;

    /** The request is not one this reader accepts (the answer is 400). */
    public static final class BadRequestException extends IOException {
        BadRequestException(String message) {
            super(message);
        }
    }

    /**
     * A watchdog that closes {@code ch} after {@code timeout} (a client that never finishes its request must not hold
     * a connection): interrupt the returned thread once the exchange it bounds is over.
     */
    public static Thread closeAfter(SocketChannel ch, java.time.Duration timeout) {
        return Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // over in time, or already closed
            }
        });
    }

    /** Reads one request with a body of at most {@code maxBody} bytes ({@code Content-Length} or chunked). */
    public static LocalHttpRequest read(SocketChannel ch, int maxBody) throws IOException {
        Input in = new Input(ch, maxBody);
        String requestLine = in.line(MAX_HEAD);
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequestException("request line " + requestLine);
        }
        long length = -1;
        boolean chunked = false;
        int headBytes = requestLine.length();
        while (true) {
            String header = in.line(MAX_HEAD);
            headBytes += header.length() + 2;
            if (headBytes > MAX_HEAD) {
                throw new BadRequestException("header too large");
            }
            if (header.isEmpty()) {
                break;
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new BadRequestException("header " + header);
            }
            String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).strip();
            if (name.equals("content-length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new BadRequestException("Content-Length " + value);
                }
            } else if (name.equals("transfer-encoding")) {
                chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            }
        }
        String path = parts[1];
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        byte[] body;
        if (chunked) {
            body = in.chunked();
        } else if (length > maxBody || length < -1) {
            throw new BadRequestException("body of " + length + " bytes");
        } else {
            body = in.bytes(Math.max(0, (int) length));
        }
        return new LocalHttpRequest(parts[0], path, body);
    }

    /** Buffered reads from a blocking channel. */
    private static final class Input {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(8192);
        private final int maxBody;

        Input(SocketChannel ch, int maxBody) {
            this.ch = ch;
            this.maxBody = maxBody;
            buf.flip();
        }

        private boolean fill() throws IOException {
            buf.compact();
            int n = ch.read(buf);
            buf.flip();
            return n > 0;
        }

        String line(int max) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                while (buf.hasRemaining()) {
                    char c = (char) (buf.get() & 0xff);
                    if (c == '\n') {
                        int end = sb.length();
                        if (end > 0 && sb.charAt(end - 1) == '\r') {
                            sb.setLength(end - 1);
                        }
                        return sb.toString();
                    }
                    sb.append(c);
                    if (sb.length() > max) {
                        throw new BadRequestException("line too long");
                    }
                }
                if (!fill()) {
                    throw new BadRequestException("connection closed in the request head");
                }
            }
        }

        byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int got = 0;
            while (got < n) {
                if (!buf.hasRemaining() && !fill()) {
                    throw new BadRequestException("body shorter than its Content-Length");
                }
                int k = Math.min(n - got, buf.remaining());
                buf.get(out, got, k);
                got += k;
            }
            return out;
        }

        byte[] chunked() throws IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (true) {
                String sizeLine = line(1024);
                int semi = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new BadRequestException("chunk size " + sizeLine);
                }
                if (size < 0 || out.size() + (long) size > maxBody) {
                    throw new BadRequestException("body too large");
                }
                if (size == 0) {
                    while (!line(MAX_HEAD).isEmpty()) {
                        // trailers
                    }
                    return out.toByteArray();
                }
                out.write(bytes(size));
                line(2);
            }
        }
    }
}
