package io.istiocni.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodFetcherTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final String POD_JSON = """
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"%s","namespace":"%s","annotations":{"sidecar.istio.io/status":"{}"}},
             "spec":{"containers":[{"name":"app","image":"app"},{"name":"istio-proxy","image":"proxy"}]}}
            """;
    static final String FORBIDDEN = "pods \"web-1\" is forbidden: User \"system:serviceaccount:istio-system:istio-cni\""
            + " cannot get resource \"pods\" in API group \"\" in the namespace \"shop\"";

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final FetchLog log = (level, msg) -> logged.add(level + " " + msg);

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    private KubernetesMockServer crudServer(boolean https) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), https);
        server.init(LOOPBACK, 0);
        cleanup.add(server::destroy);
        return server;
    }

    /** Creates a pod through the mock's API (POST), as a client would. */
    private static void createPod(KubernetesMockServer server, String ns, String name, boolean https) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder();
        if (https) {
            Kubeconfig insecure = new Kubeconfig(URI.create("https://x"), List.of(), true, null, List.of(), null);
            b.sslContext(KubeTls.context(insecure));
        }
        try (HttpClient c = b.build()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(
                    server.url("/api/v1/namespaces/" + ns + "/pods")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(POD_JSON.formatted(name, ns))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
        }
    }

    /**
     * The attempt timeout of the tests that are not about it: the shared wait budget, so that a TLS handshake on a
     * loaded machine never turns into a "no response" (the timeout itself is tested with a silent server).
     */
    static final long ATTEMPT_MS = Await.TIMEOUT.toMillis();

    private PodFetcher fetcher(Kubeconfig k, int attempts, long intervalMs, long timeoutMs) {
        PodFetcher f = new PodFetcher(k, log, attempts, Duration.ofMillis(intervalMs), Duration.ofMillis(timeoutMs));
        cleanup.add(f);
        return f;
    }

    private static Kubeconfig plain(String server, String token) {
        return new Kubeconfig(URI.create(server), List.of(), false, token, List.of(), null);
    }

    private static String base(KubernetesMockServer server) {
        String url = server.url("/");
        return url.substring(0, url.length() - 1);
    }

    @Test
    void fetchesFromTheMockApiServer() throws Exception {
        KubernetesMockServer server = crudServer(false);
        createPod(server, "shop", "web-1", false);
        PodFetcher f = fetcher(plain(base(server), "the-token"), 3, 10, ATTEMPT_MS);
        String json = f.getPodJson("shop", "web-1");
        PodManifest pod = PodManifests.parse(json);
        assertEquals("web-1", pod.name());
        assertEquals("shop", pod.namespace());
        assertEquals(2, pod.containers().size());
        var request = server.getLastRequest();
        assertEquals("/api/v1/namespaces/shop/pods/web-1", request.getPath());
        assertEquals("Bearer the-token", request.getHeader("Authorization"));
        assertEquals("application/json", request.getHeader("Accept"));
        assertTrue(logged.isEmpty(), logged.toString());
    }

    @Test
    void fetchesFromTheMockApiServerOverHttpsInsecure() throws Exception {
        KubernetesMockServer server = crudServer(true);
        createPod(server, "shop", "web-1", true);
        String url = base(server);
        assertTrue(url.startsWith("https://"), url);
        Path kc = dir.resolve("kubeconfig");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    insecure-skip-tls-verify: true
                    server: %s
                  name: local
                contexts:
                - context:
                    cluster: local
                    user: istio-cni
                  name: istio-cni-context
                current-context: istio-cni-context
                users:
                - name: istio-cni
                  user:
                    token: tok
                """.formatted(url));
        PodFetcher f = fetcher(Kubeconfig.load(kc), 2, 10, ATTEMPT_MS);
        assertEquals("web-1", PodManifests.parse(f.getPodJson("shop", "web-1")).name());
    }

    @Test
    void notFoundThenCreatedMidRetry() throws Exception {
        KubernetesMockServer server = crudServer(false);
        PodFetcher f = fetcher(plain(base(server), "t"), 50, 100, ATTEMPT_MS);
        CompletableFuture<String> fetch = CompletableFuture.supplyAsync(() -> {
            try {
                return f.getPodJson("shop", "web-2");
            } catch (PodFetchException e) {
                throw new RuntimeException(e);
            }
        });
        // created once at least two attempts have failed (polled: a fixed pause can end before the first attempt
        // on a busy machine, and the pod would then be found at once)
        Await.until("two failed attempts logged", () -> logged.size() >= 2 || fetch.isDone());
        createPod(server, "shop", "web-2", false);
        String json = fetch.get();
        assertEquals("web-2", PodManifests.parse(json).name());
        assertTrue(logged.size() >= 2, logged.toString());
        assertTrue(logged.get(0).startsWith("WARNING failed to get pod shop/web-2 (attempt 1 of 50, retrying): "),
                logged.get(0));
        for (String later : logged.subList(1, logged.size())) {
            assertTrue(later.startsWith("DEBUG failed to get pod shop/web-2 (attempt "), later);
        }
    }

    @Test
    void notFoundToTheEnd() throws Exception {
        KubernetesMockServer server = crudServer(false);
        PodFetcher f = fetcher(plain(base(server), "t"), 3, 10, ATTEMPT_MS);
        PodFetchException e = assertThrows(PodFetchException.class, () -> f.getPodJson("shop", "nope"));
        assertEquals(404, e.statusCode());
        assertTrue(e.getMessage().contains("not found") || e.getMessage().contains("could not find"),
                e.getMessage());
        assertEquals(2, logged.size(), logged.toString()); // the last failure is the caller's to log
        assertTrue(logged.get(0).startsWith("WARNING "));
        assertTrue(logged.get(1).startsWith("DEBUG "));
    }

    @Test
    void silentServerEachAttemptIsBounded() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, LOOPBACK);
        cleanup.add(silent);
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept()); // accept and never answer
                }
            } catch (IOException e) {
                // closed
            }
        });
        cleanup.add(() -> {
            for (Socket s : held) {
                s.close();
            }
        });
        String server = "http://127.0.0.1:" + silent.getLocalPort();
        PodFetcher f = fetcher(plain(server, "t"), 3, 200, 400);
        long start = System.nanoTime();
        PodFetchException e = assertThrows(PodFetchException.class, () -> f.getPodJson("shop", "web-1"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        // 3 attempts of 400 ms and 2 pauses of 200 ms: at least that, and bounded (with room for a loaded machine)
        assertTrue(ms >= 1500 && ms < 15_000, "took " + ms + " ms");
        assertEquals("Get \"" + server + "/api/v1/namespaces/shop/pods/web-1\": no response within 400ms",
                e.getMessage());
        assertEquals(0, e.statusCode());
        assertTrue(held.size() >= 1, "connections: " + held.size());
        acceptor.interrupt();
    }

    @Test
    void connectionRefusedIsRetried() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        String server = "http://127.0.0.1:" + port;
        PodFetcher f = fetcher(plain(server, "t"), 3, 50, ATTEMPT_MS);
        long start = System.nanoTime();
        PodFetchException e = assertThrows(PodFetchException.class, () -> f.getPodJson("shop", "web-1"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("Get \"" + server + "/api/v1/namespaces/shop/pods/web-1\": dial tcp 127.0.0.1:" + port
                + ": connect: connection refused",
                e.getMessage());
        assertTrue(ms >= 100, "two pauses of 50 ms, took " + ms);
        assertEquals(List.of(
                "WARNING failed to get pod shop/web-1 (attempt 1 of 3, retrying): " + e.getMessage(),
                "DEBUG failed to get pod shop/web-1 (attempt 2 of 3, retrying): " + e.getMessage()), logged);
    }

    /** A JDK HTTP server answering every request with {@code handler}; counts requests. */
    private HttpServer jdkServer(AtomicInteger count, Function<HttpExchange, Object[]> handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        s.createContext("/", ex -> respond(ex, count, handler));
        s.start();
        cleanup.add(() -> s.stop(0));
        return s;
    }

    private static void respond(HttpExchange ex, AtomicInteger count, Function<HttpExchange, Object[]> handler)
            throws IOException {
        count.incrementAndGet();
        Object[] r = handler.apply(ex);
        byte[] body = ((String) r[1]).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders((Integer) r[0], body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Test
    void forbiddenReportsTheStatusMessage() throws Exception {
        AtomicInteger count = new AtomicInteger();
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer s = jdkServer(count, ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " "
                    + ex.getRequestHeaders().getFirst("Authorization") + " "
                    + ex.getRequestHeaders().getFirst("Accept"));
            return new Object[] {403, """
                    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%s,
                     "reason":"Forbidden","details":{"name":"web-1","kind":"pods"},"code":403}
                    """.formatted(quote(FORBIDDEN))};
        });
        PodFetcher f = fetcher(plain("http://127.0.0.1:" + s.getAddress().getPort() + "/", "tk"), 4, 10, ATTEMPT_MS);
        PodFetchException e = assertThrows(PodFetchException.class, () -> f.getPodJson("shop", "web-1"));
        assertEquals(FORBIDDEN, e.getMessage());
        assertEquals(403, e.statusCode());
        assertEquals(4, count.get());
        assertEquals("GET /api/v1/namespaces/shop/pods/web-1 Bearer tk application/json", seen.get(0));
        assertEquals(3, logged.size());
        assertEquals("WARNING failed to get pod shop/web-1 (attempt 1 of 4, retrying): " + FORBIDDEN, logged.get(0));
    }

    @Test
    void everyFailureIsRetriedUntilSuccess() throws Exception {
        AtomicInteger count = new AtomicInteger();
        HttpServer s = jdkServer(count, ex -> switch (count.get()) {
            case 1 -> new Object[] {401, "{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}"};
            case 2 -> new Object[] {500, "boom\n"};
            case 3 -> new Object[] {503, ""};
            case 4 -> new Object[] {404, "<html>nope</html>"};
            default -> new Object[] {200, POD_JSON.formatted("web-1", "shop")};
        });
        PodFetcher f = fetcher(plain("http://127.0.0.1:" + s.getAddress().getPort(), null), 5, 10, ATTEMPT_MS);
        assertEquals("web-1", PodManifests.parse(f.getPodJson("shop", "web-1")).name());
        assertEquals(List.of(
                "WARNING failed to get pod shop/web-1 (attempt 1 of 5, retrying): Unauthorized",
                "DEBUG failed to get pod shop/web-1 (attempt 2 of 5, retrying): an error on the server (\"boom\") has"
                        + " prevented the request from succeeding (get pods web-1)",
                "DEBUG failed to get pod shop/web-1 (attempt 3 of 5, retrying): the server is currently unable to"
                        + " handle the request (get pods web-1)",
                "DEBUG failed to get pod shop/web-1 (attempt 4 of 5, retrying): the server could not find the"
                        + " requested resource (get pods web-1)"), logged);
    }

    @Test
    void pathSegmentsAreEncoded() throws Exception {
        AtomicInteger count = new AtomicInteger();
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer s = jdkServer(count, ex -> {
            paths.add(ex.getRequestURI().getRawPath());
            return new Object[] {200, "{}"};
        });
        PodFetcher f = fetcher(plain("http://127.0.0.1:" + s.getAddress().getPort() + "/prefix", null), 1, 10,
                ATTEMPT_MS);
        assertEquals("{}", f.getPodJson("a b", "c/d?é"));
        assertEquals(List.of("/prefix/api/v1/namespaces/a%20b/pods/c%2Fd%3F%C3%A9"), paths);
        assertThrows(PodFetchException.class, () -> f.getPodJson("", "x"));
    }

    // --- TLS ---

    private HttpsServer httpsServer(TestPki.Identity serverId, boolean needClientAuth, TestPki.Identity... trusted)
            throws Exception {
        SSLContext ctx = TestPki.serverContext(serverId, trusted);
        HttpsServer s = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
            }
        });
        AtomicInteger count = new AtomicInteger();
        s.createContext("/", ex -> respond(ex, count, e -> new Object[] {200, POD_JSON.formatted("web-1", "shop")}));
        s.start();
        cleanup.add(() -> s.stop(0));
        return s;
    }

    private Kubeconfig kubeconfig(String server, String clusterFields, String userFields) throws Exception {
        Path kc = dir.resolve("kubeconfig");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: %s
                %s
                users:
                - name: istio-cni
                  user:
                %s
                contexts:
                - name: istio-cni-context
                  context: {cluster: local, user: istio-cni}
                current-context: istio-cni-context
                """.formatted(server, clusterFields.indent(4).stripTrailing(), userFields.indent(4).stripTrailing()));
        return Kubeconfig.load(kc);
    }

    @Test
    void httpsTrustsTheKubeconfigCa() throws Exception {
        TestPki.Identity server = TestPki.server();
        HttpsServer s = httpsServer(server, false);
        int port = s.getAddress().getPort();
        for (String host : List.of("127.0.0.1", "localhost")) {
            Kubeconfig k = Kubeconfig.load(Files.writeString(dir.resolve("istio-cni-kubeconfig"),
                    KubeconfigTest.installerKubeconfig("https://" + host + ":" + port, server.certPem(), "tok")));
            assertEquals("web-1", PodManifests.parse(fetcher(k, 1, 10, ATTEMPT_MS).getPodJson("shop", "web-1")).name());
        }
        // another CA: not trusted
        Kubeconfig wrong = Kubeconfig.load(Files.writeString(dir.resolve("wrong"), KubeconfigTest.installerKubeconfig(
                "https://127.0.0.1:" + port, TestPki.clientEc().certPem(), "tok")));
        PodFetchException e = assertThrows(PodFetchException.class,
                () -> fetcher(wrong, 2, 10, ATTEMPT_MS).getPodJson("shop", "web-1"));
        assertTrue(e.getMessage().startsWith("Get \"https://127.0.0.1:" + port + "/api/v1/namespaces/shop/pods/web-1\":"
                + " tls: "), e.getMessage());
    }

    @Test
    void hostNameIsCheckedUnlessInsecure() throws Exception {
        TestPki.Identity noSan = TestPki.clientEc(); // CN=istio-cni-ec, matches no host
        HttpsServer s = httpsServer(noSan, false);
        String url = "https://127.0.0.1:" + s.getAddress().getPort();
        Kubeconfig trusted = kubeconfig(url, "certificate-authority-data: " + TestPki.base64(noSan.certPem()),
                "token: t");
        PodFetchException e = assertThrows(PodFetchException.class,
                () -> fetcher(trusted, 1, 10, ATTEMPT_MS).getPodJson("shop", "web-1"));
        assertTrue(e.getMessage().contains("tls: "), e.getMessage());
        Kubeconfig insecure = kubeconfig(url, "insecure-skip-tls-verify: true", "token: t");
        assertEquals("web-1",
                PodManifests.parse(fetcher(insecure, 1, 10, ATTEMPT_MS).getPodJson("shop", "web-1")).name());
    }

    @Test
    void clientCertificates() throws Exception {
        TestPki.Identity server = TestPki.server();
        TestPki.Identity rsa = TestPki.clientRsa();
        TestPki.Identity ec = TestPki.clientEc();
        HttpsServer s = httpsServer(server, true, rsa, ec);
        String url = "https://localhost:" + s.getAddress().getPort();
        String ca = "certificate-authority-data: " + TestPki.base64(server.certPem());
        for (String[] pair : new String[][] {{rsa.certPem(), rsa.traditionalPem()}, {ec.certPem(), ec.traditionalPem()},
            {ec.certPem(), ec.pkcs8Pem()}}) {
            Kubeconfig k = kubeconfig(url, ca, "client-certificate-data: " + TestPki.base64(pair[0])
                    + "\nclient-key-data: " + TestPki.base64(pair[1]));
            assertEquals("web-1", PodManifests.parse(fetcher(k, 1, 10, ATTEMPT_MS).getPodJson("shop", "web-1")).name());
        }
        Kubeconfig noCert = kubeconfig(url, ca, "token: t");
        assertThrows(PodFetchException.class, () -> fetcher(noCert, 1, 10, ATTEMPT_MS).getPodJson("shop", "web-1"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
