package io.istiocni.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Lints and renders deploy/helm with the real Helm library (install.md §13). */
class HelmChartTest {

    static final Path CHART = Path.of("deploy/helm");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The rendered objects, keyed by "Kind/name". */
    record Rendered(Map<String, JsonNode> objects) {
        JsonNode get(String kindName) {
            JsonNode n = objects.get(kindName);
            assertNotNull(n, () -> kindName + " not rendered; got " + objects.keySet());
            return n;
        }

        JsonNode container() {
            JsonNode containers = get("DaemonSet/istio-cni-node").at("/spec/template/spec/containers");
            assertEquals(1, containers.size());
            return containers.get(0);
        }

        JsonNode podSpec() {
            return get("DaemonSet/istio-cni-node").at("/spec/template/spec");
        }

        Map<String, String> config() {
            Map<String, String> m = new LinkedHashMap<>();
            get("ConfigMap/istio-cni-config").get("data").properties().forEach(e -> {
                assertTrue(e.getValue().isTextual(), e.getKey() + " is not a string");
                m.put(e.getKey(), e.getValue().asText());
            });
            return m;
        }

        /** hostPath of the volume mounted at mountPath, or null when not mounted. */
        String hostPathMountedAt(String mountPath) {
            for (JsonNode m : container().get("volumeMounts")) {
                if (m.get("mountPath").asText().equals(mountPath)) {
                    for (JsonNode vol : podSpec().get("volumes")) {
                        if (vol.get("name").asText().equals(m.get("name").asText())) {
                            return vol.at("/hostPath/path").asText();
                        }
                    }
                    throw new AssertionError("no volume " + m.get("name"));
                }
            }
            return null;
        }

        Map<String, JsonNode> env() {
            Map<String, JsonNode> m = new HashMap<>();
            container().get("env").forEach(e -> m.put(e.get("name").asText(), e));
            return m;
        }

        /** verbs granted by a ClusterRole on one resource, as "verb" strings. */
        Set<String> verbs(String role, String resource) {
            Set<String> verbs = new TreeSet<>();
            for (JsonNode rule : get("ClusterRole/" + role).get("rules")) {
                for (JsonNode r : rule.get("resources")) {
                    if (r.asText().equals(resource)) {
                        rule.get("verbs").forEach(v -> verbs.add(v.asText()));
                    }
                }
            }
            return verbs;
        }
    }

    /** nftables.md 9: global.nativeNftables reaches the installer, which accepts it and writes native_nftables. */
    @Test
    void nativeNftablesRendersAndTheInstallerTakesIt() throws Exception {
        Map<String, String> cm = render(c -> c.set("global.nativeNftables", true)).config();
        assertEquals("true", cm.get("NATIVE_NFTABLES"));
        io.istiocni.install.InstallSettings settings = io.istiocni.install.InstallSettings.from(cm, List.of());
        assertTrue(settings.nativeNftables());
        assertTrue(io.istiocni.install.CniConfig.pluginEntry(settings).get("native_nftables").booleanValue());
    }

    static Rendered render(UnaryOperator<TemplateCommand> values) throws Exception {
        return render("istio-cni", "kube-system", values);
    }

    static Rendered render(String release, String namespace, UnaryOperator<TemplateCommand> values) throws Exception {
        TemplateCommand cmd = new Helm(CHART).template().withName(release).withNamespace(namespace);
        String yaml = values.apply(cmd).call();
        Map<String, JsonNode> objects = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                String key = doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText();
                assertNull(objects.put(key, doc), "rendered twice: " + key);
            }
        }
        return new Rendered(objects);
    }

    static JsonNode mountAt(JsonNode container, String mountPath) {
        for (JsonNode m : container.get("volumeMounts")) {
            if (m.get("mountPath").asText().equals(mountPath)) {
                return m;
            }
        }
        throw new AssertionError("nothing mounted at " + mountPath);
    }

    @Test
    void lintPasses() {
        assertTrue(Files.isRegularFile(CHART.resolve("Chart.yaml")), "run from the project dir");
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
    }

    @Test
    void defaults() throws Exception {
        Rendered r = render(c -> c);
        assertEquals(Set.of("ServiceAccount/istio-cni", "ConfigMap/istio-cni-config", "DaemonSet/istio-cni-node",
                "ClusterRole/istio-cni", "ClusterRoleBinding/istio-cni", "ClusterRole/istio-cni-repair-role",
                "ClusterRoleBinding/istio-cni-repair-rolebinding"), r.objects().keySet());
        JsonNode ds = r.get("DaemonSet/istio-cni-node");
        assertEquals("kube-system", ds.at("/metadata/namespace").asText());
        assertEquals("istio-cni-node", ds.at("/spec/selector/matchLabels/k8s-app").asText());
        assertEquals("istio-cni-node", ds.at("/spec/template/metadata/labels/k8s-app").asText());
        assertEquals("system-node-critical", r.podSpec().get("priorityClassName").asText());
        assertEquals("istio-cni", r.podSpec().get("serviceAccountName").asText());
        assertEquals("linux", r.podSpec().at("/nodeSelector/kubernetes.io~1os").asText());
        assertEquals(3, r.podSpec().get("tolerations").size());
        assertEquals(30, r.podSpec().get("terminationGracePeriodSeconds").asInt());

        JsonNode c = r.container();
        assertEquals("install-cni", c.get("name").asText());
        assertEquals("install-cni", c.at("/command/0").asText());
        assertEquals("--log_output_level=info", c.at("/args/0").asText());
        assertEquals("ghcr.io/istio-cni-java/istio-cni:0.1.0", c.get("image").asText());
        assertFalse(c.has("imagePullPolicy"));
        assertEquals("/readyz", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals(8000, c.at("/readinessProbe/httpGet/port").asInt());
        assertEquals("/healthz", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals(8000, c.at("/livenessProbe/httpGet/port").asInt());
        assertEquals(15014, c.at("/ports/0/containerPort").asInt());
        assertEquals("metrics", c.at("/ports/0/name").asText());
        assertEquals("100m", c.at("/resources/requests/cpu").asText());
        assertEquals("100Mi", c.at("/resources/requests/memory").asText());
        JsonNode sc = c.get("securityContext");
        assertFalse(sc.get("privileged").asBoolean());
        assertEquals(0, sc.get("runAsUser").asInt());
        assertEquals("ALL", sc.at("/capabilities/drop/0").asText());
        Set<String> caps = new TreeSet<>();
        sc.at("/capabilities/add").forEach(n -> caps.add(n.asText()));
        assertEquals(Set.of("NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN", "DAC_OVERRIDE"), caps);
        assertEquals("unconfined", ds.at("/spec/template/metadata/annotations")
                .get("container.apparmor.security.beta.kubernetes.io/install-cni").asText());

        // host paths: the installer's fixed in-container paths on the chart's host dirs
        assertEquals("/opt/cni/bin", r.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("/etc/cni/net.d", r.hostPathMountedAt("/host/etc/cni/net.d"));
        assertEquals("/var/run/istio-cni", r.hostPathMountedAt("/var/run/istio-cni"));
        assertEquals("/proc", r.hostPathMountedAt("/host/proc"));
        assertEquals("/var/run/netns", r.hostPathMountedAt("/var/run/netns"));
        assertEquals("HostToContainer", mountAt(c, "/var/run/netns").get("mountPropagation").asText());

        // env: the ConfigMap through envFrom, the downward API in env
        assertEquals("istio-cni-config", c.at("/envFrom/0/configMapRef/name").asText());
        Map<String, JsonNode> env = r.env();
        assertEquals("spec.nodeName", env.get("REPAIR_NODE_NAME").at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("spec.nodeName", env.get("NODE_NAME").at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("metadata.name", env.get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("metadata.namespace", env.get("POD_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("sidecar.istio.io/status", env.get("REPAIR_SIDECAR_ANNOTATION").get("value").asText());

        Map<String, String> cm = r.config();
        assertEquals("true", cm.get("CHAINED_CNI_PLUGIN"));
        assertFalse(cm.containsKey("CNI_CONF_NAME"));
        assertEquals("kube-system", cm.get("EXCLUDE_NAMESPACES"));
        assertEquals("true", cm.get("REPAIR_ENABLED"));
        assertEquals("true", cm.get("REPAIR_REPAIR_PODS"));
        assertEquals("false", cm.get("REPAIR_DELETE_PODS"));
        assertEquals("false", cm.get("REPAIR_LABEL_PODS"));
        assertEquals("istio-validation", cm.get("REPAIR_INIT_CONTAINER_NAME"));
        assertEquals("cni.istio.io/uninitialized", cm.get("REPAIR_BROKEN_POD_LABEL_KEY"));
        assertEquals("true", cm.get("REPAIR_BROKEN_POD_LABEL_VALUE"));
        assertEquals("false", cm.get("NATIVE_NFTABLES"));
        assertEquals("false", cm.get("AMBIENT_ENABLED"));
        assertEquals("0.1.0", cm.get("CURRENT_AGENT_VERSION"));

        // RBAC: the plugin gets its pod, the node agent also lists and watches this node's pods (issue 10), nothing
        // more (no code reads nodes or namespaces); repair in place needs no pod writes
        assertEquals(Set.of("get", "list", "watch"), r.verbs("istio-cni", "pods"));
        assertEquals(Set.of(), r.verbs("istio-cni", "nodes"));
        assertEquals(Set.of(), r.verbs("istio-cni", "namespaces"));
        assertEquals(1, r.get("ClusterRole/istio-cni").get("rules").size(), "one rule, for pods");
        assertEquals(Set.of("get", "list", "watch"), r.verbs("istio-cni-repair-role", "pods"));
        assertEquals(Set.of("create", "patch"), r.verbs("istio-cni-repair-role", "events"));
        assertEquals(Set.of(), r.verbs("istio-cni-repair-role", "pods/status"));
        assertEquals(Set.of(), r.verbs("istio-cni", "securitycontextconstraints"));
        JsonNode binding = r.get("ClusterRoleBinding/istio-cni-repair-rolebinding");
        assertEquals("istio-cni-repair-role", binding.at("/roleRef/name").asText());
        assertEquals("istio-cni", binding.at("/subjects/0/name").asText());
        assertEquals("kube-system", binding.at("/subjects/0/namespace").asText());
    }

    @Test
    void standalone() throws Exception {
        Rendered r = render(c -> c.set("chained", false).set("cniConfFileName", "istio-cni.conf"));
        assertEquals("false", r.config().get("CHAINED_CNI_PLUGIN"));
        assertEquals("istio-cni.conf", r.config().get("CNI_CONF_NAME"));
        // the cni. prefix is the same value and wins
        Rendered prefixed = render(c -> c.set("chained", true).set("cni.chained", false));
        assertEquals("false", prefixed.config().get("CHAINED_CNI_PLUGIN"));
    }

    @Test
    void valuesReachTheInstaller() throws Exception {
        Rendered r = render(c -> c.set("excludeNamespaces[0]", "kube-system").set("excludeNamespaces[1]", "istio-system")
                .set("cniBinDir", "/usr/libexec/cni").set("cniConfDir", "/etc/kubernetes/cni/net.d")
                .set("logging.level", "debug").set("logLevel", "warn").set("global.logAsJson", true)
                .set("env.UPDATE_CNI_BINARIES", "false").set("priorityClassName", "my-critical")
                .set("pullPolicy", "IfNotPresent").set("hub", "registry.example/x").set("tag", "1.2.3")
                .set("resources.requests.cpu", "").set("resources.limits.memory", "200Mi"));
        assertEquals("kube-system,istio-system", r.config().get("EXCLUDE_NAMESPACES"));
        assertEquals("/usr/libexec/cni", r.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("/etc/kubernetes/cni/net.d", r.hostPathMountedAt("/host/etc/cni/net.d"));
        JsonNode c = r.container();
        assertEquals("--log_output_level=debug,cni-plugin:warn", c.at("/args/0").asText());
        assertEquals("--log_as_json", c.at("/args/1").asText());
        assertEquals("false", r.config().get("UPDATE_CNI_BINARIES"));
        assertEquals("false", r.env().get("UPDATE_CNI_BINARIES").get("value").asText());
        assertEquals("my-critical", r.podSpec().get("priorityClassName").asText());
        assertEquals("IfNotPresent", c.get("imagePullPolicy").asText());
        assertEquals("registry.example/x/istio-cni:1.2.3", c.get("image").asText());
        assertEquals("1.2.3", r.config().get("CURRENT_AGENT_VERSION"));
        assertFalse(c.at("/resources/requests").has("cpu"));
        assertEquals("200Mi", c.at("/resources/limits/memory").asText());
    }

    @Test
    void theNodeAgentSeesTheHostsNetworkNamespacesAtTheirOwnPaths() throws Exception {
        Rendered r = render(c -> c);
        assertEquals("/var/run/netns", r.hostPathMountedAt("/var/run/netns"));
        JsonNode mount = null;
        for (JsonNode m : r.container().get("volumeMounts")) {
            if (m.get("mountPath").asText().equals("/var/run/netns")) {
                mount = m;
            }
        }
        assertEquals("HostToContainer", mount.path("mountPropagation").asText());
        assertEquals("/var/run/netns", r.env().get("HOST_NETNS_PATH").get("value").asText());
        Rendered other = render(c -> c.set("cniNetnsDir", "/run/netns"));
        assertEquals("/run/netns", other.hostPathMountedAt("/run/netns"));
        assertEquals("/run/netns", other.env().get("HOST_NETNS_PATH").get("value").asText(),
                "repair looks for pinned namespaces where they are mounted");
    }

    @Test
    void repairDisabled() throws Exception {
        Rendered r = render(c -> c.set("repair.enabled", false));
        assertEquals("false", r.config().get("REPAIR_ENABLED"));
        assertFalse(r.objects().containsKey("ClusterRole/istio-cni-repair-role"));
        assertFalse(r.objects().containsKey("ClusterRoleBinding/istio-cni-repair-rolebinding"));
        // pod set-up in the node agent reaches /proc/<pid>/ns/net and the runtime's named paths, repair or not
        assertEquals("/proc", r.hostPathMountedAt("/host/proc"));
        assertEquals("/var/run/netns", r.hostPathMountedAt("/var/run/netns"));
        assertEquals(Set.of("get", "list", "watch"), r.verbs("istio-cni", "pods"), "the agent's node informer");
    }

    @Test
    void repairActionsGetOnlyTheirVerbs() throws Exception {
        Rendered delete = render(c -> c.set("repair.repairPods", false).set("repair.deletePods", true));
        assertEquals("true", delete.config().get("REPAIR_DELETE_PODS"));
        assertEquals("false", delete.config().get("REPAIR_REPAIR_PODS"));
        assertEquals(Set.of("delete", "get", "list", "watch"), delete.verbs("istio-cni-repair-role", "pods"));
        assertEquals(Set.of(), delete.verbs("istio-cni-repair-role", "pods/status"));
        assertEquals("/proc", delete.hostPathMountedAt("/host/proc"));

        Rendered label = render(c -> c.set("repair.repairPods", false).set("repair.labelPods", true));
        assertEquals("true", label.config().get("REPAIR_LABEL_PODS"));
        assertEquals(Set.of("get", "list", "watch"), label.verbs("istio-cni-repair-role", "pods"));
        assertEquals(Set.of("patch", "update"), label.verbs("istio-cni-repair-role", "pods/status"));

        // repairPods wins: nothing more than the informer and events
        Rendered all = render(c -> c.set("repair.deletePods", true).set("repair.labelPods", true));
        assertEquals(Set.of("get", "list", "watch"), all.verbs("istio-cni-repair-role", "pods"));
        assertEquals(Set.of(), all.verbs("istio-cni-repair-role", "pods/status"));
        assertEquals("/proc", all.hostPathMountedAt("/host/proc"));
    }

    @Test
    void gke() throws Exception {
        Rendered platform = render(c -> c.set("global.platform", "gke"));
        assertEquals("/home/kubernetes/bin", platform.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("/etc/cni/net.d", platform.hostPathMountedAt("/host/etc/cni/net.d"));
        JsonNode quota = platform.get("ResourceQuota/istio-cni-resource-quota");
        assertEquals("5000", quota.at("/spec/hard/pods").asText());
        assertEquals("PriorityClass", quota.at("/spec/scopeSelector/matchExpressions/0/scopeName").asText());
        assertEquals("system-node-critical", quota.at("/spec/scopeSelector/matchExpressions/0/values/0").asText());

        Rendered binDir = render(c -> c.set("cni.cniBinDir", "/home/kubernetes/bin"));
        assertEquals("/home/kubernetes/bin", binDir.hostPathMountedAt("/host/opt/cni/bin"));
        assertFalse(binDir.objects().containsKey("ResourceQuota/istio-cni-resource-quota"));

        // the user's values win over the preset
        Rendered user = render(c -> c.set("platform", "gke").set("cniBinDir", "/opt/cni/bin")
                .set("resourceQuotas.enabled", false));
        assertEquals("/opt/cni/bin", user.hostPathMountedAt("/host/opt/cni/bin"));
        assertFalse(user.objects().containsKey("ResourceQuota/istio-cni-resource-quota"));
    }

    @Test
    void resourceQuotaOnlyWhenAsked() throws Exception {
        Rendered r = render(c -> c.set("resourceQuotas.enabled", true).set("resourceQuotas.pods", 64));
        assertEquals("64", r.get("ResourceQuota/istio-cni-resource-quota").at("/spec/hard/pods").asText());
        assertEquals("kube-system", r.get("ResourceQuota/istio-cni-resource-quota").at("/metadata/namespace").asText());
    }

    @Test
    void openshift() throws Exception {
        Rendered r = render(c -> c.set("global.platform", "openshift"));
        assertEquals("/var/lib/cni/bin", r.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("/etc/cni/multus/net.d", r.hostPathMountedAt("/host/etc/cni/net.d"));
        assertEquals("false", r.config().get("CHAINED_CNI_PLUGIN"));
        assertEquals("istio-cni.conf", r.config().get("CNI_CONF_NAME"));
        assertEquals("spc_t", r.container().at("/securityContext/seLinuxOptions/type").asText());
        assertEquals(Set.of("use"), r.verbs("istio-cni", "securitycontextconstraints"));
        JsonNode scc = null;
        for (JsonNode rule : r.get("ClusterRole/istio-cni").get("rules")) {
            if (rule.at("/apiGroups/0").asText().equals("security.openshift.io")) {
                scc = rule;
            }
        }
        assertNotNull(scc);
        assertEquals("privileged", scc.at("/resourceNames/0").asText());
        JsonNode nad = r.get("NetworkAttachmentDefinition/istio-cni");
        assertEquals("default", nad.at("/metadata/namespace").asText());
        assertFalse(r.objects().containsKey("ResourceQuota/istio-cni-resource-quota"));
    }

    @Test
    void ambientIsRefused() {
        Exception e = assertThrows(Exception.class, () -> render(c -> c.set("ambient.enabled", true)));
        assertTrue(e.getMessage().contains("ambient mode is not supported"), e.getMessage());
    }

    @Test
    void resourceScope() throws Exception {
        Rendered cluster = render(c -> c.set("global.resourceScope", "cluster"));
        assertEquals(Set.of("ClusterRole/istio-cni", "ClusterRoleBinding/istio-cni",
                "ClusterRole/istio-cni-repair-role", "ClusterRoleBinding/istio-cni-repair-rolebinding"),
                cluster.objects().keySet());
        Rendered ns = render(c -> c.set("global.resourceScope", "namespace").set("global.networkPolicy.enabled", true));
        List<String> kinds = new ArrayList<>(ns.objects().keySet());
        assertTrue(kinds.stream().noneMatch(k -> k.startsWith("Cluster")), kinds::toString);
        assertTrue(ns.objects().containsKey("NetworkPolicy/istio-cni"));
    }

    @Test
    void securityAndLabelValues() throws Exception {
        Rendered r = render(c -> c.set("global.imagePullSecrets[0]", "regcred").set("seLinuxOptions.level", "s0")
                .set("useAppArmorAnnotation", false).set("privileged", true).set("revision", "canary")
                .set("ownerName", "op").set("image", "my.reg/istio-cni:dev").set("platform", "k3s"));
        assertEquals("regcred", r.get("ServiceAccount/istio-cni").at("/imagePullSecrets/0/name").asText());
        JsonNode sc = r.container().get("securityContext");
        assertTrue(sc.get("privileged").asBoolean());
        assertEquals("s0", sc.at("/seLinuxOptions/level").asText());
        assertEquals("spc_t", sc.at("/seLinuxOptions/type").asText());
        assertEquals("Unconfined", sc.at("/appArmorProfile/type").asText());
        JsonNode ds = r.get("DaemonSet/istio-cni-node");
        assertFalse(ds.at("/spec/template/metadata/annotations")
                .has("container.apparmor.security.beta.kubernetes.io/install-cni"));
        assertEquals("canary", ds.at("/metadata/labels/istio.io~1rev").asText());
        assertEquals("op", ds.at("/metadata/labels/install.operator.istio.io~1owning-resource").asText());
        assertEquals("my.reg/istio-cni:dev", r.container().get("image").asText());
        assertEquals("/var/lib/rancher/k3s/data/cni", r.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("/var/lib/rancher/k3s/agent/etc/cni/net.d", r.hostPathMountedAt("/host/etc/cni/net.d"));

        Exception e = assertThrows(Exception.class, () -> render(c -> c.set("platform", "bogus")));
        assertTrue(e.getMessage().contains("unknown platform"), e.getMessage());
    }

    static String image(UnaryOperator<TemplateCommand> values) throws Exception {
        return render(values).container().get("image").asText();
    }

    @Test
    void imageReference() throws Exception {
        // Istio's <hub>/<image>:<tag>, hub and tag falling back to global.*, the cni. form winning
        assertEquals("localhost:5000/istio-cni:dev", image(c -> c.set("hub", "localhost:5000").set("tag", "dev")));
        assertEquals("registry.example/istio-cni:1.0.0",
                image(c -> c.set("global.hub", "registry.example").set("global.tag", "1.0.0")));
        assertEquals("b.example/istio-cni:2", image(c -> c.set("hub", "a.example").set("cni.hub", "b.example")
                .set("tag", "2")));
        assertEquals("ghcr.io/istio-cni-java/my-cni:0.1.0", image(c -> c.set("image", "my-cni")));
        // a full reference is used as it is: "/" (Istio's rule), and ours, ":" or "@" (a locally loaded image)
        assertEquals("istio-cni:native", image(c -> c.set("image", "istio-cni:native")));
        assertEquals("reg.example/x/istio-cni@sha256:" + "a".repeat(64),
                image(c -> c.set("image", "reg.example/x/istio-cni@sha256:" + "a".repeat(64))));
        assertEquals("reg.example/istio-cni", image(c -> c.set("image", "reg.example/istio-cni")
                .set("variant", "distroless")));
    }

    @Test
    void unpublishedVariantsAreRefused() {
        for (String key : List.of("variant", "global.variant", "cni.variant")) {
            Exception e = assertThrows(Exception.class, () -> render(c -> c.set(key, "distroless")));
            assertTrue(e.getMessage().contains("variant \"distroless\" is not built for istio-cni-java"
                    + " (no ghcr.io/istio-cni-java/istio-cni:0.1.0-distroless image)"), e.getMessage());
        }
        Exception e = assertThrows(Exception.class, () -> render(c -> c.set("variant", "jvm")));
        assertTrue(e.getMessage().contains("the JVM image cannot install the CNI plugin on a node"), e.getMessage());
        e = assertThrows(Exception.class, () -> render(c -> c.set("global.hub", "")));
        assertTrue(e.getMessage().contains("no image hub"), e.getMessage());
    }

    // ---- names that YAML would read as numbers (istio/istio#60238) ----

    /** A namespace, release, revision and priority class named like numbers stay strings in every object. */
    @Test
    void numericNamesRenderAsStrings() throws Exception {
        Rendered r = render("1234", "123", c -> c.set("revision", "1").set("ownerName", "2")
                .set("priorityClassName", "3").set("global.resourceQuotas.enabled", true)
                .set("resourceQuotas.enabled", true).set("global.networkPolicy.enabled", true)
                .set("provider", "multus").set("global.imagePullSecrets[0]", "4").set("env.5", "6"));
        int namespaced = 0;
        for (var e : r.objects().entrySet()) {
            JsonNode meta = e.getValue().get("metadata");
            if (meta.has("namespace")) {
                assertTrue(meta.get("namespace").isTextual(), e.getKey() + " namespace " + meta.get("namespace"));
                namespaced++;
            }
            meta.get("labels").properties().forEach(l -> assertTrue(l.getValue().isTextual(),
                    e.getKey() + " label " + l.getKey() + "=" + l.getValue()));
        }
        assertTrue(namespaced >= 5, "namespaced objects: " + namespaced);
        assertEquals("123", r.get("DaemonSet/istio-cni-node").at("/metadata/namespace").textValue());
        assertEquals("1234", r.get("DaemonSet/istio-cni-node").at("/metadata/labels/release").textValue());
        assertEquals("1", r.get("DaemonSet/istio-cni-node").at("/metadata/labels/istio.io~1rev").textValue());
        assertEquals("2", r.get("DaemonSet/istio-cni-node").at("/metadata/labels/install.operator.istio.io~1owning-resource").textValue());
        for (String binding : List.of("ClusterRoleBinding/istio-cni", "ClusterRoleBinding/istio-cni-repair-rolebinding")) {
            assertEquals("123", r.get(binding).at("/subjects/0/namespace").textValue(), binding);
        }
        assertEquals("3", r.podSpec().get("priorityClassName").textValue());
        assertEquals("4", r.get("ServiceAccount/istio-cni").at("/imagePullSecrets/0/name").textValue());
        assertEquals("6", r.config().get("5"));
        assertEquals("6", r.env().get("5").get("value").textValue());
    }

    // ---- Istio's profiles (files/profile-*.yaml, zzz_profile.yaml) ----

    @Test
    void unknownProfileOrCompatibilityVersionFailsWithIstiosMessage() {
        for (String key : List.of("profile", "global.profile", "cni.profile")) {
            Exception e = assertThrows(Exception.class, () -> render(c -> c.set(key, "bogus")));
            assertTrue(e.getMessage().contains("unknown profile bogus"), key + ": " + e.getMessage());
        }
        for (String key : List.of("compatibilityVersion", "global.compatibilityVersion")) {
            Exception e = assertThrows(Exception.class, () -> render(c -> c.set(key, "1.9")));
            assertTrue(e.getMessage().contains("unknown compatibility version 1.9"), key + ": " + e.getMessage());
        }
    }

    @Test
    void demoProfileLowersTheRequestsAndTheUserStillWins() throws Exception {
        JsonNode demo = render(c -> c.set("profile", "demo")).container().get("resources");
        assertEquals("10m", demo.at("/requests/cpu").asText());
        assertEquals("40Mi", demo.at("/requests/memory").asText());
        JsonNode user = render(c -> c.set("global.profile", "demo").set("resources.requests.cpu", "50m")).container()
                .get("resources");
        assertEquals("50m", user.at("/requests/cpu").asText());
        assertEquals("40Mi", user.at("/requests/memory").asText());
    }

    @Test
    void profilesWithoutValuesForThisChartRenderTheDefaults() throws Exception {
        String defaults = render(c -> c).objects().toString();
        for (String profile : List.of("preview", "remote", "stable")) {
            assertEquals(defaults, render(c -> c.set("profile", profile)).objects().toString(), profile);
        }
        for (String version : List.of("1.24", "1.25", "1.26", "1.27", "1.28", "1.29")) {
            assertEquals(defaults, render(c -> c.set("compatibilityVersion", version)).objects().toString(), version);
        }
    }

    @Test
    void ambientProfileIsRefused() {
        Exception e = assertThrows(Exception.class, () -> render(c -> c.set("profile", "ambient")));
        assertTrue(e.getMessage().contains("ambient mode is not supported"), e.getMessage());
    }

    /** Istio's order: profile, then platform, then the user's values. */
    @Test
    void platformFileAppliesAfterTheProfile() throws Exception {
        Rendered r = render(c -> c.set("profile", "demo").set("platform", "openshift").set("chained", true));
        assertEquals("10m", r.container().at("/resources/requests/cpu").asText());
        assertEquals("/var/lib/cni/bin", r.hostPathMountedAt("/host/opt/cni/bin"));
        assertEquals("true", r.config().get("CHAINED_CNI_PLUGIN"));
        Rendered minikube = render(c -> c.set("platform", "minikube"));
        assertEquals("/var/run/docker/netns", minikube.hostPathMountedAt("/var/run/docker/netns"));
        assertEquals("/var/run/docker/netns", minikube.env().get("HOST_NETNS_PATH").get("value").asText());
    }

    @Test
    void logAsJsonReachesTheDaemon() throws Exception {
        assertEquals(1, render(c -> c).container().get("args").size());
        JsonNode args = render(c -> c.set("global.logAsJson", true)).container().get("args");
        assertEquals("--log_as_json", args.get(1).asText());
    }
}
