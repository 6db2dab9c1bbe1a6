package io.istiocni.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.netns.ScratchNamespace;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.InterceptionMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Either backend through the one interface, in a real throw-away namespace: apply, verify, cleanup, verify. */
class CaptureBackendTest {

    @BeforeEach
    void requireNamespaces() {
        ScratchNamespace.assumeAvailable();
    }

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
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            CaptureBackend backend = CaptureBackend.of(nativeNftables);
            CaptureBackend.Target target = new CaptureBackend.Target(ns.path(), null, true);
            String before = state(ns, nativeNftables);
            assertTrue(backend.verify(settings(), target).isPresent(), "nothing is in place yet");

            assertEquals(ApplyOutcome.APPLIED, backend.apply(settings(), target));
            assertEquals(Optional.empty(), backend.verify(settings(), target));
            String listed = nativeNftables ? ns.check("nft", "list", "table", "inet", "istio-proxy-nat")
                    : ns.check("iptables-save", "-t", "nat");
            assertTrue(listed.contains(nativeNftables ? "jump istio-output" : "-A OUTPUT -j ISTIO_OUTPUT"), listed);

            backend.cleanup(settings(), target);
            assertTrue(backend.verify(settings(), target).isPresent(), "nothing is in place after cleanup");
            assertEquals(before, state(ns, nativeNftables));
        }
    }
}
