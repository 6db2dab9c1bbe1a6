package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.netns.ScratchNamespace;
import io.istiocni.testing.HostCapabilities;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Repair in place on a node whose plugin runs with {@code NATIVE_NFTABLES} (nftables.md 9): the namespace is found
 * through the host's /proc and the nft tables are written there, with no iptables rule; a pod with its own user
 * namespace needs nothing special (7.6).
 */
class InPlaceRepairNftablesTest {

    private ScratchNamespace ns;
    private ScratchNamespace peer;
    private String podIp;

    @BeforeEach
    void namespace() {
        HostCapabilities.requireNetworkNamespaces();
        HostCapabilities.requireCommand("nft", "--version");
        ns = ScratchNamespace.createInOwnUserNamespace();
        podIp = "10.78." + (1 + (int) (Math.random() * 250)) + ".9";
        peer = ScratchNamespace.create();
        ns.check("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer.name());
        ns.check("ip", "addr", "add", podIp + "/24", "dev", "eth0");
        ns.check("ip", "link", "set", "eth0", "up");
    }

    @AfterEach
    void delete() {
        if (ns != null) {
            ns.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void theNftTablesAreWrittenIntoThePodsNamespace() throws Exception {
        Pod pod = TestPods.pod("shop", "nft", "node-a", TestPods.crashLooping("istio-validation", 126, ""));
        pod.getSpec().setHostUsers(false);
        pod.getStatus().setPodIP(podIp);
        pod.getStatus().setPodIPs(List.of(new PodIP(podIp)));

        InPlaceRepair.Result result = InPlaceRepair.forHost("/proc", List.of(), true).repair(pod);

        InPlaceRepair.Repaired repaired = assertInstanceOf(InPlaceRepair.Repaired.class, result);
        assertEquals(ApplyOutcome.APPLIED, repaired.outcome());
        assertEquals(List.of(), repaired.warnings(), "nftables.md 7.6: no owner to look for, nothing to warn");
        String nat = ns.check("nft", "list", "table", "inet", "istio-proxy-nat");
        assertTrue(nat.contains("skuid 1337 counter packets 0 bytes 0 return"), nat);
        assertTrue(nat.contains("jump istio-in-redirect"), nat);
        assertFalse(ns.check("iptables-nft-save").contains("ISTIO"));
        assertFalse(ns.check("iptables-legacy-save").contains("ISTIO"));
    }
}
