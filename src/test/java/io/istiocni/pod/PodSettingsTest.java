package io.istiocni.pod;

import static io.istiocni.pod.TestPods.container;
import static io.istiocni.pod.TestPods.injected;
import static io.istiocni.pod.TestPods.map;
import static io.istiocni.pod.TestPods.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Cidr;
import io.istiocni.rules.Family;
import io.istiocni.rules.InterceptionMode;
import io.istiocni.rules.RuleGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodSettingsTest {

    private static PodSettings derive(String... annotations) {
        return PodSettings.derive(injected(annotations));
    }

    private static PodAnnotationException invalid(String... annotations) {
        return assertThrows(PodAnnotationException.class, () -> PodSettings.derive(injected(annotations)));
    }

    private static PodManifest proxyPod(Map<String, String> env, Long uid, Long gid) {
        return TestPods.withContainers(Map.of(), map(PodKeys.STATUS, ""), false, List.of(),
                List.of(container("app"), proxy(env, uid, gid)));
    }

    @Test
    void defaultsOfAnInjectedPod() {
        PodSettings s = derive();
        assertEquals(InterceptionMode.REDIRECT, s.interceptionMode());
        assertEquals("1337", s.proxyUid());
        assertEquals("1337", s.proxyGid());
        assertEquals("*", s.includeOutboundIpRanges());
        assertEquals("", s.excludeOutboundIpRanges());
        assertEquals("*", s.inboundPorts());
        assertEquals("15020,15021,15090", s.inboundExcludePorts());
        assertEquals("15020", s.outboundExcludePorts());
        assertEquals("", s.outboundPorts());
        assertEquals("", s.excludeInterfaces());
        assertEquals("", s.kubeVirtInterfaces());
        assertFalse(s.dnsCapture());
        assertFalse(s.dropInvalid());
        assertFalse(s.dualStack());
        assertEquals(List.of(), s.warnings());

        CaptureSettings c = s.toCaptureSettings(Map.of(), false);
        assertEquals("15001", c.envoyPort());
        assertEquals("15006", c.inboundCapturePort());
        assertEquals("15008", c.inboundTunnelPort());
        assertEquals(List.of("1337"), c.proxyUids());
        assertEquals(List.of("1337"), c.proxyGids());
        assertEquals(InterceptionMode.REDIRECT, c.interceptionMode());
        assertEquals("*", c.inboundPorts());
        assertEquals(List.of("15020", "15021", "15090"), c.inboundExcludePorts());
        assertTrue(c.includeAllCidrs());
        assertEquals(List.of(), c.includeCidrs());
        assertEquals(List.of(), c.excludeCidrs());
        assertEquals(List.of(), c.outboundPorts());
        assertEquals(List.of("15020"), c.outboundExcludePorts());
        assertEquals("1337", c.tproxyMark());
        assertEquals("133", c.tproxyRouteTable());
        assertFalse(c.redirectDns());
        assertFalse(c.dnsCaptureOn());
        assertNull(c.ownerGroupsInclude());
        assertEquals(List.of(), c.ownerGroupsExclude());
        assertEquals("127.0.0.1/32", c.ipv4LoopbackCidr());
        assertFalse(c.ipv6Enabled());
        assertTrue(s.toCaptureSettings(Map.of(), true).ipv6Enabled());
    }

    @Test
    void annotationsArePassedOnVerbatim() {
        PodSettings s = derive(PodKeys.INTERCEPTION_MODE, "TPROXY",
                PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "10.0.0.0/8,fd00::/8,::ffff:10.0.0.0/104",
                PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, "10.1.2.3/8",
                PodKeys.INCLUDE_INBOUND_PORTS, " 80, 8080 ",
                PodKeys.INCLUDE_OUTBOUND_PORTS, "443,9000",
                PodKeys.EXCLUDE_INTERFACES, "eth1, net1",
                PodKeys.KUBEVIRT_INTERFACES, "vm0");
        assertEquals(InterceptionMode.TPROXY, s.interceptionMode());
        assertEquals(" 80, 8080 ", s.inboundPorts());
        assertEquals("eth1, net1", s.excludeInterfaces());
        CaptureSettings c = s.toCaptureSettings(Map.of(), false);
        assertTrue(c.tproxy());
        assertFalse(c.includeAllCidrs());
        assertEquals(List.of("10.0.0.0/8", "fd00::/8", "::ffff:10.0.0.0/104"),
                c.includeCidrs().stream().map(Cidr::text).toList());
        assertEquals(List.of(Family.IPV4, Family.IPV6, Family.IPV6),
                c.includeCidrs().stream().map(Cidr::family).toList());
        assertEquals(List.of("10.1.2.3/8"), c.excludeCidrs().stream().map(Cidr::text).toList());
        assertEquals(" 80, 8080 ", c.inboundPorts());
        assertEquals(List.of("443", "9000"), c.outboundPorts());
        assertEquals(List.of("eth1", " net1"), c.excludeInterfaces());
        assertEquals(List.of("vm0"), c.kubeVirtInterfaces());
    }

    @Test
    void emptyIncludeRangesMeansNoCidrCapture() {
        CaptureSettings c = derive(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "").toCaptureSettings(Map.of(), false);
        assertFalse(c.includeAllCidrs());
        assertEquals(List.of(), c.includeCidrs());
        String v4 = String.join("\n", RuleGenerator.generate(c).ipv4().stream().map(r -> r.restoreLine()).toList());
        assertFalse(v4.contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"), v4);
        assertTrue(derive().toCaptureSettings(Map.of(), false).includeAllCidrs());
        // and an empty inbound list means no inbound capture
        assertEquals("", derive(PodKeys.INCLUDE_INBOUND_PORTS, "").toCaptureSettings(Map.of(), false)
                .inboundPorts());
    }

    @Test
    void inboundExclusionExtension() {
        assertEquals("15020,15021,15090", derive().inboundExcludePorts());
        assertEquals("15020,15021,15090", derive(PodKeys.EXCLUDE_INBOUND_PORTS, "").inboundExcludePorts());
        assertEquals("15020,15021,15090", derive(PodKeys.EXCLUDE_INBOUND_PORTS, "   ").inboundExcludePorts());
        assertEquals("3306,15020,15021,15090", derive(PodKeys.EXCLUDE_INBOUND_PORTS, "3306").inboundExcludePorts());
        assertEquals("15021,22,15020,15090",
                derive(PodKeys.EXCLUDE_INBOUND_PORTS, "15021,22").inboundExcludePorts());
        assertEquals("3306,15020,15021,15090",
                derive(PodKeys.EXCLUDE_INBOUND_PORTS, " 3306 ").inboundExcludePorts());
        // repeated items of the annotation itself are dropped too (first kept); items are not trimmed
        assertEquals("80,81,15020,15021,15090",
                derive(PodKeys.EXCLUDE_INBOUND_PORTS, "80,81,80").inboundExcludePorts());
        assertEquals("80, 80,15020,15021,15090",
                derive(PodKeys.EXCLUDE_INBOUND_PORTS, "80, 80").inboundExcludePorts());
        assertEquals(List.of("3306", "15020", "15021", "15090"),
                derive(PodKeys.EXCLUDE_INBOUND_PORTS, "3306").toCaptureSettings(Map.of(), false)
                        .inboundExcludePorts());
        // the helper itself: a trailing comma is not doubled, empty items are kept as they are
        assertEquals("1,15020,15021,15090", PodSettings.extendInboundExcludes("1,"));
        assertEquals("1,,2,15020,15021,15090", PodSettings.extendInboundExcludes("1,,2,,"));
    }

    @Test
    void excludeOutboundPortsReplacesTheStatusPort() {
        assertEquals(List.of("5555", "6666"), derive(PodKeys.EXCLUDE_OUTBOUND_PORTS, "5555,6666")
                .toCaptureSettings(Map.of(), false).outboundExcludePorts());
        assertEquals(List.of(), derive(PodKeys.EXCLUDE_OUTBOUND_PORTS, "").toCaptureSettings(Map.of(), false)
                .outboundExcludePorts());
    }

    @Test
    void rerouteVirtualInterfacesWinsOverKubevirtInterfaces() {
        assertEquals("net1", derive(PodKeys.REROUTE_VIRTUAL_INTERFACES, "net1",
                PodKeys.KUBEVIRT_INTERFACES, "kv0").kubeVirtInterfaces());
        assertEquals("kv0", derive(PodKeys.KUBEVIRT_INTERFACES, "kv0").kubeVirtInterfaces());
        // present but empty still hides the deprecated key, which is then not even validated
        assertEquals("", derive(PodKeys.REROUTE_VIRTUAL_INTERFACES, "",
                PodKeys.KUBEVIRT_INTERFACES, "bad name!").kubeVirtInterfaces());
        PodAnnotationException e = invalid(PodKeys.KUBEVIRT_INTERFACES, "bad name!");
        assertEquals("kubevirtInterfaces", e.name());
    }

    // --- validation messages -------------------------------------------------------------------------------

    @Test
    void invalidInterceptionMode() {
        PodAnnotationException e = invalid(PodKeys.INTERCEPTION_MODE, "redirect");
        assertEquals("annotation value error for value redirectMode; annotationFound = true: "
                + "sidecar.istio.io/interceptionMode=\"redirect\": interceptionMode invalid: redirect", e.getMessage());
        assertEquals(PodKeys.INTERCEPTION_MODE, e.annotationKey());
        assertEquals("redirect", e.value());
        invalid(PodKeys.INTERCEPTION_MODE, "");
        invalid(PodKeys.INTERCEPTION_MODE, " TPROXY");
    }

    @Test
    void invalidIncludeOutboundIpRanges() {
        PodAnnotationException e = invalid(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "10.0.0.0/8,x");
        assertEquals("annotation value error for value includeIPCidrs; annotationFound = true: "
                + "traffic.sidecar.istio.io/includeOutboundIPRanges=\"10.0.0.0/8,x\": "
                + "IPRanges invalid: failed parsing cidr 'x': invalid CIDR address: x", e.getMessage());
        for (String bad : List.of("*,10.0.0.0/8", "10.0.0.0/8,", "10.0.0.0/8, 10.1.0.0/16", "10.0.0.1",
                "10.0.0.0/33", "010.0.0.0/8", "fe80::/10%eth0", " *", "10.0.0.0/8,,10.1.0.0/16")) {
            assertEquals("includeIPCidrs", invalid(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, bad).name(), bad);
        }
        derive(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "*");
        derive(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "fd00::/8,10.0.0.0/8");
    }

    @Test
    void invalidExcludeOutboundIpRanges() {
        PodAnnotationException e = invalid(PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, "*");
        assertEquals("annotation value error for value excludeIPCidrs; annotationFound = true: "
                + "traffic.sidecar.istio.io/excludeOutboundIPRanges=\"*\": "
                + "failed parsing cidr '*': invalid CIDR address: *", e.getMessage());
        assertEquals("excludeIPCidrs", invalid(PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, "10.0.0.0/8,").name());
        assertEquals("excludeIPCidrs", invalid(PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, " 10.0.0.0/8").name());
    }

    @Test
    void invalidPortAnnotations() {
        PodAnnotationException e = invalid(PodKeys.EXCLUDE_INBOUND_PORTS, "80,x");
        assertEquals("annotation value error for value excludeInboundPorts; annotationFound = true: "
                + "traffic.sidecar.istio.io/excludeInboundPorts=\"80,x\": portList \"80,x\" invalid: "
                + "failed parsing port \"x\": strconv.ParseUint: parsing \"x\": invalid syntax", e.getMessage());
        assertEquals("portList \"65536\" invalid: failed parsing port \"65536\": strconv.ParseUint: parsing"
                + " \"65536\": value out of range", invalid(PodKeys.INCLUDE_INBOUND_PORTS, "65536").reason());

        Map<String, String> names = map(PodKeys.EXCLUDE_INBOUND_PORTS, "excludeInboundPorts",
                PodKeys.INCLUDE_INBOUND_PORTS, "includeInboundPorts",
                PodKeys.EXCLUDE_OUTBOUND_PORTS, "excludeOutboundPorts",
                PodKeys.INCLUDE_OUTBOUND_PORTS, "includeOutboundPorts");
        names.forEach((key, name) -> {
            for (String bad : List.of("80,", "80,,90", "-1", "1000:2000", "http", "80;90", " , ")) {
                PodAnnotationException x = invalid(key, bad);
                assertEquals(name, x.name(), key + "=" + bad);
                assertEquals(key, x.annotationKey());
                assertTrue(x.getMessage().startsWith("annotation value error for value " + name
                        + "; annotationFound = true: " + key + "=\""), x.getMessage());
            }
            // valid: empty, blank, spaces around items
            for (String good : List.of("", "  ", "80", " 80 , 90 ", "0,65535")) {
                derive(key, good);
            }
        });
    }

    @Test
    void wildcardOnlyForIncludeInboundPorts() {
        assertEquals("*", derive(PodKeys.INCLUDE_INBOUND_PORTS, "*").inboundPorts());
        assertEquals("includeInboundPorts", invalid(PodKeys.INCLUDE_INBOUND_PORTS, "*,80").name());
        assertEquals("includeInboundPorts", invalid(PodKeys.INCLUDE_INBOUND_PORTS, " * ").name());
        // D6: rejected in the three other port annotations
        for (String[] keyName : new String[][] {{PodKeys.EXCLUDE_INBOUND_PORTS, "excludeInboundPorts"},
                {PodKeys.EXCLUDE_OUTBOUND_PORTS, "excludeOutboundPorts"},
                {PodKeys.INCLUDE_OUTBOUND_PORTS, "includeOutboundPorts"}}) {
            PodAnnotationException e = invalid(keyName[0], "*");
            assertEquals(keyName[1], e.name());
            assertEquals("portList \"*\" invalid: failed parsing port \"*\": \"*\" (all ports) is not supported by"
                    + " this annotation", e.reason());
        }
    }

    @Test
    void invalidInterfaceAnnotations() {
        PodAnnotationException e = invalid(PodKeys.EXCLUDE_INTERFACES, "eth0,1eth");
        assertEquals("annotation value error for value excludeInterfaces; annotationFound = true: "
                + "traffic.sidecar.istio.io/excludeInterfaces=\"eth0,1eth\": interface name \"1eth\" invalid: want 1"
                + " to 15 characters, a letter followed by letters, digits, '_', '.' or '-'", e.getMessage());
        for (String bad : List.of("eth0,", " ", "a234567890123456", "eth 0", "eth0:1", "veth@if2")) {
            assertEquals("excludeInterfaces", invalid(PodKeys.EXCLUDE_INTERFACES, bad).name(), bad);
            assertEquals("reroute-virtual-interfaces", invalid(PodKeys.REROUTE_VIRTUAL_INTERFACES, bad).name(), bad);
        }
        derive(PodKeys.EXCLUDE_INTERFACES, "");
        derive(PodKeys.EXCLUDE_INTERFACES, " eth0 , a23456789012345,br-1.x_y");
    }

    @Test
    void firstInvalidAnnotationInIstioOrderWins() {
        String[] all = {
            PodKeys.KUBEVIRT_INTERFACES, "!", PodKeys.REROUTE_VIRTUAL_INTERFACES, "!",
            PodKeys.EXCLUDE_INTERFACES, "!", PodKeys.INCLUDE_OUTBOUND_PORTS, "x",
            PodKeys.EXCLUDE_OUTBOUND_PORTS, "x", PodKeys.INCLUDE_INBOUND_PORTS, "x",
            PodKeys.EXCLUDE_INBOUND_PORTS, "x", PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, "x",
            PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "x", PodKeys.INTERCEPTION_MODE, "x"};
        List<String> order = List.of("redirectMode", "includeIPCidrs", "excludeIPCidrs", "excludeInboundPorts",
                "includeInboundPorts", "excludeOutboundPorts", "includeOutboundPorts", "excludeInterfaces",
                "reroute-virtual-interfaces");
        // drop the winner each time: the next one in order must be reported
        for (int n = 0; n < order.size(); n++) {
            String[] annotations = java.util.Arrays.copyOf(all, all.length - 2 * n);
            assertEquals(order.get(n), invalid(annotations).name());
        }
    }

    @Test
    void messageQuotesTheWholeValueOnOneLine() {
        PodAnnotationException e = invalid(PodKeys.EXCLUDE_INTERFACES, "eth0\n\"x\"");
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().contains("traffic.sidecar.istio.io/excludeInterfaces=\"eth0\\n\\\"x\\\"\": "),
                e.getMessage());
    }

    // --- istio-proxy container ------------------------------------------------------------------------------

    @Test
    void uidAndGidFromTheProxySecurityContext() {
        PodSettings s = PodSettings.derive(proxyPod(Map.of(), 1000670000L, 1000670001L));
        assertEquals("1000670000", s.proxyUid());
        assertEquals("1000670001", s.proxyGid());
        // GID defaults to 1337, not to the UID
        PodSettings uidOnly = PodSettings.derive(proxyPod(Map.of(), 2000L, null));
        assertEquals("2000", uidOnly.proxyUid());
        assertEquals("1337", uidOnly.proxyGid());
        // 0 counts as unset
        PodSettings zero = PodSettings.derive(proxyPod(Map.of(), 0L, 0L));
        assertEquals("1337", zero.proxyUid());
        assertEquals("1337", zero.proxyGid());
        CaptureSettings c = PodSettings.derive(proxyPod(Map.of(), 0L, 7L)).toCaptureSettings(Map.of(), false);
        assertEquals(List.of("1337"), c.proxyUids());
        assertEquals(List.of("7"), c.proxyGids());
    }

    @Test
    void otherContainersSecurityContextIsIgnored() {
        PodManifest pod = TestPods.withContainers(Map.of(), map(PodKeys.STATUS, ""), false, List.of(),
                List.of(new PodManifest.Container("app", List.of(), Map.of("ISTIO_META_DNS_CAPTURE", "true"), 5L, 6L),
                        proxy(Map.of(), null, null)));
        PodSettings s = PodSettings.derive(pod);
        assertEquals("1337", s.proxyUid());
        assertFalse(s.dnsCapture());
    }

    @Test
    void dnsCaptureSetsRedirectAndCaptureAll() {
        CaptureSettings c = PodSettings.derive(proxyPod(map("ISTIO_META_DNS_CAPTURE", "1"), null, null))
                .toCaptureSettings(Map.of(), false);
        assertTrue(c.redirectDns());
        assertTrue(c.captureAllDns());
        assertTrue(c.dnsCaptureOn());
        assertEquals(List.of(), c.dnsServersV4());
        assertEquals(List.of(), c.dnsServersV6());
    }

    @Test
    void dropInvalidAndDualStackFromEnv() {
        PodSettings s = PodSettings.derive(proxyPod(map("INVALID_DROP", "True", "ISTIO_DUAL_STACK", "t"), null,
                null));
        assertTrue(s.dropInvalid());
        assertTrue(s.dualStack());
        CaptureSettings c = s.toCaptureSettings(Map.of(), false);
        assertTrue(c.dropInvalid());
        assertTrue(c.dualStack());
    }

    @Test
    void unparsableBooleanEnvCountsAsFalseWithAWarning() {
        PodSettings s = PodSettings.derive(proxyPod(map("ISTIO_META_DNS_CAPTURE", "yes", "INVALID_DROP", "false",
                "ISTIO_DUAL_STACK", "on"), null, null));
        assertFalse(s.dnsCapture());
        assertFalse(s.dropInvalid());
        assertFalse(s.dualStack());
        assertEquals(List.of("istio-proxy env ISTIO_META_DNS_CAPTURE=\"yes\" is not a boolean; treated as false",
                "istio-proxy env ISTIO_DUAL_STACK=\"on\" is not a boolean; treated as false"), s.warnings());
    }

    @Test
    void valueFromEnvCountsAsEmpty() {
        PodManifest pod = PodManifests.parse("""
                kind: Pod
                metadata:
                  annotations: {sidecar.istio.io/status: ""}
                spec:
                  containers:
                  - name: istio-proxy
                    env:
                    - name: ISTIO_META_DNS_CAPTURE
                      valueFrom:
                        configMapKeyRef: {name: mesh, key: dns}
                    - name: DISABLE_ENVOY
                      valueFrom:
                        fieldRef: {fieldPath: metadata.name}
                """);
        PodSettings s = assertInstanceOfCapture(pod);
        assertFalse(s.dnsCapture());
        assertEquals(List.of("istio-proxy env ISTIO_META_DNS_CAPTURE=\"\" is not a boolean; treated as false"),
                s.warnings());
    }

    @Test
    void repeatedEnvNameLastWins() {
        PodManifest pod = PodManifests.parse("""
                kind: Pod
                metadata:
                  annotations: {sidecar.istio.io/status: ""}
                spec:
                  containers:
                  - name: istio-proxy
                    env:
                    - {name: ISTIO_META_DNS_CAPTURE, value: "true"}
                    - {name: INVALID_DROP, value: "false"}
                    - {name: ISTIO_META_DNS_CAPTURE, value: "false"}
                    - {name: INVALID_DROP, value: "true"}
                """);
        PodSettings s = assertInstanceOfCapture(pod);
        assertFalse(s.dnsCapture());
        assertTrue(s.dropInvalid());
    }

    private static PodSettings assertInstanceOfCapture(PodManifest pod) {
        PodCapture.Decision d = PodCapture.decide(pod);
        assertTrue(d instanceof PodCapture.Capture, String.valueOf(d));
        return ((PodCapture.Capture) d).settings();
    }

    // --- process environment ----------------------------------------------------------------------------------

    @Test
    void ownerGroupsFromTheProcessEnvironment() {
        PodSettings s = derive();
        assertNull(s.toCaptureSettings(Map.of(), false).ownerGroupsInclude());
        assertNull(s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS", "*"), false).ownerGroupsInclude());
        assertEquals(List.of(), s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS", ""), false)
                .ownerGroupsInclude());
        assertEquals(List.of("java", "1001", " x"),
                s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS", "java,,1001, x"), false)
                        .ownerGroupsInclude());
        assertEquals(List.of("nobody", "2000"),
                s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", "nobody,2000,"), false)
                        .ownerGroupsExclude());
        assertEquals(List.of(), s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", ""), false)
                .ownerGroupsExclude());

        // the generator then stops all outbound capture for an empty include list
        List<String> lines = RuleGenerator.generate(s.toCaptureSettings(map("ISTIO_OUTBOUND_OWNER_GROUPS", ""),
                false)).ipv4().stream().map(r -> r.restoreLine()).toList();
        assertTrue(lines.contains("-A ISTIO_OUTPUT -j RETURN"), lines.toString());
    }

    @Test
    void loopbackCidrFromTheProcessEnvironment() {
        PodSettings s = derive();
        assertEquals("127.0.0.1/8", s.toCaptureSettings(map("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "127.0.0.1/8"),
                false).ipv4LoopbackCidr());
        assertEquals("127.0.0.1/32", s.toCaptureSettings(map("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", ""), false)
                .ipv4LoopbackCidr());
        // flag-style environment variables do not apply: the pod provides those settings
        CaptureSettings c = s.toCaptureSettings(map("INVALID_DROP", "true", "REDIRECT_DNS", "true", "PROXY_UID",
                "5"), false);
        assertFalse(c.dropInvalid());
        assertFalse(c.redirectDns());
        assertEquals(List.of("1337"), c.proxyUids());
    }
}
