package io.istiocni.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

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
        Path target;
        try {
            target = Path.of(netnsPath);
            Files.readAttributes(target, BasicFileAttributes.class);
        } catch (IOException | RuntimeException e) {
            return false; // cannot be opened: skip the check, as the CNI library does
        }
        try {
            return Files.isSameFile(target, self); // same device and inode
        } catch (IOException | RuntimeException e) {
            throw new CniException(CniException.INVALID_NETNS, "get plugin's netns failed", "", e);
        }
    }
}
