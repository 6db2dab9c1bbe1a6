package io.istiocni.netns;

import java.util.List;
import java.util.Map;

/**
 * Runs an external command (in a network namespace chosen by the implementation) and returns its result.
 * Implementations never throw for a failing command: a command that cannot be started or that times out
 * yields a non-zero exit code and an explanatory {@code stderr}.
 */
public interface CommandRunner {

    /** Exit code reported when the command could not be started (as a shell does for "command not found"). */
    int EXIT_NOT_STARTED = 127;
    /** Exit code reported when the command was killed because it ran too long (as {@code timeout(1)} does). */
    int EXIT_TIMED_OUT = 124;

    /** Outcome of one command. */
    record Result(int exitCode, String stdout, String stderr) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** {@code stderr} (or, if empty, {@code stdout}) collapsed onto one line, for error messages. */
        public String diagnostic() {
            String text = stderr.isBlank() ? stdout : stderr;
            return String.join("; ", text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        }
    }

    /**
     * Runs {@code argv} (program name first), with {@code extraEnv} added to the inherited environment and
     * {@code stdin} (null = none) fed to its standard input.
     */
    Result run(List<String> argv, Map<String, String> extraEnv, String stdin);

    default Result run(List<String> argv) {
        return run(argv, Map.of(), null);
    }

    default Result run(String... argv) {
        return run(List.of(argv), Map.of(), null);
    }
}
