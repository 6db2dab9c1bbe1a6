package io.istiocni.repair;

import io.istiocni.netns.LocalAddresses;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.rules.IpAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds a pod's network namespace from its IP through the host's procfs (repair.md 5.3 step 2) without entering any
 * namespace: processes are grouped by the inode of {@code <proc>/<pid>/ns/net}, each namespace's local addresses are
 * read once from {@code <proc>/<pid>/net/fib_trie} (IPv4) and {@code net/if_inet6} (IPv6), and among the processes
 * whose namespace holds the address the one that started first (field 22 of {@code stat}) wins. The host's own
 * namespace ({@code <proc>/1/ns/net}) is never chosen, nor the one this process is in.
 *
 * <p>Beyond Istio (istio/istio#60478): a namespace no process is in (CRI-O with {@code drop_infra_ctr=true} pins
 * the pod's namespace and runs no pause process; a pod whose containers all exited) is still found among the
 * namespaces the runtime pinned: the files of the pinning directories ({@code /var/run/netns} for containerd and
 * CRI-O, where {@code ip netns} pins too; {@code HOST_NETNS_PATH} moves it), whose addresses are listed inside
 * them. Only asked when no process holds the address, and never for the host's own namespace.
 */
public final class NetnsFinder {

    /**
     * Comma-separated directories where the container runtime pins pod network namespaces, as the daemon sees them
     * (the chart mounts the host's {@code cniNetnsDir} at {@code /var/run/netns}). Read from the environment only,
     * until the settings table knows it.
     */

    /** The local addresses of a pinned namespace file; null when they cannot be read (not a namespace, gone). */
    @FunctionalInterface
    public interface PinnedAddresses {
        Set<InetAddress> of(Path namespaceFile);
    }

    private final Path proc;
    private final List<Path> pinnedDirs;
    private final PinnedAddresses pinnedAddresses;

    /** Processes only. */
    public NetnsFinder(Path proc) {
        this(proc, List.of(), file -> null);
    }

    /** Processes, then the namespaces pinned in {@code pinnedDirs}, their addresses listed with {@code ip}. */
    public NetnsFinder(Path proc, List<Path> pinnedDirs) {
        this(proc, pinnedDirs, NetnsFinder::listAddresses);
    }

    NetnsFinder(Path proc, List<Path> pinnedDirs, PinnedAddresses pinnedAddresses) {
        this.proc = proc;
        this.pinnedDirs = List.copyOf(pinnedDirs);
        this.pinnedAddresses = pinnedAddresses;
    }

    /** Failure to find the namespace; the message starts with {@code get netns:}. */
    public static final class NotFoundException extends Exception {
        NotFoundException(String message) {
            super(message);
        }
    }

    /** @return the path {@code <proc>/<pid>/ns/net} of the pod's sandbox process */
    public Path find(String podIp) throws NotFoundException {
        InetAddress target;
        try {
            if (podIp == null || podIp.isEmpty()) {
                throw new IllegalArgumentException("empty");
            }
            target = InetAddress.ofLiteral(podIp);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("get netns: the pod IP \"" + podIp + "\" could not be parsed");
        }
        String hostNs = nsLink(proc.resolve("1"));
        // this process's own: the host's too in the daemon, and still known where <proc>/1 cannot be read
        String ownNs = nsLink(Path.of("/proc/thread-self"));
        Map<String, Boolean> holds = new HashMap<>(); // namespace inode -> holds the address
        long bestStart = Long.MAX_VALUE;
        String bestPid = null;
        String fallbackPid = null;
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
            for (Path dir : pids) {
                String ns = nsLink(dir);
                if (ns == null || ns.equals(hostNs) || ns.equals(ownNs)) {
                    continue;
                }
                Boolean has = holds.get(ns);
                if (has == null) {
                    Set<InetAddress> addresses = addresses(dir);
                    if (addresses == null) {
                        continue; // vanished or unreadable: try another process of the same namespace
                    }
                    has = addresses.contains(target);
                    holds.put(ns, has);
                }
                if (!has) {
                    continue;
                }
                long start = startTime(dir);
                if (start < 0) {
                    if (fallbackPid == null) {
                        fallbackPid = dir.getFileName().toString();
                    }
                } else if (start < bestStart) {
                    bestStart = start;
                    bestPid = dir.getFileName().toString();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new NotFoundException("get netns: cannot list " + proc + ": " + e.getMessage()
                    + ": failed to find network namespace");
        }
        String pid = bestPid != null ? bestPid : fallbackPid;
        if (pid != null) {
            return proc.resolve(pid).resolve("ns").resolve("net");
        }
        Path pinned = findPinned(target, holds.keySet());
        if (pinned != null) {
            return pinned;
        }
        throw new NotFoundException("get netns: no process holds the address " + podIp
                + (pinnedDirs.isEmpty() ? "" : " and no namespace pinned in " + pinnedDirs)
                + ": failed to find network namespace");
    }

    /**
     * The first pinned namespace file (directories in order, names sorted) holding {@code target}; namespaces the
     * process scan already looked at ({@code seen}, as {@code net:[inode]}) and the host's own are passed over.
     */
    private Path findPinned(InetAddress target, Set<String> seen) {
        // the host's, and this process's (the host's too in the daemon; where /proc/1 cannot be read it still is)
        List<Path> never = List.of(proc.resolve("1").resolve("ns").resolve("net"), Path.of("/proc/thread-self/ns/net"));
        Set<String> tried = new HashSet<>(seen);
        for (Path dir : new LinkedHashSet<>(pinnedDirs)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = new ArrayList<>(list.filter(Files::isRegularFile).sorted().toList());
            } catch (IOException | RuntimeException e) {
                continue; // no such directory here: the runtime pins elsewhere
            }
            for (Path file : files) {
                String ns = pinnedInode(file);
                if (ns == null || !tried.add(ns) || never.stream().anyMatch(n -> sameFile(file, n))) {
                    continue;
                }
                Set<InetAddress> addresses = pinnedAddresses.of(file);
                if (addresses != null && addresses.contains(target)) {
                    return file;
                }
            }
        }
        return null;
    }

    /** {@code net:[inode]} of a pinned file (the namespace's inode once the runtime bind-mounted it), or null. */
    private static String pinnedInode(Path file) {
        try {
            return "net:[" + Files.getAttribute(file, "unix:ino") + "]";
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** {@code ip -o addr show} inside the namespace (nsenter): there is no process whose procfs could be read. */
    private static Set<InetAddress> listAddresses(Path namespaceFile) {
        try {
            Set<InetAddress> out = new HashSet<>();
            for (IpAddress a : LocalAddresses.list(new ProcessCommandRunner(namespaceFile.toString()))) {
                out.add(InetAddress.getByAddress(a.bytes()));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null; // not a namespace (a file left by a failed pin), or deleted meanwhile
        }
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String nsLink(Path pidDir) {
        try {
            return Files.readSymbolicLink(pidDir.resolve("ns").resolve("net")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /** The namespace's local addresses, or null when they cannot be read. */
    static Set<InetAddress> addresses(Path pidDir) {
        Set<InetAddress> out = new HashSet<>();
        boolean any = false;
        try {
            out.addAll(fibTrieLocal(Files.readString(pidDir.resolve("net").resolve("fib_trie"))));
            any = true;
        } catch (IOException | RuntimeException e) {
            // no IPv4 or unreadable
        }
        try {
            out.addAll(ifInet6(Files.readString(pidDir.resolve("net").resolve("if_inet6"))));
            any = true;
        } catch (IOException | RuntimeException e) {
            // no IPv6 or unreadable
        }
        return any ? out : null;
    }

    /** IPv4 local addresses of a {@code fib_trie}: a {@code |-- a.b.c.d} line followed by {@code /32 host LOCAL}. */
    static Set<InetAddress> fibTrieLocal(String text) {
        Set<InetAddress> out = new HashSet<>();
        String last = null;
        for (String line : text.split("\n")) {
            String t = line.strip();
            int bar = t.indexOf("-- ");
            if (bar >= 0 && (t.startsWith("|--") || t.startsWith("+--"))) {
                String rest = t.substring(bar + 3).strip();
                int space = rest.indexOf(' ');
                last = space < 0 ? rest : null; // "+-- 10.0.0.0/8 2 0 2" is a branch, "|-- 10.0.0.1" a leaf
            } else if (t.startsWith("/32 host LOCAL") && last != null) {
                try {
                    out.add(InetAddress.ofLiteral(last));
                } catch (IllegalArgumentException e) {
                    // not an address
                }
            }
        }
        return out;
    }

    /** IPv6 addresses of {@code if_inet6}: 32 hex digits first on each line. */
    static Set<InetAddress> ifInet6(String text) {
        Set<InetAddress> out = new HashSet<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.length() < 32) {
                continue;
            }
            String hex = t.substring(0, 32);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 32; i += 4) {
                if (i > 0) {
                    b.append(':');
                }
                b.append(hex, i, i + 4);
            }
            try {
                out.add(InetAddress.ofLiteral(b.toString()));
            } catch (IllegalArgumentException e) {
                // not an address
            }
        }
        return out;
    }

    /** Field 22 of {@code stat} (start time in clock ticks), or -1. */
    static long startTime(Path pidDir) {
        try {
            String stat = Files.readString(pidDir.resolve("stat"));
            int paren = stat.lastIndexOf(')');
            String[] fields = stat.substring(paren + 2).strip().split(" ");
            return Long.parseLong(fields[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
