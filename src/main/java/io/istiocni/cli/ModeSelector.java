package io.istiocni.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the mode from how the program was started (cli.md "One executable, several modes"): a container
 * runtime execs {@code istio-cni} with {@code CNI_COMMAND} set and no arguments, and the DaemonSet, Istio's
 * injected containers and operators may call it through links named like Istio's own binaries.
 */
public final class ModeSelector {

    private ModeSelector() {
    }

    /** The arguments for the top-level command line: the mode's subcommand first. */
    public static List<String> effectiveArgs(String argv0, List<String> args, boolean cniCommandSet) {
        String name = basename(argv0);
        String implied = switch (name) {
            case "install-cni" -> "install";
            case "istio-cni-repair" -> "repair";
            case "istio-iptables" -> "iptables";
            default -> cniCommandSet && args.isEmpty() ? "plugin" : null;
        };
        if (implied == null) {
            return args;
        }
        List<String> out = new ArrayList<>(args.size() + 1);
        out.add(implied);
        out.addAll(args);
        return out;
    }

    static String basename(String argv0) {
        if (argv0 == null) {
            return "";
        }
        int slash = argv0.lastIndexOf('/');
        return slash < 0 ? argv0 : argv0.substring(slash + 1);
    }
}
