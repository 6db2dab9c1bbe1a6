package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import io.istiocni.rules.nft.NftListing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nft backend's lifecycle through the packaged program (nftables.md §7.3–7.6): apply, apply again (same
 * ruleset), a different configuration (flush residue), cleanup back to exactly the starting state, a user's own
 * nft table untouched throughout; iptables rules of Istio in the namespace reported; a pod with its own user
 * namespace.
 */
class NftLifecycleIT {

    static final List<String> CONFIG_A = List.of("-u", "1337", "-g", "1337", "-m", "TPROXY", "-b", "8080,9080",
            "-i", "10.0.0.0/8", "-o", "9090", "-x", "10.9.0.0/16", "--redirect-dns", "--capture-all-dns");
    static final List<String> CONFIG_B = List.of("-u", "1337", "-g", "1337", "-b", "*", "-i", "*");
    static final String USER_TABLE = """
            table inet user-firewall {
            \tchain out {
            \t\ttype filter hook output priority 0; policy accept;
            \t\ttcp dport 9999 counter accept
            \t}
            }
            """;

    @BeforeEach
    void root() {
        ItSupport.requireNftTools();
    }

    static Map<String, String> env() {
        return ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "true"));
    }

    static Result apply(Netns ns, List<String> config, String... extra) {
        List<String> args = new ArrayList<>(List.of("iptables", "--native-nftables", "--network-namespace",
                ns.path()));
        args.addAll(config);
        args.addAll(List.of(extra));
        return ItSupport.istioCni(env(), args);
    }

    static String dryRun(List<String> config) {
        List<String> args = new ArrayList<>(List.of("iptables", "--native-nftables", "--dry-run"));
        args.addAll(config);
        Result r = ItSupport.istioCni(env(), args);
        assertEquals(0, r.exit(), r::describe);
        return r.stdout();
    }

    static NftListing ruleset(Netns ns) {
        return NftListing.parse(ns.execOk("nft", "list", "ruleset").stdout());
    }

    /** Everything the program could touch: nft ruleset, iptables of both variants, policy routing, lo, routes. */
    static String fullState(Netns ns) {
        return "# nft\n" + ruleset(ns)
                + "\n# iptables\n" + ns.canonicalState(Variant.NFT) + ns.canonicalState(Variant.LEGACY)
                + "# ip -4 rule\n" + ns.execOk("ip", "-4", "rule", "show").stdout()
                + "# ip -6 rule\n" + ns.execOk("ip", "-6", "rule", "show").stdout()
                + "# ip addr show dev lo\n" + ns.execOk("ip", "addr", "show", "dev", "lo").stdout()
                + "# ip route table all\n" + ns.execOk("ip", "route", "show", "table", "all").stdout();
    }

    @Test
    void applyTwiceChangeConfigurationCleanup() {
        try (Netns ns = Netns.create(); Netns reference = Netns.create()) {
            ns.execOkWithInput(USER_TABLE, "nft", "-f", "-");
            reference.execOkWithInput(USER_TABLE, "nft", "-f", "-");
            String before = fullState(ns);

            Result first = apply(ns, CONFIG_A);
            assertEquals(0, first.exit(), first::describe);
            assertTrue(first.stderr().contains("rules applied"), first::describe);
            reference.execOkWithInput(dryRun(CONFIG_A), "nft", "-f", "-");
            NftListing applied = ruleset(ns);
            assertEquals(ruleset(reference), applied, "applied = the user's table + the dry-run transaction");
            assertTrue(applied.tables().containsKey("inet istio-proxy-mangle"), applied.toString());
            assertTrue(applied.tables().containsKey("inet istio-proxy-raw"), applied.toString());
            assertTrue(ns.execOk("ip", "-6", "rule", "show").stdout().contains("lookup 133"));

            Result second = apply(ns, CONFIG_A);
            assertEquals(0, second.exit(), second::describe);
            assertEquals(applied, ruleset(ns), "the same configuration twice gives the same ruleset");
            assertEquals(1, ns.execOk("ip", "-4", "rule", "show").stdout().split("lookup 133", -1).length - 1,
                    "one policy rule after two applies");

            // a different configuration rewrites nat; mangle and raw, which it does not use, keep acting (7.3)
            Result other = apply(ns, CONFIG_B);
            assertEquals(0, other.exit(), other::describe);
            NftListing changed = ruleset(ns);
            assertNotEquals(applied.tables().get("inet istio-proxy-nat"), changed.tables().get("inet istio-proxy-nat"));
            assertEquals(applied.tables().get("inet istio-proxy-mangle"), changed.tables().get("inet istio-proxy-mangle"));
            assertTrue(changed.tables().get("inet istio-proxy-nat").get("istio-output-dns").rules().isEmpty(),
                    "a chain the new plan does not declare stays, empty");

            Result cleanup = apply(ns, CONFIG_A, "--cleanup-only");
            assertEquals(0, cleanup.exit(), cleanup::describe);
            assertEquals(before, fullState(ns), "cleanup must restore the exact starting state");
            assertTrue(ruleset(ns).tables().containsKey("inet user-firewall"));
        }
    }

    @Test
    void iptablesRulesOfIstioAreReportedAndLeftAlone() {
        try (Netns ns = Netns.create()) {
            Result iptables = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false",
                    "FORCE_IPTABLES_BINARY", "legacy")), "iptables", "--network-namespace", ns.path(), "-u", "1337",
                    "-i", "*");
            assertEquals(0, iptables.exit(), iptables::describe);
            String legacy = ns.canonicalState(Variant.LEGACY);

            Result nft = apply(ns, CONFIG_B);
            assertEquals(0, nft.exit(), nft::describe);
            assertTrue(nft.stderr().contains("warning: iptables rules of Istio are also in " + ns.path()), nft::describe);
            assertTrue(nft.stderr().contains("ISTIO_OUTPUT"), nft::describe);
            assertEquals(legacy, ns.canonicalState(Variant.LEGACY), "the iptables rules must not be touched");

            Result clean = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false")), "iptables",
                    "--native-nftables", "--network-namespace", ns.path(), "--cleanup-only", "-u", "1337");
            assertEquals(0, clean.exit(), clean::describe);
            assertEquals(legacy, ns.canonicalState(Variant.LEGACY));
            assertFalse(ns.execOk("nft", "list", "tables").stdout().contains("istio-proxy"));
        }
    }

    /** 7.6: no nsenter --user; skuid 1337 written from the host matches the pod's own uid 1337. */
    @Test
    void podWithItsOwnUserNamespace() {
        try (Netns pod = Netns.createInOwnUserNamespace(); Netns peer = Netns.create()) {
            pod.connect(peer, "10.252.9.2/24", "10.252.9.1/24");
            peer.startServer(-1, -1, "peer", "tcp:8080");
            pod.startServer(1337, 1337, "proxy", "tcp:15001", "tcp:15006");
            Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false")), "iptables",
                    "--native-nftables", "--network-namespace", pod.path(), "-u", "1337", "-g", "1337", "-b", "*",
                    "-i", "*");
            assertEquals(0, r.exit(), r::describe);
            String app = pod.client(1000, 1000, "tcp", "10.252.9.1", 8080);
            assertTrue(app.startsWith("proxy tcp:15001"), "the application's connection is captured: " + app);
            String proxy = pod.client(1337, 1337, "tcp", "10.252.9.1", 8080);
            assertTrue(proxy.startsWith("peer tcp:8080"), "the pod's uid 1337 goes out: " + proxy);
            assertTrue(peer.client(-1, -1, "tcp", "10.252.9.2", 8080).startsWith("proxy tcp:15006"));
        }
    }
}
