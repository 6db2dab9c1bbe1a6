package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The example pods of deploy/examples, which the README's cluster walk-through applies: the meshed one gets the
 * sidecar rules the plugin would program, the plain one none (`istio-cni iptables --pod FILE --dry-run`, no root).
 */
class ExamplesIT {

    static ItSupport.Result dryRun(String file) {
        return ItSupport.istioCni(ItSupport.cleanEnv(Map.of()), "iptables", "--pod", "deploy/examples/" + file,
                "--dry-run");
    }

    @Test
    void theMeshedExamplePodIsCaptured() {
        ItSupport.Result r = dryRun("web.yaml");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.stdout().contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"), r.describe());
        assertTrue(r.stdout().contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"), r.describe());
        assertTrue(r.stdout().contains("--uid-owner 1337"), r.describe());
    }

    @Test
    void thePlainExamplePodIsLeftAlone() {
        ItSupport.Result r = dryRun("plain.yaml");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.stderr().contains("would be left alone by the CNI plugin"), r.describe());
        assertFalse(r.stdout().contains("ISTIO"), r.describe());
    }
}
