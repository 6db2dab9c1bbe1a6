package io.istiocni.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.IpAddress;
import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.RuleGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The one pod pipeline's pure step: pod + process env + address family to a skip or a capture plan. */
class PodPlanTest {

    /** An address family that must not be asked (a pod that is left alone needs none). */
    static final AddressFamily NEVER = dualStack -> {
        throw new AssertionError("the family was asked for a pod that is left alone");
    };

    @TestFactory
    Stream<DynamicTest> everyFixturePodPlansTheGoldenRules() throws IOException {
        List<Path> pods;
        try (Stream<Path> files = Files.list(PodConformanceTest.FIXTURES)) {
            pods = files.filter(p -> p.getFileName().toString().endsWith(".pod.yaml"))
                    .filter(p -> !p.getFileName().toString().equals("status-ports.pod.yaml")) // stale (README)
                    .sorted().toList();
        }
        assertTrue(pods.size() >= 9, "pod fixtures: " + pods);
        return pods.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String name = file.getFileName().toString().replace(".pod.yaml", "");
            PodManifest pod = PodManifests.parse(Files.readString(file));
            PodPlan.Capture plan = assertInstanceOf(PodPlan.Capture.class,
                    PodPlan.of(pod, Map.of(), AddressFamily.ofPodAddresses(pod.podAddresses())), name);
            assertEquals(List.of(), plan.warnings(), name);
            assertFalse(plan.ownUserNamespace(), name + ": no fixture pod sets hostUsers: false");
            assertFalse(plan.settings().ipv6Enabled(), name);
            assertEquals(RuleGenerator.generate(plan.settings()), plan.rules(), name + ": rules of the settings");
            String golden = Files.readString(PodConformanceTest.FIXTURES.resolve(name + ".golden"));
            assertEquals(PodConformanceTest.tables(golden),
                    PodConformanceTest.tables(RestoreRenderer.render(plan.rules().ipv4())), name);
        }));
    }

    @Test
    void aPodLeftAloneIsASkipWithTheReasonAndNeverAsksTheFamily() {
        PodManifest hostNetwork = TestPods.withContainers(Map.of(), TestPods.map(PodKeys.STATUS, "{}"), true,
                List.of(), List.of(TestPods.container("app"), TestPods.proxy(Map.of(), null, null)));
        PodPlan.Skip skip = assertInstanceOf(PodPlan.Skip.class, PodPlan.of(hostNetwork, Map.of(), NEVER));
        assertEquals(PodCapture.SkipReason.HOST_NETWORK, skip.reason());
        assertEquals("pod has hostNetwork", skip.message());

        PodManifest none = TestPods.injected(PodKeys.INTERCEPTION_MODE, "NONE");
        assertEquals(PodCapture.SkipReason.INTERCEPTION_MODE_NONE,
                assertInstanceOf(PodPlan.Skip.class, PodPlan.of(none, Map.of(), NEVER)).reason());
    }

    @Test
    void theFamilyIsAskedWithThePodsDualStackSetting() {
        List<Boolean> asked = new ArrayList<>();
        AddressFamily recording = dualStack -> {
            asked.add(dualStack);
            return true;
        };
        PodPlan.Capture plan = assertInstanceOf(PodPlan.Capture.class,
                PodPlan.of(TestPods.injected(Map.of(), Map.of(PodKeys.ENV_DUAL_STACK, "true")), Map.of(), recording));
        assertEquals(List.of(true), asked);
        assertTrue(plan.settings().ipv6Enabled());
        assertFalse(plan.rules().ipv6().isEmpty(), "IPv6 rules when the family says so");
    }

    @Test
    void thePodsAddressesDecideAsThePluginDoes() {
        PodManifest pod = TestPods.injected();
        AddressFamily v6only = AddressFamily.ofPodAddresses(List.of(IpAddress.parse("fd00::2")));
        assertTrue(((PodPlan.Capture) PodPlan.of(pod, Map.of(), v6only)).settings().ipv6Enabled());
        AddressFamily v4 = AddressFamily.ofPodAddresses(List.of(IpAddress.parse("10.0.0.2"), IpAddress.parse("fd00::2")));
        assertFalse(((PodPlan.Capture) PodPlan.of(pod, Map.of(), v4)).settings().ipv6Enabled());
        AddressFamily.UndecidedException none = assertThrows(AddressFamily.UndecidedException.class,
                () -> PodPlan.of(pod, Map.of(), AddressFamily.ofPodAddresses(List.of(IpAddress.parse("127.0.0.1")))));
        assertEquals(PodCapture.NO_VALID_ADDRESS, none.getMessage());
    }

    @Test
    void warningsTheUserNamespaceAndTheProcessEnvironmentAreInThePlan() {
        PodManifest base = TestPods.injected(Map.of(), Map.of(PodKeys.ENV_DNS_CAPTURE, "maybe"));
        PodManifest ownUsers = new PodManifest(base.name(), base.namespace(), base.labels(), base.annotations(), false,
                base.initContainers(), base.containers(), base.podIP(), base.podIPs(), false);
        PodPlan.Capture plan = assertInstanceOf(PodPlan.Capture.class, PodPlan.of(ownUsers,
                Map.of(PodKeys.ENV_OWNER_GROUPS_EXCLUDE, "mail"), AddressFamily.forced(false)));
        assertEquals(1, plan.warnings().size(), plan.warnings().toString());
        assertTrue(plan.warnings().getFirst().contains(PodKeys.ENV_DNS_CAPTURE), plan.warnings().toString());
        assertTrue(plan.ownUserNamespace(), "hostUsers: false");
        assertEquals(List.of("mail"), plan.settings().ownerGroupsExclude());
        assertTrue(RestoreRenderer.render(plan.rules().ipv4()).contains("mail"), "the env reaches the rules");
    }

    @Test
    void anInvalidAnnotationIsTheAnnotationError() {
        PodManifest bad = TestPods.injected("traffic.sidecar.istio.io/excludeInboundPorts", "80,x");
        PodAnnotationException e = assertThrows(PodAnnotationException.class,
                () -> PodPlan.of(bad, Map.of(), AddressFamily.forced(false)));
        assertTrue(e.getMessage().startsWith("annotation value error for value excludeInboundPorts;"), e.getMessage());
    }
}
