package io.istiocni.install.daemon;

import io.istiocni.install.InstallSettings;
import io.istiocni.repair.RepairService;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code istio-cni install} (argv[0] {@code install-cni}): the node daemon of install.md. Runs inside the booted
 * Quarkus application (Main.DAEMON_MODES): the settings are read here, after the boot, so the listeners are started
 * by {@link ProbeServers} rather than by Quarkus's own HTTP server.
 *
 * <p>The arguments are not parsed by picocli: every word goes to {@link InstallSettings#from} (the settings of
 * install.md 3, unknown flags being its usage error), the one source of the installer's settings and the ports.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Node daemon: install the istio-cni plugin and its config on this node, keep them installed, "
                + "report readiness on :8000/readyz and metrics on :15014/metrics, clean up on SIGTERM.")
public class InstallCommand implements Callable<Integer> {

    /** Where the install core plugs in (replaceable in tests). */
    public static volatile InstallerFactory factory = CoreInstaller::create;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        InstallSettings settings;
        DaemonPorts ports;
        Installer installer;
        try {
            settings = InstallSettings.from(env, List.copyOf(args));
            ports = DaemonPorts.of(settings);
            InstallDaemon.logStart(ports); // install.md 4 step 2: the version, then the settings
            installer = factory.create(settings);
        } catch (IllegalArgumentException e) {
            System.err.println("istio-cni install: " + e.getMessage());
            return 1;
        }
        ArcContainer arc = Arc.container();
        if (arc == null) {
            System.err.println("istio-cni install: the daemon needs the Quarkus runtime (start it as `istio-cni install`)");
            return 1;
        }
        RepairService repair = arc.instance(RepairService.class).get();
        PodSetupService podSetup = arc.instance(PodSetupService.class).get();
        // install.md 4 step 7 (after the servers, before the loop; never fatal), with the pod set-up socket of
        // issue 10 first: its node pod informer is the one the repair controller shares
        return arc.instance(InstallDaemon.class).get().run(ports, installer, Path.of(settings.cniAgentRunDir()),
                () -> {
                    podSetup.start(settings);
                    repair.startInInstaller(settings, podSetup.nodePods());
                });
    }
}
