package io.istiocni.iptables;

/**
 * How the rule step treats what it finds (capture.md 8 and 9).
 *
 * @param cniMode             {@code --cni-mode}: give legacy iptables a lock private to the namespace
 * @param reconcile           {@code --reconcile}: replace existing rules that differ
 * @param cleanupOnly         {@code --cleanup-only}: only remove the rules of this configuration
 * @param forceApply          {@code --force-apply}: load the rules even when they are already in place
 * @param forceIptablesBinary {@code FORCE_IPTABLES_BINARY}: {@code ""} (detect), {@code "legacy"} or {@code "nft"}
 */
public record ApplyOptions(boolean cniMode, boolean reconcile, boolean cleanupOnly, boolean forceApply,
                           String forceIptablesBinary) {

    /** A pod's namespace, as the plugin and repair work on it: CNI mode, rules already in place are left alone. */
    public static final ApplyOptions POD = new ApplyOptions(true, false, false, false, "");

    /** {@code istio-iptables} without any of its rule-step flags. */
    public static final ApplyOptions DEFAULTS = new ApplyOptions(false, false, false, false, "");

    public ApplyOptions {
        forceIptablesBinary = forceIptablesBinary == null ? "" : forceIptablesBinary;
    }
}
