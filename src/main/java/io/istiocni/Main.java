package io.istiocni;

import io.istiocni.cli.IptablesCommand;
import io.istiocni.cli.ModeSelector;
import io.istiocni.cli.PluginProcess;
import io.istiocni.cli.ValidateCommand;
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
        if (!effective.isEmpty() && effective.get(0).equals("help")) {
            // istio-cni help [MODE]: the mode's own help (each mode prints its own flags)
            effective = effective.size() == 1 ? List.of("--help") : List.of(effective.get(1), "--help");
        }
        String[] argv = effective.toArray(String[]::new);
        String mode = effective.isEmpty() ? "" : effective.get(0);
        List<String> words = effective.isEmpty() ? List.of() : effective.subList(1, effective.size());
        // Once per pod (plugin; iptables and validate in init containers): not even picocli, whose classes are
        // too old for the JDK's AOT cache and cost ~200 class loads.
        switch (mode) {
            case "plugin" -> System.exit(PluginProcess.run(words));
            case "iptables" -> System.exit(IptablesCommand.run(words, System.getenv(), System.out, System.err));
            case "validate" -> System.exit(ValidateCommand.run(words));
            default -> {
            }
        }
        if (DAEMON_MODES.contains(mode)) {
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
