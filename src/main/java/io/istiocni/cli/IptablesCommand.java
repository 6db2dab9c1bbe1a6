package io.istiocni.cli;

import io.istiocni.capture.IptablesMode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code istio-cni iptables}: Istio's {@code istio-iptables}, flag for flag (capture.md, cli.md). */
@Command(name = "iptables", description = "Compute, show or apply the traffic-capture rules (istio-iptables).",
        helpCommand = false)
public class IptablesCommand implements Callable<Integer> {

    static final String USAGE_HEADER = """
            Usage: istio-cni iptables [flags]
                   istio-iptables [flags]

            Computes the iptables rules that redirect a pod's traffic to its Envoy sidecar, prints them
            (--dry-run) or applies them into the current network namespace or --network-namespace.
            Flags and environment variables are those of Istio's istio-iptables; --pod FILE derives the
            settings from a Pod manifest the way the CNI plugin does.""";

    @Parameters(arity = "0..*", paramLabel = "FLAGS", description = "istio-iptables flags")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return run(args, System.getenv(), System.out, System.err);
    }

    /** The whole mode as a function of its inputs; returns the exit code. */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        return IptablesMode.run(args, env, out, err, USAGE_HEADER);
    }
}
