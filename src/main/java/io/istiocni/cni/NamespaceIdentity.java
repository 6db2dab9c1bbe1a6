package io.istiocni.cni;

/**
 * The own-namespace check of ADD and DEL (plugin.md 3.7): does {@code CNI_NETNS} name the network namespace the
 * plugin itself runs in? An interface so that tests can fake it; {@link #system()} is the real one.
 */
@FunctionalInterface
public interface NamespaceIdentity {

    /**
     * True when {@code netnsPath} is the plugin's own network namespace. False when the path is empty or cannot be
     * opened (the check then passes silently).
     *
     * @throws CniException error 8 when the plugin's own namespace cannot be determined
     */
    boolean isOwnNamespace(String netnsPath) throws CniException;

    /** Compares device and inode of the path with {@code /proc/thread-self/ns/net}. */
    static NamespaceIdentity system() {
        return ProcNamespaceIdentity.INSTANCE;
    }
}
