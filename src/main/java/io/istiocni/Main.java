package io.istiocni;

import io.istiocni.cli.ModeSelector;
import io.istiocni.cli.PluginCommand;
import io.istiocni.cli.ProgramName;
import io.istiocni.cli.TopCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.List;
import java.util.Set;

/**
 * The one executable: picks the mode from argv[0], {@code CNI_COMMAND} or the first argument.
 *
 * <p>Short-lived modes (the CNI plugin runs once per pod, the iptables and validate tools once per pod start) run
 * straight away without booting the Quarkus runtime; only the long-running daemons that need its HTTP server,
 * health checks and Kubernetes client boot it. This holds for the JVM and the native build alike.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

    /** Modes that run inside the booted Quarkus application. */
    static final Set<String> DAEMON_MODES = Set.of("install", "repair");

    public static void main(String... args) {
        List<String> effective = ModeSelector.effectiveArgs(ProgramName.argv0(), List.of(args),
                System.getenv("CNI_COMMAND") != null);
        String[] argv = effective.toArray(String[]::new);
        if (!effective.isEmpty() && effective.get(0).equals("plugin")) {
            System.exit(PluginCommand.runPlugin()); // once per pod: not even picocli on this path
        }
        if (!effective.isEmpty() && DAEMON_MODES.contains(effective.get(0))) {
            Quarkus.run(Main.class, argv);
            return;
        }
        System.out.flush();
        System.exit(TopCommand.commandLine().execute(argv));
    }

    @Override
    public int run(String... args) {
        return TopCommand.commandLine().execute(args);
    }
}
