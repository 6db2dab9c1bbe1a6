package io.istiocni.cni;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JVM build's second process for the in-process path (issue 10). The plugin starts with an AOT cache trained on the
 * node agent path only (the common case on a node: ~30 ms less JVM start than a cache that also holds the TLS and
 * YAML classes); when the agent does not take the pod, this process hands the invocation to a second JVM started by
 * the launcher with the cache trained on the in-process path, which saves more than it costs (~0.35 s of cold TLS,
 * YAML and iptables classes against ~0.09 s for a JVM start). The second process gets the same environment and
 * network configuration, prints the result or error object itself and never asks the agent; this one prints nothing
 * and exits with its status. The native executable has no JVM to start and never hands over.
 */
public final class InProcessHandover {

    /** Set by the launcher when it started the plugin with the agent-path cache: the launcher itself. */
    public static final String LAUNCHER_PROPERTY = "istio.cni.launcher";
    /** In the second process's environment: do the work here (the launcher picks the in-process cache). */
    public static final String IN_PROCESS_ENV = "ISTIO_CNI_PLUGIN_IN_PROCESS";
    /** In the second process's environment: what is left of the invocation's deadline, in milliseconds. */
    static final String DEADLINE_ENV = "ISTIO_CNI_PLUGIN_DEADLINE_MS";
    /** Kept back from the second process's deadline so that it, not this process, reports a time-out. */
    static final Duration MARGIN = Duration.ofSeconds(1);

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static volatile Process running;

    private final Path launcher;

    InProcessHandover(Path launcher) {
        this.launcher = launcher;
    }

    /** The handover of this process: only a JVM plugin started by the launcher, and not in the second process. */
    static Optional<InProcessHandover> of(Map<String, String> env) {
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher == null || launcher.isEmpty() || isSecondProcess(env)) {
            return Optional.empty();
        }
        return Optional.of(new InProcessHandover(Path.of(launcher)));
    }

    static boolean isSecondProcess(Map<String, String> env) {
        return "1".equals(env.get(IN_PROCESS_ENV));
    }

    /** The second process's deadline from its environment, else {@code fallback}. */
    static Duration deadline(Map<String, String> env, Duration fallback) {
        String ms = isSecondProcess(env) ? env.get(DEADLINE_ENV) : null;
        if (ms == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(ms);
            return value > 0 && value < fallback.toMillis() ? Duration.ofMillis(value) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /**
     * Runs the invocation in the second process: {@code env} and {@code config} as given to this one, stdout and
     * stderr this process's own. Returns its exit status.
     *
     * @throws IOException when it cannot be started (the caller then does the work itself)
     */
    int run(Map<String, String> env, byte[] config, Duration left) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(launcher.toString()))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> childEnv = builder.environment();
        childEnv.clear();
        childEnv.putAll(env);
        childEnv.putIfAbsent("PATH", DEFAULT_PATH); // the launcher is a script that finds bash on it
        childEnv.put(IN_PROCESS_ENV, "1");
        childEnv.put(DEADLINE_ENV, Long.toString(Math.max(1, left.minus(MARGIN).toMillis())));
        Process process = builder.start();
        running = process;
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(config);
            } catch (IOException e) {
                // it exited before reading its configuration: its status and error object say why
            }
            while (true) {
                try {
                    if (process.waitFor(left.toMillis() + MARGIN.toMillis(), TimeUnit.MILLISECONDS)) {
                        return process.exitValue();
                    }
                    process.destroyForcibly();
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
        } finally {
            running = null;
        }
    }

    /** The deadline of this process passed: the second process, if one runs, must not print after this one. */
    static void stopRunning() {
        Process p = running;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Thrown by the pod handler when the agent did not take the pod and a second process should do the work. */
    static final class Requested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Requested() {
            super("in-process set-up handed to a second process", null, false, false);
        }
    }
}
