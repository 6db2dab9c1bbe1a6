package io.istiocni.cli;

import io.istiocni.capture.IptablesMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code istio-cni validate}: the same as {@code istio-cni iptables --run-validation --skip-rule-apply} (cli.md),
 * the check the {@code istio-validation} init container runs (validation.md). Every istio-iptables flag is accepted;
 * only {@code -p}, {@code -z}, {@code --iptables-probe-port} and {@code --probe-timeout} change the check.
 */
@Command(name = "validate", description = "Check that this network namespace redirects traffic to the proxy"
        + " (iptables --run-validation --skip-rule-apply).", helpCommand = false)
public class ValidateCommand implements Callable<Integer> {

    static final String USAGE_HEADER = """
            Usage: istio-cni validate [flags]

            The istio-validation init container's check, the same as
            istio-cni iptables --run-validation --skip-rule-apply: listens on 127.0.0.1 (::1 when the pod has
            IPv6 addresses only) at the -p and -z ports, connects to 127.0.0.6 (::6) at the probe port every
            second, and exits 0 when a connection is redirected to a listener, 126 when none is within
            --probe-timeout. Run it as the proxy's UID/GID in the pod's network namespace. Every istio-iptables
            flag is accepted.""";

    @Parameters(arity = "0..*", paramLabel = "FLAGS", description = "istio-iptables flags")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return run(args);
    }

    /** The check with these words, on this process's environment and streams; returns the exit code. */
    public static int run(List<String> words) {
        return IptablesMode.run(withValidationFlags(words), System.getenv(), System.out, System.err, USAGE_HEADER);
    }

    /** The words handed to the iptables mode: ours, then the two flags that make it the check. */
    static List<String> withValidationFlags(List<String> words) {
        List<String> all = new ArrayList<>(words.size() + 2);
        int end = words.indexOf("--");
        all.addAll(end < 0 ? words : words.subList(0, end));
        all.add("--run-validation");
        all.add("--skip-rule-apply");
        if (end >= 0) {
            all.addAll(words.subList(end, words.size()));
        }
        return all;
    }
}
