package io.istiocni.redirect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.iptables.ApplyOptions;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.netns.ScratchNamespace;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.InterceptionMode;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.testing.HostCapabilities;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Either backend through the one interface, as {@link CaptureBackends} chooses it, in a real throw-away namespace:
 * apply, verify, cleanup, verify.
 */
class CaptureBackendTest {

    static CaptureSettings settings() {
        return new CaptureSettings("15001", "15006", "15008", List.of("1337"), List.of("1337"),
                InterceptionMode.REDIRECT, "*", List.of("15020", "15021", "15090"), true, List.of(), List.of(),
                List.of(), List.of("15020"), List.of(), List.of(), "1337", "133", false, false, false, false, List.of(),
                List.of(), null, List.of(), "127.0.0.1/32", false);
    }

    /** nft's ruleset, or for iptables its rules and Istio chains (iptables-nft keeps empty built-in chains). */
    static String state(ScratchNamespace ns, boolean nativeNftables) {
        if (nativeNftables) {
            return ns.check("nft", "list", "ruleset");
        }
        return String.join("\n", (ns.check("iptables-save") + ns.check("iptables-legacy-save")).lines()
                .filter(l -> l.startsWith("-A") || l.startsWith(":ISTIO")).toList());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void applyVerifyCleanup(boolean nativeNftables) {
        HostCapabilities.requireNetworkNamespaces();
        if (nativeNftables) {
            HostCapabilities.requireCommand("nft", "--version");
        } else {
            HostCapabilities.requireIptables();
        }
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            CaptureBackend backend = CaptureBackends.processes().select(nativeNftables);
            assertEquals(nativeNftables ? "nftables" : "iptables", backend.name());
            ApplyRequest apply = ApplyRequest.forPod(RuleGenerator.generate(settings()), settings(), ns.path());
            ApplyRequest cleanup = ApplyRequest.of(apply.rules(), settings(), ns.path(),
                    new ApplyOptions(true, false, true, false, ""));
            String before = state(ns, nativeNftables);
            assertTrue(backend.verify(apply).isPresent(), "nothing is in place yet");

            assertEquals(ApplyOutcome.APPLIED, backend.apply(apply));
            assertEquals(Optional.empty(), backend.verify(apply));
            String listed = nativeNftables ? ns.check("nft", "list", "table", "inet", "istio-proxy-nat")
                    : ns.check("iptables-save", "-t", "nat");
            assertTrue(listed.contains(nativeNftables ? "jump istio-output" : "-A OUTPUT -j ISTIO_OUTPUT"), listed);

            assertEquals(ApplyOutcome.CLEANED_UP, backend.apply(cleanup));
            assertTrue(backend.verify(apply).isPresent(), "nothing is in place after cleanup");
            assertEquals(before, state(ns, nativeNftables));
        }
    }
}
