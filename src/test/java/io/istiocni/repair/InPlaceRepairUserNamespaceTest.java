package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.netns.ScratchNamespace;
import io.istiocni.testing.HostCapabilities;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Repair in place of a pod with {@code hostUsers: false}, on a node with legacy iptables: the namespace is found
 * through the host's /proc and the rules are written from inside the pod's user namespace, as the plugin does.
 */
class InPlaceRepairUserNamespaceTest {

    private ScratchNamespace ns;
    private ScratchNamespace peer;
    private String podIp;

    @BeforeEach
    void namespace() {
        ScratchNamespace.assumeAvailable();
        HostCapabilities.requireIptables();
        ns = ScratchNamespace.createInOwnUserNamespace();
        podIp = "10.77." + (1 + (int) (Math.random() * 250)) + ".9";
        peer = ScratchNamespace.create();
        ns.check("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer.name());
        ns.check("ip", "addr", "add", podIp + "/24", "dev", "eth0");
        ns.check("ip", "link", "set", "eth0", "up");
        // legacy iptables in use in the pod: someone else's rule is already there
        ns.check("iptables-legacy", "-t", "filter", "-A", "INPUT", "-s", "192.0.2.9/32", "-j", "DROP");
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

    private Pod brokenPod(Boolean hostUsers) {
        Pod pod = TestPods.pod("shop", "userns", "node-a", TestPods.crashLooping("istio-validation", 126, ""));
        pod.getSpec().setHostUsers(hostUsers);
        pod.getStatus().setPodIP(podIp);
        pod.getStatus().setPodIPs(List.of(new PodIP(podIp)));
        return pod;
    }

    @Test
    void rulesAreWrittenFromInsideThePodsUserNamespace() throws Exception {
        InPlaceRepair.Repaired result = assertInstanceOf(InPlaceRepair.Repaired.class,
                InPlaceRepair.forHost("/proc", List.of()).repair(brokenPod(false)));
        assertEquals(ApplyOutcome.APPLIED, result.outcome());
        assertTrue(result.netns().startsWith(Path.of("/proc")), result.netns().toString());
        String dump = ns.check("iptables-legacy-save");
        assertTrue(dump.contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN"), dump);
        assertFalse(ns.check("iptables-nft-save").contains("ISTIO"));
    }

    @Test
    void withoutHostUsersFalseThePodIsTakenAtItsWordAndTheKernelRefuses() {
        // kubelet never gives such a pod a user namespace of its own; here it has one, so the host's write fails
        InPlaceRepair.RepairException e = assertThrows(InPlaceRepair.RepairException.class,
                () -> InPlaceRepair.forHost("/proc", List.of()).repair(brokenPod(null)));
        assertTrue(e.getMessage().startsWith("program redirection: ") && e.getMessage().contains("iptables-legacy"),
                e.getMessage());
    }
}
