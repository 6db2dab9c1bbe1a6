package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
