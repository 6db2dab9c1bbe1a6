package io.istiocni.iptables;

import io.istiocni.rules.Family;

/**
 * A usable iptables variant for one family: {@code binary} (e.g. {@code iptables-nft}, {@code ip6tables-legacy},
 * plain {@code iptables}) with its {@code -save} and {@code -restore} companions (capture.md 8.1).
 *
 * @param nft              whether it drives nf_tables (else legacy xtables)
 * @param version          the release reported by {@code B-save --version}
 * @param hasExistingRules the {@code B-save} output seen during detection had at least 3 newlines
 */
public record IptablesVariant(Family family, String binary, boolean nft, IptablesVersion version,
                              boolean hasExistingRules) {

    public String saveBinary() {
        return binary + "-save";
    }

    public String restoreBinary() {
        return binary + "-restore";
    }

    /** Write commands ({@code B}, {@code B-restore}) get {@code --wait=30}: legacy 1.6.2 and later (capture.md 8.2). */
    public boolean takesWait() {
        return !nft && version.atLeast(IptablesVersion.WAIT_ARGUMENT);
    }

    /** The xtables lock can be made private with {@code XTABLES_LOCKFILE}: legacy 1.8.6 and later. */
    public boolean takesLockfileEnv() {
        return takesWait() && version.atLeast(IptablesVersion.LOCKFILE_ENV);
    }

    @Override
    public String toString() {
        return binary + " " + version + (nft ? " (nf_tables)" : " (legacy)");
    }
}
