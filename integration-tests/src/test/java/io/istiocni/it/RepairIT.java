package io.istiocni.it;

import static io.istiocni.repair.TestPods.completed;
import static io.istiocni.repair.TestPods.crashLooping;
import static io.istiocni.repair.TestPods.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.istiocni.repair.NodeSelectingDispatcher;
import io.istiocni.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code istio-cni repair} as a process (the packaged program, Quarkus booted, the Quarkus Kubernetes client from
 * {@code KUBECONFIG}) against fabric8's CRUD mock API server: a broken pod on its node is deleted, the others are
 * left alone, the counter is on {@code /metrics}, SIGTERM ends it.
 */
class RepairIT {

    static final String NODE = "node-a";

    @TempDir
    Path tmp;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Process process;
    private Path log;

    @BeforeEach
    void startServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new NodeSelectingDispatcher(new KubernetesMixedDispatcher(responses)), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        client.close();
        server.destroy();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String log() {
        try {
            return "\n--- log ---\n" + Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits (the tests' one budget, {@link Await#TIMEOUT}); the log is read only when the wait fails. */
    private long await(BooleanSupplier condition, String what) {
        try {
            return Await.until(what, condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(what + ": " + e.getMessage() + log(), e);
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

    private Pod create(Pod pod) {
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
    }

    private boolean gone(String name) {
        return client.pods().inNamespace("shop").withName(name).get() == null;
    }

    @Test
    void repairModeDeletesTheBrokenPodOfItsNode() throws Exception {
        Path kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, PluginChainIT.kubeconfig(client.getMasterUrl().toString()));
        int metricsPort = freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("REPAIR_NODE_NAME", NODE);
        env.put("REPAIR_DELETE_PODS", "true");
        env.put("MONITORING_PORT", String.valueOf(metricsPort));
        log = tmp.resolve("repair.log");
        create(pod("shop", "broken-before-start", NODE, crashLooping("istio-validation", 126, "")));
        create(pod("shop", "healthy", NODE, completed("istio-validation")));
        create(pod("shop", "elsewhere", "node-b", crashLooping("istio-validation", 126, "")));
        ProcessBuilder pb = new ProcessBuilder(List.of(ItSupport.executable().toString(), "repair"));
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        pb.redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long started = System.nanoTime();
        process = pb.start();
        long t0 = await(() -> gone("broken-before-start"), "existing broken pod deleted");
        System.out.printf("RepairIT: process start -> existing broken pod deleted: %.0f ms%n", t0 / 1e6);
        create(pod("shop", "broken", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> gone("broken"), "broken pod deleted");
        System.out.printf("RepairIT: broken pod created -> deleted by istio-cni repair: %.1f ms%n", t / 1e6);
        // one worker, first in first out: "healthy" came with the initial list, so it was reconciled before "broken"
        assertNotNull(client.pods().inNamespace("shop").withName("healthy").get(), log());
        assertNotNull(client.pods().inNamespace("shop").withName("elsewhere").get(), log());
        // counted once the API has answered the delete, a moment after the pod is gone from the store
        await(() -> {
            String m = get(metricsPort, "/metrics");
            return m != null && m.replace(",}", "}")
                    .contains("istio_cni_repair_pods_repaired_total{result=\"success\",type=\"delete\"} 2.0");
        }, "delete counter on /metrics");
        long stop = System.nanoTime();
        process.destroy();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "exit on SIGTERM" + log());
        System.out.printf("RepairIT: SIGTERM -> exit %d in %.0f ms (ran %.1f s)%n", process.exitValue(),
                (System.nanoTime() - stop) / 1e6, (stop - started) / 1e9);
        assertTrue(Files.readString(log).contains("Pod detected as broken, deleting: shop/broken"), log());
    }

    @Test
    void theInstallerRunsTheControllerInProcess() throws Exception {
        Path kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, PluginChainIT.kubeconfig(client.getMasterUrl().toString()));
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path run = Files.createDirectories(tmp.resolve("run"));
        Path sa = Files.createDirectories(tmp.resolve("sa"));
        Files.copy(ItSupport.executable(), src.resolve("istio-cni"));
        Files.writeString(sa.resolve("token"), "test-token");
        try (java.io.InputStream ca = selfSignedCa()) {
            Files.copy(ca, sa.resolve("ca.crt"));
        }
        Files.writeString(conf.resolve("10-ptp.conf"), "{\"cniVersion\":\"0.3.1\",\"name\":\"k8s\",\"type\":\"ptp\"}");
        int healthPort = freePort();
        int metricsPort = freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOUNTED_CNI_NET_DIR", conf.toString());
        env.put("CNI_BIN_SOURCE_DIR", src.toString());
        env.put("CNI_BIN_TARGET_DIRS", bin.toString());
        env.put("CNI_AGENT_RUN_DIR", run.toString());
        env.put("SERVICE_ACCOUNT_PATH", sa.toString());
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "443");
        env.put("HEALTH_PORT", String.valueOf(healthPort));
        env.put("MONITORING_PORT", String.valueOf(metricsPort));
        env.put("KUBECONFIG", kubeconfig.toString()); // the repair controller's client (outside a pod)
        env.put("NODE_NAME", NODE); // REPAIR_NODE_NAME falls back to it
        env.put("REPAIR_LABEL_PODS", "true");
        log = tmp.resolve("install.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(ItSupport.executable().toString(), "install"));
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        pb.redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        process = pb.start();
        await(() -> get(healthPort, "/readyz") != null, "installer ready");
        create(pod("shop", "broken", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> {
            Pod p = client.pods().inNamespace("shop").withName("broken").get();
            return p.getMetadata().getLabels().containsKey("cni.istio.io/uninitialized");
        }, "broken pod labelled");
        System.out.printf("RepairIT: installer's in-process controller: broken pod created -> labelled: %.1f ms%n",
                t / 1e6);
        await(() -> {
            String m = get(metricsPort, "/metrics");
            return m != null && m.replace(",}", "}")
                    .contains("istio_cni_repair_pods_repaired_total{result=\"success\",type=\"label\"} 1.0");
        }, "label counter on /metrics");
        process.destroy();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "exit on SIGTERM" + log());
        assertTrue(Files.readString(log).contains("cleanup done"), log());
    }

    /** Any certificate will do as the service account's CA: the plugin's kubeconfig only embeds it. */
    private java.io.InputStream selfSignedCa() throws Exception {
        Path ca = tmp.resolve("ca.crt");
        ItSupport.runOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
                "-out", ca.toString(), "-subj", "/CN=test-ca", "-days", "1");
        return Files.newInputStream(ca);
    }

    @Test
    void noNodeNameIsAOneLineUsageError() {
        ItSupport.Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of()), "repair");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stderr().strip().endsWith("no node name: set REPAIR_NODE_NAME (or NODE_NAME,"
                + " KUBERNETES_NODE_NAME)"), r.stderr());
    }
}
