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

    /** One CNI invocation on this process; the logs reach the node agent when it ends. */
    public static int runPlugin() {
        try (PodRedirect handler = new PodRedirect()) {
            return PluginMain.main(handler);
        }
    }
}
