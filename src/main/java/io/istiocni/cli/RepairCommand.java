package io.istiocni.cli;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.daemon.ProbeServers;
import io.istiocni.log.DaemonLog;
import io.istiocni.repair.RepairService;
import io.istiocni.repair.RepairSettings;
import io.istiocni.settings.SettingSet;
import io.istiocni.settings.SettingValues;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.runtime.Quarkus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code istio-cni repair} (argv[0] {@code istio-cni-repair}): the repair controller on its own (repair.md), with
 * the same settings parser as the installer (flags and {@code REPAIR_*} variables) and the metrics endpoint on
 * {@code MONITORING_PORT}. Runs until SIGTERM.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = "Repair controller: find this node's pods whose istio-validation init container failed and "
                + "repair them in place, delete or label them (REPAIR_* settings); metrics on :15014/metrics.")
public class RepairCommand implements Callable<Integer> {

    /** What repair reads (REPAIR_*, the metrics port, the log flags); anything else is an unknown flag. */
    public static final SettingSet SETTINGS = SettingSet.union(RepairSettings.SETTINGS, DaemonSettings.SETTINGS);

    @Unmatched
    List<String> args = new ArrayList<>();

    /** {@code --help} lists the settings (picocli calls this while it builds the command's model). */
    @Spec
    void listSettingsInHelp(CommandSpec spec) {
        spec.usageMessage().footerHeading("%n").footer(SETTINGS.helpText().replace("%", "%%"));
    }

    @Override
    public Integer call() {
        SettingValues values;
        try {
            values = SETTINGS.parse(System.getenv(), List.copyOf(args));
        } catch (IllegalArgumentException e) {
            System.err.println("istio-cni repair: " + e.getMessage());
            return 1;
        }
        DaemonSettings daemon = DaemonSettings.of(values);
        DaemonLog.install(daemon.logLevels(), daemon.logAsJson(), System.out);
        ArcContainer arc = Arc.container();
        if (arc == null) {
            System.err.println("istio-cni repair: needs the Quarkus runtime (start it as `istio-cni repair`)");
            return 1;
        }
        RepairSettings settings = RepairSettings.of(values);
        if (!settings.enabled()) {
            System.err.println("istio-cni repair: REPAIR_ENABLED is false: nothing to do");
            return 0;
        }
        try {
            arc.instance(RepairService.class).get().start(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("istio-cni " + e.getMessage());
            return 1;
        }
        arc.instance(ProbeServers.class).get().startMetrics(daemon.monitoringPort());
        Quarkus.waitForExit();
        return 0;
    }
}
