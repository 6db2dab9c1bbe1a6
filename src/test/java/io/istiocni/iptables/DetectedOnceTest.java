package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.Family;
import org.junit.jupiter.api.Test;

/** The node agent's variant choice: detected for the first pod, reused, detected again after forget(). */
class DetectedOnceTest {

    private static FakeRunner nftOnly() {
        return new FakeRunner(new CommandRunner.Result(127, "", "not found"))
                .answer("iptables-legacy-save", 0, "")
                .answer("iptables-nft-save", 0, "")
                .answer("iptables-nft-save --version", 0, "iptables-nft-save v1.8.9 (nf_tables)\n")
                .answer("iptables-nft -t nat -A INPUT -p 255 -j RETURN", 0, "")
                .answer("iptables-nft -t nat -D INPUT -p 255 -j RETURN", 0, "");
    }

    @Test
    void theFirstPodDetectsLaterPodsReuseUntilForgotten() {
        DetectedOnce once = new DetectedOnce();
        FakeRunner first = nftOnly();
        IptablesVariant v = once.detect(first, Family.IPV4, "", null);
        assertEquals("iptables-nft", v.binary());
        assertTrue(first.lines().size() >= 3, first.lines().toString());

        FakeRunner second = nftOnly();
        assertSame(v, once.detect(second, Family.IPV4, "", null));
        assertEquals(0, second.lines().size(), "no detection commands for the second pod: " + second.lines());

        FakeRunner forced = nftOnly();
        once.detect(forced, Family.IPV4, "nft", null);
        assertTrue(!forced.lines().isEmpty(), "another FORCE_IPTABLES_BINARY value is detected on its own");

        once.forget();
        FakeRunner third = nftOnly();
        assertEquals("iptables-nft", once.detect(third, Family.IPV4, "", null).binary());
        assertTrue(!third.lines().isEmpty(), "detected again after a failure");
    }
}
