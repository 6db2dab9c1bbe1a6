package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.istiocni.testing.HostCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chained plugin (ptp + istio-cni) with {@code native_nftables: true} (nftables.md 9): ADD programs the nft
 * tables with the host's nft (no iptables rule), traffic is captured, CHECK verifies by meaning (§8): a deleted rule
 * or table fails it naming what is missing, a re-ADD fixes it, an extra empty chain does not fail it.
 */
@EnableKubernetesMockClient(crud = true)
class NftPluginChainIT {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @TempDir
    Path tmp;

    private Path runDir;
    private CniRuntime runtime;
    private final List<Netns> namespaces = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        ItSupport.requireNftTools();
        HostCapabilities.requireCniPlugins("ptp", "host-local");
        runDir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(runDir.resolve("istio-cni-kubeconfig"),
                PluginChainIT.kubeconfig(client.getMasterUrl().toString()));
        runtime = new CniRuntime(CniRuntime.pluginDirWithIstioCni(tmp.resolve("bin")), conflist());
    }

    @AfterEach
    void tearDown() {
        namespaces.forEach(Netns::close);
    }

    JsonNode conflist() throws IOException {
        return CniRuntime.JSON.readTree("""
                {"cniVersion": "1.0.0", "name": "k8s-pod-network", "plugins": [
                  {"type": "ptp", "ipMasq": false,
                   "ipam": {"type": "host-local", "subnet": "10.248.0.0/24", "dataDir": "%s"}},
                  {"type": "istio-cni", "plugin_log_level": "debug", "cni_agent_run_dir": "%s",
                   "exclude_namespaces": ["kube-system"], "pod_namespace": "istio-system", "native_nftables": true}
                ]}
                """.formatted(tmp.resolve("ipam"), runDir));
    }

    Netns newNamespace() {
        Netns ns = Netns.create();
        namespaces.add(ns);
        return ns;
    }

    ItSupport.Result plugin(String command, String containerId, Netns pod, String name, JsonNode prevResult)
            throws IOException {
        String conf = runtime.pluginConfig(conflist().get("plugins").get(1), prevResult).toString();
        return CniRuntime.exec(runtime.binary("istio-cni"),
                runtime.env(command, containerId, pod.path(), PluginChainIT.cniArgs("shop", name)), conf);
    }

    static String checkError(ItSupport.Result r) throws IOException {
        assertEquals(1, r.exit(), r.describe());
        JsonNode error = CniRuntime.JSON.readTree(r.stdout());
        assertEquals(999, error.get("code").asInt());
        return error.get("msg").asText();
    }

    @Test
    void addCapturesWithNftAndCheckVerifiesByMeaning() throws IOException {
        client.pods().inNamespace("shop").resource(PluginChainIT.sidecarPod("shop", "nft-0")).create();
        Netns pod = newNamespace();
        String containerId = "abcd" + pod.name().substring(4);

        CniRuntime.ChainResult add = runtime.add(containerId, pod.path(), PluginChainIT.cniArgs("shop", "nft-0"));
        assertTrue(add.ok(), () -> "ADD failed in " + add.failedPlugin() + ":\n" + add.failure().describe());
        String nat = pod.execOk("nft", "list", "table", "inet", "istio-proxy-nat").stdout();
        assertTrue(nat.contains("jump istio-output"), nat);
        assertFalse(pod.execOk("iptables-nft-save").stdout().contains("ISTIO"));
        assertFalse(pod.execOk("iptables-legacy-save").stdout().contains("ISTIO"));

        Netns peer = newNamespace();
        pod.connect("ext0", peer, "10.254.17.2/24", "10.254.17.1/24"); // eth0 is ptp's
        peer.startServer(-1, -1, "peer", "tcp:8080");
        pod.startServer(1337, 1337, "proxy", "tcp:15001", "tcp:15006");
        assertTrue(pod.client(1000, 1000, "tcp", "10.254.17.1", 8080).startsWith("proxy tcp:15001"));
        assertTrue(peer.client(-1, -1, "tcp", "10.254.17.2", 9000).startsWith("proxy tcp:15006"));
        assertTrue(pod.client(1337, 1337, "tcp", "10.254.17.1", 8080).startsWith("peer tcp:8080"));

        ItSupport.Result check = plugin("CHECK", containerId, pod, "nft-0", add.result());
        assertEquals(0, check.exit(), check.describe());

        // drift: the outbound entry rule is deleted by handle
        String output = pod.execOk("nft", "-a", "list", "chain", "inet", "istio-proxy-nat", "output").stdout();
        Matcher handle = Pattern.compile("jump istio-output # handle (\\d+)").matcher(output);
        assertTrue(handle.find(), output);
        pod.execOk("nft", "delete", "rule", "inet", "istio-proxy-nat", "output", "handle", handle.group(1));
        String drift = checkError(plugin("CHECK", containerId, pod, "nft-0", add.result()));
        assertTrue(drift.startsWith("istio-cni rules are not in place in " + pod.path() + ": table inet"
                + " istio-proxy-nat chain output rule 1: have no rule, want \"counter jump istio-output\""), drift);

        // ADD again (flush and rewrite) puts it back; an extra empty chain is flush residue and passes
        ItSupport.Result again = plugin("ADD", containerId, pod, "nft-0", add.result());
        assertEquals(0, again.exit(), again.describe());
        pod.execOk("nft", "add", "chain", "inet", "istio-proxy-nat", "leftover");
        assertEquals(0, plugin("CHECK", containerId, pod, "nft-0", add.result()).exit());

        pod.execOk("nft", "delete", "table", "inet", "istio-proxy-nat");
        assertTrue(checkError(plugin("CHECK", containerId, pod, "nft-0", add.result()))
                .endsWith(": table inet istio-proxy-nat missing"));

        CniRuntime.ChainResult del = runtime.del(containerId, pod.path(), PluginChainIT.cniArgs("shop", "nft-0"),
                add.result());
        assertTrue(del.ok(), () -> "DEL failed in " + del.failedPlugin() + ":\n" + del.failure().describe());
    }
}
