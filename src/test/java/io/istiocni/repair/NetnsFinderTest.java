package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.netns.CommandRunner;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.netns.ScratchNamespace;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetnsFinderTest {

    @TempDir
    Path proc;

    static String fibTrie(String ip) {
        return """
                Main:
                  +-- 0.0.0.0/0 3 0 5
                     |-- 0.0.0.0
                        /0 universe UNICAST
                     +-- 10.244.1.0/24 2 0 2
                        |-- 10.244.1.0
                           /24 link UNICAST
                        |-- %s
                           /32 host LOCAL
                Local:
                  +-- 127.0.0.0/8 2 0 2
                     |-- 127.0.0.1
                        /32 host LOCAL
                """.formatted(ip);
    }

    void process(String pid, String nsInode, String ip, long startTime) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(pid));
        Files.createDirectories(dir.resolve("ns"));
        Files.createSymbolicLink(dir.resolve("ns/net"), Path.of("net:[" + nsInode + "]"));
        Files.createDirectories(dir.resolve("net"));
        Files.writeString(dir.resolve("net/fib_trie"), fibTrie(ip));
        Files.writeString(dir.resolve("net/if_inet6"),
                "fd000000000000000000000000000007 02 40 00 80     eth0\n00000000000000000000000000000001 01 80 10 80       lo\n");
        if (startTime >= 0) {
            StringBuilder stat = new StringBuilder(pid + " (pause) S");
            for (int field = 4; field <= 21; field++) {
                stat.append(" 0");
            }
            stat.append(' ').append(startTime).append(" 0 0\n");
            Files.writeString(dir.resolve("stat"), stat.toString());
        }
    }

    @Test
    void picksTheEarliestProcessOfTheNamespaceHoldingTheAddress() throws Exception {
        process("1", "4026531840", "192.168.1.10", 1);
        process("4242", "4026531840", "10.244.1.7", 5); // host namespace (conmon): never chosen
        process("500", "4026532001", "10.244.1.8", 100);
        process("600", "4026532002", "10.244.1.7", 300); // validation container, later
        process("601", "4026532002", "10.244.1.7", 200); // pause
        process("700", "4026532002", "10.244.1.7", -1); // no stat
        assertEquals(proc.resolve("601/ns/net"), new NetnsFinder(proc).find("10.244.1.7"));
        assertEquals(proc.resolve("500/ns/net"), new NetnsFinder(proc).find("10.244.1.8"));
        assertEquals(proc.resolve("500/ns/net").getParent().getParent(),
                new NetnsFinder(proc).find("fd00::7").getParent().getParent().getParent().resolve("500"));
    }

    @Test
    void errors() throws Exception {
        process("1", "1", "192.168.1.10", 1);
        var e = assertThrows(NetnsFinder.NotFoundException.class, () -> new NetnsFinder(proc).find("10.0.0.9"));
        assertTrue(e.getMessage().startsWith("get netns:") && e.getMessage().endsWith("failed to find network namespace"),
                e.getMessage());
        e = assertThrows(NetnsFinder.NotFoundException.class, () -> new NetnsFinder(proc).find("not-an-ip"));
        assertTrue(e.getMessage().startsWith("get netns:") && e.getMessage().contains("could not be parsed"));
        e = assertThrows(NetnsFinder.NotFoundException.class, () -> new NetnsFinder(proc).find(""));
        assertTrue(e.getMessage().contains("could not be parsed"));
    }

    @Test
    void parsesProcNetFiles() throws Exception {
        assertEquals(Set.of(InetAddress.ofLiteral("10.244.1.7"), InetAddress.ofLiteral("127.0.0.1")),
                NetnsFinder.fibTrieLocal(fibTrie("10.244.1.7")));
        assertEquals(Set.of(InetAddress.ofLiteral("fd00::7"), InetAddress.ofLiteral("::1")),
                NetnsFinder.ifInet6("fd000000000000000000000000000007 02 40 00 80     eth0\n"
                        + "00000000000000000000000000000001 01 80 10 80       lo\n"));
    }

    @Test
    void findsTheRealNamespaceOfThisProcess() throws Exception {
        Path real = Path.of("/proc");
        long self = ProcessHandle.current().pid();
        // this process is in the host namespace here, so it is never chosen: look for no match but no crash
        assertThrows(NetnsFinder.NotFoundException.class, () -> new NetnsFinder(real).find("203.0.113.254"));
        assertTrue(NetnsFinder.startTime(real.resolve(Long.toString(self))) > 0);
    }

    // ---- namespaces no process is in: pinned by the runtime (istio/istio#60478) ----

    @TempDir
    Path pins;

    @Test
    void pinnedDirsSetting() {
        assertEquals(List.of(Path.of("/var/run/netns")), pinnedDirs(Map.of()));
        assertEquals(List.of(Path.of("/var/run/netns")), pinnedDirs(Map.of("HOST_NETNS_PATH", "")));
        assertEquals(List.of(Path.of("/run/netns"), Path.of("/var/run/docker/netns")),
                pinnedDirs(Map.of("HOST_NETNS_PATH", "/run/netns, ,/var/run/docker/netns")));
    }

    static List<Path> pinnedDirs(Map<String, String> env) {
        return RepairSettings.from(env, List.of()).hostNetnsPaths();
    }

    /** With fake pinned files: asked only when no process matches, in directory then name order. */
    @Test
    void pinnedNamespacesAreTheFallback() throws Exception {
        process("1", "4026531840", "192.168.1.10", 1);
        process("500", "4026532001", "10.244.1.8", 100);
        Path a = Files.createDirectories(pins.resolve("a"));
        Path b = Files.createDirectories(pins.resolve("b"));
        Files.createFile(a.resolve("cni-2"));
        Files.createFile(b.resolve("cni-1"));
        Files.createDirectories(a.resolve("not-a-file"));
        List<Path> asked = new ArrayList<>();
        NetnsFinder finder = new NetnsFinder(proc, List.of(a, b, pins.resolve("missing")), file -> {
            asked.add(file);
            return file.getFileName().toString().equals("cni-1") ? Set.of(InetAddress.ofLiteral("10.244.1.9")) : null;
        });
        assertEquals(proc.resolve("500/ns/net"), finder.find("10.244.1.8"));
        assertTrue(asked.isEmpty(), "a process holds it: no pinned namespace looked at");
        assertEquals(b.resolve("cni-1"), finder.find("10.244.1.9"));
        assertEquals(List.of(a.resolve("cni-2"), b.resolve("cni-1")), asked);
        var e = assertThrows(NetnsFinder.NotFoundException.class, () -> finder.find("10.244.1.10"));
        assertTrue(e.getMessage().startsWith("get netns: no process holds the address 10.244.1.10 and no namespace"
                + " pinned in [") && e.getMessage().endsWith("failed to find network namespace"), e.getMessage());
    }

    /**
     * A namespace pinned as {@code ip netns add} (and containerd, CRI-O) pins it, with no process in it, holding the
     * pod IP: found through the real procfs and the real {@code ip}, and the pinned path is what is returned.
     */
    @Test
    void findsAPinnedNamespaceNoProcessIsIn() throws Exception {
        ScratchNamespace.assumeAvailable();
        String ip = "10.251." + new SecureRandom().nextInt(256) + "." + (1 + new SecureRandom().nextInt(250));
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ns.check("ip", "addr", "add", ip + "/32", "dev", "lo");
            NetnsFinder procOnly = new NetnsFinder(Path.of("/proc"));
            assertThrows(NetnsFinder.NotFoundException.class, () -> procOnly.find(ip));
            Path found = new NetnsFinder(Path.of("/proc"), List.of(Path.of(ns.path()).getParent())).find(ip);
            assertTrue(Files.isSameFile(Path.of(ns.path()), found), found.toString());
        }
    }

    /**
     * The host's own namespace (this process's here, where {@code /proc/1}'s may be unreadable) pinned in a pinning
     * directory is never chosen, though it holds the address.
     */
    @Test
    void thePinnedHostNamespaceIsNeverChosen() throws Exception {
        ScratchNamespace.assumeAvailable();
        CommandRunner host = new ProcessCommandRunner();
        String hostIp = io.istiocni.netns.LocalAddresses.list(host).stream().filter(a -> !a.isLoopback())
                .map(Object::toString).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(hostIp != null, "the host has a non-loopback address");
        Path pinned = Files.createFile(pins.resolve("host"));
        CommandRunner.Result bind = host.run(List.of("mount", "--bind", "/proc/self/ns/net", pinned.toString()));
        assertTrue(bind.ok(), bind.diagnostic());
        try {
            NetnsFinder finder = new NetnsFinder(Path.of("/proc"), List.of(pins));
            var e = assertThrows(NetnsFinder.NotFoundException.class, () -> finder.find(hostIp));
            assertTrue(e.getMessage().endsWith("failed to find network namespace"), e.getMessage());
        } finally {
            CommandRunner.Result umount = host.run(List.of("umount", pinned.toString()));
            assertTrue(umount.ok(), umount.diagnostic());
        }
    }
}
