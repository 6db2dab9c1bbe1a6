package io.istiocni.kube;

import java.io.IOException;

/**
 * The kubeconfig cannot be used: missing or unreadable file, not YAML, no cluster, bad base64 or PEM, ... The
 * message is one line naming the file and the problem; the plugin reports it as
 * {@code failed to createNewK8sClient: <message>}.
 */
public final class KubeconfigException extends IOException {

    private static final long serialVersionUID = 1L;

    public KubeconfigException(String message) {
        super(message);
    }
}
