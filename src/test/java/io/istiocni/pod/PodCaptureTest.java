package io.istiocni.pod;

import static io.istiocni.pod.TestPods.container;
import static io.istiocni.pod.TestPods.map;
import static io.istiocni.pod.TestPods.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.pod.PodCapture.SkipReason;
import io.istiocni.rules.IpAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodCaptureTest {

    private static final Map<String, String> STATUS = map(PodKeys.STATUS, "{}");

    private static PodCapture.Skip skip(PodManifest pod) {
        return assertInstanceOf(PodCapture.Skip.class, PodCapture.decide(pod));
    }

    private static PodSettings capture(PodManifest pod) {
        return assertInstanceOf(PodCapture.Capture.class, PodCapture.decide(pod)).settings();
    }

    private static PodManifest pod(Map<String, String> labels, Map<String, String> annotations,
            PodManifest.Container... containers) {
        return TestPods.withContainers(labels, annotations, false, List.of(), List.of(containers));
    }

    @Test
    void injectedSidecarPodIsCaptured() {
        PodSettings s = capture(pod(Map.of(), STATUS, container("app"), proxy(Map.of(), null, null)));
        assertEquals("1337", s.proxyUid());
    }

    @Test
    void hostNetworkIsSkippedFirst() {
        // also has istio-init and no status: hostNetwork (check 1) wins
        PodManifest pod = TestPods.withContainers(Map.of(), Map.of(), true, List.of(container("istio-init")),
                List.of(proxy(Map.of(), null, null)));
        PodCapture.Skip s = skip(pod);
        assertEquals(SkipReason.HOST_NETWORK, s.reason());
        assertEquals("pod has hostNetwork", s.message());
    }

    @Test
    void istioInitContainerIsSkippedEvenAsRegularContainerAndBeforeDisableEnvoy() {
        PodManifest init = TestPods.withContainers(Map.of(), STATUS, false, List.of(container("istio-init")),
                List.of(proxy(map("DISABLE_ENVOY", "true"), null, null)));
        assertEquals(SkipReason.ISTIO_INIT_CONTAINER, skip(init).reason());
        PodManifest regular = pod(Map.of(), STATUS, proxy(Map.of(), null, null), container("istio-init"));
        assertEquals(SkipReason.ISTIO_INIT_CONTAINER, skip(regular).reason());
    }

    @Test
    void disableEnvoyTrueIsSkippedBeforeProxyType() {
        PodCapture.Skip s = skip(pod(Map.of(), STATUS, proxy(map("DISABLE_ENVOY", "T"), null, null, "proxy",
                "router")));
        assertEquals(SkipReason.ENVOY_DISABLED, s.reason());
        assertEquals("istio-proxy has DISABLE_ENVOY=\"T\" (proxyless)", s.message());
        // false, unparsable or empty values do not disable
        for (String v : List.of("false", "yes", "", "TRUE ")) {
            capture(pod(Map.of(), STATUS, proxy(map("DISABLE_ENVOY", v), null, null)));
        }
    }

    @Test
    void noIstioProxyIsSkipped() {
        PodCapture.Skip s = skip(pod(Map.of(), STATUS, container("app"), container("istio-proxy-not")));
        assertEquals(SkipReason.NO_ISTIO_PROXY, s.reason());
        assertEquals("pod has no istio-proxy container", s.message());
        // a native sidecar (istio-proxy in initContainers) counts
        PodManifest nativeSidecar = TestPods.withContainers(Map.of(), STATUS, false,
                List.of(proxy(Map.of(), null, null)), List.of(container("app")));
        capture(nativeSidecar);
    }

    @Test
    void nonSidecarProxyTypeIsSkippedBeforeInjectionChecks() {
        PodCapture.Skip s = skip(pod(map(PodKeys.INJECT, "false"), Map.of(),
                proxy(Map.of(), null, null, "proxy", "router", "--serviceCluster", "gw")));
        assertEquals(SkipReason.NOT_A_SIDECAR, s.reason());
        assertEquals("istio-proxy is not a sidecar (proxy type \"router\")", s.message());
        // "proxy sidecar", a single "proxy", or another first arg all count as sidecar
        capture(pod(Map.of(), STATUS, proxy(Map.of(), null, null, "proxy", "sidecar")));
        capture(pod(Map.of(), STATUS, proxy(Map.of(), null, null, "proxy")));
        capture(pod(Map.of(), STATUS, proxy(Map.of(), null, null, "router", "gateway")));
    }

    @Test
    void injectionLabelTakesPrecedenceOverAnnotation() {
        PodManifest.Container p = proxy(Map.of(), null, null);
        // label false: skipped even though the annotation says true
        Map<String, String> annotations = map(PodKeys.STATUS, "{}", PodKeys.INJECT, "true");
        PodCapture.Skip s = skip(pod(map(PodKeys.INJECT, "false"), annotations, p));
        assertEquals(SkipReason.INJECTION_DISABLED, s.reason());
        assertEquals("sidecar injection is disabled (label sidecar.istio.io/inject=\"false\")", s.message());
        // label true: captured even though the annotation says false
        capture(pod(map(PodKeys.INJECT, "true"), map(PodKeys.STATUS, "{}", PodKeys.INJECT, "false"), p));
        // an empty label still hides the annotation (and an empty value never excludes)
        capture(pod(map(PodKeys.INJECT, ""), map(PodKeys.STATUS, "{}", PodKeys.INJECT, "false"), p));
        // no label: the annotation decides, Go boolean syntax
        PodCapture.Skip a = skip(pod(Map.of(), map(PodKeys.STATUS, "{}", PodKeys.INJECT, "0"), p));
        assertEquals(SkipReason.INJECTION_DISABLED, a.reason());
        assertEquals("sidecar injection is disabled (annotation sidecar.istio.io/inject=\"0\")", a.message());
        // unparsable values do not exclude
        capture(pod(map(PodKeys.INJECT, "no"), STATUS, p));
        capture(pod(Map.of(), map(PodKeys.STATUS, "{}", PodKeys.INJECT, "disabled"), p));
    }

    @Test
    void missingStatusAnnotationIsSkippedButAnEmptyOneCountsAsPresent() {
        PodManifest.Container p = proxy(Map.of(), null, null);
        PodCapture.Skip s = skip(pod(Map.of(), map("other", "x"), p));
        assertEquals(SkipReason.NOT_INJECTED, s.reason());
        capture(pod(Map.of(), map(PodKeys.STATUS, ""), p));
        // checked before interceptionMode NONE
        assertEquals(SkipReason.NOT_INJECTED,
                skip(pod(Map.of(), map(PodKeys.INTERCEPTION_MODE, "NONE"), p)).reason());
    }

    @Test
    void interceptionModeNoneIsSkippedNotAnError() {
        PodCapture.Skip s = skip(TestPods.injected(PodKeys.INTERCEPTION_MODE, "NONE",
                PodKeys.EXCLUDE_INBOUND_PORTS, "not-a-port"));
        assertEquals(SkipReason.INTERCEPTION_MODE_NONE, s.reason());
        assertEquals("sidecar.istio.io/interceptionMode is NONE", s.message());
        // only the exact value: "none" is an invalid mode
        assertThrows(PodAnnotationException.class,
                () -> PodCapture.decide(TestPods.injected(PodKeys.INTERCEPTION_MODE, "none")));
        // derive() on its own treats NONE as Istio does: invalid
        PodAnnotationException e = assertThrows(PodAnnotationException.class,
                () -> PodSettings.derive(TestPods.injected(PodKeys.INTERCEPTION_MODE, "NONE")));
        assertEquals("interceptionMode invalid: NONE", e.reason());
    }

    @Test
    void skipReasonsAreListedInCheckOrder() {
        assertEquals(List.of("HOST_NETWORK", "ISTIO_INIT_CONTAINER", "ENVOY_DISABLED", "NO_ISTIO_PROXY",
                "NOT_A_SIDECAR", "INJECTION_DISABLED", "NOT_INJECTED", "INTERCEPTION_MODE_NONE"),
                Arrays.stream(SkipReason.values()).map(Enum::name).toList());
    }

    @Test
    void skippedPodsAreNotValidated() {
        // bad annotations on a pod that is left alone do not fail
        PodManifest pod = pod(Map.of(), map(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "bogus"), container("app"));
        assertEquals(SkipReason.NO_ISTIO_PROXY, skip(pod).reason());
    }

    // plugin.md 7.9

    private static List<IpAddress> ips(String... texts) {
        return Arrays.stream(texts).map(IpAddress::parse).toList();
    }

    @Test
    void ipv6FamilyRuleWithoutDualStack() {
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("10.0.0.2"), false));
        assertEquals(Optional.of(true), PodCapture.ipv6FromPodIps(ips("fd00::2"), false));
        // dual-stack pod: any IPv4 address means IPv4 only, whichever comes first
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("fd00::2", "10.0.0.2"), false));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("10.0.0.2", "fd00::2"), false));
        // IPv4-mapped counts as IPv4
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("::ffff:10.0.0.2"), false));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("::ffff:10.0.0.2", "fd00::2"), false));
        // loopback and link-local are ignored
        assertEquals(Optional.of(true), PodCapture.ipv6FromPodIps(ips("127.0.0.1", "169.254.1.1", "fd00::2"),
                false));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("fe80::1", "::1", "10.0.0.2"), false));
    }

    @Test
    void ipv6FamilyRuleWithDualStack() {
        assertEquals(Optional.of(true), PodCapture.ipv6FromPodIps(ips("10.0.0.2", "fd00::2"), true));
        assertEquals(Optional.of(true), PodCapture.ipv6FromPodIps(ips("fd00::2"), true));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("10.0.0.2"), true));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("10.0.0.2", "fe80::2", "::1"), true));
        assertEquals(Optional.of(false), PodCapture.ipv6FromPodIps(ips("::ffff:10.0.0.2"), true));
    }

    @Test
    void noUsableAddressGivesEmpty() {
        assertEquals(Optional.empty(), PodCapture.ipv6FromPodIps(List.of(), false));
        assertEquals(Optional.empty(), PodCapture.ipv6FromPodIps(ips("127.0.0.1", "::1", "fe80::1", "169.254.0.9",
                "::ffff:127.0.0.1"), true));
        assertEquals("no valid local IP address found", PodCapture.NO_VALID_ADDRESS);
    }

    @Test
    void dualStackEnvDrivesTheFamilyThroughTheManifest() {
        PodManifest pod = PodManifests.parse("""
                kind: Pod
                metadata:
                  annotations:
                    sidecar.istio.io/status: x
                spec:
                  containers:
                  - name: istio-proxy
                    env:
                    - name: ISTIO_DUAL_STACK
                      value: "true"
                status:
                  podIPs:
                  - ip: 10.0.0.2
                  - ip: fd00::2
                """);
        PodSettings s = capture(pod);
        assertTrue(s.dualStack());
        assertEquals(Optional.of(true), PodCapture.ipv6FromPodIps(pod.podAddresses(), s.dualStack()));
        assertTrue(s.toCaptureSettings(Map.of(), true).dualStack());
    }
}
