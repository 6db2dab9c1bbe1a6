package io.istiocni.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istiocni.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer daemon ({@code istio-cni install}) as the packaged program, on a scratch host layout: a conf dir with
 * a {@code ptp} primary config, a target bin dir, a run dir, and a service-account dir laid out as Kubernetes
 * projects it (files behind a {@code ..data} symbolic link). Readiness and metrics are read over HTTP (REST Assured)
 * on free ports.
 */
class InstallerIT {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The ptp primary config in Istio's output form (sorted keys, two-space indent), so cleanup restores it exactly. */
    static final String PTP_CONFLIST = """
            {
              "cniVersion": "1.0.0",
              "name": "k8s-pod-network",
              "plugins": [
                {
                  "ipMasq": true,
                  "ipam": {
                    "subnet": "10.244.0.0/24",
                    "type": "host-local"
                  },
                  "mtu": 1500,
                  "type": "ptp"
                },
                {
                  "capabilities": {
                    "portMappings": true
                  },
                  "type": "portmap"
                }
              ]
            }
            """;

    /** A real (self-signed, throw-away) certificate: the plugin reads the kubeconfig the daemon writes from it. */
    static final String CA = "-----BEGIN CERTIFICATE-----\n"
            + "MIIBizCCATGgAwIBAgIUVvcFvij0hq5Y3jpE26c3Wt6+83IwCgYIKoZIzj0EAwIw\n"
            + "GjEYMBYGA1UEAwwPaW5zdGFsbGVyLWl0LWNhMCAXDTI2MTEyNjE3MDA1OFoYDzIx\n"
            + "MjYxMTAyMTcwMDU4WjAaMRgwFgYDVQQDDA9pbnN0YWxsZXItaXQtY2EwWTATBgcq\n"
            + "hkjOPQIBBggqhkjOPQMBBwNCAARy10nXsM9m3YebxJGbzSxUfUD/tB4uee6YegdX\n"
            + "VPUDQcfrYzvpCfqeQIKQ7KwxBoSIEWM0HZVZfFuvJWftXY3zo1MwUTAdBgNVHQ4E\n"
            + "FgQUdAh3hdz9/obfD4duX42fJLxBFA4wHwYDVR0jBBgwFoAUdAh3hdz9/obfD4du\n"
            + "X42fJLxBFA4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiArgddh\n"
            + "GB905L1yY2FQA9RcHH2StfctnSG4kEU3W1vOXQIhAKYKEhsjydH2QGMjuzsgOO04\n"
            + "z1cxvMmZ7PaA1szLacMn\n"
            + "-----END CERTIFICATE-----\n";

    @TempDir
    Path tmp;

    Path confDir;
    Path binDir;
    Path srcDir;
    Path runDir;
    Path saDir;
    int healthPort;
    int metricsPort;
    Daemon daemon;

    @BeforeEach
    void layout() throws IOException {
        confDir = tmp.resolve("net.d");
        binDir = Files.createDirectories(tmp.resolve("opt-cni-bin"));
        srcDir = Files.createDirectories(tmp.resolve("image-bin"));
        runDir = tmp.resolve("run");
        saDir = Files.createDirectories(tmp.resolve("serviceaccount"));
        // the image's /opt/cni/bin: the program under the plugin's name (a link is followed, 5.1)
        Files.createSymbolicLink(srcDir.resolve("istio-cni"), ItSupport.executable());
        projectServiceAccount("..2026_11_26_00_00_00.1", "token-one");
        healthPort = freePort();
        metricsPort = freePort();
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void installsBecomesReadyAndCleansUpOnSigterm() throws Exception {
        Files.createDirectories(confDir);
        Path conf = confDir.resolve("10-ptp.conflist");
        Files.writeString(conf, PTP_CONFLIST);
        Files.writeString(confDir.resolve("99-loopback.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}");
        daemon = Daemon.start(this);
        assertEquals(200, daemon.healthz());

        daemon.awaitReady(Duration.ofSeconds(30));
        // install.md 4 step 2: the version first, then the effective settings
        List<String> startLines = daemon.log().lines()
                .filter(l -> l.contains(" install: health port ") || l.contains("settings: conf dir ")).toList();
        assertEquals(2, startLines.size(), daemon.log());
        assertTrue(startLines.get(0).contains(" install: health port "), daemon.log());
        JsonNode list = JSON.readTree(conf.toFile());
        JsonNode plugins = list.get("plugins");
        assertEquals(3, plugins.size(), list.toString());
        assertEquals("ptp", plugins.get(0).get("type").asText());
        assertEquals("portmap", plugins.get(1).get("type").asText());
        JsonNode ours = plugins.get(2);
        assertEquals("istio-cni", ours.get("type").asText());
        assertEquals(runDir.toString(), ours.get("cni_agent_run_dir").asText());
        assertEquals("istio-system", ours.get("pod_namespace").asText());
        assertEquals("[\"kube-system\"]", ours.get("exclude_namespaces").toString());
        assertFalse(ours.has("cniVersion"), "no cniVersion in a list entry");
        assertEquals("{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}",
                Files.readString(confDir.resolve("99-loopback.conf")), "other files are never touched");

        Path bin = binDir.resolve("istio-cni");
        assertTrue(Files.isRegularFile(bin) && !Files.isSymbolicLink(bin), "plugin copied as a file");
        assertTrue(Files.isExecutable(bin));
        // bytes, not text: the native executable is an ELF binary, not UTF-8
        assertArrayEquals(Files.readAllBytes(ItSupport.executable()), Files.readAllBytes(bin), "same content");
        ItSupport.Result version = ItSupport.run(List.of(bin.toString(), "version"), ItSupport.cleanEnv(Map.of()),
                null, Duration.ofSeconds(60));
        assertEquals(0, version.exit(), "the copied program runs:\n" + version.describe());

        Path kubeconfig = runDir.resolve("istio-cni-kubeconfig");
        String kc = Files.readString(kubeconfig);
        assertTrue(kc.contains("    token: token-one\n"), kc);
        assertTrue(kc.contains("    server: https://10.96.0.1:443\n"), kc);
        assertTrue(kc.contains("certificate-authority-data: "
                + Base64.getEncoder().encodeToString(CA.getBytes(StandardCharsets.UTF_8))), kc);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig)));
        // install.md 8 step 3: become ready, then count the success; /readyz can answer 200 a moment before
        assertTrue(poll(Duration.ofSeconds(10), () -> daemon.installsTotal("SUCCESS") >= 1),
                "a SUCCESS install counted after becoming ready\n" + daemon.metrics());
        assertEquals(1.0, daemon.metric("istio_cni_install_ready"), daemon.metrics());
        assertNoTemporaryFiles();

        // install.md 9.4: the plugin, run with the entry the daemon wrote, sends its log lines to the daemon's socket
        Path socket = runDir.resolve("log.sock");
        assertTrue(Files.exists(socket), "log socket served");
        ObjectNode stdin = ours.deepCopy();
        stdin.put("cniVersion", "1.0.0");
        stdin.put("name", "k8s-pod-network");
        ItSupport.Result skipped = ItSupport.run(List.of(bin.toString()), ItSupport.cleanEnv(Map.of(
                "CNI_COMMAND", "ADD", "CNI_CONTAINERID", "abc123", "CNI_NETNS", "/var/run/netns/not-there",
                "CNI_IFNAME", "eth0", "CNI_PATH", binDir.toString(),
                "CNI_ARGS", "K8S_POD_NAMESPACE=kube-system;K8S_POD_NAME=coredns-1")), stdin.toString(),
                Duration.ofSeconds(60));
        assertEquals(0, skipped.exit(), skipped.describe());
        assertTrue(poll(Duration.ofSeconds(5), () -> daemon.log().lines().anyMatch(l -> l.contains("\tcni-plugin\t")
                        && l.contains("pod namespace kube-system excluded") && l.contains("\tpod=kube-system/coredns-1"))),
                "the plugin's line in the daemon's log\n" + daemon.log());

        long t0 = System.nanoTime();
        int exit = daemon.terminate(Duration.ofSeconds(5));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("InstallerIT: SIGTERM to exit: %d ms (exit %d)%n", ms, exit);
        assertTrue(exit == 0 || exit == 143, "exit status " + exit + "\n" + daemon.log());
        assertTrue(ms < 5000, "shutdown took " + ms + " ms");
        assertEquals(PTP_CONFLIST, Files.readString(conf), "the primary config restored byte for byte");
        assertFalse(Files.exists(bin), "binary removed");
        assertFalse(Files.exists(kubeconfig), "kubeconfig removed");
        assertFalse(Files.exists(socket), "log socket removed");
        assertNoTemporaryFiles();
        assertTrue(daemon.log().contains("cleanup done"), daemon.log());
    }

    /** Better than Istio, which writes its own layout back: a file in the user's own layout comes back as it was. */
    @Test
    void aHandFormattedPrimaryConfigIsRestoredInItsOwnLayout() throws Exception {
        Files.createDirectories(confDir);
        Path conf = confDir.resolve("10-ptp.conflist");
        String handWritten = "{ \"name\": \"k8s-pod-network\", \"cniVersion\": \"1.0.0\",\n"
                + "  \"plugins\": [ {\"type\": \"ptp\", \"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.244.0.0/24\"}} ] }";
        Files.writeString(conf, handWritten);
        daemon = Daemon.start(this);
        daemon.awaitReady(Duration.ofSeconds(30));
        assertEquals("istio-cni", JSON.readTree(conf.toFile()).get("plugins").get(1).get("type").asText());
        int exit = daemon.terminate(Duration.ofSeconds(5));
        assertTrue(exit == 0 || exit == 143, "exit status " + exit + "\n" + daemon.log());
        assertEquals(handWritten, Files.readString(conf), "the user's own bytes come back");
    }

    @Test
    void aRewrittenPrimaryConfigGetsTheEntryBackWithinASecond() throws Exception {
        Files.createDirectories(confDir);
        Path conf = confDir.resolve("10-ptp.conflist");
        Files.writeString(conf, PTP_CONFLIST);
        daemon = Daemon.start(this);
        daemon.awaitReady(Duration.ofSeconds(30));
        // the first pass's SUCCESS is counted just after readiness: wait for it, or round 0 could count it as its own
        assertTrue(poll(Duration.ofSeconds(10), () -> daemon.installsTotal("SUCCESS") >= 1), daemon.metrics());
        Thread.sleep(300);

        for (int round = 0; round < 3; round++) {
            double before = daemon.installsTotal("SUCCESS");
            AtomicBoolean dipped = new AtomicBoolean();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread probe = Thread.ofVirtual().start(() -> {
                while (watching.get()) {
                    if (daemon.readyz() != 200) {
                        dipped.set(true);
                    }
                    Daemon.sleep(5);
                }
            });
            // the primary plugin rewrites its config without our entry (atomically, as CNI plugins do)
            Path tmpFile = confDir.resolve(".ptp.tmp");
            Files.writeString(tmpFile, PTP_CONFLIST);
            long t0 = System.nanoTime();
            Files.move(tmpFile, conf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            boolean back = poll(Duration.ofMillis(1500), () -> hasOurEntry(conf));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("InstallerIT: entry back after a rewrite in %d ms%n", ms);
            assertTrue(back, "entry not back within 1.5 s\n" + daemon.log());
            assertTrue(ms < 1500, ms + " ms");
            daemon.awaitReady(Duration.ofSeconds(5));
            watching.set(false);
            probe.join();
            assertTrue(poll(Duration.ofSeconds(3), () -> daemon.installsTotal("SUCCESS") > before),
                    "a new SUCCESS install after the repair\n" + daemon.metrics());
            System.out.printf("InstallerIT: readiness dip seen by the probe poller: %s%n", dipped.get());
            Thread.sleep(round == 0 ? 200 : 6000); // the next one is a quick rewrite or a slow one (throttle)
        }

        // the primary plugin deletes its config: we wait (not ready) and re-insert when it comes back
        Files.delete(conf);
        assertTrue(poll(Duration.ofSeconds(3), () -> daemon.readyz() == 503), "not ready without a config");
        // back atomically, as CNI plugins write it: a plain write can be read half-written (empty), which fails the
        // pass on the chosen file and retries only after the 1 s back-off, racing the 1.5 s below
        Path back = confDir.resolve(".ptp.tmp");
        Files.writeString(back, PTP_CONFLIST);
        Files.move(back, conf, StandardCopyOption.ATOMIC_MOVE);
        assertTrue(poll(Duration.ofMillis(1500), () -> hasOurEntry(conf)), daemon.log());
        daemon.awaitReady(Duration.ofSeconds(5));
    }

    @Test
    void tokenRotationRewritesTheKubeconfig() throws Exception {
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("10-ptp.conflist"), PTP_CONFLIST);
        daemon = Daemon.start(this);
        daemon.awaitReady(Duration.ofSeconds(30));
        Path kubeconfig = runDir.resolve("istio-cni-kubeconfig");
        assertTrue(Files.readString(kubeconfig).contains("token: token-one\n"));

        long t0 = System.nanoTime();
        projectServiceAccount("..2026_11_26_01_00_00.2", "token-two");
        assertTrue(poll(Duration.ofMillis(1500), () -> read(kubeconfig).contains("token: token-two\n")),
                "kubeconfig not rewritten\n" + read(kubeconfig) + daemon.log());
        System.out.printf("InstallerIT: kubeconfig rewritten after a token rotation in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        daemon.awaitReady(Duration.ofSeconds(5));

        // a plain write of the token file (no ..data swap) is picked up too
        t0 = System.nanoTime();
        Files.delete(saDir.resolve("token"));
        Files.writeString(saDir.resolve("token"), "token-three");
        assertTrue(poll(Duration.ofMillis(1500), () -> read(kubeconfig).contains("token: token-three\n")),
                read(kubeconfig));
        System.out.printf("InstallerIT: kubeconfig rewritten after a plain token write in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertFalse(read(kubeconfig).contains("token-two"));
    }

    @Test
    void aMalformedPrimaryConfigIsLeftUntouchedAndTheDaemonStaysAliveNotReady() throws Exception {
        Files.createDirectories(confDir);
        Path conf = confDir.resolve("10-ptp.conflist");
        byte[] garbage = "{\"cniVersion\": \"1.0.0\", \"name\": \"k8s-pod-network\", \"plugins\": [ {\"type\": \"ptp\"\n"
                .getBytes(StandardCharsets.UTF_8);
        Files.write(conf, garbage);
        Path named = confDir.resolve("20-named.conflist");
        daemon = Daemon.start(this, Map.of("CNI_CONF_NAME", "20-named.conflist"));
        Files.write(named, garbage);
        daemon.awaitLog("error loading existing CNI config", Duration.ofSeconds(30));
        // it keeps retrying (and failing) without touching the files
        Await.until("a retried pass failed too", () -> daemon.installsTotal("CREATE_CNI_CONFIG_FAILURE") >= 2);
        assertTrue(daemon.isAlive(), daemon.log());
        assertEquals(503, daemon.readyz());
        assertEquals(200, daemon.healthz());
        assertEquals(0.0, daemon.metric("istio_cni_install_ready"));
        assertEquals(new String(garbage, StandardCharsets.UTF_8), Files.readString(named), "untouched");
        assertEquals(new String(garbage, StandardCharsets.UTF_8), Files.readString(conf), "untouched");
        String line = daemon.log().lines().filter(l -> l.contains("error loading existing CNI config"))
                .findFirst().orElseThrow();
        assertTrue(line.contains("20-named.conflist"), "the log line names the file: " + line);
        System.out.println("InstallerIT: logged: " + line);

        // once the file is fixed, the daemon installs into it
        Files.writeString(named, PTP_CONFLIST);
        daemon.awaitReady(Duration.ofSeconds(10));
        assertTrue(hasOurEntry(named));
        assertEquals(new String(garbage, StandardCharsets.UTF_8), Files.readString(conf), "never touched");
    }

    @Test
    void aConfDirAndAConfigThatAppearLateAreInstalledWhenTheyAppear() throws Exception {
        daemon = Daemon.start(this);
        daemon.awaitLog("does not exist yet", Duration.ofSeconds(30));
        assertEquals(503, daemon.readyz());
        Files.createDirectories(confDir);
        daemon.awaitLog("no valid network config exists yet", Duration.ofSeconds(5));
        assertEquals(503, daemon.readyz());
        Thread.sleep(500);
        Path conf = confDir.resolve("10-ptp.conflist");
        Files.writeString(conf, PTP_CONFLIST);
        long t0 = System.nanoTime();
        assertTrue(poll(Duration.ofMillis(1500), () -> hasOurEntry(conf)), daemon.log());
        System.out.printf("InstallerIT: late config installed in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        daemon.awaitReady(Duration.ofSeconds(5));

        int exit = daemon.terminate(Duration.ofSeconds(5));
        assertTrue(exit == 0 || exit == 143, "exit " + exit);
        assertEquals(PTP_CONFLIST, Files.readString(conf));
    }

    @Test
    void sigtermWhileWaitingForAConfigEndsAtOnceAndTouchesNoConfig() throws Exception {
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("README"), "not a config");
        daemon = Daemon.start(this);
        daemon.awaitLog("no valid network config exists yet", Duration.ofSeconds(30));
        assertTrue(Files.exists(binDir.resolve("istio-cni")), "the binary comes first (5.1)");
        long t0 = System.nanoTime();
        int exit = daemon.terminate(Duration.ofSeconds(5));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("InstallerIT: SIGTERM while waiting to exit: %d ms (exit %d)%n", ms, exit);
        assertTrue(exit == 0 || exit == 143, "exit " + exit + daemon.log());
        assertTrue(ms < 2500, ms + " ms");
        try (var files = Files.list(confDir)) {
            assertEquals(List.of("README"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertFalse(Files.exists(binDir.resolve("istio-cni")));
        assertFalse(Files.exists(runDir.resolve("istio-cni-kubeconfig")));
    }

    @Test
    void standaloneFileIsWrittenKeptAndRemoved() throws Exception {
        Files.createDirectories(confDir);
        Path primary = confDir.resolve("10-ptp.conflist");
        Files.writeString(primary, PTP_CONFLIST);
        daemon = Daemon.start(this, Map.of("CHAINED_CNI_PLUGIN", "false"));
        daemon.awaitReady(Duration.ofSeconds(30));
        Path ours = confDir.resolve("YYY-istio-cni.conf");
        JsonNode conf = JSON.readTree(ours.toFile());
        assertEquals("istio-cni", conf.get("type").asText());
        assertEquals("0.3.1", conf.get("cniVersion").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ours)));
        assertEquals(PTP_CONFLIST, Files.readString(primary), "the primary config is not touched");

        long t0 = System.nanoTime();
        Files.delete(ours);
        assertTrue(poll(Duration.ofMillis(1500), () -> Files.exists(ours)), "re-created" + daemon.log());
        System.out.printf("InstallerIT: standalone file re-created in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        daemon.awaitReady(Duration.ofSeconds(5));
        t0 = System.nanoTime();
        Files.delete(binDir.resolve("istio-cni"));
        assertTrue(poll(Duration.ofMillis(1500), () -> Files.exists(binDir.resolve("istio-cni"))),
                "binary copied again" + daemon.log());
        System.out.printf("InstallerIT: binary copied again in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        int exit = daemon.terminate(Duration.ofSeconds(5));
        assertTrue(exit == 0 || exit == 143, "exit " + exit);
        assertFalse(Files.exists(ours), "standalone file removed");
        assertEquals(PTP_CONFLIST, Files.readString(primary));
    }

    /**
     * Issue 9 section 7: the JVM image's empty plugin source dir. An entry without a plugin on disk would make every
     * new pod fail ("failed to find plugin"): the daemon stays not ready with one line and the config is untouched.
     */
    @Test
    void withNoPluginToCopyTheDaemonStaysNotReadyAndLeavesThePrimaryConfigAlone() throws Exception {
        Files.delete(srcDir.resolve("istio-cni"));
        Files.createDirectories(confDir);
        Path conf = confDir.resolve("10-ptp.conflist");
        Files.writeString(conf, PTP_CONFLIST);
        daemon = Daemon.start(this);
        daemon.awaitLog("no runnable istio-cni plugin in " + binDir, Duration.ofSeconds(30));
        Thread.sleep(3500); // passes at about 0, 1 and 3 s (back-off)
        assertTrue(daemon.isAlive(), daemon.log());
        assertEquals(503, daemon.readyz());
        assertTrue(daemon.installsTotal("COPY_BINARIES_FAILURE") >= 2, "retried\n" + daemon.metrics());
        List<String> lines = daemon.log().lines().filter(l -> l.contains("no runnable istio-cni plugin")).toList();
        assertEquals(1, lines.size(), "one line, not one per pass" + daemon.log());
        System.out.println("InstallerIT: logged: " + lines.get(0));
        assertEquals(PTP_CONFLIST, Files.readString(conf), "the primary config untouched");
        try (var files = Files.list(binDir)) {
            assertEquals(List.of(), files.toList());
        }

        Files.createSymbolicLink(srcDir.resolve("istio-cni"), ItSupport.executable());
        daemon.awaitReady(Duration.ofSeconds(10));
        assertTrue(hasOurEntry(conf), "inserted once the plugin could be copied");
        assertTrue(Files.isExecutable(binDir.resolve("istio-cni")));
        int exit = daemon.terminate(Duration.ofSeconds(5));
        assertTrue(exit == 0 || exit == 143, "exit " + exit + daemon.log());
        assertEquals(PTP_CONFLIST, Files.readString(conf));
    }

    /**
     * Issue 9 section 6: while the token rotates 20 times, an unprivileged user (nobody) watching the run dir with
     * inotify opens every file the moment it is created (the kubeconfig's temporary files): every open is refused, so
     * no token is read; and a watcher as root never sees the kubeconfig or a temporary file readable by others.
     */
    @Test
    void anotherLocalUserCannotReadTheTokenWhileItRotates() throws Exception {
        io.istiocni.testing.HostCapabilities.requireRoot("setpriv to nobody");
        io.istiocni.testing.HostCapabilities.requireCommand("setpriv", "--version");
        io.istiocni.testing.HostCapabilities.require(io.istiocni.testing.HostCapabilities.locate("inotifywait") != null,
                "inotifywait (inotify-tools)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody may walk to it
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("10-ptp.conflist"), PTP_CONFLIST);
        daemon = Daemon.start(this);
        daemon.awaitReady(Duration.ofSeconds(30));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir)));

        String reader = """
                import os, subprocess, sys, time
                d = sys.argv[1]
                w = subprocess.Popen(["inotifywait", "-m", "-e", "create,moved_to", "--format", "%f", d],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                while "Watches established" not in w.stderr.readline():
                    pass
                print("WATCHING", flush=True)
                for name in w.stdout:
                    name = name.rstrip("\\n")
                    try:
                        fd = os.open(os.path.join(d, name), os.O_RDONLY)
                    except OSError as e:
                        print("DENIED", name, e.errno, flush=True)
                        continue
                    time.sleep(0.02)
                    data = os.read(fd, 65536)
                    os.close(fd)
                    print("READ", name, data.decode("utf-8", "replace").replace("\\n", " "), flush=True)
                """;
        Path script = tmp.resolve("reader.py");
        Files.writeString(script, reader);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        Path out = tmp.resolve("reader.out");
        ProcessBuilder pb = new ProcessBuilder(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                ItSupport.python(), script.toString(), runDir.toString()));
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process watcher = pb.start();
        AtomicBoolean rotating = new AtomicBoolean(true);
        List<String> exposed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread rootWatcher = Thread.ofPlatform().start(() -> {
            while (rotating.get()) {
                try (var files = Files.list(runDir)) {
                    for (Path p : files.toList()) {
                        String n = p.getFileName().toString();
                        if (n.startsWith("istio-cni-kubeconfig")) {
                            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                            if (!mode.endsWith("------")) {
                                exposed.add(n + " " + mode);
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // renamed away while listed
                }
            }
        });
        try {
            assertTrue(poll(Duration.ofSeconds(10), () -> read(out).contains("WATCHING")), "watcher: " + read(out));
            for (int i = 0; i < 20; i++) {
                String token = "rotated-token-" + i;
                projectServiceAccount("..2026_11_27_00_00_" + String.format("%02d", i), token);
                assertTrue(poll(Duration.ofSeconds(5), () -> read(runDir.resolve("istio-cni-kubeconfig"))
                        .contains("token: " + token + "\n")), "rotation " + i + daemon.log());
            }
            Thread.sleep(300);
        } finally {
            rotating.set(false);
            rootWatcher.join();
            watcher.descendants().forEach(ProcessHandle::destroy);
            watcher.destroy();
            watcher.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> seen = read(out).lines().toList();
        long denied = seen.stream().filter(l -> l.startsWith("DENIED istio-cni-kubeconfig")).count();
        List<String> read = seen.stream().filter(l -> l.startsWith("READ ") && l.contains("token")).toList();
        System.out.printf("InstallerIT: 20 token rotations watched by nobody: %d opens refused, %d tokens read%n",
                denied, read.size());
        assertEquals(List.of(), read, "an unprivileged user read a token");
        assertTrue(denied >= 20, "the watcher saw the temporary files being created:\n" + String.join("\n", seen));
        assertEquals(List.of(), exposed, "the kubeconfig or a temporary file readable by others");
    }

    /** Issue 9 section 7: a primary config that is a symbolic link stays one, through install and cleanup. */
    @Test
    void aSymlinkedPrimaryConfigStaysALinkThroughInstallAndCleanup() throws Exception {
        Files.createDirectories(confDir);
        Path managed = Files.createDirectories(tmp.resolve("managed"));
        Path real = managed.resolve("ptp.conflist");
        Files.writeString(real, PTP_CONFLIST);
        Path link = confDir.resolve("10-ptp.conflist");
        Files.createSymbolicLink(link, Path.of("../managed/ptp.conflist"));
        daemon = Daemon.start(this);
        daemon.awaitReady(Duration.ofSeconds(30));
        assertTrue(Files.isSymbolicLink(link), "still a link");
        assertTrue(hasOurEntry(real), "the entry is in the linked file");
        int exit = daemon.terminate(Duration.ofSeconds(5));
        assertTrue(exit == 0 || exit == 143, "exit " + exit + daemon.log());
        assertTrue(Files.isSymbolicLink(link), "still a link after the cleanup");
        assertEquals(Path.of("../managed/ptp.conflist"), Files.readSymbolicLink(link));
        assertEquals(PTP_CONFLIST, Files.readString(real), "the user's bytes back");
        try (var files = Files.list(managed)) {
            assertEquals(List.of("ptp.conflist"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertNoTemporaryFiles();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Lays the service-account files out as the kubelet projects them: {@code token -> ..data/token}. */
    void projectServiceAccount(String version, String token) throws IOException {
        Path dir = Files.createDirectories(saDir.resolve(version));
        Files.writeString(dir.resolve("token"), token);
        Files.writeString(dir.resolve("ca.crt"), CA);
        Files.writeString(dir.resolve("namespace"), "istio-system");
        Path tmpLink = saDir.resolve("..data_tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, Path.of(version));
        Files.move(tmpLink, saDir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        for (String f : List.of("token", "ca.crt", "namespace")) {
            if (!Files.exists(saDir.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(saDir.resolve(f), Path.of("..data", f));
            }
        }
    }

    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOUNTED_CNI_NET_DIR", confDir.toString());
        env.put("CNI_BIN_SOURCE_DIR", srcDir.toString());
        env.put("CNI_BIN_TARGET_DIRS", binDir.toString());
        env.put("CNI_AGENT_RUN_DIR", runDir.toString());
        env.put("SERVICE_ACCOUNT_PATH", saDir.toString());
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "443");
        env.put("HEALTH_PORT", String.valueOf(healthPort));
        env.put("MONITORING_PORT", String.valueOf(metricsPort));
        env.put("REPAIR_ENABLED", "false");
        env.put("POD_NAMESPACE", "istio-system");
        env.put("EXCLUDE_NAMESPACES", "kube-system");
        return env;
    }

    static boolean hasOurEntry(Path conf) {
        try {
            for (JsonNode p : JSON.readTree(conf.toFile()).path("plugins")) {
                if ("istio-cni".equals(p.path("type").asText())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    void assertNoTemporaryFiles() throws IOException {
        for (Path dir : List.of(confDir, binDir, runDir)) {
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    List<String> tmps = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp.")).toList();
                    assertEquals(List.of(), tmps, "temporary files left in " + dir);
                }
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    static boolean poll(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** The running {@code istio-cni install} process, its combined output in a file. */
    static final class Daemon implements AutoCloseable {
        final Process process;
        final Path logFile;
        final int healthPort;
        final int metricsPort;

        private Daemon(Process process, Path logFile, int healthPort, int metricsPort) {
            this.process = process;
            this.logFile = logFile;
            this.healthPort = healthPort;
            this.metricsPort = metricsPort;
        }

        static Daemon start(InstallerIT t) throws IOException {
            return start(t, Map.of());
        }

        static Daemon start(InstallerIT t, Map<String, String> extra) throws IOException {
            Map<String, String> env = t.env();
            env.putAll(extra);
            Path log = t.tmp.resolve("daemon-" + System.nanoTime() + ".log");
            ProcessBuilder pb = new ProcessBuilder(List.of(ItSupport.executable().toString(), "install"));
            pb.environment().clear();
            pb.environment().putAll(ItSupport.cleanEnv(env));
            pb.redirectErrorStream(true);
            pb.redirectOutput(log.toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            return new Daemon(pb.start(), log, t.healthPort, t.metricsPort);
        }

        boolean isAlive() {
            return process.isAlive();
        }

        String log() {
            return "\n--- daemon log ---\n" + read(logFile);
        }

        int status(String path) {
            try {
                return given().port(healthPort).when().get(path).then().extract().statusCode();
            } catch (Exception e) { // ConnectException, thrown undeclared by REST Assured
                return -1; // not listening (yet)
            }
        }

        int readyz() {
            return status("/readyz");
        }

        int healthz() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int s;
            while ((s = status("/healthz")) == -1 && System.nanoTime() < deadline && process.isAlive()) {
                sleep(50);
            }
            return s;
        }

        void awaitReady(Duration timeout) throws InterruptedException {
            boolean ready = poll(timeout, () -> readyz() == 200 || !process.isAlive());
            assertTrue(ready && process.isAlive(), "/readyz did not turn 200 within " + timeout + log());
        }

        void awaitLog(String text, Duration timeout) throws InterruptedException {
            assertTrue(poll(timeout, () -> read(logFile).contains(text)), "no log line with '" + text + "'" + log());
        }

        String metrics() {
            try {
                return given().port(metricsPort).when().get("/metrics").then().extract().asString();
            } catch (Exception e) {
                return "";
            }
        }

        double metric(String name) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{,?\\})? (\\S+)$").matcher(metrics());
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        }

        double installsTotal(String result) {
            Matcher m = Pattern.compile("(?m)^istio_cni_installs_total\\{result=\"" + Pattern.quote(result)
                    + "\",?\\} (\\S+)$").matcher(metrics());
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        }

        /** SIGTERM, then the exit status (fails if it takes longer than {@code timeout}). */
        int terminate(Duration timeout) throws InterruptedException {
            process.destroy();
            boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(ended, "no exit within " + timeout + " of SIGTERM" + log());
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
