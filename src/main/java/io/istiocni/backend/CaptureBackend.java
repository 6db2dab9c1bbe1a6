package io.istiocni.backend;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.rules.CaptureSettings;
import java.util.Optional;

/**
 * A way of programming a pod's traffic capture into its network namespace: iptables (capture.md 8–9) or native
 * nftables (nftables.md §7–8). The plugin (ADD, CHECK), repair in place and the CLI call one of these, chosen by
 * {@code native_nftables} / {@code NATIVE_NFTABLES} / {@code --native-nftables}.
 */
public interface CaptureBackend {

    /**
     * Where the rules go.
     *
     * @param networkNamespace path of the network namespace file; null = the current namespace
     * @param userNamespace    the user namespace owning it when that is not ours ({@code hostUsers: false}); null = none
     * @param cniMode          running for the CNI plugin or repair (host filesystem): lock and error wording
     */
    record Target(String networkNamespace, String userNamespace, boolean cniMode) {
        public Target {
            networkNamespace = networkNamespace == null || networkNamespace.isBlank() ? null : networkNamespace;
            userNamespace = userNamespace == null || userNamespace.isBlank() ? null : userNamespace;
        }
    }

    /** Programs the rules for {@code settings}. @throws ApplyException one line naming the problem */
    ApplyOutcome apply(CaptureSettings settings, Target target);

    /** Checks, changing nothing, that the rules are in place; the first difference, or empty. */
    Optional<String> verify(CaptureSettings settings, Target target);

    /** Removes what {@link #apply} puts in place. @throws ApplyException one line naming the problem */
    void cleanup(CaptureSettings settings, Target target);

    /** The backend a configuration names. */
    static CaptureBackend of(boolean nativeNftables) {
        return nativeNftables ? new io.istiocni.nftables.NftablesBackend() : new io.istiocni.iptables.IptablesBackend();
    }
}
