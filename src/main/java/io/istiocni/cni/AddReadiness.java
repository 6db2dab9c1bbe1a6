package io.istiocni.cni;

import io.istiocni.kube.Kubeconfig;
import io.istiocni.kube.KubeconfigException;
import java.nio.file.Path;

/**
 * The answer to STATUS (CNI 1.1.0): whether an ADD could succeed now. An ADD needs nothing from a running node
 * agent (the log socket is best effort), only the kubeconfig the agent left in the run directory: a file that
 * loads, names a server and carries credentials (a token or a client certificate). Without them every ADD of a
 * meshed pod fails, so STATUS then says so with error 50 and the runtime holds pods back as "network not ready";
 * with them it succeeds, also while the agent pod is down or being upgraded.
 *
 * <p>Reads only the kubeconfig (and the files it names); contacts nothing, so it stays as cheap as the runtime's
 * polling needs.
 */
public final class AddReadiness {

    /** The error's message; the reason is in its details (libcni shows {@code msg; details}). */
    static final String NOT_AVAILABLE = "plugin not available";

    private AddReadiness() {
    }

    /** Success when an ADD could reach the API server with {@code conf}'s kubeconfig; else error 50. */
    public static void check(NetConf conf) throws CniException {
        Kubeconfig kubeconfig;
        try {
            kubeconfig = Kubeconfig.load(Path.of(conf.kubeconfigPath()));
        } catch (KubeconfigException | RuntimeException e) {
            throw notAvailable("failed to createNewK8sClient: " + e.getMessage());
        }
        if (kubeconfig.token() == null && kubeconfig.clientKey() == null) {
            throw notAvailable("kubeconfig " + conf.kubeconfigPath()
                    + ": names no credentials (no token, tokenFile or client certificate)");
        }
    }

    /** Error 50: the plugin cannot serve ADD now. */
    static CniException notAvailable(String reason) {
        return new CniException(CniException.PLUGIN_NOT_AVAILABLE, NOT_AVAILABLE, reason);
    }
}
