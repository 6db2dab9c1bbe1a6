package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real traffic through rules applied by the packaged program into a scratch "pod" namespace, connected by
 * a veth pair to a scratch "peer" namespace (10.250.N.2 pod, 10.250.N.1 and 10.250.N.3 peer). Listeners
 * answer with the port that accepted the connection. No traffic leaves the two namespaces.
 */
class TrafficRedirectionIT {

    static final int APP_UID = 1000;
    static final int PROXY_UID = 1337;

    final int subnet = 1 + new SecureRandom().nextInt(250);
    final String podIp = "10.250." + subnet + ".2";
    final String peerIp = "10.250." + subnet + ".1";
    final String peerIp2 = "10.250." + subnet + ".3";
    final String nobodyIp = "10.250." + subnet + ".77";

    @BeforeEach
    void root() {
        ItSupport.requireTrafficTools();
    }

    /** Applies rules into the pod namespace with the forced variant and checks they landed there. */
    static void apply(Variant v, Netns pod, String... flags) {
        List<String> args = new ArrayList<>(List.of("iptables", "--network-namespace", pod.path()));
        args.addAll(List.of(flags));
        Map<String, String> env = ItSupport.cleanEnv(Map.of(
                "ENABLE_INBOUND_IPV6", "false",
                "FORCE_IPTABLES_BINARY", v.force));
        Result r = ItSupport.istioCni(env, args);
        assertEquals(0, r.exit(), () -> "apply failed\n" + r.describe());
        String mine = pod.save(v, false);
        assertTrue(mine.contains("ISTIO_OUTPUT"), () -> "no ISTIO_OUTPUT in " + v.save(false)
                + " of the pod namespace after apply:\n" + mine + "\n" + r.describe());
        Variant other = v == Variant.NFT ? Variant.LEGACY : Variant.NFT;
        String theirs = pod.save(other, false);
        assertFalse(theirs.contains("ISTIO"), () -> "FORCE_IPTABLES_BINARY=" + v.force
                + " but rules are in " + other.save(false) + ":\n" + theirs);
    }

    Netns[] topology(Netns pod, Netns peer) {
        pod.connect(peer, podIp + "/24", peerIp + "/24", peerIp2 + "/24");
        peer.startServer(-1, -1, "peer", "tcp:8080", "tcp:9090", "tcp:53", "udp:53");
        return new Netns[] {pod, peer};
    }

    static void assertLands(String expectedPrefix, String answer, String what) {
        assertTrue(answer.equals(expectedPrefix) || answer.startsWith(expectedPrefix + " "), () -> what + ": expected an answer from '"
                + expectedPrefix + "', got: " + answer);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void redirectModeCapturesOutboundAndInboundExceptExclusions(Variant v) {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001", "tcp:15006", "tcp:8081");

            // baseline: without rules the application reaches the peer, and nothing answers inbound on 8080
            assertLands("peer tcp:8080", pod.client(APP_UID, APP_UID, "tcp", peerIp, 8080), "baseline outbound");
            assertTrue(peer.client(-1, -1, "tcp", podIp, 8080).startsWith("ERROR"), "baseline inbound 8080");

            apply(v, pod, "-u", "1337", "-g", "1337", "-b", "*", "-d", "8081", "-i", "*",
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

    @ParameterizedTest
    @EnumSource(Variant.class)
    void dnsCaptureSendsUdpAndTcpPort53To15053(Variant v) {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            // the agent's DNS listener runs as the proxy uid and answers from 127.0.0.1, as Istio's agent does
            pod.startServer(PROXY_UID, PROXY_UID, "pod", "tcp:15001", "tcp:15006", "udp:15053@127.0.0.1",
                    "tcp:15053");

            assertLands("peer udp:53", pod.client(APP_UID, APP_UID, "udp", peerIp, 53), "baseline UDP 53");

            apply(v, pod, "-u", "1337", "-g", "1337", "-b", "*", "-i", "*", "--redirect-dns", "--capture-all-dns");

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

    @ParameterizedTest
    @EnumSource(Variant.class)
    void tproxyModeDeliversInboundWithOriginalDestination(Variant v) {
        try (Netns pod = Netns.create(); Netns peer = Netns.create()) {
            topology(pod, peer);
            // a transparent (IP_TRANSPARENT) inbound listener needs CAP_NET_ADMIN: run as root
            pod.startServer(-1, -1, "pod", "tcp:15001", "tcpt:15006", "tcp:8081");

            apply(v, pod, "-u", "1337", "-g", "1337", "-m", "TPROXY", "-b", "8080", "-i", "*");

            String mangle = pod.save(v, false);
            assertTrue(mangle.contains("TPROXY"), () -> "no TPROXY rule in the pod namespace:\n" + mangle);
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
}
