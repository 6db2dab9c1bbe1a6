package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.istiocni.testing.HostCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as a container runtime runs it: a conflist of Debian's real {@code ptp} (with {@code host-local}
 * IPAM) followed by {@code istio-cni}, each exec'd per the CNI spec, the pods served by fabric8's mock API server
 * in CRUD mode through the kubeconfig the installer would write.
 */
@EnableKubernetesMockClient(crud = true)
class PluginChainIT {

    static KubernetesClient client;
    static KubernetesMockServer server;

    static final int APP_UID = 1000;

    @TempDir
    Path tmp;

    private Path runDir;
    private CniRuntime runtime;
    private final List<Netns> namespaces = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        ItSupport.requireTrafficTools();
        HostCapabilities.requireCniPlugins("ptp", "host-local");
        runDir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(runDir.resolve("istio-cni-kubeconfig"), kubeconfig(client.getMasterUrl().toString()));
        runtime = new CniRuntime(CniRuntime.pluginDirWithIstioCni(tmp.resolve("bin")), conflist("10.253.0.0/24"));
    }

    @AfterEach
    void tearDown() {
        namespaces.forEach(Netns::close);
    }

    /** The installer's kubeconfig shape; the mock serves a self-signed certificate, hence no CA check. */
    static String kubeconfig(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: %s
                    insecure-skip-tls-verify: true
                users:
                - name: istio-cni
                  user:
                    token: test-token
                contexts:
                - name: istio-cni-context
                  context:
                    cluster: local
                    user: istio-cni
                current-context: istio-cni-context
                """.formatted(server.replaceAll("/$", ""));
    }

    JsonNode conflist(String subnet) throws IOException {
        ObjectNode list = (ObjectNode) CniRuntime.JSON.readTree("""
                {"cniVersion": "1.0.0", "name": "k8s-pod-network", "plugins": [
                  {"type": "ptp", "ipMasq": false,
                   "ipam": {"type": "host-local", "subnet": "%s", "dataDir": "%s"}},
                  {"type": "istio-cni", "plugin_log_level": "debug", "cni_agent_run_dir": "%s",
                   "exclude_namespaces": ["kube-system"], "pod_namespace": "istio-system"}
                ]}
                """.formatted(subnet, tmp.resolve("ipam"), runDir));
        return list;
    }

    static Pod sidecarPod(String namespace, String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToAnnotations("sidecar.istio.io/status", "{\"containers\":[\"istio-proxy\"]}")
                .endMetadata()
                .withNewSpec()
                .addNewContainer().withName("app").withImage("app").endContainer()
                .addNewContainer().withName("istio-proxy").withImage("proxyv2").withArgs("proxy", "sidecar")
                .endContainer()
                .endSpec().build();
    }

    static Pod plainPod(String namespace, String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec().build();
    }

    static String cniArgs(String namespace, String name) {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name
                + ";K8S_POD_INFRA_CONTAINER_ID=0123456789abcdef;K8S_POD_UID=5e1a-uid";
    }

    /** A 1.x result with an empty {@code dns} means the same without it, and that is how CNI's library prints it. */
    static JsonNode withoutEmptyDns(String result) throws IOException {
        ObjectNode node = (ObjectNode) CniRuntime.JSON.readTree(result);
        if (node.path("dns").isEmpty()) {
            node.remove("dns");
        }
        return node;
    }

    Netns newNamespace() {
        Netns ns = Netns.create();
        namespaces.add(ns);
        return ns;
    }

    @Test
    void meshedPodGetsTheRulesAndItsTrafficIsCaptured() throws IOException {
        client.pods().inNamespace("shop").resource(sidecarPod("shop", "web-1")).create();
        Netns pod = newNamespace();
        String containerId = "c0ffee" + pod.name().substring(4);

        CniRuntime.ChainResult add = runtime.add(containerId, pod.path(), cniArgs("shop", "web-1"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        assertEquals(withoutEmptyDns(add.runs().get(0).stdout()), add.result(),
                "istio-cni must pass the previous result on unchanged");

        String nat = pod.execOk("iptables-save", "-t", "nat").stdout();
        assertTrue(nat.contains("-A OUTPUT -j ISTIO_OUTPUT"), nat);
        assertTrue(nat.contains("-A PREROUTING -p tcp -j ISTIO_INBOUND"), nat);
        assertTrue(nat.contains("-A ISTIO_INBOUND -p tcp -m tcp --dport 15020 -j RETURN"), nat);

        // A peer on a second link stands in for "anywhere": without capture, it would answer itself.
        Netns peer = newNamespace();
        pod.connect("ext0", peer, "10.254.7.2/24", "10.254.7.1/24"); // eth0 is ptp's
        peer.startServer(-1, -1, "peer", "tcp:8080");
        pod.startServer(1337, 1337, "proxy", "tcp:15001", "tcp:15006");
        String answer = pod.client(APP_UID, APP_UID, "tcp", "10.254.7.1", 8080);
        assertTrue(answer.startsWith("proxy tcp:15001"), answer);
        assertTrue(peer.client(-1, -1, "tcp", "10.254.7.2", 9000).startsWith("proxy tcp:15006"));
        assertTrue(pod.client(1337, 1337, "tcp", "10.254.7.1", 8080).startsWith("peer tcp:8080"));

        CniRuntime.ChainResult del = runtime.del(containerId, pod.path(), cniArgs("shop", "web-1"), add.result());
        assertTrue(del.ok(), () -> "DEL failed in " + del.failedPlugin() + ":\n" + del.failure().describe());
        assertEquals("", del.runs().get(0).stdout(), "DEL prints nothing");
    }

    /**
     * A pod with {@code hostUsers: false}: its network namespace belongs to its own user namespace (ids mapped to
     * 200000...). On a node with legacy iptables the kernel refuses owner-match rules written from the host's user
     * namespace, so the plugin must write them from inside the pod's; the proxy's uid 1337 is then the pod's 1337.
     */
    @Test
    void podWithItsOwnUserNamespaceGetsTheRulesFromInsideIt() throws IOException {
        Pod spec = sidecarPod("shop", "userns-0");
        spec.getSpec().setHostUsers(false);
        client.pods().inNamespace("shop").resource(spec).create();
        Netns pod = Netns.createInOwnUserNamespace();
        namespaces.add(pod);
        // a node on legacy iptables: a rule of someone else's is already there, so the plugin picks legacy
        pod.execOk("iptables-legacy", "-t", "filter", "-A", "INPUT", "-s", "192.0.2.9/32", "-j", "DROP");
        String containerId = "5eed" + pod.name().substring(4);

        CniRuntime.ChainResult add = runtime.add(containerId, pod.path(), cniArgs("shop", "userns-0"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        String nat = pod.execOk("iptables-legacy-save", "-t", "nat").stdout();
        assertTrue(nat.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), nat);
        assertFalse(pod.execOk("iptables-nft-save").stdout().contains("ISTIO"));

        Netns peer = newNamespace();
        pod.connect("ext0", peer, "10.254.9.2/24", "10.254.9.1/24"); // eth0 is ptp's
        peer.startServer(-1, -1, "peer", "tcp:8080");
        pod.startServer(1337, 1337, "proxy", "tcp:15001", "tcp:15006"); // the pod's 1337: host uid 201337
        String app = pod.client(APP_UID, APP_UID, "tcp", "10.254.9.1", 8080);
        assertTrue(app.startsWith("proxy tcp:15001"), "the application's connection is captured: " + app);
        String proxy = pod.client(1337, 1337, "tcp", "10.254.9.1", 8080);
        assertTrue(proxy.startsWith("peer tcp:8080"), "the proxy's own connection goes out: " + proxy);

        CniRuntime.ChainResult del = runtime.del(containerId, pod.path(), cniArgs("shop", "userns-0"), add.result());
        assertTrue(del.ok(), () -> "DEL failed in " + del.failedPlugin() + ":\n" + del.failure().describe());
    }

    @Test
    void checkVerifiesTheRulesArePresent() throws IOException {
        client.pods().inNamespace("shop").resource(sidecarPod("shop", "api-0")).create();
        Netns pod = newNamespace();
        String containerId = "cafe" + pod.name().substring(4);
        CniRuntime.ChainResult add = runtime.add(containerId, pod.path(), cniArgs("shop", "api-0"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        String conf = runtime.pluginConfig(istioEntry(), add.result()).toString();
        ItSupport.Result check = CniRuntime.exec(runtime.binary("istio-cni"),
                runtime.env("CHECK", containerId, pod.path(), cniArgs("shop", "api-0")), conf);
        assertEquals(0, check.exit(), check.describe());
        assertEquals("", check.stdout());

        pod.execOk("iptables", "-t", "nat", "-D", "OUTPUT", "-j", "ISTIO_OUTPUT");
        ItSupport.Result drifted = CniRuntime.exec(runtime.binary("istio-cni"),
                runtime.env("CHECK", containerId, pod.path(), cniArgs("shop", "api-0")), conf);
        assertEquals(1, drifted.exit(), drifted.describe());
        JsonNode error = CniRuntime.JSON.readTree(drifted.stdout());
        assertEquals(999, error.get("code").asInt());
        assertTrue(error.get("msg").asText().startsWith("istio-cni rules are not in place in " + pod.path()),
                error.toString());
        assertTrue(runtime.del(containerId, pod.path(), cniArgs("shop", "api-0"), add.result()).ok());
    }

    @Test
    void podWithoutSidecarIsPassedThroughWithoutRules() throws IOException {
        client.pods().inNamespace("plain").resource(plainPod("plain", "db-0")).create();
        Netns pod = newNamespace();
        String containerId = "beef" + pod.name().substring(4);
        CniRuntime.ChainResult add = runtime.add(containerId, pod.path(), cniArgs("plain", "db-0"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        assertEquals(withoutEmptyDns(add.runs().get(0).stdout()), add.result());
        for (String save : List.of("iptables-nft-save", "iptables-legacy-save")) {
            assertFalse(pod.execOk(save).stdout().contains("ISTIO"), save);
        }
        assertTrue(runtime.del(containerId, pod.path(), cniArgs("plain", "db-0"), add.result()).ok());
    }

    @Test
    void delSucceedsForAGoneNamespaceAndPod() {
        String conf = runtime.pluginConfig(istioEntry(), null).toString();
        ItSupport.Result r = CniRuntime.exec(runtime.binary("istio-cni"),
                runtime.env("DEL", "gone", "/var/run/netns/itc-does-not-exist", cniArgs("shop", "gone-0")), conf);
        assertEquals(0, r.exit(), r.describe());
        assertEquals("", r.stdout());
    }

    @Test
    void fiftyConcurrentAddsAllGetTheirRules() throws Exception {
        int n = 50;
        runtime = new CniRuntime(CniRuntime.pluginDirWithIstioCni(tmp.resolve("bin")), conflist("10.253.64.0/18"));
        List<Netns> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            client.pods().inNamespace("load").resource(sidecarPod("load", "pod-" + i)).create();
            pods.add(newNamespace());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<CniRuntime.ChainResult>> adds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                adds.add(pool.submit(() -> runtime.add("load" + k, pods.get(k).path(), cniArgs("load", "pod-" + k))));
            }
            List<CniRuntime.ChainResult> results = new ArrayList<>();
            for (Future<CniRuntime.ChainResult> f : adds) {
                results.add(f.get());
            }
            for (int i = 0; i < n; i++) {
                CniRuntime.ChainResult r = results.get(i);
                int k = i;
                assertTrue(r.ok(), () -> "ADD " + k + " failed in " + r.failedPlugin() + ":\n" + r.failure().describe());
                String nat = pods.get(i).execOk("iptables-save", "-t", "nat").stdout();
                assertTrue(nat.contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"), "pod " + i + ":\n" + nat);
            }
            List<Future<CniRuntime.ChainResult>> dels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                dels.add(pool.submit(() -> runtime.del("load" + k, pods.get(k).path(), cniArgs("load", "pod-" + k),
                        results.get(k).result())));
            }
            for (Future<CniRuntime.ChainResult> f : dels) {
                assertTrue(f.get().ok());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private JsonNode istioEntry() {
        try {
            return conflist("10.253.0.0/24").get("plugins").get(1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
