package io.istiocni.cli;

import io.istiocni.cni.PluginMain;
import io.istiocni.cni.PodRedirect;
import io.istiocni.log.EdgeLog;
import java.util.List;

/**
 * The plugin mode's process entry (issue 10): the JVM build's launcher starts this class directly, on a class path of
 * the application jar and Jackson only, with an AOT cache of its own, instead of going through the Quarkus runner,
 * whose class loader and cache of every mode's classes cost a plugin start about 120 ms. Everything reachable from
 * here stays on that class path ({@code PluginClassPathTest}).
 */
public final class PluginProcess {

    /** The hidden words of the build's training runs of this entry ({@code aot-train.sh}), one per AOT cache. */
    static final String TRAINING = "aot-training";
    static final String TRAINING_IN_PROCESS = "aot-training-in-process";

    private PluginProcess() {
    }

    /**
     * {@code java ... io.istiocni.cli.PluginProcess [WORDS]}: the words after {@code istio-cni plugin}. Ends with
     * {@code halt}, not {@code exit}: the plugin registers no shutdown hooks and has flushed its output, and
     * {@code System.exit} looks up a {@code System.Logger} to log the exit, which costs the logging set-up (~20 ms)
     * that {@link EdgeLog} spares.
     */
    public static void main(String[] args) {
        String command = System.getenv("CNI_COMMAND");
        if (args.length == 0 && ("ADD".equals(command) || "CHECK".equals(command))) {
            warmUp();
        }
        int status = run(List.of(args));
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    /**
     * Two JDK 25 class initialisers on the plugin's path are slow in a cold JVM: {@code BigDecimal}'s (it squares its
     * way to 5^65536, ~16 ms; Jackson's parser base class needs it for the first JSON read) and the Unix-domain
     * socket's (a {@code SecureRandom}: the security providers, ~20 ms; the node agent's socket needs it). Started on
     * two threads at once, they run on the other core beside the main thread's own start-up, which finds them done or
     * waits for what is left (class initialisation is once per class, whoever starts it).
     */
    static void warmUp() {
        Thread.ofPlatform().daemon().name("warm-up-json").start(() -> java.math.BigDecimal.ONE.signum());
        Thread.ofPlatform().daemon().name("warm-up-socket").start(() -> {
            try {
                java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX).close();
            } catch (java.io.IOException | RuntimeException e) {
                // the plugin's own connection reports it, if it matters
            }
        });
    }

    /** The plugin mode with the words after {@code plugin}: none when a container runtime runs it. */
    public static int run(List<String> words) {
        EdgeLog.toStderr(System.err);
        if (words.isEmpty()) {
            return runPlugin();
        }
        if (words.size() == 1 && words.get(0).equals(TRAINING)) {
            warmUp(); // recorded in the cache, as the rest of an ADD's path
            return PluginTraining.run(false);
        }
        if (words.size() == 1 && words.get(0).equals(TRAINING_IN_PROCESS)) {
            return PluginTraining.run(true);
        }
        return usage(words);
    }

    /** One CNI invocation on this process; the logs reach the node agent when it ends. */
    static int runPlugin() {
        try (PodRedirect handler = new PodRedirect()) {
            return PluginMain.main(handler);
        }
    }

    /** A runtime never passes arguments, so any is a usage error (exit 1), except {@code --help}. */
    static int usage(List<String> words) {
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
}
