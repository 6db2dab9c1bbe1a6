package io.istiocni.netns;

import io.istiocni.log.EdgeLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The user namespace that owns a pod's network namespace, when it is not our own (pods with
 * {@code hostUsers: false}, plugin.md 7.9 step 4, capture.md 8.2). iptables commands must then run inside it
 * ({@code nsenter --user=... --net=...}): {@code -m owner --uid-owner 1337} is read in the caller's user
 * namespace, and from the host's it would name host uid 1337 instead of the pod's proxy user.
 *
 * <p>Found with {@code ioctl(NS_GET_USERNS)} on the namespace file (the kernel's answer, whether or not a process
 * lives in the namespace); the descriptor it returns is held open, and {@link #path()} names it through
 * {@code /proc/<our pid>/fd/<n>} so that a child {@code nsenter} can open it. Where that system call is not
 * available (a native executable built without foreign-call support), a process living in the namespace gives the
 * answer through {@code /proc/<pid>/ns/user}.
 */
public final class OwnerUserNamespace implements AutoCloseable {

    private static final EdgeLog LOG = EdgeLog.of(OwnerUserNamespace.class);

    private final String path;
    private final int heldDescriptor;

    private OwnerUserNamespace(String path, int heldDescriptor) {
        this.path = path;
        this.heldDescriptor = heldDescriptor;
    }

    /** A path {@code nsenter --user=} can open while this object is open. */
    public String path() {
        return path;
    }

    /**
     * The owner of {@code netnsPath} when it differs from the user namespace this process runs in; null when it is
     * the same (the usual case: the pod shares the host's user namespace).
     *
     * @throws IOException when the namespace file cannot be opened or its owner cannot be told
     */
    public static OwnerUserNamespace of(String netnsPath) throws IOException {
        return of(Path.of(netnsPath), Path.of("/proc"));
    }

    static OwnerUserNamespace of(Path netns, Path proc) throws IOException {
        Objects.requireNonNull(netns, "netns");
        Path own = proc.resolve("self/ns/user");
        int fd;
        try {
            fd = NamespaceIoctl.ownerUserNamespace(netns.toString());
        } catch (NamespaceIoctl.UnavailableException e) {
            LOG.debug("NS_GET_USERNS not available ({0}): looking for a process in {1}",
                    e.getMessage(), netns);
            return fromProcesses(netns, proc, own);
        }
        long pid = ProcessHandle.current().pid();
        String held = proc.resolve(pid + "/fd/" + fd).toString();
        boolean keep = false;
        try {
            keep = !Files.isSameFile(Path.of(held), own);
            return keep ? new OwnerUserNamespace(held, fd) : null;
        } finally {
            if (!keep) {
                NamespaceIoctl.close(fd);
            }
        }
    }

    /**
     * The user namespace of the first process found in the network namespace; null when it is {@code own}.
     * (Namespace files are the same namespace when {@link Files#isSameFile} says so: same device and inode.)
     */
    static OwnerUserNamespace fromProcesses(Path netns, Path proc, Path own) throws IOException {
        Files.readAttributes(netns, java.nio.file.attribute.BasicFileAttributes.class); // it must exist
        try (Stream<Path> entries = Files.list(proc)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                Path user = entry.resolve("ns/user");
                boolean ours;
                try {
                    if (!Files.isSameFile(entry.resolve("ns/net"), netns)) {
                        continue;
                    }
                    ours = Files.isSameFile(user, own);
                } catch (IOException | RuntimeException e) {
                    continue; // the process ended or hides its namespaces: look further
                }
                return ours ? null : new OwnerUserNamespace(user.toString(), -1);
            }
        }
        throw new IOException("cannot tell which user namespace owns " + netns
                + ": no NS_GET_USERNS here and no process lives in it");
    }

    @Override
    public void close() {
        if (heldDescriptor >= 0) {
            NamespaceIoctl.close(heldDescriptor);
        }
    }

    @Override
    public String toString() {
        return path;
    }
}
