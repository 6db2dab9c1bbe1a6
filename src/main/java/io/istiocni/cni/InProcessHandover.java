package io.istiocni.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JVM build's second process for the in-process path (issue 10). The plugin starts with an AOT cache trained on the
 * node agent path only (the common case on a node: ~30 ms less JVM start than a cache that also holds the TLS and
 * YAML classes); when the agent does not take the pod, this process hands the invocation to a second JVM started by
 * the launcher with the cache trained on the in-process path, which saves more than it costs (~0.35 s of cold TLS,
 * YAML and iptables classes against ~0.09 s for a JVM start). The second process gets the same environment and
 * network configuration and never asks the agent; its answer (stdout) comes back through this one, which prints it
 * as its own, and its stderr is passed on. It ends itself {@link #MARGIN} before this process's deadline; one that
 * ends without an answer (it could not start: the launcher, the JVM, its options) leaves the work to this process.
 * The native executable has no JVM to start and never hands over.
 */
public final class InProcessHandover {

    /** Set by the launcher when it started the plugin with the agent-path cache: the launcher, as it was started. */
    public static final String LAUNCHER_PROPERTY = "istio.cni.launcher";
    /** In the second process's environment: do the work here (the launcher picks the in-process cache). */
    public static final String IN_PROCESS_ENV = "ISTIO_CNI_PLUGIN_IN_PROCESS";
    /** In the second process's environment: when it must have answered, in milliseconds since the epoch. */
    static final String DEADLINE_ENV = "ISTIO_CNI_PLUGIN_DEADLINE_MS";
    /** How long before this process's deadline the second process's falls, so that it reports its own time-out. */
    static final Duration MARGIN = Duration.ofSeconds(1);
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static volatile Process running;

    private final Path launcher;

    InProcessHandover(Path launcher) {
        this.launcher = launcher;
    }

    /** What the second process answered: its exit status and its stdout. */
    record Answer(int status, byte[] stdout) {
        /** It ended without doing the invocation (a CHECK that passed prints nothing, but exits 0). */
        boolean none() {
            return status != 0 && stdout.length == 0;
        }
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

    /** The second process's deadline from its environment (what is left until then), else {@code fallback}. */
    static Duration deadline(Map<String, String> env, Duration fallback) {
        String at = isSecondProcess(env) ? env.get(DEADLINE_ENV) : null;
        if (at == null) {
            return fallback;
        }
        try {
            long left = Long.parseLong(at) - System.currentTimeMillis();
            return left < fallback.toMillis() ? Duration.ofMillis(Math.max(1, left)) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /**
     * Runs the invocation in the second process: {@code env} and {@code config} as given to this one, its stderr
     * copied to {@code stderr}, to answer by {@code deadlineAt} (milliseconds since the epoch).
     *
     * @throws IOException when it cannot be started (the caller then does the work itself)
     */
    Answer run(Map<String, String> env, byte[] config, long deadlineAt, OutputStream stderr) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(launcher.toString()));
        Map<String, String> childEnv = builder.environment();
        childEnv.clear();
        childEnv.putAll(env);
        childEnv.putIfAbsent("PATH", DEFAULT_PATH); // the launcher is a script that finds bash on it
        childEnv.put(IN_PROCESS_ENV, "1");
        childEnv.put(DEADLINE_ENV, Long.toString(deadlineAt));
        Process process = builder.start();
        running = process;
        try {
            Thread errors = Thread.ofPlatform().daemon().name("second-process-stderr")
                    .start(() -> copy(process.getErrorStream(), stderr));
            try (OutputStream in = process.getOutputStream()) {
                in.write(config);
            } catch (IOException e) {
                // it ended before reading its configuration: its status says so
            }
            byte[] answer = process.getInputStream().readAllBytes(); // until it ends (or is stopped at the deadline)
            int status = process.waitFor();
            errors.join(Duration.ofSeconds(1));
            return new Answer(status, answer);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Answer(1, new byte[0]);
        } finally {
            running = null;
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        try (from) {
            from.transferTo(to);
        } catch (IOException e) {
            // the second process is gone: nothing more to pass on
        }
    }

    /** This process's deadline passed: the second process, if one runs, is stopped (its answer would be too late). */
    static void stopRunning() {
        Process p = running;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // the launcher execs java, but to be sure
            p.destroyForcibly();
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
