package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.testing.HostCapabilities;
import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
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

/**
 * Issue 9 section 7: {@code istio-cni install} killed with SIGKILL at each of its write steps, forced with strace's
 * fault injection ({@code -e inject=<syscall>:...:signal=KILL:when=N}: before the Nth rename, after it, or at the Nth
 * fsync of a thread), during the install pass and during the SIGTERM cleanup. After each kill the user's config is
 * the original or the original plus our entry (never half-written, never unreadable for the runtime), and after a
 * normal restart and SIGTERM the config is the user's again and none of our temporary files remain.
 */
class CrashSafetyIT {

    static final String BRIDGE_CONF = "{\"cniVersion\": \"0.4.0\", \"name\": \"b\", \"type\": \"bridge\"}";

    /**
     * How a traced process is killed at its Nth matching system call (counted per thread), before the call runs: at
     * the fsync of a written temporary file, before its rename, and at the fsync of the directory after it.
     */
    enum KillPoint {
        AT_RENAME("rename,renameat,renameat2", ":error=EIO:signal=KILL"),
        AT_FSYNC("fsync,fdatasync", ":error=EIO:signal=KILL");

        final String syscalls;
        final String action;

        KillPoint(String syscalls, String action) {
            this.syscalls = syscalls;
            this.action = action;
        }

        List<String> strace(int n) {
            // not --seccomp-bpf: strace 6.1 then injects the error but not the signal after the first call
            return List.of("strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscalls,
                    "-e", "inject=" + syscalls + action + ":when=" + n);
        }
    }

    @TempDir
    Path tmp;

    Path confDir;
    Path binDir;
    Path srcDir;
    Path runDir;
    Path saDir;
    int healthPort;
    final List<String> report = new ArrayList<>();

    /** strace (installed by the test command) that may trace here: a sandbox refusing ptrace is a skip. */
    static void requireStraceKills() {
        HostCapabilities.requireRoot("traces the installer with strace");
        HostCapabilities.requireCommand("strace", "-V");
        ItSupport.Result r = ItSupport.run(List.of("strace", "-f", "-qq", "-o", "/dev/null", "-e",
                "inject=rename,renameat,renameat2:error=EIO:signal=KILL:when=1", "--", "mv", "/dev/null/x",
                "/dev/null/y"), null, null, Duration.ofSeconds(20));
        assumeTrue(r.exit() != 0 && !r.stderr().contains("ptrace"), "ptrace refused here: " + r.stderr().strip());
    }

    @Test
    void killedAtEveryWriteStepOfTheInstallTheConfigStaysIntactAndNothingIsLeftBehind() throws Exception {
        requireStraceKills();
        int kills = 0;
        for (String primary : List.of("10-ptp.conflist", "20-bridge.conf")) {
            for (KillPoint point : KillPoint.values()) {
                for (int n = 1; n <= 12; n++) {
                    layout(primary);
                    Outcome o = runKilled(point, n, false);
                    checkAfterKill(primary, point + " #" + n, o);
                    restartAndTerminate(primary, point + " #" + n);
                    if (!o.killed()) {
                        break; // the pass had fewer such calls: this kill point is exhausted
                    }
                    kills++;
                }
            }
        }
        report.forEach(System.out::println);
        System.out.printf("CrashSafetyIT: %d forced kills during the install pass%n", kills);
        assertTrue(kills >= 16, "kills at every step: " + kills);
    }

    @Test
    void killedAtEveryWriteStepOfTheCleanupTheConfigStaysIntactAndNothingIsLeftBehind() throws Exception {
        requireStraceKills();
        int kills = 0;
        String primary = "10-ptp.conflist";
        for (KillPoint point : KillPoint.values()) {
            for (int n = 1; n <= 8; n++) {
                layout(primary);
                Outcome o = runKilled(point, n, true);
                checkAfterKill(primary, "cleanup " + point + " #" + n, o);
                restartAndTerminate(primary, "cleanup " + point + " #" + n);
                if (!o.killed()) {
                    break;
                }
                kills++;
            }
        }
        report.forEach(System.out::println);
        System.out.printf("CrashSafetyIT: %d forced kills during the cleanup%n", kills);
        assertTrue(kills >= 3, "kills at every cleanup step: " + kills);
    }

    // ------------------------------------------------------------------------------------------------ steps

    record Outcome(boolean killed, List<String> leftovers) {
    }

    void layout(String primary) throws IOException {
        if (Files.exists(tmp.resolve("host"))) {
            try (var walk = Files.walk(tmp.resolve("host"))) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path host = Files.createDirectories(tmp.resolve("host"));
        confDir = Files.createDirectories(host.resolve("net.d"));
        binDir = Files.createDirectories(host.resolve("opt-cni-bin"));
        srcDir = Files.createDirectories(host.resolve("image-bin"));
        runDir = host.resolve("run");
        saDir = Files.createDirectories(host.resolve("serviceaccount"));
        Files.createSymbolicLink(srcDir.resolve("istio-cni"), ItSupport.executable());
        Files.writeString(saDir.resolve("token"), "token-crash");
        Files.writeString(saDir.resolve("ca.crt"), InstallerIT.CA);
        Files.writeString(confDir.resolve(primary), primary.endsWith(".conf") ? BRIDGE_CONF
                : InstallerIT.PTP_CONFLIST);
        healthPort = InstallerIT.freePort();
    }

    /**
     * Runs the daemon under strace killing it at the Nth call: in the install pass, or (with {@code inCleanup}) in the
     * cleanup after a SIGTERM, strace then attached to the ready daemon.
     */
    Outcome runKilled(KillPoint point, int n, boolean inCleanup) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (!inCleanup) {
            cmd.addAll(point.strace(n));
            cmd.add("--");
        }
        cmd.add(ItSupport.executable().toString());
        cmd.add("install");
        Process p = start(cmd, "killed");
        Process tracer = null;
        try {
            ProcessHandle daemon = p.toHandle();
            if (inCleanup) {
                assertTrue(awaitReady(p, Duration.ofSeconds(30)), "not ready\n" + log("killed"));
                List<String> attach = new ArrayList<>(point.strace(n));
                attach.addAll(List.of("-p", String.valueOf(p.pid())));
                ProcessBuilder pb = new ProcessBuilder(attach);
                pb.redirectErrorStream(true);
                pb.redirectOutput(tmp.resolve("strace.log").toFile());
                tracer = pb.start();
                Thread.sleep(1500); // strace has attached every thread
                p.destroy(); // SIGTERM to the daemon itself
            } else {
                // strace's child is the launcher, which execs the JVM under the same pid
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!readyOrGone(p) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                List<ProcessHandle> children = daemon.children().toList();
                if (p.isAlive() && !children.isEmpty()) {
                    children.get(0).destroy(); // not killed: an ordinary SIGTERM, the cleanup runs
                }
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "no exit\n" + log("killed"));
            // 128 + 9: the daemon (or strace, which ends as its child did) died of the SIGKILL
            return new Outcome(p.exitValue() == 137, temporaries());
        } finally {
            if (tracer != null) {
                tracer.waitFor(10, TimeUnit.SECONDS);
                if (tracer.isAlive()) {
                    tracer.destroy();
                }
            }
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Right after the kill: the config is the user's, or the user's plus our entry, and it parses. */
    void checkAfterKill(String primary, String label, Outcome o) throws IOException {
        report.add(String.format("CrashSafetyIT: %-28s killed=%s leftovers before restart=%s", label, o.killed(),
                o.leftovers()));
        Path conf = confDir.resolve(primary);
        if (primary.endsWith(".conflist")) {
            String now = Files.readString(conf);
            if (!now.equals(InstallerIT.PTP_CONFLIST)) {
                JsonNode list = InstallerIT.JSON.readTree(now);
                assertEquals(3, list.get("plugins").size(), label + ": " + now);
                assertEquals("ptp", list.get("plugins").get(0).get("type").asText(), label);
                assertTrue(InstallerIT.hasOurEntry(conf), label + ": " + now);
            }
        } else {
            Path list = confDir.resolve(primary + "list");
            if (Files.exists(conf)) {
                assertEquals(BRIDGE_CONF, Files.readString(conf), label + ": the user's .conf as it was");
            } else {
                assertTrue(Files.exists(list), label + ": the .conf gone without its list");
            }
            if (Files.exists(list)) {
                JsonNode l = InstallerIT.JSON.readTree(list.toFile());
                assertEquals("bridge", l.get("plugins").get(0).get("type").asText(), label);
            }
        }
    }

    /** A normal start, ready, SIGTERM: the config is the user's again and nothing of ours remains. */
    void restartAndTerminate(String primary, String label) throws Exception {
        Process p = start(List.of(ItSupport.executable().toString(), "install"), "restart");
        try {
            assertTrue(awaitReady(p, Duration.ofSeconds(30)), label + ": restart not ready\n" + log("restart"));
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), label + ": no exit after SIGTERM");
            assertTrue(p.exitValue() == 0 || p.exitValue() == 143, label + ": exit " + p.exitValue() + log("restart"));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), temporaries(), label + ": temporary files left after restart and SIGTERM");
        if (primary.endsWith(".conflist")) {
            assertEquals(InstallerIT.PTP_CONFLIST, Files.readString(confDir.resolve(primary)), label);
        } else {
            Path list = confDir.resolve(primary + "list");
            assertFalse(Files.exists(confDir.resolve(primary)), label + ": converted, as install.md 7.2 says");
            JsonNode l = InstallerIT.JSON.readTree(list.toFile());
            assertEquals(1, l.get("plugins").size(), label + ": " + l);
            assertEquals("bridge", l.get("plugins").get(0).get("type").asText(), label);
        }
        assertFalse(Files.exists(runDir.resolve("istio-cni-kubeconfig")), label);
        assertFalse(Files.exists(binDir.resolve("istio-cni")), label);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    Process start(List<String> cmd, String logName) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOUNTED_CNI_NET_DIR", confDir.toString());
        env.put("CNI_BIN_SOURCE_DIR", srcDir.toString());
        env.put("CNI_BIN_TARGET_DIRS", binDir.toString());
        env.put("CNI_AGENT_RUN_DIR", runDir.toString());
        env.put("SERVICE_ACCOUNT_PATH", saDir.toString());
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "443");
        env.put("HEALTH_PORT", String.valueOf(healthPort));
        env.put("MONITORING_PORT", "0");
        env.put("REPAIR_ENABLED", "false");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(env));
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve(logName + ".log").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb.start();
    }

    String log(String name) {
        return "\n--- " + name + " log ---\n" + InstallerIT.read(tmp.resolve(name + ".log"));
    }

    boolean awaitReady(Process p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (readyz() == 200) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    boolean readyOrGone(Process p) {
        return !p.isAlive() || readyz() == 200;
    }

    int readyz() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + healthPort + "/readyz").toURL()
                    .openConnection();
            c.setConnectTimeout(200);
            c.setReadTimeout(500);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    /** Every {@code *.tmp.*} file in the conf, bin and run dirs. */
    List<String> temporaries() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path dir : List.of(confDir, binDir, runDir)) {
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp.")).forEach(out::add);
                }
            }
        }
        return out;
    }
}
