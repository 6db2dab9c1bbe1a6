package io.istiocni.cli;

import io.istiocni.cni.PluginMain;
import io.istiocni.cni.PodRedirect;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code istio-cni plugin}: the CNI plugin, as a container runtime runs it (CNI_* variables, config on stdin). */
@Command(name = "plugin", description = "Run as the CNI plugin (CNI_COMMAND and the other CNI_* variables set, "
        + "network configuration on stdin).")
public class PluginCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        return runPlugin();
    }

    /**
     * {@code istio-cni plugin WORDS...}: a runtime never passes arguments, so any is a usage error (exit 1), except
     * {@code --help}.
     */
    public static int words(java.util.List<String> words) {
        if (words.size() == 1 && (words.get(0).equals("--help") || words.get(0).equals("-h"))) {
            System.out.println("Usage: istio-cni plugin   (or istio-cni with CNI_COMMAND set and no arguments)\n\n"
                    + "The CNI plugin: reads the CNI_* variables and the network configuration on stdin, as a container"
                    + " runtime runs it; CNI_COMMAND=VERSION lists the CNI versions it speaks.");
            return 0;
        }
        System.err.println("istio-cni plugin: takes no arguments (got " + String.join(" ", words)
                + "); a container runtime passes its input in CNI_* variables and on stdin");
        return 1;
    }

    /** One CNI invocation on this process; the logs reach the node agent when it ends. */
    public static int runPlugin() {
        try (PodRedirect handler = new PodRedirect()) {
            return PluginMain.main(handler);
        }
    }
}
