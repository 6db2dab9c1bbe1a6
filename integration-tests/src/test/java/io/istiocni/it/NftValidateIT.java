package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Validation on a mesh with {@code global.nativeNftables} (nftables.md 9): {@code istio-validation} gets
 * {@code --native-nftables} and the probe passes through nft rules; {@code iptables --run-validation} without
 * {@code --skip-rule-apply} applies with nft first (as istio-init would).
 */
class NftValidateIT {

    @BeforeEach
    void root() {
        ItSupport.requireNftTools();
    }

    @Test
    void injectedValidationWithNativeNftablesPassesThroughNftRules() {
        try (Netns ns = ValidateIT.pod("10.249.1.2/24")) {
            ValidateIT.Timed before = ValidateIT.runIn(ns, 1337, "validate", "--native-nftables", "--probe-timeout",
                    "1s");
            assertEquals(126, before.result().exit(), before.result()::describe);
            Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", "false")), "iptables",
                    "--native-nftables", "--network-namespace", ns.path(), "-u", "1337", "-g", "1337", "-b", "*",
                    "-i", "*");
            assertEquals(0, r.exit(), r::describe);
            List<String> args = new ArrayList<>(List.of(ValidateIT.injected("validate")));
            args.add("--native-nftables");
            ValidateIT.assertPassed(ValidateIT.runIn(ns, 1337, args.toArray(String[]::new)), "validate with nft rules");
        }
    }

    @Test
    void runValidationAfterTheNftRuleStep() {
        try (Netns ns = ValidateIT.pod("10.249.2.2/24")) {
            ValidateIT.Timed t = ValidateIT.runIn(ns, -1, "iptables", "--native-nftables", "-u", "0", "-g", "0", "-b",
                    "*", "-i", "*", "--run-validation");
            assertEquals(0, t.result().exit(), t.result()::describe);
            assertTrue(t.result().stderr().contains("rules applied in the current network namespace"),
                    t.result()::describe);
            assertTrue(t.result().stderr().contains("Validation passed"), t.result()::describe);
            assertTrue(ns.execOk("nft", "list", "tables").stdout().contains("istio-proxy-nat"));
        }
    }
}
