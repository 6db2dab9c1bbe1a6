package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.istiocni.testing.Await;
import io.istiocni.testing.HostCapabilities;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.istiocni.repair.NodeSelectingDispatcher;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: the installer running as the node agent serves pod set-up on {@code <run dir>/pod.sock}, and the plugin,
 * exec'd by a CNI chain (Debian's {@code ptp}, then {@code istio-cni}) as a runtime does, asks it first. Real
 * network namespaces and real traffic; the pods come from fabric8's CRUD mock API server over TLS, to the agent
 * through its informer of the node's pods (or a live GET), to the plugin's in-process path through the kubeconfig
 * the installer writes.
 */
class AgentPathIT {

    static final String NODE = "node-a";
    static final int APP_UID = 1000;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Path tmp;
    private Path runDir;
    private Path confDir;
    private int healthPort;
    private int metricsPort;
    private Process agent;
    private Path agentLog;
    private CniRuntime runtime;
    private final List<Netns> namespaces = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        ItSupport.requireTrafficTools();
        HostCapabilities.requireCniPlugins("ptp", "host-local");
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new NodeSelectingDispatcher(new KubernetesMixedDispatcher(responses)), true);
        server.init();
        client = server.createClient();
        // not a JUnit @TempDir (mode 0700): the non-root check must fail on the socket's mode, not on the path
        tmp = Files.createTempDirectory(Path.of("/tmp"), "istio-cni-agent-it");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        runDir = Files.createDirectories(tmp.resolve("run"));
        confDir = Files.createDirectories(tmp.resolve("net.d"));
        healthPort = freePort();
        metricsPort = freePort();
        runtime = new CniRuntime(CniRuntime.pluginDirWithIstioCni(tmp.resolve("bin")), conflist("10.252.0.0/16"));
    }

    @AfterEach
    void tearDown() throws Exception {
        namespaces.forEach(Netns::close);
        if (agent != null && agent.isAlive()) {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (client != null) {
            client.close();
            server.destroy();
        }
        if (tmp != null) {
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void addAndCheckThroughTheAgent() throws Exception {
        startAgent();
        String uid = create(sidecarPod("shop", "web-1", "uid-web-1"));
        awaitCached();
        Netns pod = newNamespace();
        CniRuntime.ChainResult add = runtime.add("c-web-1", pod.path(), cniArgs("shop", "web-1", uid));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe() + log());
        assertTrue(pluginLog().contains("iptables rules programmed by the node agent"), pluginLog());
        assertEquals(1, setups("success", "cache"), metrics());

        assertCaptured(pod, "10.254.11");

        // CHECK through the agent: in place, then drifted
        String conf = runtime.pluginConfig(istioEntry(), add.result()).toString();
        Map<String, String> env = runtime.env("CHECK", "c-web-1", pod.path(), cniArgs("shop", "web-1", uid));
        ItSupport.Result check = CniRuntime.exec(runtime.binary("istio-cni"), env, conf);
        assertEquals(0, check.exit(), check.describe());
        assertEquals("", check.stdout());
        assertTrue(pluginLog().contains("iptables rules checked by the node agent"), pluginLog());
        pod.execOk("iptables", "-t", "nat", "-D", "OUTPUT", "-j", "ISTIO_OUTPUT");
        ItSupport.Result drifted = CniRuntime.exec(runtime.binary("istio-cni"), env, conf);
        assertEquals(1, drifted.exit(), drifted.describe());
        JsonNode error = CniRuntime.JSON.readTree(drifted.stdout());
        assertEquals(999, error.get("code").asInt());
        assertTrue(error.get("msg").asText().startsWith("istio-cni rules are not in place in " + pod.path()),
                error.toString());
        assertEquals(3, setups("success", "cache") + setups("error", "cache"), metrics());
        assertTrue(metrics().contains("istio_cni_pod_setup_duration_seconds_count"), metrics());
    }

    /**
     * A pod with {@code hostUsers: false} through the agent: the agent writes the rules from inside the pod's own user
     * namespace, as the plugin does in-process (on legacy iptables the kernel refuses owner-match rules written from
     * the host's), and the proxy's uid 1337 is the pod's 1337.
     */
    @Test
    void aPodWithItsOwnUserNamespaceIsSetUpByTheAgentFromInsideIt() throws Exception {
        startAgent();
        Pod spec = sidecarPod("shop", "userns-1", "uid-userns-1");
        spec.getSpec().setHostUsers(false);
        String uid = create(spec);
        awaitCached();
        Netns pod = Netns.createInOwnUserNamespace();
        namespaces.add(pod);
        // a node on legacy iptables: a rule of someone else's is already there, so legacy is picked
        pod.execOk("iptables-legacy", "-t", "filter", "-A", "INPUT", "-s", "192.0.2.9/32", "-j", "DROP");
        CniRuntime.ChainResult add = runtime.add("c-userns-1", pod.path(), cniArgs("shop", "userns-1", uid));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe() + log());
        assertTrue(pluginLog().contains("iptables rules programmed by the node agent"), pluginLog());
        String nat = pod.execOk("iptables-legacy-save", "-t", "nat").stdout();
        assertTrue(nat.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), nat);
        assertCaptured(pod, "10.254.13");
    }

    @Test
    void aPodRecreatedUnderTheSameNameIsFetchedLive() throws Exception {
        startAgent();
        String old = create(sidecarPod("shop", "api-0", "uid-old"));
        awaitCached();
        assertFalse(old.equals("uid-new"));
        // the runtime starts the new pod while the cache still has the old one: its UID differs
        Netns pod = newNamespace();
        CniRuntime.ChainResult add = runtime.add("c-api-0", pod.path(), cniArgs("shop", "api-0", "uid-new"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe() + log());
        assertEquals(1, setups("success", "live"), metrics());
        assertEquals(0, setups("success", "cache"), metrics());
        assertTrue(pod.execOk("iptables-save", "-t", "nat").stdout().contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"));
    }

    @Test
    void withoutAnAgentThePluginDoesTheWorkItself() throws Exception {
        writeKubeconfig();
        create(sidecarPod("shop", "solo-0", "uid-solo"));
        Netns pod = newNamespace();
        CniRuntime.ChainResult add = runtime.add("c-solo-0", pod.path(), cniArgs("shop", "solo-0", "uid-solo"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        assertTrue(pluginLog().contains("path\":\"in-process"), pluginLog());
        assertCaptured(pod, "10.254.12");

        // a socket file left by an agent that crashed: refused, so in-process too
        try (var dead = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            dead.bind(java.net.UnixDomainSocketAddress.of(runDir.resolve("pod.sock")));
        }
        create(sidecarPod("shop", "solo-1", "uid-solo-1"));
        Netns second = newNamespace();
        CniRuntime.ChainResult again = runtime.add("c-solo-1", second.path(), cniArgs("shop", "solo-1", "uid-solo-1"));
        assertTrue(again.ok(), () -> "ADD failed:\n" + again.failure().describe());
        assertTrue(pluginLog().contains("the node agent did not take the pod (node agent not reachable"),
                pluginLog());
        assertTrue(second.execOk("iptables-save", "-t", "nat").stdout().contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"));
    }

    /** The operator's switch: POD_SETUP_SOCKET=false, the installer serves no pod.sock, every plugin works alone. */
    @Test
    void withThePodSetupSocketOffEveryPodIsSetUpInProcess() throws Exception {
        startAgent(false);
        assertTrue(log().contains("pod set-up socket off (POD_SETUP_SOCKET=false)"), log());
        create(sidecarPod("shop", "off-0", "uid-off-0"));
        Netns pod = newNamespace();
        CniRuntime.ChainResult add = runtime.add("c-off-0", pod.path(), cniArgs("shop", "off-0", "uid-off-0"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe() + log());
        assertTrue(pluginLog().contains("path\":\"in-process"), pluginLog());
        assertFalse(pluginLog().contains("by the node agent"), pluginLog());
        assertTrue(pod.execOk("iptables-save", "-t", "nat").stdout().contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"));
    }

    @Test
    void anAgentKilledDuringTheRequestLeavesThePodToThePlugin() throws Exception {
        startAgent();
        Netns pod = newNamespace();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            long start = System.nanoTime();
            // the pod is not in the API yet: the agent retries its GET, and is killed meanwhile
            Future<CniRuntime.ChainResult> add = pool.submit(() -> runtime.add("c-late-0", pod.path(),
                    cniArgs("shop", "late-0", "uid-late")));
            // the plugin asked and waits for the agent, which retries its GET (its debug line says so)
            Await.until("the agent retrying the pod's GET",
                    () -> read(agentLog).contains("failed to get pod shop/late-0 (attempt 1, retrying)"));
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            create(sidecarPod("shop", "late-0", "uid-late"));
            CniRuntime.ChainResult r = add.get(110, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(r.ok(), () -> "ADD failed in " + r.failedPlugin() + ":\n" + r.failure().describe());
            assertTrue(seconds < 100, seconds + " s");
            assertTrue(pluginLog().contains("the node agent did not take the pod (node agent request failed"),
                    pluginLog());
            assertTrue(pod.execOk("iptables-save", "-t", "nat").stdout().contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fiftyConcurrentAddsThroughTheAgentAllGetTheirRules() throws Exception {
        concurrentAdds(50, "fifty");
    }

    @Test
    void aHundredConcurrentAddsThroughTheAgentOverTlsAllSucceedWellInsideTheDeadline() throws Exception {
        long slowest = concurrentAdds(100, "hundred");
        // each istio-cni run ends by its 100 s deadline at the latest (then failing the ADD): all succeeded, and
        // the whole chain (ptp too) of the slowest pod stayed inside that deadline
        assertTrue(slowest < 100_000, "slowest ADD chain took " + slowest + " ms (deadline 100 s)");
    }

    @Test
    void aNonRootProcessCannotConnect() throws Exception {
        startAgent();
        Path socket = runDir.resolve("pod.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        String connect = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1])\n"
                + " print('connected')\nexcept OSError as e:\n print(type(e).__name__)\n";
        ItSupport.Result asNobody = ItSupport.run(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", ItSupport.python(), "-c", connect, socket.toString()), Map.of(), "",
                Duration.ofSeconds(20));
        assertEquals("PermissionError", asNobody.stdout().strip(), asNobody.describe());
        ItSupport.Result asRoot = ItSupport.run(List.of(ItSupport.python(), "-c", connect, socket.toString()),
                Map.of(), "", Duration.ofSeconds(20));
        assertEquals("connected", asRoot.stdout().strip(), asRoot.describe());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** n pods on the node, all ADDed at once; every one must have its rules. Returns the slowest ADD in ms. */
    private long concurrentAdds(int n, String prefix) throws Exception {
        startAgent();
        List<Netns> pods = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            uids.add(create(sidecarPod("load", prefix + "-" + i, "uid-" + prefix + "-" + i)));
            pods.add(newNamespace());
        }
        awaitCached(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        long slowest = 0;
        try {
            List<Future<long[]>> adds = new ArrayList<>();
            List<CniRuntime.ChainResult> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(null);
            }
            for (int i = 0; i < n; i++) {
                int k = i;
                adds.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    CniRuntime.ChainResult r = runtime.add(prefix + k, pods.get(k).path(),
                            cniArgs("load", prefix + "-" + k, uids.get(k)));
                    synchronized (results) {
                        results.set(k, r);
                    }
                    return new long[] {TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)};
                }));
            }
            for (Future<long[]> f : adds) {
                slowest = Math.max(slowest, f.get(300, TimeUnit.SECONDS)[0]);
            }
            for (int i = 0; i < n; i++) {
                CniRuntime.ChainResult r = results.get(i);
                int k = i;
                assertTrue(r.ok(), () -> "ADD " + k + " failed in " + r.failedPlugin() + ":\n"
                        + r.failure().describe() + agentLines());
                String nat = pods.get(i).execOk("iptables-save", "-t", "nat").stdout();
                assertTrue(nat.contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"), "pod " + i + ":\n" + nat);
            }
        } finally {
            pool.shutdownNow();
        }
        double byAgent = setups("success", "cache") + setups("success", "live");
        System.out.printf("%d concurrent ADDs: slowest %d ms, %.0f by the agent%n", n, slowest, byAgent);
        assertEquals(n, byAgent, "every pod set up by the agent" + metrics());
        assertEquals(n, setups("success", "cache"), "every pod from the cache" + metrics());
        return slowest;
    }

    private void startAgent() throws Exception {
        startAgent(true);
    }

    private void startAgent(boolean podSetupSocket) throws Exception {
        Path saDir = Files.createDirectories(tmp.resolve("serviceaccount"));
        Files.writeString(saDir.resolve("token"), "test-token");
        Files.writeString(saDir.resolve("ca.crt"), InstallerIT.CA);
        Files.writeString(saDir.resolve("namespace"), "istio-system");
        Files.writeString(confDir.resolve("10-ptp.conflist"), InstallerIT.PTP_CONFLIST);
        Path srcDir = Files.createDirectories(tmp.resolve("image-bin"));
        Files.createSymbolicLink(srcDir.resolve("istio-cni"), ItSupport.executable());
        Path kubeconfig = tmp.resolve("agent-kubeconfig");
        Files.writeString(kubeconfig, PluginChainIT.kubeconfig(client.getMasterUrl().toString()));
        URI master = URI.create(client.getMasterUrl().toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KUBECONFIG", kubeconfig.toString()); // the agent's own client (outside a pod)
        env.put("MOUNTED_CNI_NET_DIR", confDir.toString());
        env.put("CNI_BIN_SOURCE_DIR", srcDir.toString());
        env.put("CNI_BIN_TARGET_DIRS", Files.createDirectories(tmp.resolve("opt-cni-bin")).toString());
        env.put("CNI_AGENT_RUN_DIR", runDir.toString());
        env.put("SERVICE_ACCOUNT_PATH", saDir.toString());
        // the kubeconfig the installer writes for the plugin: the mock API server, its self-signed certificate
        env.put("KUBERNETES_SERVICE_HOST", master.getHost());
        env.put("KUBERNETES_SERVICE_PORT", String.valueOf(master.getPort()));
        env.put("SKIP_TLS_VERIFY", "true");
        env.put("HEALTH_PORT", String.valueOf(healthPort));
        env.put("MONITORING_PORT", String.valueOf(metricsPort));
        env.put("REPAIR_ENABLED", "false");
        env.put("NODE_NAME", NODE);
        env.put("POD_NAMESPACE", "istio-system");
        env.put("EXCLUDE_NAMESPACES", "kube-system");
        env.put("HOST_PROC_PATH", "/proc");
        env.put("POD_SETUP_SOCKET", String.valueOf(podSetupSocket));
        agentLog = tmp.resolve("agent.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(ItSupport.executable().toString(), "install",
                "--log_output_level=default:info,cni-agent:debug"));
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        pb.redirectErrorStream(true).redirectOutput(agentLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        agent = pb.start();
        Await.await("the agent ready or gone").atMost(Duration.ofSeconds(60))
                .until(() -> status("/readyz") == 200 || !agent.isAlive());
        assertTrue(agent.isAlive(), "agent not ready" + log());
        assertEquals(podSetupSocket, Files.exists(runDir.resolve("pod.sock")), "pod.sock served: " + log());
    }

    private void writeKubeconfig() throws IOException {
        Files.writeString(runDir.resolve("istio-cni-kubeconfig"),
                PluginChainIT.kubeconfig(client.getMasterUrl().toString()));
    }

    /** Until the agent's informer has the pods. */
    private void awaitCached() throws InterruptedException {
        awaitCached(1);
    }

    private void awaitCached(int n) throws InterruptedException {
        Await.until("the agent's cache to get " + n + " pods",
                () -> metric("istio_cni_pod_setup_cached_pods") >= n);
    }

    private double metric(String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{,?\\})? (\\S+)$").matcher(metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** Creates the pod; returns the UID the API server gave it (the mock assigns its own). */
    private String create(Pod pod) {
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create().getMetadata()
                .getUid();
    }

    static Pod sidecarPod(String namespace, String name, String uid) {
        Pod pod = PluginChainIT.sidecarPod(namespace, name);
        pod.getMetadata().setUid(uid);
        pod.getMetadata().setLabels(new java.util.HashMap<>(Map.of(NodeSelectingDispatcher.NODE_LABEL, NODE)));
        pod.getSpec().setNodeName(NODE);
        return pod;
    }

    static String cniArgs(String namespace, String name, String uid) {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name
                + ";K8S_POD_INFRA_CONTAINER_ID=0123456789abcdef;K8S_POD_UID=" + uid;
    }

    JsonNode conflist(String subnet) throws IOException {
        return (ObjectNode) CniRuntime.JSON.readTree("""
                {"cniVersion": "1.0.0", "name": "k8s-pod-network", "plugins": [
                  {"type": "ptp", "ipMasq": false,
                   "ipam": {"type": "host-local", "subnet": "%s", "dataDir": "%s"}},
                  {"type": "istio-cni", "plugin_log_level": "info", "cni_agent_run_dir": "%s",
                   "exclude_namespaces": ["kube-system"], "pod_namespace": "istio-system"}
                ]}
                """.formatted(subnet, tmp.resolve("ipam"), runDir));
    }

    private JsonNode istioEntry() {
        try {
            return conflist("10.252.0.0/16").get("plugins").get(1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The rules work: outbound to 15001, inbound to 15006, the proxy's uid 1337 not captured. */
    private void assertCaptured(Netns pod, String net) {
        Netns peer = newNamespace();
        pod.connect("ext0", peer, net + ".2/24", net + ".1/24");
        peer.startServer(-1, -1, "peer", "tcp:8080");
        pod.startServer(1337, 1337, "proxy", "tcp:15001", "tcp:15006");
        String app = pod.client(APP_UID, APP_UID, "tcp", net + ".1", 8080);
        assertTrue(app.startsWith("proxy tcp:15001"), app);
        assertTrue(peer.client(-1, -1, "tcp", net + ".2", 9000).startsWith("proxy tcp:15006"));
        assertTrue(pod.client(1337, 1337, "tcp", net + ".1", 8080).startsWith("peer tcp:8080"));
    }

    private Netns newNamespace() {
        Netns ns = Netns.create();
        namespaces.add(ns);
        return ns;
    }

    /** The agent's pod set-up lines (the last 40). */
    private String agentLines() {
        List<String> lines = read(agentLog).lines().filter(l -> l.contains("pod set-up")).toList();
        return "\n--- agent pod set-up lines ---\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private String pluginLog() {
        return read(runDir.resolve("istio-cni.log"));
    }

    private String log() {
        return "\n--- agent log ---\n" + (agentLog == null ? "" : read(agentLog));
    }

    private String metrics() {
        String m = get(metricsPort, "/metrics");
        return m == null ? "" : m;
    }

    /** {@code istio_cni_pod_setup_total} for one result and pod source. */
    private double setups(String result, String path) {
        Matcher m = Pattern.compile("(?m)^istio_cni_pod_setup_total\\{path=\"" + path + "\",result=\"" + result
                + "\",?\\} (\\S+)$").matcher(metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private int status(String path) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + healthPort + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String get(int port, String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
