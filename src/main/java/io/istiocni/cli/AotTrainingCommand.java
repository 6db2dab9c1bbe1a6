package io.istiocni.cli;

import com.sun.net.httpserver.HttpServer;
import io.istiocni.cni.NamespaceIdentity;
import io.istiocni.cni.Plugin;
import io.istiocni.cni.PodRedirect;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The JDK 25 AOT cache is recorded from one training run, so this hidden mode runs, in one process and without
 * touching the machine, what the short-lived modes do on their hot path: the iptables mode's flag and pod dry runs,
 * the user-namespace owner lookup, a validation check, and plugin invocations (VERSION, DEL, ADD with the pod fetched
 * from a loopback endpoint) whose output is discarded. Run by {@code src/main/launcher/aot-train.sh} at build time.
 */
@Command(name = "aot-training", hidden = true, description = "Build-time AOT cache training run.")
public class AotTrainingCommand implements Callable<Integer> {

    static final String SIDECAR_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"aot-1","namespace":"aot","annotations":{
            "sidecar.istio.io/status":"{}","traffic.sidecar.istio.io/excludeInboundPorts":"8081"}},
            "spec":{"containers":[{"name":"app"},{"name":"istio-proxy","args":["proxy","sidecar"],
            "env":[{"name":"ISTIO_META_DNS_CAPTURE","value":"true"}],"securityContext":{"runAsUser":1337}}]},
            "status":{"podIP":"10.0.0.2","podIPs":[{"ip":"10.0.0.2"}]}}""";
    static final String PLAIN_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"aot-2","namespace":"aot"},
            "spec":{"containers":[{"name":"app"}]}}""";

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Answers every request on the socket with 200 (the body is read and dropped), until the socket is closed. */
    private static Runnable answerOk(ServerSocketChannel server) {
        return () -> {
            while (server.isOpen()) {
                try (SocketChannel ch = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    String got = "";
                    int headEnd;
                    while ((headEnd = got.indexOf("\r\n\r\n")) < 0 && ch.read(buf) > 0) {
                        got = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
                    }
                    int length = 0;
                    for (String line : got.substring(0, Math.max(headEnd, 0)).split("\r\n")) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    while (buf.position() < headEnd + 4 + length && buf.hasRemaining() && ch.read(buf) > 0) {
                        // the rest of the body
                    }
                    ch.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException | RuntimeException e) {
                    // closed at the end of the training, or a client gone: nothing to train there
                }
            }
        };
    }

    @Override
    public Integer call() throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("istio-cni-aot");
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ServerSocketChannel logSocket = null;
        try {
            Map<String, String> env = Map.of("ENABLE_INBOUND_IPV6", "true", "DNS_SERVERS_V4", "10.96.0.10",
                    "DNS_SERVERS_V6", "fd00::a");
            IptablesCommand.run(List.of("--dry-run", "-u", "1337", "-g", "1337", "-m", "REDIRECT", "-i", "*", "-x",
                    "10.1.0.0/16", "-b", "*", "-d", "15090,15021,15020", "--redirect-dns"), env, sink, sink);
            // The validation check (fails quickly: nothing redirects here), on free ports of this machine.
            IptablesCommand.run(List.of("--run-validation", "--skip-rule-apply", "--probe-timeout", "300ms", "-p",
                    Integer.toString(freePort()), "-z", Integer.toString(freePort())), Map.of(), sink, sink);
            // The user-namespace owner lookup (foreign calls), on our own namespace: read-only.
            try (var ignored = io.istiocni.netns.OwnerUserNamespace.of("/proc/self/ns/net")) {
                // ours: null
            } catch (IOException e) {
                // not on Linux's /proc: nothing to train
            }
            Path pod = dir.resolve("pod.json");
            Files.writeString(pod, SIDECAR_POD);
            IptablesCommand.run(List.of("--pod", pod.toString(), "--dry-run"), env, sink, sink);

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
                    clusters: [{name: local, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: istio-cni, user: {token: aot}}]
                    contexts: [{name: c, context: {cluster: local, user: istio-cni}}]
                    current-context: c
                    """.formatted(api.getAddress().getPort()));
            // the node agent's log socket, as a running installer serves it: the plugin POSTs its lines at exit
            logSocket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            logSocket.bind(UnixDomainSocketAddress.of(dir.resolve("log.sock")));
            Thread.ofPlatform().daemon().start(answerOk(logSocket));
            String conf = """
                    {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"istio-cni","plugin_log_level":"debug",
                    "cni_agent_run_dir":"%s","exclude_namespaces":["kube-system"],"pod_namespace":"istio-system",
                    "prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/nonexistent"}],
                    "ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"dns":{}}}
                    """.formatted(dir);
            for (String[] call : new String[][] {{"VERSION", ""}, {"ADD", "aot-2"}, {"ADD", "aot-1"}, {"DEL", "aot-1"}}) {
                Map<String, String> cni = new HashMap<>(Map.of("CNI_COMMAND", call[0], "CNI_CONTAINERID", "aot",
                        "CNI_NETNS", dir.resolve("no-such-netns").toString(), "CNI_IFNAME", "eth0", "CNI_PATH",
                        "/opt/cni/bin", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=aot;K8S_POD_NAME=" + call[1]));
                try (PodRedirect handler = new PodRedirect(sink)) {
                    Plugin.run(cni, new ByteArrayInputStream(conf.getBytes(StandardCharsets.UTF_8)), sink, sink, handler,
                            NamespaceIdentity.system());
                }
            }
            return 0;
        } finally {
            api.stop(0);
            if (logSocket != null) {
                logSocket.close();
            }
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
