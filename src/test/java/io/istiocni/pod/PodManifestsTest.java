package io.istiocni.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodManifestsTest {

    private static final String FULL_YAML = """
            # a comment first, so this is read as YAML
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-1
              namespace: shop
              labels:
                app: web
                sidecar.istio.io/inject: ""
              annotations:
                sidecar.istio.io/status: ""
                traffic.sidecar.istio.io/excludeInboundPorts:
                zeta: "z"
                alpha: "a"
            spec:
              hostNetwork: true
              hostUsers: false
              initContainers:
              - name: istio-proxy
                args: ["proxy", "sidecar", "--domain", "x"]
                env:
                - name: A
                  value: "1"
                - name: POD_NAME
                  valueFrom:
                    fieldRef:
                      fieldPath: metadata.name
                - name: A
                  value: "2"
                - name: EMPTY
                securityContext:
                  runAsUser: 1000670000
                  runAsGroup: 0
              containers:
              - name: app
                image: nginx
                ports:
                - containerPort: 80
            status:
              phase: Running
              podIP: 10.1.2.3
              podIPs:
              - ip: 10.1.2.3
              - ip: fd00::3
            """;

    @Test
    void readsEverythingTheDecisionNeedsFromYaml() {
        PodManifest pod = PodManifests.parse(FULL_YAML);
        assertEquals("web-1", pod.name());
        assertEquals("shop", pod.namespace());
        assertEquals("web", pod.labels().get("app"));
        // present with an empty value is distinguishable from absent
        assertEquals("", pod.labels().get("sidecar.istio.io/inject"));
        assertTrue(pod.annotations().containsKey("sidecar.istio.io/status"));
        assertEquals("", pod.annotations().get("sidecar.istio.io/status"));
        // a YAML null value counts as present and empty
        assertTrue(pod.annotations().containsKey("traffic.sidecar.istio.io/excludeInboundPorts"));
        assertEquals("", pod.annotation("traffic.sidecar.istio.io/excludeInboundPorts").orElseThrow());
        assertFalse(pod.annotation("missing").isPresent());
        // document order is kept
        assertEquals(List.of("sidecar.istio.io/status", "traffic.sidecar.istio.io/excludeInboundPorts", "zeta",
                "alpha"), List.copyOf(pod.annotations().keySet()));
        assertTrue(pod.hostNetwork());
        assertFalse(pod.hostUsers());

        assertEquals(1, pod.initContainers().size());
        PodManifest.Container proxy = pod.initContainers().get(0);
        assertEquals("istio-proxy", proxy.name());
        assertEquals(List.of("proxy", "sidecar", "--domain", "x"), proxy.args());
        // last repeated name wins, first position kept; valueFrom and missing value count as ""
        assertEquals(List.of("A", "POD_NAME", "EMPTY"), List.copyOf(proxy.env().keySet()));
        assertEquals("2", proxy.envValue("A").orElseThrow());
        assertEquals("", proxy.envValue("POD_NAME").orElseThrow());
        assertEquals("", proxy.envValue("EMPTY").orElseThrow());
        assertEquals(1000670000L, proxy.runAsUser());
        assertEquals(0L, proxy.runAsGroup());

        PodManifest.Container app = pod.containers().get(0);
        assertEquals("app", app.name());
        assertNull(app.runAsUser());
        assertEquals(List.of("istio-proxy", "app"), pod.allContainers().stream().map(c -> c.name()).toList());

        assertEquals("10.1.2.3", pod.podIP());
        assertEquals(List.of("10.1.2.3", "fd00::3"), pod.podIPs());
        assertEquals(List.of(IpAddress.parse("10.1.2.3"), IpAddress.parse("fd00::3")), pod.podAddresses());
    }

    @Test
    void readsJsonAsTheApiServerSendsIt() {
        String json = """
                  {"kind":"Pod","apiVersion":"v1",
                   "metadata":{"name":"p","namespace":"n","annotations":{"sidecar.istio.io/status":"{\\"x\\":1}"},
                               "managedFields":[{"manager":"kubelet"}]},
                   "spec":{"containers":[{"name":"istio-proxy","args":["proxy","router"],
                           "env":[{"name":"DISABLE_ENVOY","value":"true"}],
                           "securityContext":{"runAsUser":1337,"runAsGroup":1337}}]},
                   "status":{"podIP":"fd00::1"}}
                """;
        PodManifest pod = PodManifests.parse(json);
        assertEquals("p", pod.name());
        assertEquals("{\"x\":1}", pod.annotations().get("sidecar.istio.io/status"));
        assertEquals(List.of("proxy", "router"), pod.containers().get(0).args());
        assertEquals("true", pod.containers().get(0).envValue("DISABLE_ENVOY").orElseThrow());
        assertEquals(1337L, pod.containers().get(0).runAsGroup());
        assertFalse(pod.hostNetwork());
        // no podIPs: falls back to podIP
        assertEquals(List.of(IpAddress.parse("fd00::1")), pod.podAddresses());
    }

    @Test
    void missingFieldsTakeEmptyDefaults() {
        PodManifest pod = PodManifests.parse("kind: Pod\n");
        assertEquals("", pod.name());
        assertEquals("", pod.namespace());
        assertTrue(pod.labels().isEmpty());
        assertTrue(pod.annotations().isEmpty());
        assertFalse(pod.hostNetwork());
        assertTrue(pod.hostUsers(), "Kubernetes' default: the host's user namespace");
        assertTrue(pod.allContainers().isEmpty());
        assertNull(pod.podIP());
        assertTrue(pod.podAddresses().isEmpty());

        PodManifest noKind = PodManifests.parse("{\"metadata\":{\"name\":\"x\"}}");
        assertEquals("x", noKind.name());
    }

    @Test
    void unparsableAddressesAreDropped() {
        PodManifest pod = PodManifests.parse("""
                kind: Pod
                status:
                  podIP: 10.0.0.9
                  podIPs:
                  - ip: not-an-ip
                  - ip: fd00::9
                """);
        assertEquals(List.of(IpAddress.parse("fd00::9")), pod.podAddresses());
    }

    @Test
    void rejectsDocumentsThatAreNotOnePod() {
        assertMessage("not a Pod manifest: kind is \"List\", expected \"Pod\"",
                "apiVersion: v1\nkind: List\nitems: []\n");
        assertMessage("not a Pod manifest: kind is \"Status\", expected \"Pod\"",
                "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"pods \\\"x\\\" not found\"}");
        assertMessage("not a Pod manifest: the document is a list, not an object", "- a\n- b\n");
        assertMessage("not a Pod manifest: the document is a string (\"hello\"), not an object", "hello\n");
        assertMessage("not a Pod manifest: empty document", "");
        assertMessage("not a Pod manifest: empty document", "# only a comment\n");
        assertMessage("not a Pod manifest: no kind, metadata or spec", "foo: bar\n");
        assertMessage("not a Pod manifest: the input holds 2 YAML documents, expected one Pod",
                "kind: Pod\n---\nkind: Pod\n");
        assertThrowsStarting("not a Pod manifest: invalid JSON: ", "{\"kind\": \"Pod\",");
        assertThrowsStarting("not a Pod manifest: invalid JSON: ", "{\"kind\": \"Pod\"} {}");
        assertThrowsStarting("not a Pod manifest: invalid YAML: ", "kind: Pod\nmetadata: [unclosed\n");
    }

    @Test
    void rejectsFieldsOfTheWrongType() {
        assertMessage("invalid Pod manifest: metadata.annotations[\"sidecar.istio.io/inject\"]: expected a string,"
                + " got a boolean (false) (quote the value)",
                "kind: Pod\nmetadata:\n  annotations:\n    sidecar.istio.io/inject: false\n");
        assertMessage("invalid Pod manifest: spec.containers: expected a list, got an object",
                "kind: Pod\nspec:\n  containers: {}\n");
        assertMessage("invalid Pod manifest: spec.containers[0].securityContext.runAsUser: expected an integer,"
                + " got a string (\"1000\")",
                "kind: Pod\nspec:\n  containers:\n  - name: istio-proxy\n    securityContext:\n"
                        + "      runAsUser: \"1000\"\n");
        assertMessage("invalid Pod manifest: spec.containers[0].securityContext.runAsGroup: -1 is not between 0 and"
                + " 2147483647",
                "kind: Pod\nspec:\n  containers:\n  - name: istio-proxy\n    securityContext:\n"
                        + "      runAsGroup: -1\n");
        assertMessage("invalid Pod manifest: spec.hostNetwork: expected a boolean, got a string (\"yes\")",
                "{\"kind\":\"Pod\",\"spec\":{\"hostNetwork\":\"yes\"}}");
        assertMessage("invalid Pod manifest: spec.hostUsers: expected a boolean, got a number (0)",
                "{\"kind\":\"Pod\",\"spec\":{\"hostUsers\":0}}");
    }

    @Test
    void errorMessagesAreOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PodManifests.parse("kind: Pod\nmetadata:\n  name: [\n  - x\n: y: z\n"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void assertMessage(String expected, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PodManifests.parse(text));
        assertEquals(expected, e.getMessage());
    }

    private static void assertThrowsStarting(String prefix, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PodManifests.parse(text));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    // ---- --pod files: a one-item List or PodList, as kubectl get pod -l ... -o yaml prints ----

    static final String ITEM = """
              - apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: shop
                spec:
                  containers:
                  - name: app
            """;

    @Test
    void aOneItemListGivesItsPodAndSaysSo() {
        for (String kind : List.of("List", "PodList")) {
            PodManifests.Chosen c = PodManifests.parseManifestFile("apiVersion: v1\nkind: " + kind + "\nitems:\n"
                    + ITEM.formatted("web-1") + "metadata:\n  resourceVersion: \"\"\n");
            assertEquals("web-1", c.pod().name());
            assertEquals("took the only item of a " + kind + ": pod shop/web-1", c.note());
        }
        PodManifests.Chosen json = PodManifests.parseManifestFile("{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\","
                + "\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}}]}");
        assertEquals("a", json.pod().name());
        PodManifests.Chosen pod = PodManifests.parseManifestFile("kind: Pod\nmetadata:\n  name: p\n");
        assertEquals("p", pod.pod().name());
        assertEquals(null, pod.note());
    }

    @Test
    void emptyOrSeveralItemsAreRefusedWithAHint() {
        IllegalArgumentException several = assertThrows(IllegalArgumentException.class, () ->
                PodManifests.parseManifestFile("kind: List\nitems:\n" + ITEM.formatted("a") + ITEM.formatted("b")));
        assertEquals("not a Pod manifest: a List of 2 items (shop/a, shop/b): give one pod (kubectl get pod NAME -n"
                + " NAMESPACE -o yaml)", several.getMessage());
        IllegalArgumentException four = assertThrows(IllegalArgumentException.class, () ->
                PodManifests.parseManifestFile("kind: PodList\nitems:\n" + ITEM.formatted("a") + ITEM.formatted("b")
                        + ITEM.formatted("c") + ITEM.formatted("d")));
        assertTrue(four.getMessage().contains("a PodList of 4 items (shop/a, shop/b, shop/c, ...)"), four.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () ->
                PodManifests.parseManifestFile("kind: List\nitems: []\n"));
        assertEquals("not a Pod manifest: a List without items (no pod matched?)", none.getMessage());
        IllegalArgumentException notPod = assertThrows(IllegalArgumentException.class, () ->
                PodManifests.parseManifestFile("kind: List\nitems:\n- kind: Service\n"));
        assertEquals("not a Pod manifest: kind is \"Service\", expected \"Pod\"", notPod.getMessage());
        // the plugin's API path still takes nothing but a Pod
        assertThrows(IllegalArgumentException.class, () -> PodManifests.parse("kind: List\nitems:\n"
                + ITEM.formatted("a")));
    }
}
