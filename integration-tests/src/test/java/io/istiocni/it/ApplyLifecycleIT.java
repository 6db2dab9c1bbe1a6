package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Apply, apply again, drift + reconcile, a different configuration without --reconcile, cleanup: the
 * namespace ends exactly as it started (its own rules included), for the nft and the legacy variant.
 */
class ApplyLifecycleIT {

    static final List<String> CONFIG_A = List.of("-u", "1337", "-g", "1337", "-b", "8080,9080", "-i", "10.0.0.0/8",
            "-o", "9090", "-x", "10.9.0.0/16");
    static final List<String> CONFIG_B = List.of("-u", "1337", "-g", "1337", "-b", "*", "-i", "*");

    @BeforeEach
    void root() {
        ItSupport.requireNamespaceTools();
    }

    static Result apply(Variant v, Netns ns, List<String> config, String... extra) {
        List<String> args = new ArrayList<>(List.of("iptables", "--network-namespace", ns.path()));
        args.addAll(config);
        args.addAll(List.of(extra));
        return ItSupport.istioCni(ItSupport.cleanEnv(Map.of(
                "ENABLE_INBOUND_IPV6", "false",
                "FORCE_IPTABLES_BINARY", v.force)), args);
    }

    static String dryRunV4(List<String> config) {
        List<String> args = new ArrayList<>(List.of("iptables", "--dry-run"));
        args.addAll(config);
        Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false")), args);
        assertEquals(0, r.exit(), () -> "dry run\n" + r.describe());
        return ItSupport.splitDryRun(r.stdout())[0];
    }

    /** A user's own rules, present before we arrive; they must survive everything. */
    static void addUserRules(Variant v, Netns ns) {
        ns.execOk(v.iptables(false), "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport", "9999", "-j", "RETURN");
        ns.execOk(v.iptables(false), "-t", "filter", "-A", "INPUT", "-p", "tcp", "--dport", "9998", "-j", "ACCEPT");
        ns.execOk(v.iptables(false), "-t", "mangle", "-N", "USER_CHAIN");
        ns.execOk(v.iptables(false), "-t", "mangle", "-A", "USER_CHAIN", "-j", "RETURN");
        ns.execOk(v.iptables(true), "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport", "9997", "-j", "RETURN");
    }

    /** Everything the program could touch in the namespace: both families' rules, policy routing, lo. */
    static String fullState(Variant v, Netns ns) {
        return ns.canonicalState(v)
                + "# ip -4 rule\n" + ns.execOk("ip", "-4", "rule", "show").stdout()
                + "# ip -6 rule\n" + ns.execOk("ip", "-6", "rule", "show").stdout()
                + "# ip addr show dev lo\n" + ns.execOk("ip", "addr", "show", "dev", "lo").stdout()
                + "# ip route table all\n" + ns.execOk("ip", "route", "show", "table", "all").stdout();
    }

    static void assertOneLineError(Result r, String what) {
        assertEquals(1, r.exit(), () -> what + ": exit code\n" + r.describe());
        List<String> lines = r.stderrLines();
        assertEquals(1, lines.size(), () -> what + ": expected exactly one line on stderr\n" + r.describe());
    }

    /**
     * {@code --network-namespace} naming the namespace of a pod with its own user namespace ({@code hostUsers: false}):
     * the whole lifecycle runs from inside that user namespace (with legacy iptables the kernel refuses owner-match
     * rules from the host's), and the namespace ends as it started.
     */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void namespaceOfAPodWithItsOwnUserNamespace(Variant v) {
        try (Netns ns = Netns.createInOwnUserNamespace()) {
            ns.execOk(v.iptables(false), "-t", "filter", "-A", "INPUT", "-p", "tcp", "--dport", "9998", "-j", "ACCEPT");
            String before = ns.canonicalState(v);
            Result first = apply(v, ns, CONFIG_A);
            assertEquals(0, first.exit(), () -> "apply\n" + first.describe());
            assertTrue(ns.save(v, false).contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"),
                    () -> ns.save(v, false));
            Result again = apply(v, ns, CONFIG_A);
            assertEquals(0, again.exit(), () -> "apply again\n" + again.describe());
            assertTrue(again.stderr().contains("already in place"), again::describe);
            Result cleanup = apply(v, ns, CONFIG_A, "--cleanup-only");
            assertEquals(0, cleanup.exit(), () -> "cleanup\n" + cleanup.describe());
            assertEquals(before, ns.canonicalState(v));
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void applyTwiceReconcileRejectCleanup(Variant v) {
        String hostBefore = istioLinesOfHost();
        try (Netns ns = Netns.create(); Netns reference = Netns.create()) {
            addUserRules(v, ns);
            addUserRules(v, reference);
            String before = fullState(v, ns);
            assertTrue(before.contains("--dport 9999"), "user rule missing?\n" + before);

            // 1. first apply: the state is exactly the user's rules plus the dry-run's restore input
            Result first = apply(v, ns, CONFIG_A);
            assertEquals(0, first.exit(), () -> "first apply\n" + first.describe());
            String applied = ns.canonicalState(v);
            reference.execOkWithInput(dryRunV4(CONFIG_A), v.restore(false), "--noflush");
            assertEquals(reference.canonicalState(v), applied,
                    "applied state = user rules + dry-run output loaded with " + v.restore(false) + " --noflush");
            assertTrue(applied.contains(":ISTIO_OUTPUT -"), applied);

            // 2. same configuration again: succeeds, changes nothing
            Result second = apply(v, ns, CONFIG_A);
            assertEquals(0, second.exit(), () -> "second apply of the same configuration\n" + second.describe());
            assertEquals(applied, ns.canonicalState(v), "second apply changed the rules");

            // 3. drift: delete one of our rules, then --reconcile restores the first state
            ns.execOk(v.iptables(false), "-t", "nat", "-D", "ISTIO_OUTPUT", "-m", "owner", "--uid-owner", "1337",
                    "-j", "RETURN");
            assertNotEquals(applied, ns.canonicalState(v), "drift did not change anything?");
            Result reconcile = apply(v, ns, CONFIG_A, "--reconcile");
            assertEquals(0, reconcile.exit(), () -> "--reconcile after drift\n" + reconcile.describe());
            assertEquals(applied, ns.canonicalState(v), "--reconcile did not restore the applied state");

            // 4. a different configuration without --reconcile: refused, nothing changed
            Result other = apply(v, ns, CONFIG_B);
            assertOneLineError(other, "different configuration without --reconcile");
            assertEquals(applied, ns.canonicalState(v), "the refused apply changed the rules");

            // 5. cleanup: exactly as before the first apply
            Result cleanup = apply(v, ns, CONFIG_A, "--cleanup-only");
            assertEquals(0, cleanup.exit(), () -> "--cleanup-only\n" + cleanup.describe());
            assertEquals(before, fullState(v, ns), "after --cleanup-only the namespace must be as it started");
        }
        assertEquals(hostBefore, istioLinesOfHost(), "the host namespace's ISTIO rules changed");
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void reconcileSwitchesConfiguration(Variant v) {
        try (Netns ns = Netns.create(); Netns reference = Netns.create()) {
            addUserRules(v, ns);
            addUserRules(v, reference);
            String before = fullState(v, ns);
            Result a = apply(v, ns, CONFIG_A);
            assertEquals(0, a.exit(), () -> "apply A\n" + a.describe());
            Result b = apply(v, ns, CONFIG_B, "--reconcile");
            assertEquals(0, b.exit(), () -> "apply B with --reconcile over A\n" + b.describe());
            reference.execOkWithInput(dryRunV4(CONFIG_B), v.restore(false), "--noflush");
            assertEquals(reference.canonicalState(v), ns.canonicalState(v),
                    "after --reconcile to B the state must be user rules + B");
            Result cleanup = apply(v, ns, CONFIG_B, "--cleanup-only");
            assertEquals(0, cleanup.exit(), () -> "--cleanup-only\n" + cleanup.describe());
            assertEquals(before, fullState(v, ns), "after --cleanup-only the namespace must be as it started");
        }
    }

    /** The ISTIO lines of the host namespace's dumps (both variants), to show nothing leaked there. */
    static String istioLinesOfHost() {
        StringBuilder sb = new StringBuilder();
        for (Variant v : Variant.values()) {
            for (boolean v6 : new boolean[] {false, true}) {
                Result r = ItSupport.run(v.save(v6));
                r.stdout().lines().filter(l -> l.contains("ISTIO")).forEach(l -> sb.append(l).append('\n'));
            }
        }
        return sb.toString();
    }
}
