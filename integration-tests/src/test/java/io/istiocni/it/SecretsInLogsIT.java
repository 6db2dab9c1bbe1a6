package io.istiocni.it;

import static io.istiocni.repair.TestPods.crashLooping;
import static io.istiocni.repair.TestPods.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 section 6: no log line anywhere carries a token or a private key. A full run at debug level in every scope,
 * against fabric8's mock API server: {@code istio-cni install} with the in-process repair controller (its own
 * kubeconfig with the token and a client certificate and key), the plugin's ADD with the kubeconfig the daemon wrote
 * and once more with a kubeconfig holding the key, a broken pod repaired, SIGTERM; then every log written (the
 * daemon's output, the plugin's output, the plugin's rolling log files, the plugin lines the daemon received on its
 * log socket) is searched for the token and for the key material.
 */
class SecretsInLogsIT {

    static final String TOKEN = "tok3n-SECRET-9f4c2a7e61b84d05a3c7e2f1";
    static final String NODE = "node-a";

    @TempDir
    Path tmp;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private final List<Process> processes = new ArrayList<>();

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
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        client.close();
        server.destroy();
    }

    @Test
    void noLogOfAnInstallAPluginAddAndARepairCarriesTheTokenOrTheKey() throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path run = tmp.resolve("run");
        Path sa = Files.createDirectories(tmp.resolve("sa"));
        Files.createSymbolicLink(src.resolve("istio-cni"), ItSupport.executable());
        Files.writeString(sa.resolve("token"), TOKEN);
        Files.writeString(conf.resolve("10-ptp.conflist"), InstallerIT.PTP_CONFLIST);

        // a client certificate and its key, for the repair controller's and one plugin run's kubeconfig
        Path keyFile = tmp.resolve("client.key");
        Path certFile = tmp.resolve("client.crt");
        ItSupport.runOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile.toString(), "-out", certFile.toString(), "-subj", "/CN=istio-cni-test",
                "-days", "1");
        String keyPem = Files.readString(keyFile);
        String keyData = Base64.getEncoder().encodeToString(keyPem.getBytes(StandardCharsets.US_ASCII));
        String certData = Base64.getEncoder().encodeToString(Files.readAllBytes(certFile));
        URI master = URI.create(client.getMasterUrl().toString());
        Path repairKubeconfig = tmp.resolve("repair-kubeconfig");
        Files.writeString(repairKubeconfig, kubeconfigWithKey(master, certData, keyData));

        int healthPort = InstallerIT.freePort();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOUNTED_CNI_NET_DIR", conf.toString());
        env.put("CNI_BIN_SOURCE_DIR", src.toString());
        env.put("CNI_BIN_TARGET_DIRS", bin.toString());
        env.put("CNI_AGENT_RUN_DIR", run.toString());
        env.put("SERVICE_ACCOUNT_PATH", sa.toString());
        env.put("SKIP_TLS_VERIFY", "true");
        env.put("KUBERNETES_SERVICE_PROTOCOL", "http");
        env.put("KUBERNETES_SERVICE_HOST", master.getHost());
        env.put("KUBERNETES_SERVICE_PORT", String.valueOf(master.getPort()));
        env.put("HEALTH_PORT", String.valueOf(healthPort));
        env.put("MONITORING_PORT", "0");
        env.put("KUBECONFIG", repairKubeconfig.toString());
        env.put("NODE_NAME", NODE);
        env.put("REPAIR_LABEL_PODS", "true");
        env.put("POD_NAMESPACE", "istio-system");
        Path daemonLog = tmp.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(ItSupport.executable().toString(), "install",
                "--log_output_level=all:debug"));
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        pb.redirectErrorStream(true).redirectOutput(daemonLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process daemon = pb.start();
        processes.add(daemon);
        assertTrue(InstallerIT.poll(Duration.ofSeconds(30), () -> RepairIT.get(healthPort, "/readyz") != null
                || !daemon.isAlive()) && daemon.isAlive(), "not ready\n" + read(daemonLog));
        String kubeconfig = Files.readString(run.resolve("istio-cni-kubeconfig"));
        assertTrue(kubeconfig.contains("token: " + TOKEN), "the token is in the plugin's kubeconfig:\n" + kubeconfig);

        // the plugin's ADD, with the entry the daemon wrote: a pod without a sidecar, fetched with the token
        client.pods().inNamespace("shop").resource(PluginChainIT.plainPod("shop", "plain-1")).create();
        JsonNode entry = null;
        for (JsonNode p : InstallerIT.JSON.readTree(conf.resolve("10-ptp.conflist").toFile()).get("plugins")) {
            if (p.path("type").asText().equals("istio-cni")) {
                entry = p;
            }
        }
        assertTrue(entry != null && entry.path("plugin_log_level").asText().equals("debug"), String.valueOf(entry));
        List<ItSupport.Result> pluginRuns = new ArrayList<>();
        pluginRuns.add(add(bin, entry, "plain-1", run));
        assertTrue(read(run.resolve("istio-cni.log")).contains("plain-1"), "the plugin logged the pod");

        // once more with a kubeconfig holding the token and the client key (its log socket is the daemon's)
        Path keyRun = Files.createDirectories(tmp.resolve("run-key"));
        Files.writeString(keyRun.resolve("istio-cni-kubeconfig"), kubeconfigWithKey(master, certData, keyData));
        Files.createSymbolicLink(keyRun.resolve("log.sock"), run.resolve("log.sock"));
        pluginRuns.add(add(bin, entry, "plain-1", keyRun));

        // repair: the in-process controller labels a broken pod of its node
        client.pods().inNamespace("shop").resource(pod("shop", "broken", NODE,
                crashLooping("istio-validation", 126, ""))).create();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean labelled = false;
        while (!labelled && System.nanoTime() < deadline) {
            Pod p = client.pods().inNamespace("shop").withName("broken").get();
            labelled = p.getMetadata().getLabels() != null
                    && p.getMetadata().getLabels().containsKey("cni.istio.io/uninitialized");
            Thread.sleep(20);
        }
        assertTrue(labelled, "broken pod labelled\n" + read(daemonLog));

        daemon.destroy();
        assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "exit on SIGTERM");
        String daemonText = read(daemonLog);
        assertTrue(daemonText.contains("cleanup done"), daemonText);
        assertTrue(daemonText.contains("\tcni-plugin\t"), "the log socket received the plugin's lines:\n"
                + daemonText);

        Map<String, String> logs = new LinkedHashMap<>();
        logs.put("daemon output (stdout and stderr)", daemonText);
        for (int i = 0; i < pluginRuns.size(); i++) {
            logs.put("plugin run " + i + " stdout", pluginRuns.get(i).stdout());
            logs.put("plugin run " + i + " stderr", pluginRuns.get(i).stderr());
        }
        for (Path dir : List.of(run, keyRun)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("istio-cni.log")).toList()) {
                    logs.put(f.toString(), read(f));
                }
            }
        }
        assertTrue(logs.keySet().stream().anyMatch(k -> k.endsWith("run-key/istio-cni.log")), logs.keySet().toString());
        List<String> secrets = new ArrayList<>(List.of(TOKEN, TOKEN.substring(0, 12), keyData,
                keyData.substring(0, 24), Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.UTF_8))));
        for (String line : keyPem.split("\n")) {
            if (!line.startsWith("-----") && line.length() > 16) {
                secrets.add(line);
            }
        }
        secrets.add("PRIVATE KEY");
        List<String> found = new ArrayList<>();
        long lines = 0;
        for (Map.Entry<String, String> log : logs.entrySet()) {
            lines += log.getValue().lines().count();
            for (String secret : secrets) {
                if (log.getValue().contains(secret)) {
                    found.add(log.getKey() + " holds " + secret + ":\n" + log.getValue().lines()
                            .filter(l -> l.contains(secret)).findFirst().orElse(""));
                }
            }
        }
        System.out.printf("SecretsInLogsIT: %d logs, %d lines searched for %d secret strings%n", logs.size(), lines,
                secrets.size());
        assertEquals(List.of(), found);
    }

    ItSupport.Result add(Path bin, JsonNode entry, String podName, Path runDir) {
        ObjectNode stdin = entry.deepCopy();
        stdin.put("cniVersion", "1.0.0");
        stdin.put("name", "k8s-pod-network");
        stdin.put("cni_agent_run_dir", runDir.toString());
        ObjectNode prev = stdin.putObject("prevResult");
        prev.put("cniVersion", "1.0.0");
        prev.putArray("interfaces").addObject().put("name", "eth0").put("sandbox", "/var/run/netns/not-there");
        prev.putArray("ips").addObject().put("address", "10.244.0.7/24").put("interface", 0);
        ItSupport.Result r = ItSupport.run(List.of(bin.resolve("istio-cni").toString()), ItSupport.cleanEnv(Map.of(
                "CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c0ffee42", "CNI_NETNS", "/var/run/netns/not-there",
                "CNI_IFNAME", "eth0", "CNI_PATH", bin.toString(),
                "CNI_ARGS", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=" + podName)), stdin.toString(),
                Duration.ofSeconds(60));
        assertEquals(0, r.exit(), r.describe());
        return r;
    }

    static String kubeconfigWithKey(URI master, String certData, String keyData) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: http://%s:%d
                    insecure-skip-tls-verify: true
                users:
                - name: istio-cni
                  user:
                    token: %s
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: istio-cni-context
                  context:
                    cluster: local
                    user: istio-cni
                current-context: istio-cni-context
                """.formatted(master.getHost(), master.getPort(), TOKEN, certData, keyData);
    }

    static String read(Path p) {
        return InstallerIT.read(p);
    }
}
