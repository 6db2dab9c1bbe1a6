package io.istiocni.cni.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istiocni.cni.AddRequest;
import io.istiocni.cni.CniArgs;
import io.istiocni.cni.CniException;
import io.istiocni.cni.CniResult;
import io.istiocni.cni.NetConf;
import io.istiocni.rules.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod set-up protocol: what the plugin sends is what the agent reads, with the plugin's own parsers. */
public class PodSetupProtocolTest {

    static AddRequest request(String prevResult) throws Exception {
        JsonNode conf = new ObjectMapper().readTree("""
                {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"istio-cni","cni_agent_run_dir":"/run/x",
                 "plugin_log_level":"debug","exclude_namespaces":["kube-system","ops"],"pod_namespace":"istio-system"
                 %s}""".formatted(prevResult == null ? "" : ",\"prevResult\":" + prevResult));
        NetConf netConf = NetConf.parse(conf);
        String args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=u-1";
        CniResult prev = netConf.prevResult() == null ? null : CniResult.parse(netConf.prevResult(), "1.0.0");
        return new AddRequest(netConf, prev, "web-1", "shop", "/var/run/netns/cni-1", "c1", "eth0",
                CniArgs.load(args), Map.of("CNI_ARGS", args, "ISTIO_OUTBOUND_OWNER_GROUPS", "100,200", "HOME", "/root"));
    }

    /** A typical ADD request (for the socket's tests). */
    public static AddRequest requestForTests() throws Exception {
        return request("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}");
    }

    @Test
    void theAgentReadsTheRequestAsThePluginParsedIt() throws Exception {
        AddRequest sent = request("""
                {"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"},{"address":"fd00::2/64"}]}""");
        PodSetupProtocol.PodRequest got = PodSetupProtocol.readRequest(PodSetupProtocol.request("ADD", sent, 40000));
        AddRequest r = got.request();
        assertEquals("ADD", got.command());
        assertEquals(40000, got.timeoutMillis());
        assertEquals("web-1", r.podName());
        assertEquals("shop", r.podNamespace());
        assertEquals("u-1", r.args().podUid());
        assertEquals("/var/run/netns/cni-1", r.netns());
        assertEquals("c1", r.containerId());
        assertEquals("eth0", r.ifName());
        assertEquals(List.of(IpAddress.parse("10.0.0.2"), IpAddress.parse("fd00::2")), r.prevResultAddresses());
        assertEquals(sent.conf().kubeconfigPath(), r.conf().kubeconfigPath());
        assertEquals(List.of("kube-system", "ops"), r.conf().excludeNamespaces());
        assertEquals("istio-system", r.conf().podNamespace());
        assertEquals("debug", r.conf().logLevel());
        assertEquals("100,200", r.env().get("ISTIO_OUTBOUND_OWNER_GROUPS"));
        assertNull(r.env().get("HOME"), "only the settings' variables travel");
    }

    @Test
    void withoutPrevResultTheAgentHasNoneEither() throws Exception {
        PodSetupProtocol.PodRequest got = PodSetupProtocol.readRequest(
                PodSetupProtocol.request("CHECK", request(null), 1000));
        assertEquals("CHECK", got.command());
        assertTrue(!got.request().hasPrevResult());
    }

    @Test
    void otherVersionsAndCommandsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PodSetupProtocol.readRequest(
                "{\"version\":2,\"command\":\"ADD\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> PodSetupProtocol.readRequest(
                "{\"version\":1,\"command\":\"DEL\",\"conf\":{}}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> PodSetupProtocol.readRequest(
                "[1]".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badCniArgsGetThePluginsError() throws Exception {
        String body = new String(PodSetupProtocol.request("ADD", request(null), 1000), StandardCharsets.UTF_8)
                .replace("IgnoreUnknown=1;", "IgnoreUnknown=1;;");
        CniException e = assertThrows(CniException.class,
                () -> PodSetupProtocol.readRequest(body.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("failed to load args: "), e.getMessage());
    }

    @Test
    void answersRoundTrip() {
        assertInstanceOf(PodSetupProtocol.Done.class, PodSetupProtocol.readAnswer(PodSetupProtocol.done()));
        PodSetupProtocol.Answer failed = PodSetupProtocol.readAnswer(
                PodSetupProtocol.failed(new CniException(8, "bad netns", "details")));
        CniException e = assertInstanceOf(PodSetupProtocol.Failed.class, failed).error();
        assertEquals(8, e.code());
        assertEquals("bad netns", e.msg());
        assertEquals("details", e.details());
        PodSetupProtocol.Answer notMine = PodSetupProtocol.readAnswer(PodSetupProtocol.declined("not-mine", "why"));
        assertEquals("not-mine: why", assertInstanceOf(PodSetupProtocol.Declined.class, notMine).reason());
        assertInstanceOf(PodSetupProtocol.Declined.class,
                PodSetupProtocol.readAnswer("{\"version\":9,\"result\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
        assertInstanceOf(PodSetupProtocol.Declined.class,
                PodSetupProtocol.readAnswer("garbage".getBytes(StandardCharsets.UTF_8)));
    }
}
