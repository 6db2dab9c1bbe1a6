package io.istiocni.netns;

import java.util.List;

/** A command whose success was required failed; the message is one line with the exit status and stderr. */
public class CommandFailedException extends RuntimeException {

    private final int exitCode;

    public CommandFailedException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public static CommandFailedException of(List<String> argv, CommandRunner.Result result) {
        String diagnostic = result.diagnostic();
        return new CommandFailedException(String.join(" ", argv) + " failed (exit status " + result.exitCode() + ")"
                + (diagnostic.isEmpty() ? "" : ": " + diagnostic), result.exitCode());
    }

    public int exitCode() {
        return exitCode;
    }
}
