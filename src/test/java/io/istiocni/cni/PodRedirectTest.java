package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istiocni.cni.log.PluginLog;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.kube.PodFetchException;
import io.istiocni.netns.CommandRunner;
import io.istiocni.nftables.NftApplier;
import io.istiocni.redirect.CaptureBackends;
import io.istiocni.redirect.IptablesBackend;
import io.istiocni.redirect.NftablesBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ADD decision flow of plugin.md section 7 with a fake API server and fake iptables tools. */
class PodRedirectTest {

    @TempDir
    Path dir;

    final List<String> fetched = new ArrayList<>();
    final List<List<String>> commands = new ArrayList<>();
    String podJson;
    PodFetchException fetchError;

    static final String SIDECAR = """
            {"kind":"Pod","metadata":{"name":"web-1","namespace":"shop","annotations":{"sidecar.istio.io/status":"{}"}},
             "spec":{"containers":[{"name":"app"},{"name":"istio-proxy"}]}}""";

    @BeforeEach
    void kubeconfig() throws IOException {
        Files.writeString(dir.resolve("istio-cni-kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: local, cluster: {server: "https://10.96.0.1:443", insecure-skip-tls-verify: true}}]
                users: [{name: istio-cni, user: {token: t}}]
                contexts: [{name: c, context: {cluster: local, user: istio-cni}}]
                current-context: c
                """);
    }

    PodRedirect handler() {
        PluginLog log = new PluginLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), 1 << 20,
                Duration.ofSeconds(1));
        CommandRunner fake = new CommandRunner() {
            @Override
            public Result run(List<String> argv, Map<String, String> extraEnv, String stdin) {
                commands.add(argv);
                String out = argv.size() == 2 && argv.get(1).equals("--version") ? "iptables-nft-save v1.8.9 (nf_tables)"
                        : "";
                return new Result(argv.get(0).contains("legacy") ? 1 : 0, out, "");
            }
        };
        return new PodRedirect(log, kc -> (namespace, name) -> {
            fetched.add(namespace + "/" + name);
            if (fetchError != null) {
                throw fetchError;
            }
            return podJson;
        }, CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> fake))));
    }

    /** The plugin's wiring with the node agent asked first (issue 10). */
    PodRedirect handlerAskingTheAgent() {
        PluginLog log = new PluginLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), 1 << 20,
                Duration.ofSeconds(1));
        CommandRunner fake = (argv, extraEnv, stdin) -> {
            commands.add(argv);
            return new CommandRunner.Result(1, "", "");
        };
        return new PodRedirect(log, kc -> (namespace, name) -> {
            fetched.add(namespace + "/" + name);
            return podJson;
        }, CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> fake))),
                new io.istiocni.cni.agent.PodSetupClient(Duration.ofMillis(500), Duration.ofSeconds(5)), true);
    }

    /** A node agent on {@code <dir>/pod.sock} answering every request with {@code body}; returns the requests seen. */
    List<String> agentAnswering(byte[] body) throws IOException {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("pod.sock")));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (var ch = server.accept()) {
                    var in = java.nio.ByteBuffer.allocate(65536);
                    String got = "";
                    while (!got.contains("}") && ch.read(in) > 0) {
                        got = new String(in.array(), 0, in.position(), java.nio.charset.StandardCharsets.UTF_8);
                    }
                    seen.add(got);
                    ch.write(java.nio.ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                    ch.write(java.nio.ByteBuffer.wrap(body));
                } catch (IOException e) {
                    return;
                }
            }
        });
        servers.add(server);
        return seen;
    }

    final List<java.nio.channels.ServerSocketChannel> servers = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeServers() throws IOException {
        for (var s : servers) {
            s.close();
        }
    }

    @Test
    void theAgentsAnswerIsThePluginsAndNothingIsFetchedOrRun() throws Exception {
        List<String> seen = agentAnswering(io.istiocni.cni.agent.PodSetupProtocol.done());
        Files.delete(dir.resolve("istio-cni-kubeconfig")); // the agent reads it, not the plugin
        handlerAskingTheAgent().add(request("", "shop", "web-1", "/proc/self/ns/net"));
        assertEquals(1, seen.size());
        assertTrue(seen.get(0).startsWith("POST /v1/pod HTTP/1.1"), seen.get(0));
        assertTrue(fetched.isEmpty());
        assertTrue(commands.isEmpty());
    }

    @Test
    void theAgentsErrorIsThePlugins() throws Exception {
        agentAnswering(io.istiocni.cni.agent.PodSetupProtocol.failed(
                CniException.internal("failed to createNewK8sClient: no such file")));
        CniException e = assertThrows(CniException.class,
                () -> handlerAskingTheAgent().add(request("", "shop", "web-1", "/proc/self/ns/net")));
        assertEquals("failed to createNewK8sClient: no such file", e.getMessage());
        assertTrue(fetched.isEmpty());
    }

    @Test
    void excludedPodsAreNeverAskedAndWithoutAnAgentThePluginFetches() throws Exception {
        List<String> seen = agentAnswering(io.istiocni.cni.agent.PodSetupProtocol.done());
        handlerAskingTheAgent().add(request("", "kube-system", "coredns-1", "/x"));
        assertTrue(seen.isEmpty());
        closeServers();
        Files.delete(dir.resolve("pod.sock"));
        podJson = """
                {"kind":"Pod","metadata":{"name":"db","namespace":"shop"},"spec":{"containers":[{"name":"db"}]}}""";
        handlerAskingTheAgent().add(request("", "shop", "db", "/x"));
        assertEquals(List.of("shop/db"), fetched);
    }

    @Test
    void theAgentSideReadsTheKubeconfigAsThePluginDoes() throws Exception {
        Files.delete(dir.resolve("istio-cni-kubeconfig"));
        CniException e = assertThrows(CniException.class, () -> new AgentPodSetup(
                new PrintStream(OutputStream.nullOutputStream()),
                CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> null))))
                .run("ADD", request("", "shop", "web-1", "/proc/self/ns/net"), SIDECAR));
        assertTrue(e.getMessage().startsWith("failed to createNewK8sClient: "), e.getMessage());
    }

    /**
     * The node agent passes the conf's native_nftables into the same pipeline: the backend is chosen there, so the
     * agent side programs exactly the nft transaction the plugin's in-process ADD programs, and no iptables.
     */
    @Test
    void theAgentSideChoosesTheBackendFromTheConfAsThePluginDoes() throws Exception {
        podJson = SIDECAR;
        AddRequest nft = request(",\"native_nftables\":true", "shop", "web-1", "/proc/self/ns/net");
        List<String> inProcess = new ArrayList<>();
        new PodRedirect(new PluginLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), 1 << 20,
                Duration.ofSeconds(1)), kc -> (namespace, name) -> podJson, recordingNft(inProcess)).add(nft);
        List<String> agentSide = new ArrayList<>();
        new AgentPodSetup(new PrintStream(OutputStream.nullOutputStream()), recordingNft(agentSide))
                .run("ADD", nft, SIDECAR);
        assertEquals(1, inProcess.size(), inProcess.toString());
        assertTrue(inProcess.get(0).startsWith("add table inet istio-proxy-nat\n"), inProcess.get(0));
        assertEquals(inProcess, agentSide);
    }

    /** Backends whose nft records each transaction it loads and whose iptables must not run. */
    CaptureBackends recordingNft(List<String> loaded) throws IOException {
        Path nft = dir.resolve("nft");
        if (!Files.exists(nft)) {
            Files.writeString(nft, "#!/bin/sh\n");
            nft.toFile().setExecutable(true);
        }
        NftApplier applier = new NftApplier(ns -> (argv, env, stdin) -> {
            if (argv.equals(List.of(nft.toString(), "-f", "-"))) {
                loaded.add(stdin);
            }
            return new CommandRunner.Result(0, argv.getLast().equals("--version") ? "nftables v1.0.6\n" : "", "");
        }, dir.toString(), w -> { });
        return CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> {
            throw new AssertionError("no iptables with native_nftables");
        })), new NftablesBackend(applier));
    }

    AddRequest request(String extraConf, String namespace, String name, String netns) throws Exception {
        JsonNode conf = new ObjectMapper().readTree("""
                {"cniVersion":"1.0.0","name":"net","type":"istio-cni","cni_agent_run_dir":"%s",
                 "exclude_namespaces":["kube-system"],"pod_namespace":"istio-system"%s}""".formatted(dir, extraConf));
        JsonNode prev = new ObjectMapper().readTree("""
                {"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}""");
        return new AddRequest(NetConf.parse(conf), CniResult.parse(prev, "1.0.0"), name, namespace, netns, "c1",
                "eth0", CniArgs.EMPTY, Map.of());
    }

    @Test
    void theAgentsOwnPodNeedsNoKubeconfig() throws Exception {
        Files.delete(dir.resolve("istio-cni-kubeconfig"));
        handler().add(request("", "istio-system", "istio-cni-node-x7z", "/proc/self/ns/net"));
        assertTrue(fetched.isEmpty());
    }

    @Test
    void aMissingKubeconfigBlocksEveryOtherPod() throws Exception {
        Files.delete(dir.resolve("istio-cni-kubeconfig"));
        CniException e = assertThrows(CniException.class, () -> handler().add(request("", "", "", "/x")));
        assertTrue(e.getMessage().startsWith("failed to createNewK8sClient: "), e.getMessage());
    }

    @Test
    void nonKubernetesAndExcludedPodsAreNotFetched() throws Exception {
        handler().add(request("", "", "", "/x"));
        handler().add(request("", "kube-system", "coredns-1", "/x"));
        assertTrue(fetched.isEmpty());
        assertTrue(commands.isEmpty());
    }

    @Test
    void theFetchErrorIsTheCniError() throws Exception {
        fetchError = new PodFetchException("pods \"web-1\" is forbidden: nope", 403);
        CniException e = assertThrows(CniException.class, () -> handler().add(request("", "shop", "web-1", "/x")));
        assertEquals(999, e.code());
        assertEquals("pods \"web-1\" is forbidden: nope", e.getMessage());
    }

    @Test
    void skippedPodsGetNoRulesEvenWithABadNetns() throws Exception {
        podJson = """
                {"kind":"Pod","metadata":{"name":"db","namespace":"shop"},"spec":{"containers":[{"name":"db"}]}}""";
        handler().add(request(",\"native_nftables\":true", "shop", "db", "/no/such/netns"));
        assertEquals(List.of("shop/db"), fetched);
        assertTrue(commands.isEmpty());
    }

    @Test
    void annotationErrorsFailTheAdd() throws Exception {
        podJson = SIDECAR.replace("\"{}\"", "\"{}\",\"traffic.sidecar.istio.io/excludeInboundPorts\":\"80,x\"");
        CniException bad = assertThrows(CniException.class, () -> handler().add(request("", "shop", "web-1", "/x")));
        assertTrue(bad.getMessage().startsWith("annotation value error for value excludeInboundPorts;"),
                bad.getMessage());
    }

    @Test
    void nativeNftablesProgramsOneNftTransactionInThePodsNamespace() throws Exception {
        podJson = SIDECAR;
        Path nft = dir.resolve("nft");
        Files.writeString(nft, "#!/bin/sh\n");
        nft.toFile().setExecutable(true);
        List<String> stdins = new ArrayList<>();
        List<String> namespaces = new ArrayList<>();
        NftApplier nftables = new NftApplier(ns -> (argv, env, stdin) -> {
            commands.add(argv);
            stdins.add(stdin);
            namespaces.add(ns);
            return new CommandRunner.Result(0, argv.getLast().equals("--version") ? "nftables v1.0.6\n" : "", "");
        }, dir.toString(), w -> { });
        PodRedirect handler = new PodRedirect(new PluginLog(new PrintStream(OutputStream.nullOutputStream()),
                Clock.systemUTC(), 1 << 20, Duration.ofSeconds(1)), kc -> (namespace, name) -> podJson,
                CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> {
                    throw new AssertionError("no iptables with native_nftables");
                })), new NftablesBackend(nftables)));
        handler.add(request(",\"native_nftables\":true", "shop", "web-1", "/proc/self/ns/net"));
        int load = commands.indexOf(List.of(nft.toString(), "-f", "-"));
        assertTrue(load > 0, commands.toString());
        assertEquals("/proc/self/ns/net", namespaces.get(load));
        assertTrue(stdins.get(load).startsWith("add table inet istio-proxy-nat\n"), stdins.get(load));
        assertTrue(stdins.get(load).contains("skuid 1337 counter return"), stdins.get(load));
        assertTrue(commands.stream().noneMatch(c -> c.getFirst().contains("iptables")), commands.toString());
    }

    @Test
    void anUnopenableNetnsIsNamed() throws Exception {
        podJson = SIDECAR;
        CniException e = assertThrows(CniException.class,
                () -> handler().add(request("", "shop", "web-1", "/no/such/netns")));
        assertTrue(e.getMessage().startsWith("failed to open netns \"/no/such/netns\""), e.getMessage());
    }

    @Test
    void aRegularFileOrADirectoryIsNotANetworkNamespace() throws Exception {
        podJson = SIDECAR;
        Path file = Files.createFile(dir.resolve("netns"));
        for (Path notNetns : List.of(file, dir)) {
            CniException e = assertThrows(CniException.class,
                    () -> handler().add(request("", "shop", "web-1", notNetns.toString())));
            assertEquals("failed to open netns \"" + notNetns + "\": not a network namespace", e.getMessage());
        }
        CniException user = assertThrows(CniException.class,
                () -> handler().add(request("", "shop", "web-1", "/proc/self/ns/user")));
        assertTrue(user.getMessage().endsWith("not a network namespace"), user.getMessage());
        assertTrue(commands.isEmpty(), commands.toString());
    }

    @Test
    void sidecarPodRulesAreRestoredIntoItsNamespace() throws Exception {
        podJson = SIDECAR;
        // a real network namespace file (ours: the fake tools never enter it)
        handler().add(request("", "shop", "web-1", "/proc/self/ns/net"));
        assertTrue(commands.stream().anyMatch(c -> c.get(0).equals("iptables-nft-restore")), commands.toString());
        assertTrue(commands.stream().noneMatch(c -> c.get(0).startsWith("ip6tables")), "IPv4 pod: " + commands);
    }
}
