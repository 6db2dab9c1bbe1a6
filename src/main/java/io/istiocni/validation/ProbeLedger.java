package io.istiocni.validation;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * The local endpoints of the probe connections the client opened (validation.md 3, "Finding the original
 * destination"). The JVM cannot read {@code SO_ORIGINAL_DST}; instead an accepted connection counts as a redirected
 * probe when its remote address and port are those of one of our own probe sockets: a connection the client made
 * to {@code 127.0.0.6:<probe port>} can only have reached our listeners on {@code 127.0.0.1} through redirection.
 * Strays (any other peer) never pass. Pure; used from one thread.
 */
public final class ProbeLedger {

    private final Set<InetSocketAddress> probes = new HashSet<>();

    /** Records the local endpoint of a probe socket (bound before it connects). */
    public void record(SocketAddress local) {
        if (local instanceof InetSocketAddress inet) {
            probes.add(inet);
        }
    }

    /** Whether a connection from {@code remote} is one of our probes. */
    public boolean isProbe(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && probes.contains(inet);
    }

    public int size() {
        return probes.size();
    }
}
