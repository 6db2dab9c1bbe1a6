package io.istiocni.cli;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.istiocni.cni.InProcessHandover;
import io.istiocni.cni.PluginMain;
import io.istiocni.cni.PodRedirect;
import io.istiocni.cni.agent.PodSetupProtocol;
import io.istiocni.localhttp.LocalHttpRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The training run of the plugin's own AOT cache ({@code istio-cni plugin aot-training}, run by
 * {@code src/main/launcher/aot-train.sh} at build time through {@link PluginProcess}, on the plugin's class path): in
 * one process and without touching the machine, plugin invocations whose output is discarded: VERSION, ADD with the
 * pod fetched from a loopback API endpoint over TLS with the CA in the kubeconfig (the production default:
 * certificate-authority-data, RSA, as kubeadm makes it), ADD and CHECK answered by a node agent's pod set-up socket
 * (issue 10), DEL.
 */
final class PluginTraining {

    static final String SIDECAR_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"aot-1","namespace":"aot","annotations":{
            "sidecar.istio.io/status":"{}","traffic.sidecar.istio.io/excludeInboundPorts":"8081"}},
            "spec":{"containers":[{"name":"app"},{"name":"istio-proxy","args":["proxy","sidecar"],
            "env":[{"name":"ISTIO_META_DNS_CAPTURE","value":"true"}],"securityContext":{"runAsUser":1337}}]},
            "status":{"podIP":"10.0.0.2","podIPs":[{"ip":"10.0.0.2"}]}}""";
    static final String PLAIN_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"aot-2","namespace":"aot"},
            "spec":{"containers":[{"name":"app"}]}}""";

    /**
     * A throw-away self-signed certificate for 127.0.0.1 and its key, used only by this training run's loopback
     * endpoint (made with {@code openssl req -x509 -newkey rsa:2048 -days 36500 -addext subjectAltName=IP:127.0.0.1}):
     * generating one here would need the JDK's internal X.509 classes.
     */
    static final String TRAINING_CERT = """
            -----BEGIN CERTIFICATE-----
            MIIDNjCCAh6gAwIBAgIUQLRQuNwKToHeeoRJnE4B9qJsbuswDQYJKoZIhvcNAQEL
            BQAwITEfMB0GA1UEAwwWaXN0aW8tY25pLWFvdC10cmFpbmluZzAgFw0yNjEyMDEy
            MzE2MzlaGA8yMTI2MTEwNzIzMTYzOVowITEfMB0GA1UEAwwWaXN0aW8tY25pLWFv
            dC10cmFpbmluZzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMnrTB7R
            LTnJMegm6IPzh7csyYhnLYJWIZ7GP8QqXjnEDpUV842hEYola0Z9+MxeNowvAmH3
            QHVcitQHoUr4HGZVutgD7X0jzak40D8LR8u6M0D0q54IE7+onCqXQOQDFJmPaxpY
            i2HgVrsJBPZ7CWdOorbTgfjttyYXXAFPtQWANp9Qu+C4ai+QOvRiiXDZNAJofMzm
            mX1Az+KWqIbv2D/cgRS60O0gbuhLzX6OgpfdEnavnaMMqRjFvMffIk8eR3nwIeoO
            TqIWYm8H0pt70AyEaudCjSkWmf2MbxuwDGuvdAx/xRB1xhwa+vzoGDIu6KZcdzLt
            t/h4mVkWiGLsf1cCAwEAAaNkMGIwHQYDVR0OBBYEFD5NZMto6XbS7/iU+IyrchQy
            Y8o7MB8GA1UdIwQYMBaAFD5NZMto6XbS7/iU+IyrchQyY8o7MA8GA1UdEwEB/wQF
            MAMBAf8wDwYDVR0RBAgwBocEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEATxo1WLYd
            HELTLOhyqbqP75M678MuWHrgoJrNxfXY4d0BIn2ZulS0MLrcAE8n3WB6ABTbz4gT
            TOoDy+QhvaGcx0Ko0Eauzs1ov6StZkvEMiTn5YmF3pnzdAJmXSKEBeOSQ9KzE0NV
            TQ+eqTTjcePxOF1lg4OG1rsIh+kIlUBpdEgH9m6RMvGJ1SucntOWMOfynlTxiSWC
            VljufUojxXO17khrTGnLu86IVfG12APs/ZE622F/f+UMiv1FMplix5Z33f59QAOi
            EwANyvvgxUgjogcV+hsbUc1HBnSnskg5e5GesEjmuKIf5YILiAzNihkgIzpfZxSu
            dIN0Ze9/n2CSSA==
            -----END CERTIFICATE-----
            """;
    static final String TRAINING_KEY = """
            -----BEGIN PRIVATE KEY-----
            MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDJ60we0S05yTHo
            JuiD84e3LMmIZy2CViGexj/EKl45xA6VFfONoRGKJWtGffjMXjaMLwJh90B1XIrU
            B6FK+BxmVbrYA+19I82pONA/C0fLujNA9KueCBO/qJwql0DkAxSZj2saWIth4Fa7
            CQT2ewlnTqK204H47bcmF1wBT7UFgDafULvguGovkDr0Yolw2TQCaHzM5pl9QM/i
            lqiG79g/3IEUutDtIG7oS81+joKX3RJ2r52jDKkYxbzH3yJPHkd58CHqDk6iFmJv
            B9Kbe9AMhGrnQo0pFpn9jG8bsAxrr3QMf8UQdcYcGvr86BgyLuimXHcy7bf4eJlZ
            Fohi7H9XAgMBAAECggEAGXLykR/EF3hoNd5Rh+/1tvyKGgsHDVpVunE6MDs2zQkM
            3XV60OrwDv1QW/4ckYV+UoTKRBappSEYzkh3578FtVAw0HEOSattjFqAxLFjRyYc
            t58e0jgqZQmXRTbzEsngmsocsaFfT+K6i7BDU92F/eNHVsupofo0DzT6f5/QLPUW
            Q4K9zrYebNRkyMD3QqgV9nEsCcICtUuKYlKT9aTmJkcKVVvXnp6Ug3isVWdeo1VP
            Bkq1fXhyUeJnBoB3daQz0Q8lQ+JjFVxSZlpthYeRGMF5UkPLx52elNY9xpDssPJe
            3dAbIy9UsWXvQjB8+XYJ7NGa1sVI6MkkQQlYBRSFwQKBgQD+AGuYeq9CuGV1bgAV
            GNMZqIFbhEK4XrbRjq5kOLHMC00namFCSHfA3eWWRbYdoT4HCSXP5bdvXRrjfVV1
            sLyoPMW8ni+b7lByMCwqQNOWqgGu23gF2N3SU3+q/mCIIV7FohAhScAoPBRdFdr0
            bX4f3ArZj8sKDaS3DhPAGCDfnwKBgQDLgfqLXXvqgR8Re8r2JzMVz1SE/VOIITJb
            H89HJmvMojzERKBQdRwfqIynGntKeUnNs+ZqrmV44tHfFvtLe+2KP61cZojRdHFG
            ExIVsqSML/mO7cFqUoisUIRw56vl6+DdhN+uFnhg+5cFyU5f1XUMo0hUHGAODfjL
            ifBHKc1lSQKBgFoMSBjclbmvqbiB8OGJ1X0pMgMB1q2KVoHgdY7uUoomD4pDuotH
            Kb1kbXpi6HeErHrOEWus4uVGOrwfuOZqa9exA+Ekq3g6eqag0WeBaAHn74TQJbLc
            +XcRRxeV6x8XxYOHOvSyMr+Q3R9LGj7Beo9M8UPEKJU91QFYqkPVygG9AoGBAIw2
            t8sB0/jUkfVX15UVmQrz2IXwjHcEeE90cTnSbP+G4FtR9Sq6JXBijtYrVrsPKhyC
            UMU790n87SDKEsYFUrqn+Ofq9WVq1wiy5wjwFpNIEqe5hEOfLe+bYkTwOe2mQT4e
            6IZnkPUxIvKnqko5JfZZIeJh0oScd8i090nwsUWRAoGAVtH282uD8W/jdLeQr/xk
            AFW8vBHmULgDiNlezH1lfpg9oWLNJ7r5OFkKCc1LJiW4s01O6xKkjDrU4Qnnip0/
            WIveb0SmB13HrCk5HY2+zRSW+f7mP05YOQXSjcXwqTcS3rgFsLbzkE2FT+o0ALJi
            R+40l/XO2ltYZiLMmiR8EOM=
            -----END PRIVATE KEY-----
            """;

    /** The loopback API endpoint's TLS: the training certificate and key. */
    private static SSLContext trainingTls() throws GeneralSecurityException, IOException {
        Certificate cert = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(TRAINING_CERT.getBytes(StandardCharsets.US_ASCII)));
        String pem = TRAINING_KEY.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(
                new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("aot", key, new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    /**
     * Answers every request on {@code server} with {@code status} and {@code body} (the request read as the agent's
     * sockets read it, then dropped), until the socket is closed.
     */
    private static void answerEach(ServerSocketChannel server, String status, byte[] body) {
        byte[] head = ("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        Thread.ofPlatform().daemon().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel ch = server.accept()) {
                    LocalHttpRequest.read(ch, 1 << 20);
                    ch.write(new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(body)});
                } catch (IOException | RuntimeException e) {
                    // closed at the end of the training, or a client gone: nothing to train there
                }
            }
        });
    }

    private PluginTraining() {
    }

    /**
     * @param inProcess the in-process path (the second process of {@code cni.InProcessHandover}: the pod fetched over
     *                  TLS, the rules computed and applied here), else what every plugin start does: VERSION, ADD and
     *                  CHECK through the node agent's socket, DEL
     */
    static int run(boolean inProcess) {
        try {
            if (inProcess) {
                trainInProcess();
            } else {
                trainAgentPath();
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String conf(Path dir) {
        return """
                {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"istio-cni","plugin_log_level":"info",
                "cni_agent_run_dir":"%s","exclude_namespaces":["kube-system"],"pod_namespace":"istio-system",
                "prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/nonexistent"}],
                "ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"dns":{}}}
                """.formatted(dir);
    }

    /** The node agent's log socket, as a running installer serves it: the plugin POSTs its lines at exit. */
    private static ServerSocketChannel logSocket(Path dir) throws IOException {
        ServerSocketChannel logSocket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        logSocket.bind(UnixDomainSocketAddress.of(dir.resolve("log.sock")));
        answerEach(logSocket, "200 OK", new byte[0]);
        return logSocket;
    }

    private static void trainAgentPath() throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("istio-cni-aot");
        String conf = conf(dir);
        try (ServerSocketChannel logSocket = logSocket(dir);
                ServerSocketChannel podSocket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            plugin(sink, dir, conf, "VERSION", "", false);
            podSocket.bind(UnixDomainSocketAddress.of(dir.resolve(PodSetupProtocol.SOCKET_FILE)));
            answerEach(podSocket, "200 OK", PodSetupProtocol.done()); // success, protocol v1
            plugin(sink, dir, conf, "ADD", "aot-1", false);
            plugin(sink, dir, conf, "CHECK", "aot-1", false);
            plugin(sink, dir, conf, "DEL", "aot-1", false);
        } finally {
            removeAll(dir);
        }
    }

    private static void trainInProcess() throws IOException, GeneralSecurityException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("istio-cni-aot");
        String conf = conf(dir);
        HttpsServer api = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        try (ServerSocketChannel logSocket = logSocket(dir)) {
            api.setHttpsConfigurator(new HttpsConfigurator(trainingTls()));
            api.createContext("/api/v1/namespaces/aot/pods/", exchange -> {
                byte[] body = (exchange.getRequestURI().getPath().endsWith("aot-1") ? SIDECAR_POD : PLAIN_POD)
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            api.start();
            Files.writeString(dir.resolve("istio-cni-kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: local, cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}}]
                    users: [{name: istio-cni, user: {token: aot}}]
                    contexts: [{name: c, context: {cluster: local, user: istio-cni}}]
                    current-context: c
                    """.formatted(api.getAddress().getPort(), Base64.getEncoder().encodeToString(
                    TRAINING_CERT.getBytes(StandardCharsets.US_ASCII))));
            plugin(sink, dir, conf, "ADD", "aot-2", true);
            plugin(sink, dir, conf, "ADD", "aot-1", true);
            plugin(sink, dir, conf, "CHECK", "aot-1", true);
            // The user-namespace owner lookup (foreign calls; pods with hostUsers: false), on our own namespace.
            try (var ignored = io.istiocni.netns.OwnerUserNamespace.of("/proc/self/ns/net")) {
                // ours: null
            } catch (IOException e) {
                // not on Linux's /proc: nothing to train
            }
        } finally {
            api.stop(0);
            removeAll(dir);
        }
    }

    private static void removeAll(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** One plugin invocation, as a container runtime makes it, its output discarded. */
    private static void plugin(PrintStream sink, Path dir, String conf, String command, String pod,
            boolean secondProcess) {
        Map<String, String> cni = new HashMap<>(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "aot",
                "CNI_NETNS", dir.resolve("no-such-netns").toString(), "CNI_IFNAME", "eth0", "CNI_PATH",
                "/opt/cni/bin", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=aot;K8S_POD_NAME=" + pod
                        + ";K8S_POD_UID=aot-uid"));
        if (secondProcess) {
            cni.put(InProcessHandover.IN_PROCESS_ENV, "1");
        }
        try (PodRedirect handler = new PodRedirect(sink)) {
            PluginMain.run(handler, PluginMain.DEADLINE, cni, new ByteArrayInputStream(conf.getBytes(
                    StandardCharsets.UTF_8)), sink);
        }
    }
}
