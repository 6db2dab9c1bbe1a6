package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.testing.Await;
import io.istiocni.testing.HostCapabilities;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CNI protocol as the packaged program speaks it: version negotiation, error objects, stdout discipline. */
class PluginProtocolIT {

    @TempDir
    Path tmp;

    static final String PREV_RESULT = """
            {"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}],
             "ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0"}]}""";

    Map<String, String> env(String command, String netns) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "abc123");
        if (netns != null) {
            env.put("CNI_NETNS", netns);
        }
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1");
        return env;
    }

    String conf(String cniVersion, Path runDir) {
        return """
                {"cniVersion":"%s","name":"k8s-pod-network","type":"istio-cni","cni_agent_run_dir":"%s",
                 "prevResult":%s}""".formatted(cniVersion, runDir, PREV_RESULT);
    }

    static ItSupport.Result plugin(Map<String, String> env, String stdin) {
        return ItSupport.run(List.of(ItSupport.executable().toString()), env, stdin, Duration.ofSeconds(150));
    }

    /** Exactly one JSON error object on stdout, exit 1. */
    static JsonNode errorObject(ItSupport.Result r) throws IOException {
        assertEquals(1, r.exit(), r.describe());
        JsonNode error = CniRuntime.JSON.readTree(r.stdout());
        for (String field : List.of("cniVersion", "code", "msg", "details")) {
            assertTrue(error.has(field), field + " missing: " + r.stdout());
        }
        return error;
    }

    @Test
    void versionListsEverySupportedVersion() throws IOException {
        ItSupport.Result r = plugin(Map.of("CNI_COMMAND", "VERSION", "CNI_PATH", "dummy"), null);
        assertEquals(0, r.exit(), r.describe());
        JsonNode v = CniRuntime.JSON.readTree(r.stdout());
        assertEquals("1.1.0", v.get("cniVersion").asText());
        List<String> supported = new ArrayList<>();
        v.get("supportedVersions").forEach(n -> supported.add(n.asText()));
        assertEquals(List.of("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"), supported);
    }

    @Test
    void malformedStdinIsDecodingError() throws IOException {
        JsonNode e = errorObject(plugin(env("ADD", "/var/run/netns/x"), "{not json"));
        assertEquals(6, e.get("code").asInt());
        assertTrue(e.get("msg").asText().startsWith("error unmarshall network config"));
    }

    @Test
    void unknownCniVersionIsIncompatible() throws IOException {
        JsonNode e = errorObject(plugin(env("ADD", "/var/run/netns/x"), conf("9.9.9", tmp)));
        assertEquals(1, e.get("code").asInt());
        assertEquals("incompatible CNI versions", e.get("msg").asText());
        assertEquals("1.1.0", e.get("cniVersion").asText());
    }

    @Test
    void missingNetnsIsNamedForAdd() throws IOException {
        JsonNode e = errorObject(plugin(env("ADD", null), conf("1.0.0", tmp)));
        assertEquals(4, e.get("code").asInt());
        assertTrue(e.get("msg").asText().contains("CNI_NETNS"), e.toString());
    }

    @Test
    void missingKubeconfigBlocksTheAdd() throws IOException {
        JsonNode e = errorObject(plugin(env("ADD", "/var/run/netns/x"), conf("1.0.0", tmp)));
        assertEquals(999, e.get("code").asInt());
        assertTrue(e.get("msg").asText().startsWith("failed to createNewK8sClient"), e.toString());
    }

    /**
     * An API server that refuses connections: ADD fails with a CNI error after Istio's bounded retry (30 attempts,
     * 1 s apart), never hangs, and meanwhile the plugin listens on no socket.
     */
    @Test
    void apiDownFailsAfterTheBoundedRetryWithoutListening() throws Exception {
        HostCapabilities.requireRoot("reads other processes' sockets");
        HostCapabilities.requireCommand("ss", "--version");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: connections are refused
        }
        Files.writeString(tmp.resolve("istio-cni-kubeconfig"), PluginChainIT.kubeconfig("https://127.0.0.1:" + port));
        ProcessBuilder pb = new ProcessBuilder(ItSupport.executable().toString())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        pb.environment().clear();
        pb.environment().putAll(env("ADD", "/var/run/netns/x"));
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().write(conf("1.0.0", tmp).getBytes());
        p.getOutputStream().close();
        // inside the retry window: the first failed attempt has been logged (a fixed 3 s could still be JVM start-up
        // on a busy machine, and the check below would then prove nothing)
        Path err = tmp.resolve("err");
        Await.until("the plugin logs its first failed attempt", () -> {
            String logged = InstallerIT.read(err);
            assertTrue(p.isAlive() || logged.contains("(attempt 1 of "), "plugin ended, no retry logged:\n" + logged);
            return logged.contains("(attempt 1 of ");
        });
        String listening = ItSupport.run("ss", "-lntupH").stdout();
        for (ProcessHandle h : List.of(p.toHandle())) {
            List<Long> pids = new ArrayList<>(List.of(h.pid()));
            h.descendants().forEach(d -> pids.add(d.pid()));
            for (long pid : pids) {
                assertFalse(listening.contains("pid=" + pid + ","), "plugin process " + pid + " listens:\n" + listening);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ADD must end after the bounded retry");
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertTrue(seconds >= 25 && seconds < 100, "took " + seconds + " s");
        JsonNode e = errorObject(new ItSupport.Result(List.of(), null, p.exitValue(),
                Files.readString(tmp.resolve("out")), Files.readString(tmp.resolve("err"))));
        assertEquals(999, e.get("code").asInt());
        assertTrue(e.get("msg").asText().contains("connection refused"), e.toString());
    }

    /**
     * STATUS (CNI 1.1.0, asked by containerd 2.x and CRI-O): error 50 while no kubeconfig is in the run directory
     * (every ADD would fail), success once one is, with no node agent running.
     */
    @Test
    void statusTellsWhetherAnAddCouldSucceed() throws IOException {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "CNI_COMMAND", "STATUS", "CNI_PATH", "/opt/cni/bin");
        JsonNode e = errorObject(plugin(env, conf("1.1.0", tmp)));
        assertEquals(50, e.get("code").asInt(), e.toString());
        assertEquals("plugin not available", e.get("msg").asText());
        assertTrue(e.get("details").asText().startsWith("failed to createNewK8sClient: "), e.toString());

        Files.writeString(tmp.resolve("istio-cni-kubeconfig"), PluginChainIT.kubeconfig("https://127.0.0.1:1"));
        ItSupport.Result r = plugin(env, conf("1.1.0", tmp));
        assertEquals(0, r.exit(), r.describe());
        assertEquals("", r.stdout());

        JsonNode old = errorObject(plugin(env, conf("1.0.0", tmp)));
        assertEquals(1, old.get("code").asInt(), "a 1.0.0 list is never asked for its status: " + old);
    }

    @Test
    void delOfAGonePodSucceedsSilently() {
        ItSupport.Result r = plugin(env("DEL", "/var/run/netns/itc-gone"), conf("1.0.0", tmp));
        assertEquals(0, r.exit(), r.describe());
        assertEquals("", r.stdout());
    }

    @Test
    void notAKubernetesPodIsPassedThrough() throws IOException {
        Files.writeString(tmp.resolve("istio-cni-kubeconfig"), PluginChainIT.kubeconfig("https://127.0.0.1:1"));
        Map<String, String> env = env("ADD", "/var/run/netns/x");
        env.put("CNI_ARGS", "IgnoreUnknown=1");
        ItSupport.Result r = plugin(env, conf("1.0.0", tmp));
        assertEquals(0, r.exit(), r.describe());
        assertEquals(CniRuntime.JSON.readTree(PREV_RESULT), CniRuntime.JSON.readTree(r.stdout()));
    }

    /**
     * The invocation's one deadline (issue 10), in the packaged program: an API server that accepts the connection and
     * never answers. The deadline is shortened through the variables the JVM build's first process gives its second
     * one (cni.InProcessHandover), so that the real watchdog is seen to print the error object and end the process.
     */
    @Test
    void anApiServerThatNeverAnswersEndsAtTheDeadlineWithOneErrorObject() throws Exception {
        try (ServerSocket blackHole = new ServerSocket(0)) { // accepts (the kernel's queue), never answers
            Files.writeString(tmp.resolve("istio-cni-kubeconfig"),
                    PluginChainIT.kubeconfig("https://127.0.0.1:" + blackHole.getLocalPort()));
            Map<String, String> env = env("ADD", "/var/run/netns/x");
            env.put("ISTIO_CNI_PLUGIN_IN_PROCESS", "1");
            long start = System.nanoTime();
            env.put("ISTIO_CNI_PLUGIN_DEADLINE_MS", Long.toString(System.currentTimeMillis() + 3000));
            ItSupport.Result r = plugin(env, conf("1.0.0", tmp));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            JsonNode e = errorObject(r);
            assertEquals(999, e.get("code").asInt());
            assertTrue(e.get("msg").asText().startsWith("istio-cni ADD did not finish within"), e.toString());
            assertTrue(ms >= 2900 && ms < 30_000, "ended after " + ms + " ms");
        }
    }
}
