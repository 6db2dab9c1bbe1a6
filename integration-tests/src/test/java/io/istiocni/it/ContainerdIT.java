package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.testing.HostCapabilities;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The node on a real container runtime: a private containerd with its CRI plugin runs pod sandboxes on a scratch
 * host layout whose primary CNI config is Debian's {@code ptp}; {@code istio-cni install} chains the plugin into it,
 * and the sandboxes are created through the CRI API as kubelet creates them. The pods are served over TLS by the
 * demo's API endpoint (scripts/demo/api.py), whose request log shows what the plugin looked up. The last test
 * uninstalls (SIGTERM of the installer).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdIT {

    static final int APP_UID = 1000;
    static final int PROXY_UID = 1337;

    static Path dir;
    static Path confDir;
    static Path binDir;
    static Path conflist;
    static byte[] originalConflist;
    static Containerd containerd;
    static Process api;
    static Path apiLog;
    static Process installer;
    static Path installerLog;
    static int subnet;
    static final List<Double> withoutIstioCni = new ArrayList<>();
    static final String NODE = "containerd-it-node";
    static final List<Double> withIstioCni = new ArrayList<>();

    @BeforeAll
    static void node() throws Exception {
        HostCapabilities.requireNetworkNamespaces();
        List<String> missing = Containerd.missing();
        HostCapabilities.require(missing.isEmpty(), "a container runtime to test with, missing: " + missing);
        dir = Files.createTempDirectory("itc-ctrd-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        confDir = Files.createDirectories(dir.resolve("etc/cni/net.d"));
        binDir = Files.createDirectories(dir.resolve("opt/cni/bin"));
        Path sourceDir = Files.createDirectories(dir.resolve("image/opt/cni/bin"));
        Path saDir = Files.createDirectories(dir.resolve("serviceaccount"));
        for (String p : List.of("ptp", "host-local", "loopback")) {
            Files.createSymbolicLink(binDir.resolve(p), Path.of("/usr/lib/cni", p));
        }
        Files.createSymbolicLink(sourceDir.resolve("istio-cni"), ItSupport.executable());
        subnet = ThreadLocalRandom.current().nextInt(200, 250);
        conflist = confDir.resolve("10-ptp.conflist");
        Files.writeString(conflist, """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                    {
                      "ipMasq": false,
                      "ipam": {
                        "dataDir": "%s",
                        "subnet": "10.253.%d.0/24",
                        "type": "host-local"
                      },
                      "type": "ptp"
                    }
                  ]
                }
                """.formatted(dir.getFileName(), dir.resolve("ipam"), subnet));
        originalConflist = Files.readAllBytes(conflist);

        containerd = Containerd.start(dir.resolve("containerd"), confDir, binDir);
        run("shop", "warm-up", withoutIstioCni); // not counted: the first sandbox also warms containerd up
        withoutIstioCni.clear();
        for (int i = 0; i < 7; i++) {
            run("shop", "plain-" + i, withoutIstioCni);
        }

        // the API endpoint: TLS with a CA in the service-account dir, bearer token
        String token = "it-token-" + dir.getFileName();
        ItSupport.runOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", dir.resolve("api.key").toString(), "-out", saDir.resolve("ca.crt").toString());
        Files.writeString(saDir.resolve("token"), token);
        StringBuilder pods = new StringBuilder("{");
        for (String name : List.of("web-1", "web-2", "web-3", "web-4", "web-5")) {
            pods.append(pod("shop", name, true)).append(',');
        }
        pods.append(pod("shop", "db-0", false)).append(',').append(pod("kube-system", "coredns-0", true)).append('}');
        Files.writeString(dir.resolve("pods.json"), pods);
        apiLog = dir.resolve("api.log");
        api = new ProcessBuilder("/usr/bin/python3", Path.of("scripts/demo/api.py").toAbsolutePath().toString(),
                dir.resolve("pods.json").toString(), saDir.resolve("ca.crt").toString(),
                dir.resolve("api.key").toString(), token, NODE)
                .redirectError(apiLog.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String port = firstLine(api, Duration.ofSeconds(60));

        // the node agent's own API client, as a pod's in-cluster configuration would give it (the plugin gets the
        // kubeconfig the installer writes from SERVICE_ACCOUNT_PATH and KUBERNETES_SERVICE_*)
        Path agentKubeconfig = dir.resolve("agent-kubeconfig");
        Files.writeString(agentKubeconfig, agentKubeconfig(port, saDir.resolve("ca.crt"), token));
        int healthPort = InstallerIT.freePort();
        installerLog = dir.resolve("install.log");
        ProcessBuilder pb = new ProcessBuilder(ItSupport.executable().toString(), "install");
        pb.environment().clear();
        pb.environment().putAll(ItSupport.cleanEnv(Map.ofEntries(
                Map.entry("MOUNTED_CNI_NET_DIR", confDir.toString()),
                Map.entry("CNI_BIN_SOURCE_DIR", sourceDir.toString()),
                Map.entry("CNI_BIN_TARGET_DIRS", binDir.toString()),
                Map.entry("SERVICE_ACCOUNT_PATH", saDir.toString()),
                Map.entry("KUBECONFIG", agentKubeconfig.toString()),
                Map.entry("CNI_AGENT_RUN_DIR", dir.resolve("var/run/istio-cni").toString()),
                Map.entry("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
                Map.entry("KUBERNETES_SERVICE_PORT", port),
                Map.entry("HEALTH_PORT", String.valueOf(healthPort)),
                Map.entry("MONITORING_PORT", "0"),
                Map.entry("EXCLUDE_NAMESPACES", "kube-system"),
                Map.entry("POD_NAMESPACE", "istio-system"),
                // the node's pods from the agent's informer, as on a real node (the chart sets it from spec.nodeName)
                Map.entry("NODE_NAME", NODE))));
        pb.redirectErrorStream(true).redirectOutput(installerLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        installer = pb.start();
        boolean ready = poll(Duration.ofSeconds(180), () -> readyz(healthPort) == 200 || !installer.isAlive());
        assertTrue(ready && installer.isAlive(), "installer not ready within 180 s" + logs());
        assertTrue(Files.readString(conflist).contains("\"type\": \"istio-cni\""), "not chained" + logs());
        Thread.sleep(1000); // containerd's CRI plugin reloads the conflist on its file-change event
    }

    /** A kubeconfig for the local TLS endpoint with the service account's CA and token. */
    static String agentKubeconfig(String port, Path ca, String token) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: https://127.0.0.1:%s
                    certificate-authority: %s
                users:
                - name: sa
                  user:
                    token: %s
                contexts:
                - name: local
                  context:
                    cluster: local
                    user: sa
                current-context: local
                """.formatted(port, ca, token);
    }

    @AfterAll
    static void removeNode() throws Exception {
        try {
            if (installer != null) {
                stop(installer);
            }
            if (api != null) {
                stop(api);
            }
        } finally {
            try {
                if (containerd != null) {
                    containerd.close();
                }
            } finally {
                if (dir != null) {
                    try (Stream<Path> s = Files.walk(dir)) {
                        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    @Test
    @Order(1)
    void meshedPodIsCapturedWithRealTraffic() {
        Containerd.Sandbox s = run("shop", "web-1", withIstioCni);
        try (Netns pod = Netns.attach(s.pid()); Netns peer = Netns.create()) {
            assertTrue(s.netns().startsWith(dir.toString()), "netns from PodSandboxStatus: " + s.netns());
            pod.connect("ext0", peer, "10.254.1.2/24", "10.254.1.1/24");
            pod.startServer(PROXY_UID, PROXY_UID, "sidecar", "tcp:15001");
            peer.startServer(-1, -1, "server", "tcp:8080");
            String got = pod.client(APP_UID, APP_UID, "tcp", "10.254.1.1", 8080);
            assertTrue(got.startsWith("sidecar tcp:15001"), "app's connection not captured: " + got + logs());
            assertTrue(istioRules(pod).contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"),
                    istioRules(pod));
            assertTrue(ItSupport.read(installerLog).contains("pod set-up ADD shop/web-1 done in"), logs());
            assertTrue(apiRequests().contains("/api/v1/pods?"), "the agent's informer lists the node's pods: "
                    + apiRequests());
        } finally {
            containerd.remove(s.id());
        }
    }

    @Test
    @Order(2)
    void plainPodIsUntouched() {
        Containerd.Sandbox s = run("shop", "db-0", null);
        try (Netns pod = Netns.attach(s.pid()); Netns peer = Netns.create()) {
            pod.connect("ext0", peer, "10.254.2.2/24", "10.254.2.1/24");
            pod.startServer(PROXY_UID, PROXY_UID, "sidecar", "tcp:15001");
            peer.startServer(-1, -1, "server", "tcp:8080");
            String got = pod.client(APP_UID, APP_UID, "tcp", "10.254.2.1", 8080);
            assertTrue(got.startsWith("server tcp:8080"), "a plain pod's connection went elsewhere: " + got);
            assertEquals("", istioRules(pod));
            assertTrue(ItSupport.read(installerLog).contains("pod set-up ADD shop/db-0 done in"), logs());
        } finally {
            containerd.remove(s.id());
        }
    }

    @Test
    @Order(3)
    void excludedNamespaceIsNotLookedUp() {
        Containerd.Sandbox s = run("kube-system", "coredns-0", null);
        try (Netns pod = Netns.attach(s.pid())) {
            assertEquals("", istioRules(pod));
            assertFalse(apiRequests().contains("/namespaces/kube-system/"), "looked up: " + apiRequests());
            assertFalse(ItSupport.read(installerLog).contains("pod set-up ADD kube-system/"), "asked of the agent" + logs());
        } finally {
            containerd.remove(s.id());
        }
    }

    @Test
    @Order(4)
    void threeSandboxesAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Containerd.Sandbox>> started = new ArrayList<>();
        List<Containerd.Sandbox> sandboxes = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (String name : List.of("web-2", "web-3", "web-4")) {
                started.add(pool.submit(() -> containerd.run("shop", name)));
            }
            List<Throwable> failures = new ArrayList<>();
            for (Future<Containerd.Sandbox> f : started) {
                try {
                    sandboxes.add(f.get(6, TimeUnit.MINUTES));
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(List.of(), failures, logs());
            assertEquals(3, new HashSet<>(sandboxes.stream().map(Containerd.Sandbox::ip).toList()).size(),
                    "three addresses: " + sandboxes);
            for (Containerd.Sandbox s : sandboxes) {
                assertEquals("SANDBOX_READY", s.state(), s.toString());
                try (Netns pod = Netns.attach(s.pid())) {
                    assertTrue(istioRules(pod).contains("-A ISTIO_OUTPUT"), s + ": " + istioRules(pod));
                }
            }
            System.out.printf("ContainerdIT: three meshed sandboxes at once: %d ms wall, RunPodSandbox %s ms%n",
                    wall, sandboxes.stream().map(s -> String.format("%.0f", s.ms())).toList());
        } finally {
            pool.shutdownNow();
            for (Containerd.Sandbox s : sandboxes) {
                containerd.remove(s.id());
            }
        }
    }

    @Test
    @Order(5)
    void uninstallRestoresTheConflistAndPodsStillStart() throws Exception {
        // more meshed samples for the timing, one at a time (names may repeat: each run is a new sandbox)
        for (String name : List.of("web-5", "web-2", "web-3", "web-4", "web-5", "web-2", "web-3")) {
            containerd.remove(run("shop", name, withIstioCni).id());
        }
        long t0 = System.nanoTime();
        installer.destroy(); // SIGTERM
        assertTrue(installer.waitFor(30, TimeUnit.SECONDS), "installer still running 30 s after SIGTERM" + logs());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertArrayEquals(originalConflist, Files.readAllBytes(conflist), "conflist not restored: "
                + Files.readString(conflist));
        assertFalse(Files.exists(binDir.resolve("istio-cni")), "plugin left in " + binDir);
        Thread.sleep(1000); // the CRI plugin's reload of the restored conflist
        Containerd.Sandbox s = run("shop", "web-1", null);
        try (Netns pod = Netns.attach(s.pid())) {
            assertEquals("SANDBOX_READY", s.state());
            assertEquals("", istioRules(pod), "a meshed pod after uninstall");
        } finally {
            containerd.remove(s.id());
        }
        System.out.printf("ContainerdIT: installer exit %d ms after SIGTERM; sandbox after uninstall %.0f ms%n", ms,
                s.ms());
        double with = median(withIstioCni);
        double without = median(withoutIstioCni);
        System.out.printf("ContainerdIT: RunPodSandbox median %.0f ms with istio-cni %s vs %.0f ms without %s:"
                + " %.1f x%n", with, withIstioCni, without, withoutIstioCni, with / without);
    }

    // ------------------------------------------------------------------ support

    /**
     * RunPodSandbox; its time added to {@code times} (if given; the samples without istio-cni are removed at
     * once); a failure's message carries the logs.
     */
    static Containerd.Sandbox run(String namespace, String name, List<Double> times) {
        Containerd.Sandbox s;
        try {
            s = containerd.run(namespace, name);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + logs(), e);
        }
        if (times != null) {
            times.add(s.ms());
        }
        if (times == withoutIstioCni) {
            containerd.remove(s.id());
        }
        return s;
    }

    static String pod(String namespace, String name, boolean sidecar) {
        String meta = "\"name\": \"%s\", \"namespace\": \"%s\"".formatted(name, namespace);
        String body = sidecar
                ? """
                  {"apiVersion": "v1", "kind": "Pod", "metadata": {%s, "annotations":
                     {"sidecar.istio.io/status": "{\\"containers\\":[\\"istio-proxy\\"]}"}},
                   "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy", "args": ["proxy", "sidecar"]}]}}
                  """.formatted(meta)
                : """
                  {"apiVersion": "v1", "kind": "Pod", "metadata": {%s}, "spec": {"containers": [{"name": "app"}]}}
                  """.formatted(meta);
        return "\"" + namespace + "/" + name + "\": " + body;
    }

    /** The ISTIO rules in the namespace, from both iptables back-ends. */
    static String istioRules(Netns ns) {
        StringBuilder out = new StringBuilder();
        for (ItSupport.Variant v : ItSupport.Variant.values()) {
            ItSupport.Result r = ns.exec(v.save(false));
            r.stdout().lines().filter(l -> l.startsWith("-A ISTIO")).forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    static String apiRequests() {
        return ItSupport.read(apiLog);
    }

    static String logs() {
        String installerText = installerLog == null ? "" : ItSupport.read(installerLog);
        return "\n--- installer log ---\n" + installerText + "\n--- api log ---\n"
                + (apiLog == null ? "" : ItSupport.read(apiLog))
                + "\n--- containerd log (tail) ---\n" + (containerd == null ? "" : containerd.logTail());
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static int readyz(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/readyz").toURL()
                    .openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    static boolean poll(Duration timeout, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return done.getAsBoolean();
    }

    static String firstLine(Process p, Duration timeout) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Future<String> line = Executors.newVirtualThreadPerTaskExecutor().submit(r::readLine);
        try {
            String s = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null || !s.matches("\\d+")) {
                throw new AssertionError("API endpoint printed no port: " + s + logs());
            }
            return s;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("API endpoint not up within " + timeout + logs(), e);
        }
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
