package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.settings.Declarations;
import io.istiocni.settings.SettingsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepairSettingsTest {

    static RepairSettings of(Map<String, String> env, String... args) {
        return RepairSettings.from(env, List.of(args));
    }

    @Test
    void everySettingIsDeclaredOnce() throws Exception {
        Declarations.assertEveryConstantIsDeclared(RepairSettings.class, RepairSettings.SETTINGS);
    }

    @Test
    void defaults() {
        RepairSettings r = of(Map.of());
        assertTrue(r.enabled());
        assertFalse(r.deletePods());
        assertFalse(r.labelPods());
        assertFalse(r.repairPods());
        assertEquals("cni.istio.io/uninitialized", r.brokenPodLabelKey());
        assertEquals("true", r.brokenPodLabelValue());
        assertEquals("sidecar.istio.io/status", r.sidecarAnnotation());
        assertEquals("istio-validation", r.initContainerName());
        assertEquals("", r.initContainerTerminationMessage());
        assertEquals(126, r.initContainerExitCode());
        assertEquals("", r.labelSelectors());
        assertEquals("", r.fieldSelectors());
        assertEquals("", r.nodeName());
        assertEquals("/host/proc", r.hostProcPath());
    }

    @Test
    void repairSettings() {
        RepairSettings r = of(Map.of("REPAIR_ENABLED", "false", "REPAIR_REPAIR_PODS", "true",
                "REPAIR_BROKEN_POD_LABEL_KEY", "", "REPAIR_INIT_CONTAINER_EXIT_CODE", "",
                "REPAIR_LABEL_SELECTORS", "a=b", "NODE_NAME", "n1", "KUBERNETES_NODE_NAME", "k1"));
        assertFalse(r.enabled());
        assertTrue(r.repairPods());
        assertEquals("", r.brokenPodLabelKey(), "empty REPAIR_* string counts as set");
        assertEquals(0, r.initContainerExitCode(), "empty REPAIR_* integer counts as 0");
        assertEquals("a=b", r.labelSelectors());
        assertEquals("n1", r.nodeName());
        assertEquals("k1", of(Map.of("KUBERNETES_NODE_NAME", "k1")).nodeName());
        assertEquals("r1", of(Map.of("REPAIR_NODE_NAME", "r1", "NODE_NAME", "n1")).nodeName());
        assertEquals("n1", of(Map.of("REPAIR_NODE_NAME", "", "NODE_NAME", "n1")).nodeName());
        assertTrue(of(Map.of(), "--repair-delete-pods").deletePods());
        assertTrue(of(Map.of("REPAIR_REPAIR_PODS", "false"), "--repair-repair-pods").repairPods());
        assertEquals("", of(Map.of("REPAIR_INIT_CONTAINER_NAME", "x"), "--repair-init-container-name=")
                .initContainerName(), "an empty flag counts as set too");
        assertEquals(2, of(Map.of("REPAIR_INIT_CONTAINER_EXIT_CODE", "0x2")).initContainerExitCode());
        assertEquals("/proc", of(Map.of(), "--host-proc-path", "/proc").hostProcPath());
        assertTrue(of(Map.of("REPAIR_ENABLED", "")).enabled(), "an empty boolean is the default");
        SettingsException e = assertThrows(SettingsException.class,
                () -> of(Map.of("REPAIR_INIT_CONTAINER_EXIT_CODE", "x")));
        assertTrue(e.getMessage().startsWith("invalid value for REPAIR_INIT_CONTAINER_EXIT_CODE: \"x\""),
                e.getMessage());
        e = assertThrows(SettingsException.class, () -> of(Map.of("REPAIR_DELETE_PODS", "yes")));
        assertTrue(e.getMessage().contains("REPAIR_DELETE_PODS"), e.getMessage());
    }

    @Test
    void whatRepairAlsoReadsAndWhatItRefuses() {
        of(Map.of("REPAIR_RUN_AS_DAEMON", "true", "ALLOW_SWITCH_TO_HOST_NS", "true", "FORCE_IPTABLES_BINARY", "nft"),
                "--log_output_level=debug", "--monitoring-port=0"); // accepted
        SettingsException e = assertThrows(SettingsException.class, () -> of(Map.of("NATIVE_NFTABLES", "true")));
        assertEquals("NATIVE_NFTABLES=true: native nftables is not supported", e.getMessage());
        e = assertThrows(SettingsException.class, () -> of(Map.of(), "--cni-conf-name=x"));
        assertEquals("unknown flag: --cni-conf-name", e.getMessage(), "an installer-only flag");
    }
}
