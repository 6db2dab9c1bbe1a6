package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemons' log as the packaged program writes it (install.md 3.4, 9.4): Istio's layout on stdout (Istio's
 * default log target), lowercase levels, {@code --log_as_json} switching every line to zap's JSON,
 * {@code --log_output_level} switching debug on per scope.
 */
class DaemonLoggingIT {

    static final String TEXT_LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\t(debug|info|warn|error)\t.*";

    @TempDir
    Path tmp;
    Path confDir;

    @BeforeEach
    void layout() throws IOException {
        confDir = Files.createDirectories(tmp.resolve("net.d"));
        Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(tmp.resolve("bin"));
        Files.createDirectories(tmp.resolve("sa"));
        Files.createSymbolicLink(tmp.resolve("src/istio-cni"), ItSupport.executable());
        Files.writeString(tmp.resolve("sa/token"), "token");
        Files.writeString(confDir.resolve("10-ptp.conf"), "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"ptp\"}");
    }

    Map<String, String> env() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOUNTED_CNI_NET_DIR", confDir.toString());
        env.put("CNI_BIN_SOURCE_DIR", tmp.resolve("src").toString());
        env.put("CNI_BIN_TARGET_DIRS", tmp.resolve("bin").toString());
        env.put("CNI_AGENT_RUN_DIR", tmp.resolve("run").toString());
        env.put("SERVICE_ACCOUNT_PATH", tmp.resolve("sa").toString());
        env.put("SKIP_TLS_VERIFY", "true");
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "443");
        env.put("HEALTH_PORT", String.valueOf(InstallerIT.freePort()));
        env.put("MONITORING_PORT", "0");
        env.put("REPAIR_ENABLED", "false");
        return env;
    }

    record Run(List<String> stdout, String stderr) {
    }

    /** Runs the program until {@code until} shows on stdout, then SIGTERM; its stdout lines and stderr. */
    Run run(Map<String, String> env, String until, String... args) throws Exception {
        return run(env, out -> InstallerIT.read(out).contains(until), until, args);
    }

    /** Runs the program until {@code until} holds for its stdout file, then SIGTERM. */
    Run run(Map<String, String> env, java.util.function.Predicate<Path> until, String what, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ItSupport.executable().toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out-" + System.nanoTime());
        Path err = tmp.resolve("err-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        Process p = pb.start();
        try {
            assertTrue(InstallerIT.poll(Duration.ofSeconds(60), () -> until.test(out) || !p.isAlive()),
                    "no '" + what + "' in\n" + InstallerIT.read(out) + InstallerIT.read(err));
            p.destroy(); // SIGTERM: the cleanup lines are logged too
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        return new Run(Files.readAllLines(out), Files.readString(err));
    }

    @Test
    void textLinesOnStdoutWithLowercaseLevels() throws Exception {
        Run r = run(env(), "CNI plugin installed: ready", "install");
        assertEquals("", r.stderr());
        assertFalse(r.stdout().isEmpty());
        for (String line : r.stdout()) {
            assertTrue(line.matches(TEXT_LINE), "not Istio's layout: " + line);
        }
        assertTrue(r.stdout().stream().anyMatch(l -> l.contains("\tinfo\tcni-agent\tCNI plugin installed: ready")),
                r.stdout().toString());
        assertTrue(r.stdout().stream().noneMatch(l -> l.contains("\tdebug\t")), "debug is off by default");
        assertTrue(r.stdout().stream().anyMatch(l -> l.contains("\tinfo\tcni-agent\tcleanup done in ")),
                "the shutdown is logged the same way: " + r.stdout());
    }

    @Test
    void logAsJsonSwitchesEveryLine() throws Exception {
        Run r = run(env(), "CNI plugin installed: ready", "install", "--log_as_json");
        assertEquals("", r.stderr());
        boolean ready = false;
        for (String line : r.stdout()) {
            JsonNode n = CniRuntime.JSON.readTree(line);
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("level", "time", "scope", "msg"), keys.subList(0, Math.min(4, keys.size())), line);
            assertTrue(n.get("level").asText().matches("debug|info|warn|error"), line);
            assertTrue(n.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"), line);
            ready |= n.get("msg").asText().equals("CNI plugin installed: ready")
                    && n.get("scope").asText().equals("cni-agent") && n.get("level").asText().equals("info");
        }
        assertTrue(ready, r.stdout().toString());
    }

    @Test
    void outputLevelSwitchesDebugOnForAScope() throws Exception {
        Run r = run(env(), "CNI plugin installed: ready", "install", "--log_output_level=default:info,cni-agent:debug");
        assertTrue(r.stdout().stream().anyMatch(l -> l.contains("\tdebug\tcni-agent\tkubeconfig:")), r.stdout().toString());
        Path installed = confDir.resolve("10-ptp.conflist");
        Run all = run(env(), out -> Files.exists(installed), "installed", "install", "--log_output_level=all:warn");
        assertTrue(Files.exists(installed), "the daemon ran");
        assertTrue(all.stdout().stream().noneMatch(l -> l.contains("\tinfo\t")), all.stdout().toString());
    }

    /** The repair controller on its own logs the same way. */
    @Test
    void repairModeToo() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        Path kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, PluginChainIT.kubeconfig("https://127.0.0.1:1"));
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("REPAIR_NODE_NAME", "node-1");
        env.put("MONITORING_PORT", "0");
        Run r = run(env, "repair controller starting", "repair", "--log_as_json");
        assertTrue(r.stdout().stream().anyMatch(l -> l.startsWith("{\"level\":\"info\"") && l.contains(
                "\"scope\":\"cni-agent\",\"msg\":\"repair controller starting")), r.stdout() + r.stderr());
        for (String line : r.stdout()) {
            assertTrue(CniRuntime.JSON.readTree(line).has("level"), line);
        }
    }
}
