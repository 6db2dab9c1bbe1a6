package io.istiocni.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.IpAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of the check: texts, exit status, family choice, probe recognition. */
class ValidationTest {

    @Test
    void failureMessageIsIstiosWording() {
        assertEquals("""
                iptables validation failed; workload is not ready for Istio.
                When using Istio CNI, this can occur if a pod is scheduled before the node is ready.

                If installed with 'cni.repair.deletePods=true', this pod should automatically be deleted and retry.
                Otherwise, this pod will need to be manually removed so that it is scheduled on a node with \
                istio-cni running, allowing iptables rules to be established.""", Validation.FAILURE_MESSAGE);
        assertEquals(126, Validation.EXIT_FAILED);
        assertEquals("Validation passed, iptables rules established", Validation.PASSED);
        assertEquals("error: validation timeout\n" + Validation.FAILURE_MESSAGE + "\n",
                Validation.failureText(Validation.TIMEOUT_REASON));
    }

    @Test
    void noListenerReasonNamesBothEndpoints() {
        assertEquals("no listener available: 127.0.0.1:15001,127.0.0.1:15006",
                Validation.noListenerReason(ValidationTarget.IPV4.listen(), List.of(15001, 15006)));
        assertEquals("no listener available: [::1]:15001,[::1]:15006",
                Validation.noListenerReason(ValidationTarget.IPV6.listen(), List.of(15001, 15006)));
    }

    @Test
    void familyFollowsTheHostAddress() throws Exception {
        assertSame(ValidationTarget.IPV4, ValidationTarget.forHost(IpAddress.parse("10.1.2.3")));
        assertSame(ValidationTarget.IPV4, ValidationTarget.forHost(IpAddress.parse("::ffff:10.1.2.3")));
        assertSame(ValidationTarget.IPV6, ValidationTarget.forHost(IpAddress.parse("fd00::5")));
        assertEquals(InetAddress.getByName("127.0.0.1"), ValidationTarget.IPV4.listen());
        assertEquals(InetAddress.getByName("127.0.0.6"), ValidationTarget.IPV4.probe());
        assertEquals(InetAddress.getByName("::1"), ValidationTarget.IPV6.listen());
        assertEquals(InetAddress.getByName("::6"), ValidationTarget.IPV6.probe());
    }

    @Test
    void onlyOurOwnProbeEndpointsCount() throws Exception {
        ProbeLedger ledger = new ProbeLedger();
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        ledger.record(new InetSocketAddress(lo, 40001));
        ledger.record(new InetSocketAddress(InetAddress.getByName("::1"), 40002));
        assertTrue(ledger.isProbe(new InetSocketAddress(lo, 40001)));
        assertTrue(ledger.isProbe(new InetSocketAddress(InetAddress.getByName("::1"), 40002)));
        assertFalse(ledger.isProbe(new InetSocketAddress(lo, 40002)), "another port");
        assertFalse(ledger.isProbe(new InetSocketAddress(InetAddress.getByName("127.0.0.6"), 40001)),
                "another address");
        assertFalse(ledger.isProbe(null));
        assertEquals(2, ledger.size());
    }
}
