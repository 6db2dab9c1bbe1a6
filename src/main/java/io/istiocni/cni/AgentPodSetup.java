package io.istiocni.cni;

import io.istiocni.cni.agent.PodSetup;
import io.istiocni.redirect.CaptureBackends;
import java.io.PrintStream;

/**
 * {@link PodSetup} through the plugin's own ADD and CHECK ({@link PodRedirect}, hence the one pod pipeline
 * {@code PodPlan} + {@code CaptureStep}, with the conf's {@code native_nftables} choosing the backend), the pod handed
 * in rather than fetched, the node agent's long-lived {@link CaptureBackends} (the iptables variant detected once),
 * and the log lines to {@code logSink} (the agent's log).
 */
public final class AgentPodSetup implements PodSetup {

    private final PrintStream logSink;
    private final CaptureBackends backends;

    public AgentPodSetup(PrintStream logSink, CaptureBackends backends) {
        this.logSink = logSink;
        this.backends = backends;
    }

    @Override
    public void run(String command, AddRequest request, String podJson) throws CniException {
        try (PodRedirect redirect = new PodRedirect(logSink, (namespace, name) -> podJson, backends)) {
            if (command.equals("ADD")) {
                redirect.add(request);
            } else {
                redirect.check(request);
            }
        }
    }
}
