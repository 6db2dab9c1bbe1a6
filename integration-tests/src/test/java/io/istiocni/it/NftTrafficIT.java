package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import io.istiocni.testing.HostCapabilities;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real traffic through native nftables rules applied by the packaged program ({@code iptables --native-nftables})
 * into a scratch "pod" namespace linked by a veth pair to a scratch "peer" (nftables.md §11), as
 * {@link TrafficRedirectionIT} does for iptables; and both backends side by side on this machine with the same
 * outcomes. No traffic leaves the namespaces.
 */
class NftTrafficIT {

    static final int APP_UID = 1000;
    static final int PROXY_UID = 1337;

    final int subnet = 1 + new SecureRandom().nextInt(250);
    final String podIp = "10.251." + subnet + ".2";
    final String peerIp = "10.251." + subnet + ".1";
    final String peerIp2 = "10.251." + subnet + ".3";
    final String nobodyIp = "10.251." + subnet + ".77";
    final String podIp6 = "fd00:251:" + Integer.toHexString(subnet) + "::2";
    final String peerIp6 = "fd00:251:" + Integer.toHexString(subnet) + "::1";

    @BeforeEach
    void root() {
        ItSupport.requireTrafficTools();
        HostCapabilities.requireCommand("nft", "--version");
    }

    /** Applies with the nft backend and checks that the rules are nft's and no iptables rule was made. */
    static void applyNft(Netns pod, boolean ipv6, String... flags) {
        List<String> args = new ArrayList<>(List.of("iptables", "--native-nftables", "--network-namespace",
                pod.path()));
        args.addAll(List.of(flags));
        Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", String.valueOf(ipv6))), args);
        assertEquals(0, r.exit(), () -> "apply failed\n" + r.describe());
        String tables = pod.execOk("nft", "list", "tables").stdout();
        assertTrue(tables.contains("table inet istio-proxy-nat"), tables);
        assertNoIptablesRules(pod);
    }

    static void applyIptables(Netns pod, String... flags) {
        List<String> args = new ArrayList<>(List.of("iptables", "--network-namespace", pod.path()));
        args.addAll(List.of(flags));
        Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false",
                "FORCE_IPTABLES_BINARY", "nft")), args);
        assertEquals(0, r.exit(), () -> "iptables apply failed\n" + r.describe());
    }

    static void assertNoIptablesRules(Netns ns) {
        for (Variant v : Variant.values()) {
            for (boolean v6 : new boolean[] {false, true}) {
                String dump = ns.save(v, v6);
                assertFalse(dump.contains("ISTIO"), () -> v.save(v6) + " has Istio chains:\n" + dump);
            }
        }
    }

    void topology(Netns pod, Netns peer) {
        pod.connect(peer, podIp + "/24", peerIp + "/24", peerIp2 + "/24");
        peer.startServer(-1, -1, "peer", "tcp:8080", "tcp:9090", "tcp:53", "udp:53");
    }

    static void assertLands(String expectedPrefix, String answer, String what) {
        assertTrue(answer.equals(expectedPrefix) || answer.startsWith(expectedPrefix + " "),
                () -> what + ": expected an answer from '" + expectedPrefix + "', got: " + answer);
    }

    @Test
    void redirectModeCapturesOutboundAndInboundExceptExclusions() {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001", "tcp:15006", "tcp:8081", "tcp:15008");
            assertLands("peer tcp:8080", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080), "baseline outbound");

            applyNft(pod, false, "-u", "1337", "-g", "1337", "-b", "*", "-d", "8081", "-i", "*",
                    "-o", "9090", "-x", peerIp2 + "/32");

            assertAll(
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080),
                            "outbound TCP from uid 1000 to the peer"),
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", nobodyIp, 4321),
                            "outbound TCP from uid 1000 to an address nobody has"),
                    () -> assertLands("pod tcp:15006", peer.client(-1, -1, "tcp", podIp, 8080),
                            "inbound TCP to captured port 8080"),
                    () -> assertLands("pod tcp:8081", peer.client(-1, -1, "tcp", podIp, 8081),
                            "inbound TCP to excluded inbound port 8081 (-d)"),
                    () -> assertLands("pod tcp:15008", peer.client(-1, -1, "tcp", podIp, 15008),
                            "inbound TCP to the tunnel port 15008 is not captured"),
                    () -> assertLands("peer tcp:8080", pod.client(PROXY_UID, PROXY_UID, "tcp", peerIp, 8080),
                            "outbound TCP from the proxy uid 1337"),
                    () -> assertLands("peer tcp:8080", pod.client(APP_UID + 1, PROXY_UID, "tcp", peerIp, 8080),
                            "outbound TCP from the proxy gid 1337 (uid 1001)"),
                    () -> assertLands("peer tcp:9090", pod.client(APP_UID, APP_UID, "tcp", peerIp, 9090),
                            "outbound TCP from uid 1000 to excluded port 9090 (-o)"),
                    () -> assertLands("peer tcp:8080", pod.client(APP_UID, APP_UID, "tcp", peerIp2, 8080),
                            "outbound TCP from uid 1000 to excluded CIDR " + peerIp2 + "/32 (-x)"));
        }
    }

    @Test
    void dnsCaptureSendsUdpAndTcpPort53To15053() {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001", "tcp:15006", "udp:15053@127.0.0.1",
                    "tcp:15053");
            assertLands("peer udp:53", pod.client(APP_UID, APP_UID, "udp", peerIp, 53), "baseline UDP 53");

            applyNft(pod, false, "-u", "1337", "-g", "1337", "-b", "*", "-i", "*", "--redirect-dns",
                    "--capture-all-dns");

            String raw = pod.execOk("nft", "list", "table", "inet", "istio-proxy-raw").stdout();
            assertTrue(raw.contains("ct zone set 1"), raw);
            assertAll(
                    () -> assertLands("pod udp:15053", pod.client(APP_UID, APP_UID, "udp", peerIp, 53),
                            "UDP to port 53 from uid 1000"),
                    () -> assertLands("pod tcp:15053", pod.client(APP_UID, APP_UID, "tcp", peerIp, 53),
                            "TCP to port 53 from uid 1000"),
                    () -> assertLands("peer udp:53", pod.client(PROXY_UID, PROXY_UID, "udp", peerIp, 53),
                            "UDP to port 53 from the proxy uid 1337 (the agent's upstream query)"),
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080),
                            "other outbound TCP still goes to 15001"));
        }
    }

    @Test
    void tproxyModeDeliversInboundWithOriginalDestination() {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            pod.startServer(-1, -1, "pod", "tcp:15001", "tcpt:15006", "tcp:8081");

            applyNft(pod, false, "-u", "1337", "-g", "1337", "-m", "TPROXY", "-b", "8080", "-i", "*");

            String mangle = pod.execOk("nft", "list", "table", "inet", "istio-proxy-mangle").stdout();
            assertTrue(mangle.contains("tproxy ip to :15006"), mangle);
            assertTrue(pod.execOk("ip", "rule", "show").stdout().contains("lookup 133"));
            assertAll(
                    () -> assertLands("pod tcp:15006 local=" + podIp + ":8080 peer=" + peerIp,
                            peer.client(-1, -1, "tcp", podIp, 8080),
                            "inbound TCP to 8080 via TPROXY, original destination preserved"),
                    () -> assertLands("pod tcp:8081", peer.client(-1, -1, "tcp", podIp, 8081),
                            "inbound TCP to 8081 (not in -b) reaches its own listener"),
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080),
                            "outbound TCP from uid 1000 in TPROXY mode"));
        }
    }

    void ipv6Topology(Netns pod, Netns peer) {
        pod.connect(peer, podIp + "/24", peerIp + "/24");
        pod.execOk("ip", "-6", "addr", "add", podIp6 + "/64", "dev", "eth0", "nodad");
        peer.execOk("ip", "-6", "addr", "add", peerIp6 + "/64", "dev", "eth0", "nodad");
        peer.startServer(-1, -1, "peer", "tcp:8080@::");
    }

    @Test
    void ipv6IsCapturedInTheSameInetTables() {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            ipv6Topology(pod, peer);
            pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001@::", "tcp:15006@::", "tcp:8081@::");
            assertLands("peer tcp:8080", pod.client(APP_UID, APP_UID, "tcp", peerIp6, 8080), "baseline IPv6");

            applyNft(pod, true, "-u", "1337", "-g", "1337", "-b", "*", "-d", "8081", "-i", "*");

            assertTrue(pod.execOk("ip", "-6", "addr", "show", "dev", "lo").stdout().contains("::6/128"));
            assertAll(
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", peerIp6, 8080),
                            "outbound IPv6 TCP from uid 1000"),
                    () -> assertLands("pod tcp:15006", peer.client(-1, -1, "tcp", podIp6, 8080),
                            "inbound IPv6 TCP to 8080"),
                    () -> assertLands("pod tcp:8081", peer.client(-1, -1, "tcp", podIp6, 8081),
                            "inbound IPv6 TCP to excluded 8081"),
                    () -> assertLands("peer tcp:8080", pod.client(PROXY_UID, PROXY_UID, "tcp", peerIp6, 8080),
                            "outbound IPv6 TCP from the proxy uid"),
                    () -> assertLands("pod tcp:15001", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080),
                            "outbound IPv4 TCP from uid 1000 in the same tables"));
        }
    }

    @Test
    void ipv6TproxyDeliversWithTheOriginalDestination() {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            ipv6Topology(pod, peer);
            pod.startServer(-1, -1, "pod", "tcpt:15006@::");

            applyNft(pod, true, "-u", "1337", "-g", "1337", "-m", "TPROXY", "-b", "8080");

            assertTrue(pod.execOk("ip", "-6", "rule", "show").stdout().contains("lookup 133"));
            assertLands("pod tcp:15006 local=" + podIp6 + ":8080 peer=" + peerIp6,
                    peer.client(-1, -1, "tcp", podIp6, 8080), "inbound IPv6 TCP via TPROXY");
        }
    }

    /**
     * The same settings through the iptables backend in one pair of namespaces and the nft backend in another (same
     * addresses, isolated): every probe gets the same answer, and neither backend leaves anything of the other kind.
     */
    @Test
    void bothBackendsGiveTheSameOutcomes() {
        String[] settings = {"-u", "1337", "-g", "1337", "-b", "*", "-d", "8081", "-i", "*", "-o", "9090",
                "-x", peerIp2 + "/32"};
        List<String> answers = new ArrayList<>();
        for (boolean nft : new boolean[] {false, true}) {
            try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
                topology(pod, peer);
                pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001", "tcp:15006", "tcp:8081");
                if (nft) {
                    applyNft(pod, false, settings);
                } else {
                    applyIptables(pod, settings);
                    String tables = pod.execOk("nft", "list", "tables").stdout();
                    assertFalse(tables.contains("istio-proxy"), tables);
                }
                List<Function<Void, String>> probes = List.of(
                        x -> pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080),
                        x -> pod.client(PROXY_UID, PROXY_UID, "tcp", peerIp, 8080),
                        x -> pod.client(APP_UID, APP_UID, "tcp", peerIp, 9090),
                        x -> pod.client(APP_UID, APP_UID, "tcp", peerIp2, 8080),
                        x -> peer.client(-1, -1, "tcp", podIp, 8080),
                        x -> peer.client(-1, -1, "tcp", podIp, 8081));
                StringBuilder sb = new StringBuilder();
                probes.forEach(p -> sb.append(p.apply(null)).append('\n'));
                answers.add(sb.toString());
            }
        }
        assertEquals(answers.get(0), answers.get(1), "iptables (first) and nftables (second) outcomes differ");
        assertTrue(answers.get(1).startsWith("pod tcp:15001"), answers.get(1));
    }
}
