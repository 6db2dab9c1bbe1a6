package io.istiocni.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "istio-cni", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Istio CNI for sidecar mode: traffic capture without NET_ADMIN in the pod.",
        subcommands = {PluginCommand.class, IptablesCommand.class, VersionCommand.class, InstallCommand.class,
                AotTrainingCommand.class, ValidateCommand.class, RepairCommand.class})
public class TopCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TopCommand());
        cl.setExpandAtFiles(false);
        // The iptables mode parses Go-style flags itself: hand it every word untouched, "--" included.
        for (String mode : new String[] {"iptables", "validate"}) {
            CommandLine sub = cl.getSubcommands().get(mode);
            sub.setUnmatchedOptionsArePositionalParams(true);
            sub.setEndOfOptionsDelimiter("\0--");
        }
        return cl;
    }
}
