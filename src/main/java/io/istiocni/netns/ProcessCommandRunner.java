package io.istiocni.netns;

import io.istiocni.log.EdgeLog;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs commands as child processes, in the current network namespace or, given the path of a network namespace
 * file, through {@code nsenter --net=PATH} (a JVM cannot switch namespaces per thread safely, capture.md 8.2).
 * Optionally a user namespace is entered as well ({@code nsenter --user=... --net=...}, for pods whose network
 * namespace is owned by a user namespace).
 *
 * <p>Every command is bounded by a timeout; when it expires the process is killed and exit code
 * {@link CommandRunner#EXIT_TIMED_OUT} is reported. Nothing is ever written to stdout; commands are logged at
 * DEBUG level.
 */
public final class ProcessCommandRunner implements CommandRunner {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final EdgeLog LOG = EdgeLog.of(ProcessCommandRunner.class);
    /** Searched after {@code PATH}: a CNI runtime or init system may hand us a PATH without the sbin dirs. */
    private static final List<String> STANDARD_DIRS =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
    /** Grace period for collecting output after the process has ended. */
    private static final long DRAIN_MILLIS = 5_000;
    private static final ExecutorService IO = Executors.newVirtualThreadPerTaskExecutor();

    private final String networkNamespace;
    private final String userNamespace;
    private final Duration timeout;

    /** Runs commands in the current network namespace. */
    public ProcessCommandRunner() {
        this(null, null, DEFAULT_TIMEOUT);
    }

    /** Runs commands in the given network namespace (path of its file, e.g. {@code /var/run/netns/x}); null = current. */
    public ProcessCommandRunner(String networkNamespace) {
        this(networkNamespace, null, DEFAULT_TIMEOUT);
    }

    /**
     * @param networkNamespace path of the network namespace file, or null for the current namespace
     * @param userNamespace    path of a user namespace file to enter too (only with a network namespace), or null
     * @param timeout          longest time a command may run
     */
    public ProcessCommandRunner(String networkNamespace, String userNamespace, Duration timeout) {
        if (userNamespace != null && networkNamespace == null) {
            throw new IllegalArgumentException("a user namespace needs a network namespace");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.networkNamespace = blankToNull(networkNamespace);
        this.userNamespace = blankToNull(userNamespace);
        this.timeout = timeout;
    }

    /** The network namespace path commands run in, or null for the current namespace. */
    public String networkNamespace() {
        return networkNamespace;
    }

    @Override
    public Result run(List<String> argv, Map<String, String> extraEnv, String stdin) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> command = commandLine(argv);
        String shown = String.join(" ", argv) + (networkNamespace == null ? "" : " (in " + networkNamespace + ")");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(extraEnv);
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        LOG.debug("running: {0}", shown);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return logged(shown, new Result(EXIT_NOT_STARTED, "", "cannot run " + argv.getFirst() + ": " + e.getMessage()));
        }
        Future<byte[]> out = IO.submit(() -> drain(process.getInputStream()));
        Future<byte[]> err = IO.submit(() -> drain(process.getErrorStream()));
        if (stdin != null) {
            IO.submit(() -> feed(process.getOutputStream(), stdin));
        }
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            return logged(shown, new Result(EXIT_TIMED_OUT, "", argv.getFirst() + " interrupted"));
        }
        if (!finished) {
            kill(process);
        }
        String stdout = collect(out);
        String stderr = collect(err);
        if (!finished) {
            return logged(shown, new Result(EXIT_TIMED_OUT, stdout,
                    argv.getFirst() + " timed out after " + timeout.toSeconds() + " s and was killed"));
        }
        return logged(shown, new Result(process.exitValue(), stdout, stderr));
    }

    private List<String> commandLine(List<String> argv) {
        List<String> command = new ArrayList<>(argv.size() + 4);
        if (networkNamespace != null) {
            command.add(resolve("nsenter"));
            if (userNamespace != null) {
                command.add("--user=" + userNamespace);
            }
            command.add("--net=" + networkNamespace);
            command.add("--");
        }
        command.add(resolve(argv.getFirst()));
        command.addAll(argv.subList(1, argv.size()));
        return command;
    }

    /** Absolute path of a program found on PATH or in the standard directories; the name itself if not found. */
    static String resolve(String program) {
        if (program.indexOf('/') >= 0) {
            return program;
        }
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(STANDARD_DIRS);
        for (String dir : dirs) {
            File candidate = new File(dir, program);
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        return program;
    }

    private static byte[] drain(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static Void feed(OutputStream os, String stdin) {
        try (os) {
            os.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command exited without reading all of its input; its exit status tells what happened
        }
        return null;
    }

    private static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String collect(Future<byte[]> stream) {
        try {
            return new String(stream.get(DRAIN_MILLIS, TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException | TimeoutException e) {
            stream.cancel(true);
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static Result logged(String shown, Result result) {
        if (LOG.debugEnabled()) {
            LOG.debug("{0} -> exit {1}{2}", shown, result.exitCode(),
                    result.ok() ? "" : ": " + result.diagnostic());
        }
        return result;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "ProcessCommandRunner[" + Objects.requireNonNullElse(networkNamespace, "current namespace") + "]";
    }
}
