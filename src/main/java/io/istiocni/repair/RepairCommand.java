package io.istiocni.repair;

import io.istiocni.install.InstallSettings;
import io.istiocni.log.DaemonLog;
import io.istiocni.install.daemon.ProbeServers;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.runtime.Quarkus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        InstallSettings settings;
        try {
            settings = InstallSettings.from(System.getenv(), List.copyOf(args));
        } catch (IllegalArgumentException e) {
            System.err.println("istio-cni repair: " + e.getMessage());
            return 1;
        }
        DaemonLog.install(settings.logLevels(), settings.logAsJson(), System.out);
        ArcContainer arc = Arc.container();
        if (arc == null) {
            System.err.println("istio-cni repair: needs the Quarkus runtime (start it as `istio-cni repair`)");
            return 1;
        }
        if (!settings.repair().enabled()) {
            System.err.println("istio-cni repair: REPAIR_ENABLED is false: nothing to do");
            return 0;
        }
        try {
            arc.instance(RepairService.class).get().start(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("istio-cni " + e.getMessage());
            return 1;
        }
        arc.instance(ProbeServers.class).get().startMetrics(settings.monitoringPort());
        Quarkus.waitForExit();
        return 0;
    }
}
