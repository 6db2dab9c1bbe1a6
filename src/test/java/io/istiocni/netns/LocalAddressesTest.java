package io.istiocni.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.Family;
import io.istiocni.rules.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalAddressesTest {

    private static final String OUTPUT = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
            2: eth0    inet 10.244.1.7/24 brd 10.244.1.255 scope global eth0\\       valid_lft forever preferred_lft forever
            2: eth0    inet6 fd00:10:244:1::7/64 scope global \\       valid_lft forever preferred_lft forever
            2: eth0    inet6 fe80::a8bb:ccff:fedd:eeff/64 scope link \\       valid_lft forever preferred_lft forever
            3: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\       valid_lft forever preferred_lft forever
            """;

    @Test
    void parsesAllIpv4ThenAllIpv6InInterfaceOrder() {
        List<String> parsed = LocalAddresses.parse(OUTPUT).stream().map(IpAddress::canonical).toList();
        assertEquals(List.of("127.0.0.1", "10.244.1.7", "10.8.0.1", "::1", "fd00:10:244:1::7",
                "fe80::a8bb:ccff:fedd:eeff"), parsed);
    }

    @Test
    void ignoresLinesWithoutAddresses() {
        assertEquals(List.of(), LocalAddresses.parse(""));
        assertEquals(List.of(), LocalAddresses.parse("garbage line\n4: x    inet notanaddress/8\n"));
    }

    @Test
    void failingIpIsReported() {
        CommandRunner failing = (argv, env, stdin) -> new CommandRunner.Result(1, "", "Cannot open netlink socket");
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> LocalAddresses.list(failing));
        assertEquals("ip -o addr show failed (exit status 1): Cannot open netlink socket", e.getMessage());
    }

    @Test
    void listsAddressesOfARealNamespace() {
        ScratchNamespace.assumeAvailable();
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ns.check("ip", "link", "add", "itxa", "type", "veth", "peer", "name", "itxb");
            ns.check("ip", "addr", "add", "10.77.0.2/24", "dev", "itxa");
            ns.check("ip", "-6", "addr", "add", "fd00:77::2/64", "dev", "itxa", "nodad");
            ns.check("ip", "addr", "add", "10.77.1.2/24", "dev", "itxb");
            ns.check("ip", "link", "set", "itxa", "up");
            ns.check("ip", "link", "set", "itxb", "up");

            List<IpAddress> list = LocalAddresses.list(new ProcessCommandRunner(ns.path()));

            assertEquals(IpAddress.parse("127.0.0.1"), list.getFirst());
            assertTrue(list.containsAll(List.of(IpAddress.parse("10.77.0.2"), IpAddress.parse("10.77.1.2"),
                    IpAddress.parse("::1"), IpAddress.parse("fd00:77::2"))), list.toString());
            int firstV6 = list.indexOf(IpAddress.parse("::1"));
            assertEquals(3, firstV6, list.toString());
            assertTrue(list.subList(0, firstV6).stream().allMatch(a -> a.family() == Family.IPV4));
            assertTrue(list.subList(firstV6, list.size()).stream().allMatch(a -> a.family() == Family.IPV6));
            // the host's own addresses are not visible in the namespace
            assertTrue(list.stream().filter(a -> a.family() == Family.IPV4 && !a.isLoopback())
                    .allMatch(a -> a.canonical().startsWith("10.77.")), list.toString());

            assertFalse(IpFamilyDecision.ipv6Enabled(list, false));
            assertTrue(IpFamilyDecision.ipv6Enabled(list, true));
            assertTrue(IpFamilyDecision.hostAddress(list).canonical().startsWith("10.77."));

            // only IPv6 left: IPv6 decides
            ns.check("ip", "addr", "flush", "dev", "itxa", "scope", "global");
            ns.check("ip", "-4", "addr", "flush", "dev", "itxb");
            ns.check("ip", "-6", "addr", "add", "fd00:78::2/64", "dev", "itxb", "nodad");
            List<IpAddress> v6only = LocalAddresses.list(new ProcessCommandRunner(ns.path()));
            assertTrue(IpFamilyDecision.ipv6Enabled(v6only, false), v6only.toString());
        }
    }

    @Test
    void listRunsIpThroughTheRunner() {
        CommandRunner fake = (argv, env, stdin) -> {
            assertEquals(List.of("ip", "-o", "addr", "show"), argv);
            return new CommandRunner.Result(0, OUTPUT, "");
        };
        assertEquals(6, LocalAddresses.list(fake).size());
    }
}
