package io.istiocni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.install.InstallSettings;
import io.istiocni.repair.RepairSettings;
import io.istiocni.settings.Setting;
import io.istiocni.settings.SettingValues;
import io.istiocni.settings.SettingsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the install and repair commands parse, and what their {@code --help} lists. */
class CommandSettingsTest {

    @Test
    void installParsesItsOwnTheDaemonsAndRepairsSettings() {
        SettingValues v = InstallCommand.SETTINGS.parse(Map.of("REPAIR_DELETE_PODS", "true", "NODE_NAME", "n1"),
                List.of("--cni-conf-name=x.conf", "--repair-label-pods", "--monitoring-port=0"));
        assertEquals("x.conf", InstallSettings.of(v).cniConfName());
        assertEquals(0, InstallSettings.of(v).monitoringPort());
        assertTrue(RepairSettings.of(v).deletePods());
        assertTrue(RepairSettings.of(v).labelPods());
        assertEquals("n1", RepairSettings.of(v).nodeName());
        assertEquals("unknown flag: --no-such-flag",
                assertThrows(SettingsException.class, () -> InstallCommand.SETTINGS.parse(Map.of(),
                        List.of("--no-such-flag"))).getMessage());
        assertEquals(InstallSettings.SETTINGS.settings().size() + DaemonSettings.SETTINGS.settings().size()
                + RepairSettings.SETTINGS.settings().size(), InstallCommand.SETTINGS.settings().size());
    }

    @Test
    void repairParsesOnlyWhatRepairReads() {
        SettingValues v = RepairCommand.SETTINGS.parse(Map.of(), List.of("--repair-delete-pods",
                "--monitoring-port", "9999"));
        assertTrue(RepairSettings.of(v).deletePods());
        assertEquals(9999, DaemonSettings.of(v).monitoringPort());
        assertThrows(SettingsException.class, () -> RepairCommand.SETTINGS.parse(Map.of(),
                List.of("--chained-cni-plugin=false")));
    }

    @Test
    void helpListsEverySetting() {
        assertHelpLists("install", InstallCommand.SETTINGS.settings());
        assertHelpLists("repair", RepairCommand.SETTINGS.settings());
        // as generated, not rewrapped by picocli
        assertTrue(usage("install").contains(InstallCommand.SETTINGS.helpText().strip()), usage("install"));
        assertTrue(usage("repair").contains(RepairCommand.SETTINGS.helpText().strip()), usage("repair"));
        assertTrue(TopCommand.commandLine().getSubcommands().get("install").getUsageMessage()
                .contains("  --repair-init-container-termination-message,\n  REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE\n"
                        + "      required termination message (empty: any) (string, default empty)\n"));
        String repairHelp = TopCommand.commandLine().getSubcommands().get("repair").getUsageMessage();
        assertFalse(repairHelp.contains("--chained-cni-plugin"), repairHelp);
    }

    private static String usage(String mode) {
        return TopCommand.commandLine().getSubcommands().get(mode).getUsageMessage();
    }

    private static void assertHelpLists(String mode, List<Setting<?>> settings) {
        String help = TopCommand.commandLine().getSubcommands().get(mode).getUsageMessage();
        assertTrue(help.contains("Settings (a flag, else the environment variable, else the default):"), help);
        for (Setting<?> s : settings) {
            String name = s.kind() == Setting.Kind.IGNORED || s.flag() == null ? s.name()
                    : "  --" + s.flag() + (s.env() == null ? "\n" : ",");
            assertTrue(help.contains(name), mode + " --help lacks " + name + ":\n" + help);
            assertTrue(s.env() == null || help.contains(s.env()), mode + " --help lacks " + s.env());
        }
        assertTrue(help.contains("  --kubeconfig-mode, KUBECONFIG_MODE\n      file mode of the plugin kubeconfig")
                || !mode.equals("install"), help);
    }
}
