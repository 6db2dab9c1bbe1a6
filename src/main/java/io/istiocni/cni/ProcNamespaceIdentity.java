package io.istiocni.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
        long[] target;
        try {
            target = devIno(Path.of(netnsPath));
        } catch (IOException | RuntimeException e) {
            return false; // cannot be opened: skip the check, as the CNI library does
        }
        long[] own;
        try {
            own = devIno(self);
        } catch (IOException | RuntimeException e) {
            throw new CniException(CniException.INVALID_NETNS, "get plugin's netns failed", "", e);
        }
        return target[0] == own[0] && target[1] == own[1];
    }

    /** Device and inode of the file the path leads to (symbolic links followed, as {@code stat} does). */
    private static long[] devIno(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
        Object dev = a.get("dev");
        Object ino = a.get("ino");
        if (!(dev instanceof Number d) || !(ino instanceof Number i)) {
            throw new IOException("no device/inode for " + path);
        }
        return new long[] {d.longValue(), i.longValue()};
    }
}
