package io.istiocni.cni;

import java.io.PrintStream;

/** Runs {@link Plugin} on this process: its environment and standard streams, the real own-namespace check. */
public final class PluginMain {

    private PluginMain() {
    }

    /**
     * Runs one CNI invocation and returns the exit status. While it runs, {@code System.out} is pointed at stderr,
     * so that nothing but the result or error object can reach stdout, whatever a library prints.
     *
     * <p>Wiring: the plugin mode of the program (argv[0] {@code istio-cni} with {@code CNI_COMMAND} set, or
     * {@code istio-cni plugin}; see {@code io.istiocni.Main} and {@code cli.ModeSelector}) calls
     * {@code System.exit(PluginMain.main(new PodRedirect(...)))} without booting Quarkus.
     */
    public static int main(PodHandler handler) {
        PrintStream out = System.out;
        System.setOut(System.err);
        try {
            return Plugin.run(System.getenv(), System.in, out, System.err, handler, NamespaceIdentity.system());
        } finally {
            out.flush();
            System.setOut(out);
        }
    }
}
