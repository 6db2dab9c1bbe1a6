package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator conventions of the README (issue 12 item 5), on the packaged program: exit 0 success, 1 usage error,
 * {@code help MODE}, istioctl-style {@code version} flags, and no capture rules applied by an argument-less
 * {@code iptables} (Istio's would program the host's own namespace).
 */
class CliConventionsIT {

    @Test
    void iptablesWithoutArgumentsPrintsUsageAndDoesNothing() {
        Result r = ItSupport.istioCni(Map.of(), "iptables");
        assertEquals(1, r.exit(), r.describe());
        assertTrue(r.stderr().contains("Usage: istio-cni iptables"), r.describe());
        assertTrue(r.stderr().contains("error: no flags given; nothing was done"), r.describe());
        assertEquals("", r.stdout(), r.describe());
    }

    @Test
    void usageErrorsExitOneInEveryMode() {
        for (String[] words : new String[][] {{"--bogus"}, {"no-such-mode"}, {"plugin", "--bogus"},
                {"version", "--bogus"}, {"version", "-o", "xml"}, {"iptables", "--bogus"}}) {
            Result r = ItSupport.istioCni(Map.of(), words);
            assertEquals(1, r.exit(), r.describe());
            assertTrue(!r.stderr().isBlank(), r.describe());
        }
    }

    @Test
    void helpModePrintsThatModesHelp() {
        Result iptables = ItSupport.istioCni(Map.of(), "help", "iptables");
        assertEquals(0, iptables.exit(), iptables.describe());
        assertTrue(iptables.stdout().contains("--native-nftables"), iptables.describe());
        Result plugin = ItSupport.istioCni(Map.of(), "help", "plugin");
        assertEquals(0, plugin.exit(), plugin.describe());
        assertTrue(plugin.stdout().startsWith("Usage: istio-cni plugin"), plugin.describe());
        Result top = ItSupport.istioCni(Map.of(), "help");
        assertEquals(0, top.exit(), top.describe());
        assertTrue(top.stdout().contains("Usage: istio-cni"), top.describe());
    }

    @Test
    void versionShortAndStructured() {
        String v = VersionIT.projectVersion();
        Result s = ItSupport.istioCni(Map.of(), "version", "--short");
        assertEquals(0, s.exit(), s.describe());
        assertEquals(v + "\n", s.stdout(), s.describe());
        Result json = ItSupport.istioCni(Map.of(), "version", "-o", "json");
        assertEquals(0, json.exit(), json.describe());
        assertTrue(json.stdout().contains("\"clientVersion\": {\n    \"version\": \"" + v + "\""), json.describe());
        Result yaml = ItSupport.istioCni(Map.of(), "version", "--output=yaml");
        assertEquals(0, yaml.exit(), yaml.describe());
        assertTrue(yaml.stdout().startsWith("clientVersion:\n") && yaml.stdout().contains("  version: " + v + "\n"),
                yaml.describe());
    }
}
