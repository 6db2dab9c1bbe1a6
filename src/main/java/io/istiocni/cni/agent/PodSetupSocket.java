package io.istiocni.cni.agent;

import io.istiocni.localhttp.LocalHttpRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The transport of the pod set-up socket {@code <run dir>/pod.sock} (issue 10, {@link PodSetupProtocol}): HTTP/1.1
 * on a JDK Unix domain socket as the plugin log socket serves ({@link LocalHttpRequest}), one request per connection.
 *
 * <p>Trust: the socket file is created with mode 0600 (bound under a temporary name, its mode set, then renamed into
 * place, so it is never reachable with another mode) in a directory that must not be writable by group or others
 * (else nothing is served): only root reaches it. The JDK does not expose {@code SO_PEERCRED}, so the peer's
 * credentials are not checked beyond that; root can run iptables in any namespace anyway.
 *
 * <p>Bounds: the request (head and body, at most {@link PodSetupProtocol#MAX_REQUEST_BYTES}) must arrive within
 * {@link #READ_TIMEOUT}; at most {@link #MAX_CONCURRENT} requests are worked on at once, a request waits at most
 * {@link #SLOT_WAIT} for a slot and is then answered {@code busy} (503), on which the plugin does the work itself;
 * the handler bounds its own work.
 */
final class PodSetupSocket implements AutoCloseable {

    /** Does one request; must not throw and must bound its own time. */
    @FunctionalInterface
    interface Handler {
        Reply handle(byte[] body);

        /** Answered without a slot ({@link #MAX_CONCURRENT} requests in work). */
        default void busy() {
        }
    }

    record Reply(int status, byte[] body) {
    }

    /**
     * Each set-up is a handful of short processes ({@code nsenter}, iptables): a few at once keep a small node's
     * cores busy; more only make each one slower. Requests beyond wait for a slot, in the agent, which is cheaper
     * than the plugin's own cold set-up.
     */
    static final int MAX_CONCURRENT = 8;
    static final Duration SLOT_WAIT = Duration.ofSeconds(30);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger("cni-agent");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Semaphore slots;
    private final int maxConcurrent;
    private final Duration slotWait;
    private volatile boolean closed;
    private volatile Thread acceptor;
    /** The socket file's identity once in place: on close it is removed only if it is still ours. */
    private volatile Object fileKey;

    private PodSetupSocket(Path path, ServerSocketChannel server, Handler handler, int maxConcurrent,
            Duration slotWait) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.slots = new Semaphore(maxConcurrent);
        this.maxConcurrent = maxConcurrent;
        this.slotWait = slotWait;
    }

    static PodSetupSocket start(Path runDir, Handler handler) {
        return start(runDir, handler, MAX_CONCURRENT, SLOT_WAIT);
    }

    /** Serves {@code <runDir>/pod.sock}; null (after logging why) when it cannot or must not. */
    static PodSetupSocket start(Path runDir, Handler handler, int maxConcurrent, Duration slotWait) {
        Path path = runDir.resolve(PodSetupProtocol.SOCKET_FILE);
        Path bound = runDir.resolve("." + PodSetupProtocol.SOCKET_FILE + "." + ProcessHandle.current().pid());
        ServerSocketChannel server = null;
        try {
            Files.createDirectories(runDir);
            Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(runDir);
            if (dirMode.contains(PosixFilePermission.OTHERS_WRITE) || dirMode.contains(PosixFilePermission.GROUP_WRITE)) {
                LOG.warnf("not serving pod set-up on %s: %s is writable by others (mode %s); the plugin sets pods up "
                        + "itself", path, runDir, PosixFilePermissions.toString(dirMode));
                return null;
            }
            Files.deleteIfExists(bound);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(bound));
            Files.setPosixFilePermissions(bound, OWNER_ONLY);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(path + " is a directory");
            }
            Files.move(bound, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(server);
            try {
                Files.deleteIfExists(bound);
            } catch (IOException ignored) {
                // best effort
            }
            LOG.warnf("cannot serve pod set-up on %s: %s (the plugin sets pods up itself)", path,
                    e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
        PodSetupSocket socket = new PodSetupSocket(path, server, handler, maxConcurrent, slotWait);
        socket.fileKey = fileKey(path);
        socket.acceptor = Thread.ofPlatform().daemon().name("pod-setup-socket").start(socket::acceptLoop);
        LOG.infof("serving pod set-up on %s (at most %d at once)", path, maxConcurrent);
        return socket;
    }

    Path path() {
        return path;
    }

    /** Whether requests are being accepted (readiness). */
    boolean serving() {
        Thread t = acceptor;
        return !closed && server.isOpen() && t != null && t.isAlive();
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
                    LOG.debugf("pod set-up socket: accept failed: %s", e.getMessage());
                }
                continue;
            }
            Thread.ofVirtual().name("pod-setup-connection").start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            LocalHttpRequest request;
            Thread watchdog = LocalHttpRequest.closeAfter(ch, READ_TIMEOUT);
            try {
                request = LocalHttpRequest.read(ch, PodSetupProtocol.MAX_REQUEST_BYTES);
            } catch (LocalHttpRequest.BadRequestException e) {
                LOG.debugf("pod set-up socket: bad request: %s", e.getMessage());
                reply(ch, new Reply(400, PodSetupProtocol.declined("bad-request", e.getMessage())));
                return;
            } finally {
                watchdog.interrupt();
            }
            if (!PodSetupProtocol.PATH.equals(request.path())) {
                reply(ch, new Reply(404, PodSetupProtocol.declined("not-found", request.path())));
                return;
            }
            if (!"POST".equals(request.method())) {
                reply(ch, new Reply(405, PodSetupProtocol.declined("method-not-allowed", request.method())));
                return;
            }
            boolean slot;
            try {
                slot = slots.tryAcquire(slotWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (!slot) {
                handler.busy();
                reply(ch, new Reply(503, PodSetupProtocol.declined("busy", "all " + maxConcurrent
                        + " request slots in use for " + slotWait.toSeconds() + "s")));
                return;
            }
            Reply reply;
            try {
                reply = handler.handle(request.body());
            } finally {
                slots.release();
            }
            reply(ch, reply);
        } catch (IOException e) {
            LOG.debugf("pod set-up socket: %s", e.getMessage());
        }
    }

    private static void reply(SocketChannel ch, Reply reply) throws IOException {
        String reason = switch (reply.status()) {
            case 200 -> "OK";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 503 -> "Service Unavailable";
            default -> "Bad Request";
        };
        byte[] head = ("HTTP/1.1 " + reply.status() + " " + reason + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + reply.body().length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(reply.body())}) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /** Stops accepting and removes the socket file (requests in work still get their answer). */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        try {
            Object key = fileKey(path);
            // a new agent (a DaemonSet update with surge) may already serve its own socket under this name
            if (key != null && key.equals(fileKey)) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.debugf("cannot remove %s: %s", path, e.getMessage());
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
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
