package io.istiocni.cni;

import io.istiocni.netns.FileIdentity;
import java.io.IOException;
import java.nio.file.Path;

/** The real {@link NamespaceIdentity}: same device and inode as {@code /proc/thread-self/ns/net}. */
public final class ProcNamespaceIdentity implements NamespaceIdentity {

    public static final ProcNamespaceIdentity INSTANCE = new ProcNamespaceIdentity(Path.of("/proc/thread-self/ns/net"));

    private final Path self;

    /** With another file standing for the plugin's own namespace (tests). */
    public ProcNamespaceIdentity(Path self) {
        this.self = self;
    }

    @Override
    public boolean isOwnNamespace(String netnsPath) throws CniException {
        if (netnsPath == null || netnsPath.isEmpty()) {
            return false;
        }
        FileIdentity target;
        try {
            target = FileIdentity.of(Path.of(netnsPath));
        } catch (IOException | RuntimeException e) {
            return false; // cannot be opened: skip the check, as the CNI library does
        }
        FileIdentity own;
        try {
            own = FileIdentity.of(self);
        } catch (IOException | RuntimeException e) {
            throw new CniException(CniException.INVALID_NETNS, "get plugin's netns failed", "", e);
        }
        return target.equals(own);
    }
}
