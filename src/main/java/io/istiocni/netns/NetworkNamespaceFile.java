package io.istiocni.netns;

import java.io.IOException;

/**
 * Is a path a network namespace file ({@code /proc/<pid>/ns/net}, a bind mount under {@code /var/run/netns})?
 * A regular file or a directory opens fine and would only fail much later, inside {@code nsenter}, with a message
 * that names neither; the kernel's {@code ioctl(NS_GET_NSTYPE)} tells at once.
 */
public final class NetworkNamespaceFile {

    /** {@code CLONE_NEWNET}. */
    static final int NETWORK = 0x40000000;

    private NetworkNamespaceFile() {
    }

    /**
     * False when {@code path} opens but is not a network namespace (another namespace type, a regular file, a
     * directory). True when it is one, and also when it cannot be told (no foreign calls in this runtime, or the
     * file cannot be opened: the caller's own open reports that).
     */
    public static boolean isNetworkNamespace(String path) {
        try {
            return NamespaceIoctl.namespaceType(path) == NETWORK;
        } catch (IOException | NamespaceIoctl.UnavailableException e) {
            return true;
        }
    }
}
