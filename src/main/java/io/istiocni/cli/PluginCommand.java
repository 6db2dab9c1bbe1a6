package io.istiocni.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code istio-cni plugin} in the top-level command line's help; the mode itself never goes through picocli
 * ({@link PluginProcess}).
 */
@Command(name = "plugin", description = "Run as the CNI plugin (CNI_COMMAND and the other CNI_* variables set, "
        + "network configuration on stdin).")
public class PluginCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        return PluginProcess.run(java.util.List.of());
    }
}
