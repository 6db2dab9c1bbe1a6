package io.istiocni.cni.agent;

import io.istiocni.cni.AddRequest;
import io.istiocni.cni.CniException;

/**
 * The seam between the node agent's pod set-up socket and the pod pipeline (issue 10): given the plugin's request
 * and the API server's pod, run ADD or CHECK exactly as the plugin would, in the pod's network namespace.
 */
public interface PodSetup {

    /**
     * @param command {@code ADD} or {@code CHECK}
     * @param podJson the pod as the API server's JSON (from the agent's informer cache when its UID is the
     *                request's {@code K8S_POD_UID}, else from a live GET)
     * @throws CniException the error the plugin reports for it
     */
    void run(String command, AddRequest request, String podJson) throws CniException;
}
