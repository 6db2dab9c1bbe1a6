package io.istiocni.cli;

import io.istiocni.cni.agent.PodSetupService;
import io.istiocni.daemon.DaemonPorts;
import io.istiocni.daemon.DaemonSettings;
import io.istiocni.daemon.ProbeServers;
import io.istiocni.install.InstallSettings;
import io.istiocni.install.daemon.CoreInstaller;
import io.istiocni.install.daemon.InstallDaemon;
import io.istiocni.install.daemon.Installer;
import io.istiocni.install.daemon.InstallerFactory;
import io.istiocni.install.daemon.PluginLogSocket;
import io.istiocni.log.DaemonLog;
import io.istiocni.repair.RepairService;
import io.istiocni.repair.RepairSettings;
import io.istiocni.settings.SettingSet;
import io.istiocni.settings.SettingValues;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code istio-cni install} (argv[0] {@code install-cni}): the node daemon of install.md. Runs inside the booted
 * Quarkus application (Main.DAEMON_MODES): the settings are read here, after the boot, so the listeners are started
 * by {@link ProbeServers} rather than by Quarkus's own HTTP server.
 *
 * <p>This command composes the installer, the repair controller and the node agent's pod set-up socket (issue 10;
 * the three never import each other).
 *
 * <p>The arguments are not parsed by picocli: every word goes to the parser of {@link #SETTINGS} (the settings of
 * install.md 3, unknown flags being its usage error), the one source of the installer's settings and the ports.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Node daemon: install the istio-cni plugin and its config on this node, keep them installed, "
                + "report readiness on :8000/readyz and metrics on :15014/metrics, clean up on SIGTERM.")
public class InstallCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    /** Where the install core plugs in (replaceable in tests). */
    public static volatile InstallerFactory factory = CoreInstaller::create;

    /** The installer's settings and those of the repair controller it runs in-process; anything else is unknown. */
    public static final SettingSet SETTINGS = SettingSet.union(InstallSettings.SETTINGS, DaemonSettings.SETTINGS,
            RepairSettings.SETTINGS);

    @Unmatched
    List<String> args = new ArrayList<>();

    /** {@code --help} lists the settings (picocli calls this while it builds the command's model). */
    @Spec
    void listSettingsInHelp(CommandSpec spec) {
        spec.usageMessage().footerHeading("%n").footer(SETTINGS.helpText().replace("%", "%%"));
    }

    @Override
    public Integer call() throws Exception {
        if (!args.isEmpty() && args.get(0).equals("version")) {
            // Istio's install-cni has a version subcommand: install-cni version, istio-cni install version
            picocli.CommandLine version = new picocli.CommandLine(new VersionCommand());
            version.getCommandSpec().exitCodeOnInvalidInput(TopCommand.USAGE_ERROR);
            return version.execute(args.subList(1, args.size()).toArray(String[]::new));
        }
        Map<String, String> env = System.getenv();
        InstallSettings settings;
        RepairSettings repairSettings;
        DaemonPorts ports;
        Installer installer;
        try {
            SettingValues values = SETTINGS.parse(env, List.copyOf(args));
            settings = InstallSettings.of(values);
            repairSettings = RepairSettings.of(values);
            DaemonSettings daemon = DaemonSettings.of(values);
            DaemonLog.install(daemon.logLevels(), daemon.logAsJson(), System.out);
            ports = DaemonPorts.of(settings.healthPort(), settings.monitoringPort());
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
                    if (settings.podSetupSocket()) {
                        podSetup.start(Path.of(settings.cniAgentRunDir()), repairSettings.nodeName(),
                                repairSettings.hostProcPath(), PluginLogSocket::relogToDaemonLog);
                    } else {
                        LOG.info("pod set-up socket off (POD_SETUP_SOCKET=false): plugins set their pods up"
                                + " in-process");
                    }
                    repair.startInInstaller(repairSettings, podSetup.nodePods());
                });
    }
}
