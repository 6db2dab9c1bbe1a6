package io.istiocni.install;

/**
 * An install step that cannot be done with the node's current state (install.md section 11): a CNI config that cannot
 * be parsed or holds no insertable plugin list, a missing API server variable, a missing token or CA. The message is
 * one line naming the file or variable and the problem; the daemon logs it, stays not ready and retries.
 */
public class InstallException extends IllegalArgumentException {

    public InstallException(String message) {
        super(message);
    }
}
