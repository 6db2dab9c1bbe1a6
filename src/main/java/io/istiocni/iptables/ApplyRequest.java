package io.istiocni.iptables;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleSet;
import java.util.Objects;

/**
 * One run of the rule step (capture.md 8 and 9).
 *
 * @param rules               the generated rules ({@code RuleGenerator.generate(settings)})
 * @param settings            the settings they were generated from (IPv6 switch, TPROXY routing)
 * @param networkNamespace    path of the network namespace file to work in; null = the current namespace
 * @param cniMode             {@code --cni-mode}: give legacy iptables a lock private to the namespace
 * @param reconcile           {@code --reconcile}: replace existing rules that differ
 * @param cleanupOnly         {@code --cleanup-only}: only remove the rules of this configuration
 * @param forceApply          {@code --force-apply}: load the rules even when they are already in place
 * @param forceIptablesBinary {@code FORCE_IPTABLES_BINARY}: {@code ""} (detect), {@code "legacy"} or {@code "nft"}
 * @param userNamespace       path of the user namespace owning {@code networkNamespace} when it is not ours
 *                            ({@code hostUsers: false}); the commands then run in it too. Null = none.
 */
public record ApplyRequest(RuleSet rules, CaptureSettings settings, String networkNamespace, boolean cniMode,
                           boolean reconcile, boolean cleanupOnly, boolean forceApply, String forceIptablesBinary,
                           String userNamespace) {

    /** In the host's user namespace. */
    public ApplyRequest(RuleSet rules, CaptureSettings settings, String networkNamespace, boolean cniMode,
                        boolean reconcile, boolean cleanupOnly, boolean forceApply, String forceIptablesBinary) {
        this(rules, settings, networkNamespace, cniMode, reconcile, cleanupOnly, forceApply, forceIptablesBinary,
                null);
    }

    public ApplyRequest {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(settings, "settings");
        if (networkNamespace != null && networkNamespace.isBlank()) {
            networkNamespace = null;
        }
        forceIptablesBinary = forceIptablesBinary == null ? "" : forceIptablesBinary;
        if (userNamespace != null && userNamespace.isBlank()) {
            userNamespace = null;
        }
        if (userNamespace != null && networkNamespace == null) {
            throw new IllegalArgumentException("a user namespace needs a network namespace");
        }
    }

    /** The same request, run inside the given owning user namespace (null = the host's). */
    public ApplyRequest inUserNamespace(String owner) {
        return new ApplyRequest(rules, settings, networkNamespace, cniMode, reconcile, cleanupOnly, forceApply,
                forceIptablesBinary, owner);
    }
}
