package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.netns.ScratchNamespace;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.rules.RuleSet;
import io.istiocni.testing.HostCapabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Applies generated rules to real, throw-away network namespaces with both iptables variants. */
class RuleApplierNamespaceTest {

    private static final Set<String> BUILT_IN = Set.of("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING");
    private static final String USER_RULE_V4 = "-A OUTPUT -d 192.0.2.1/32 -j RETURN";
    private static final String USER_RULE_V6 = "-A OUTPUT -d 2001:db8::1/128 -j RETURN";

    private final List<ScratchNamespace> namespaces = new ArrayList<>();
    private final RuleApplier applier = new RuleApplier();

    @BeforeEach
    void requireNamespaces() {
        ScratchNamespace.assumeAvailable();
        HostCapabilities.requireIptables();
    }

    @AfterEach
    void deleteNamespaces() {
        namespaces.forEach(ScratchNamespace::close);
    }

    static Stream<Arguments> variants() {
        return Stream.of(Arguments.of("nft", false), Arguments.of("legacy", false), Arguments.of("legacy", true));
    }

    @ParameterizedTest(name = "{0} cni={1}")
    @MethodSource("variants")
    void basicRedirectLifecycle(String variant, boolean cniMode) {
        lifecycle(TestSettings.basic(), variant, cniMode, TestSettings.redirect(List.of("15020")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nft", "legacy"})
    void tproxyIpv6DnsLifecycle(String variant) {
        lifecycle(TestSettings.tproxyIpv6Dns(), variant, false, TestSettings.basic());
    }

    /**
     * apply, apply again, drift + reconcile, different configuration, force-apply, cleanup, with a user rule in nat
     * OUTPUT that must survive everything.
     */
    private void lifecycle(CaptureSettings settings, String variant, boolean cniMode, CaptureSettings other) {
        ScratchNamespace ns = namespace(variant, settings.ipv6Enabled());
        RuleSet rules = RuleGenerator.generate(settings);
        String before = snapshot(ns, variant);

        assertEquals(ApplyOutcome.APPLIED, apply(ns, rules, settings, variant, cniMode, false, false, false));
        String applied = snapshot(ns, variant);
        String save = ns.check("iptables-" + variant + "-save");
        for (String expected : List.of(":ISTIO_INBOUND", ":ISTIO_OUTPUT", ":ISTIO_REDIRECT", ":ISTIO_IN_REDIRECT",
                "-A OUTPUT -j ISTIO_OUTPUT", USER_RULE_V4)) {
            assertTrue(save.contains(expected), expected + " missing in\n" + save);
        }
        assertFalse(save.contains("*filter"), "guardrails or the filter table are left over:\n" + save);
        if (settings.ipv6Enabled()) {
            String save6 = ns.check("ip6tables-" + variant + "-save");
            assertTrue(save6.contains("-A OUTPUT -j ISTIO_OUTPUT") && save6.contains(USER_RULE_V6), save6);
            assertTrue(save6.contains("-s ::6/128"), save6);
            assertTrue(ns.check("ip", "-6", "addr", "show", "dev", "lo").contains("::6/128"));
        }
        if (settings.tproxy()) {
            assertTrue(save.contains("*mangle") && save.contains("-j TPROXY"), save);
            assertTrue(ns.check("ip", "-4", "rule", "show").contains("fwmark 0x539 lookup 133"));
            assertTrue(ns.check("ip", "-4", "route", "show", "table", "133").contains("local default dev lo"));
            assertTrue(ns.check("ip", "-6", "rule", "show").contains("fwmark 0x539 lookup 133"));
            assertTrue(ns.check("ip", "-6", "route", "show", "table", "133").contains("local default dev lo"));
        }
        if (settings.dnsCaptureOn()) {
            assertTrue(save.contains("*raw") && save.contains("--zone"), save);
        }

        // a second run changes nothing, also not the policy routing
        assertEquals(ApplyOutcome.ALREADY_IN_PLACE, apply(ns, rules, settings, variant, cniMode, false, false, false));
        assertEquals(applied, snapshot(ns, variant));

        // drift: one rule is gone
        if (settings.ipv6Enabled()) {
            ns.check("ip6tables-" + variant, "-t", "nat", "-D", "ISTIO_OUTPUT", "-d", "::1/128", "-j", "RETURN");
        } else {
            ns.check("iptables-" + variant, "-t", "nat", "-D", "ISTIO_OUTPUT", "-d", "127.0.0.1/32", "-j", "RETURN");
        }
        String drifted = snapshot(ns, variant);
        ApplyException differ = assertThrows(ApplyException.class,
                () -> apply(ns, rules, settings, variant, cniMode, false, false, false));
        assertTrue(differ.getMessage().contains("already exist") && differ.getMessage().contains("--reconcile"),
                differ.getMessage());
        assertFalse(differ.getMessage().contains("\n"), differ.getMessage());
        assertEquals(drifted, snapshot(ns, variant));
        assertEquals(ApplyOutcome.RECONCILED, apply(ns, rules, settings, variant, cniMode, true, false, false));
        assertEquals(applied, snapshot(ns, variant));

        // another configuration without --reconcile: a clear error, nothing touched
        ApplyException otherConfig = assertThrows(ApplyException.class,
                () -> apply(ns, RuleGenerator.generate(other), other, variant, cniMode, false, false, false));
        assertTrue(otherConfig.getMessage().startsWith("Istio iptables rules already exist in network namespace "
                + ns.path() + " and differ from the wanted ones ("), otherConfig.getMessage());
        assertTrue(otherConfig.getMessage().endsWith("run with --reconcile to replace them"), otherConfig.getMessage());
        assertEquals(applied, snapshot(ns, variant));

        // --force-apply on a configured namespace fails in the restore, as Istio's does, without changing anything
        ApplyException forced = assertThrows(ApplyException.class,
                () -> apply(ns, rules, settings, variant, cniMode, false, false, true));
        assertTrue(forced.getMessage().startsWith("ip") && forced.getMessage().contains("-restore")
                && forced.getMessage().contains("failed (exit status "), forced.getMessage());
        assertEquals(applied, snapshot(ns, variant));

        // cleanup returns exactly to the state before the first apply; a second cleanup is harmless
        assertEquals(ApplyOutcome.CLEANED_UP, apply(ns, rules, settings, variant, cniMode, false, true, false));
        assertEquals(before, snapshot(ns, variant));
        assertEquals(ApplyOutcome.CLEANED_UP, apply(ns, rules, settings, variant, cniMode, false, true, false));
        assertEquals(before, snapshot(ns, variant));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nft", "legacy"})
    void reconcileReplacesADifferentConfiguration(String variant) {
        CaptureSettings first = TestSettings.tproxyIpv6Dns();
        CaptureSettings second = TestSettings.redirect(List.of("15020"), true);
        ScratchNamespace ns = namespace(variant, true);
        String before = snapshot(ns, variant);
        assertEquals(ApplyOutcome.APPLIED, apply(ns, RuleGenerator.generate(first), first, variant, false, false,
                false, false));
        assertEquals(ApplyOutcome.RECONCILED, apply(ns, RuleGenerator.generate(second), second, variant, false, true,
                false, false));

        ScratchNamespace fresh = namespace(variant, true);
        assertEquals(ApplyOutcome.APPLIED, apply(fresh, RuleGenerator.generate(second), second, variant, false,
                false, false, false));
        // the Istio chains are exactly those of the second configuration. Rules of the first one in built-in
        // chains that do not jump to an Istio chain are not Istio's to judge (capture.md 8.4) and stay.
        assertEquals(istioOnly(ns.check("iptables-" + variant + "-save")),
                istioOnly(fresh.check("iptables-" + variant + "-save")));
        assertEquals(istioOnly(fresh.check("ip6tables-" + variant + "-save")),
                istioOnly(ns.check("ip6tables-" + variant + "-save")));
        assertTrue(istioOnly(ns.check("ip6tables-" + variant + "-save")).contains("-A OUTPUT -j ISTIO_OUTPUT"));

        // cleaning up with the second configuration removes all Istio chains; what the first one left in
        // built-in chains without a jump stays (a cleanup with the first configuration would take it)
        assertEquals(ApplyOutcome.CLEANED_UP, apply(ns, RuleGenerator.generate(second), second, variant, false, false,
                true, false));
        assertEquals("", istioOnly(ns.check("iptables-" + variant + "-save")));
        assertEquals("", istioOnly(ns.check("ip6tables-" + variant + "-save")));
        assertEquals(ApplyOutcome.CLEANED_UP, apply(ns, RuleGenerator.generate(first), first, variant, false, false,
                true, false));
        assertEquals(before, snapshot(ns, variant));
    }

    @Test
    void detectsAVariantOnItsOwn() {
        ScratchNamespace ns = namespace("nft", false);
        CaptureSettings settings = TestSettings.basic();
        RuleSet rules = RuleGenerator.generate(settings);
        String before = snapshot(ns, "nft");
        assertEquals(ApplyOutcome.APPLIED, applier.apply(
                ApplyRequest.of(rules, settings, ns.path(), ApplyOptions.DEFAULTS)));
        // legacy has no rules in a fresh namespace, so nft is chosen
        assertTrue(ns.check("iptables-nft-save").contains("-A OUTPUT -j ISTIO_OUTPUT"));
        assertFalse(ns.check("iptables-legacy-save").contains("ISTIO"));
        assertEquals(ApplyOutcome.ALREADY_IN_PLACE, applier.apply(
                ApplyRequest.of(rules, settings, ns.path(), ApplyOptions.DEFAULTS)));
        assertEquals(ApplyOutcome.CLEANED_UP, applier.apply(
                ApplyRequest.of(rules, settings, ns.path(),
                        new ApplyOptions(false, false, true, false, ""))));
        assertEquals(before, snapshot(ns, "nft"));
    }

    /**
     * A pod with {@code hostUsers: false}: the kernel refuses {@code -m owner} rules written from another user
     * namespace than the network namespace's owner (xt_owner), so legacy iptables must run inside it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"legacy", "nft"})
    void namespaceOwnedByAPodUserNamespaceIsWorkedOnFromInsideIt(String variant) throws Exception {
        ScratchNamespace ns = ScratchNamespace.createInOwnUserNamespace();
        namespaces.add(ns);
        CaptureSettings settings = TestSettings.basic();
        RuleSet rules = RuleGenerator.generate(settings);
        ApplyRequest request = ApplyRequest.of(rules, settings, ns.path(),
                new ApplyOptions(true, false, false, false, variant));
        if (variant.equals("legacy")) {
            ApplyException refused = assertThrows(ApplyException.class, () -> applier.apply(request));
            assertTrue(refused.getMessage().contains("iptables-legacy-restore"), refused.getMessage());
        }
        ns.stopHolder(); // as a pinned namespace with nobody in it
        try (io.istiocni.netns.OwnerUserNamespace owner = io.istiocni.netns.OwnerUserNamespace.of(ns.path())) {
            assertTrue(owner != null, "owned by the test's user namespace");
            ApplyRequest inside = request.inUserNamespace(owner.path());
            assertEquals(ApplyOutcome.APPLIED, applier.apply(inside));
            String dump = ns.check("iptables-" + variant + "-save");
            assertTrue(dump.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), dump);
            assertEquals(java.util.Optional.empty(), applier.verify(inside));
            assertEquals(ApplyOutcome.CLEANED_UP, applier.apply(ApplyRequest.of(rules, settings, ns.path(),
                    new ApplyOptions(true, false, true, false, variant)).inUserNamespace(owner.path())));
            assertFalse(ns.check("iptables-" + variant + "-save").contains("ISTIO"));
        }
    }

    @Test
    void missingNamespaceFailsWithAClearMessage() {
        CaptureSettings settings = TestSettings.basic();
        ApplyException e = assertThrows(ApplyException.class, () -> applier.apply(ApplyRequest.of(
                RuleGenerator.generate(settings), settings, "/var/run/netns/itx-apply-missing",
                new ApplyOptions(false, false, false, false, "nft"))));
        assertTrue(e.getMessage().startsWith("FORCE_IPTABLES_BINARY=nft: iptables-nft is not usable"), e.getMessage());
    }

    private ApplyOutcome apply(ScratchNamespace ns, RuleSet rules, CaptureSettings settings, String variant,
                               boolean cniMode, boolean reconcile, boolean cleanupOnly, boolean forceApply) {
        return applier.apply(ApplyRequest.of(rules, settings, ns.path(),
                new ApplyOptions(cniMode, reconcile, cleanupOnly, forceApply, variant)));
    }

    /** A scratch namespace with lo up and a user rule in nat OUTPUT (both families when asked). */
    private ScratchNamespace namespace(String variant, boolean ipv6) {
        ScratchNamespace ns = ScratchNamespace.create();
        namespaces.add(ns);
        ns.check("iptables-" + variant, "-t", "nat", "-A", "OUTPUT", "-d", "192.0.2.1/32", "-j", "RETURN");
        if (ipv6) {
            ns.check("ip6tables-" + variant, "-t", "nat", "-A", "OUTPUT", "-d", "2001:db8::1/128", "-j", "RETURN");
        }
        return ns;
    }

    /** Everything the rule step may change: both families' tables, policy rules, routes, lo's IPv6 addresses. */
    private static String snapshot(ScratchNamespace ns, String variant) {
        return "# iptables\n" + normalize(ns.check("iptables-" + variant + "-save"))
                + "# ip6tables\n" + normalize(ns.check("ip6tables-" + variant + "-save"))
                + "# ip -4 rule\n" + ns.check("ip", "-4", "rule", "show")
                + "# ip -6 rule\n" + ns.check("ip", "-6", "rule", "show")
                + "# ip -4 route\n" + ns.check("ip", "-4", "route", "show", "table", "all")
                + "# ip -6 route\n" + ns.check("ip", "-6", "route", "show", "table", "all")
                + "# ip -6 addr lo\n" + ns.check("ip", "-6", "addr", "show", "dev", "lo");
    }

    /**
     * The state in an iptables-save dump: no comments or counters, chain declarations sorted, built-in chains with
     * the default ACCEPT policy and tables left empty omitted (they are created by merely looking at a table).
     */
    static String normalize(String save) {
        Map<String, String> tables = new TreeMap<>();
        String table = null;
        List<String> chains = new ArrayList<>();
        List<String> rules = new ArrayList<>();
        for (String line : save.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
                chains.clear();
                rules.clear();
            } else if (line.startsWith(":")) {
                String[] words = line.substring(1).split(" ");
                if (!(BUILT_IN.contains(words[0]) && words[1].equals("ACCEPT"))) {
                    chains.add(":" + words[0] + " " + words[1]);
                }
            } else if (line.equals("COMMIT")) {
                if (!chains.isEmpty() || !rules.isEmpty()) {
                    chains.sort(null);
                    tables.put(table, "*" + table + "\n" + String.join("\n", chains) + (chains.isEmpty() ? "" : "\n")
                            + String.join("\n", rules) + (rules.isEmpty() ? "" : "\n") + "COMMIT\n");
                }
            } else {
                rules.add(line.strip());
            }
        }
        return String.join("", tables.values());
    }

    /** Only the Istio chains of a dump and the jumps to them. */
    private static String istioOnly(String save) {
        StringBuilder out = new StringBuilder();
        String table = null;
        for (String line : normalize(save).split("\n")) {
            if (line.startsWith("*")) {
                table = line;
            } else if (line.startsWith(":ISTIO") || line.startsWith("-A ISTIO") || line.matches(".* -[jg] ISTIO\\S*$")) {
                out.append(table).append(' ').append(line).append('\n');
            }
        }
        return out.toString();
    }
}
