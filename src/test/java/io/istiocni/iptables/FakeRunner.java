package io.istiocni.iptables;

import io.istiocni.netns.CommandRunner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A scripted {@link CommandRunner}: answers by exact command line, records every call. */
final class FakeRunner implements CommandRunner {

    record Call(List<String> argv, Map<String, String> env, String stdin) {
        String line() {
            return String.join(" ", argv);
        }
    }

    private final Map<String, Result> answers = new HashMap<>();
    private final Result fallback;
    final List<Call> calls = new ArrayList<>();

    FakeRunner(Result fallback) {
        this.fallback = fallback;
    }

    FakeRunner answer(String commandLine, int exitCode, String stdout, String stderr) {
        answers.put(commandLine, new Result(exitCode, stdout, stderr));
        return this;
    }

    FakeRunner answer(String commandLine, int exitCode, String stdout) {
        return answer(commandLine, exitCode, stdout, "");
    }

    List<String> lines() {
        return calls.stream().map(Call::line).toList();
    }

    @Override
    public Result run(List<String> argv, Map<String, String> extraEnv, String stdin) {
        calls.add(new Call(List.copyOf(argv), Map.copyOf(extraEnv), stdin));
        return answers.getOrDefault(String.join(" ", argv), fallback);
    }
}
