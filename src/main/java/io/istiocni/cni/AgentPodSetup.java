package io.istiocni.cni;

import io.istiocni.cni.agent.PodSetup;
import io.istiocni.iptables.RuleApplier;
import java.io.PrintStream;

/**
 * {@link PodSetup} with today's plugin code path ({@link PodRedirect}): the same checks, settings, rules and apply,
 * with the pod handed in rather than fetched, the agent's {@link RuleApplier} (its iptables variant detected once),
 * and the log lines to {@code logSink} (the agent's log). A small adapter: the pod pipeline will replace it.
 */
public final class AgentPodSetup implements PodSetup {

    private final PrintStream logSink;
    private final RuleApplier applier;

    public AgentPodSetup(PrintStream logSink, RuleApplier applier) {
        this.logSink = logSink;
        this.applier = applier;
    }

    @Override
    public void run(String command, AddRequest request, String podJson) throws CniException {
        try (PodRedirect redirect = new PodRedirect(logSink, (namespace, name) -> podJson, applier)) {
            if (command.equals("ADD")) {
                redirect.add(request);
            } else {
                redirect.check(request);
            }
        }
    }
}
