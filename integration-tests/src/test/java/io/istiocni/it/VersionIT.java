package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.istiocni.it.ItSupport.Result;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code istio-cni version} prints the project's version (the pom's, handed over by failsafe as
 * {@code istio.cni.version}), read from the resource the build filters; in the native executable that resource is
 * there only because it is included explicitly, so "unknown" here means the native build lost it.
 */
class VersionIT {

    static String projectVersion() {
        String v = System.getProperty("istio.cni.version");
        assertNotNull(v, "system property istio.cni.version (set by the failsafe configuration in pom.xml)");
        return v;
    }

    @Test
    void versionPrintsTheProjectVersion() {
        Result r = ItSupport.istioCni(Map.of(), "version");
        assertEquals(0, r.exit(), r.describe());
        assertFalse(r.stdout().contains("unknown"), r.describe());
        assertEquals("istio-cni " + projectVersion() + "\n", r.stdout(), r.describe());
    }

    @Test
    void theVersionFlagPrintsTheSame() {
        Result r = ItSupport.istioCni(Map.of(), "--version");
        assertEquals(0, r.exit(), r.describe());
        assertEquals("istio-cni " + projectVersion() + "\n", r.stdout(), r.describe());
    }
}
