package io.istiocni.redirect;

import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleSet;
import java.util.Optional;

/**
 * A way to program the capture rules into a network namespace: iptables ({@link IptablesBackend}, capture.md 8-9)
 * or native nftables ({@link NftablesBackend}, nftables.md 7-8), chosen once in {@link CaptureBackends}; every
 * caller of {@link CaptureStep} (plugin ADD and CHECK, repair in place, the iptables mode) gets either. A backend
 * reads what applies to it from the request: the iptables one loads {@code request.rules()}, the nftables one
 * renders its own tables from {@code request.settings()}.
 */
public sealed interface CaptureBackend permits IptablesBackend, NftablesBackend {

    /** {@code iptables} or {@code nftables}: the word of the log lines ("programming iptables rules"). */
    String name();

    /**
     * Brings the namespace to the state the request asks for (with {@code options().cleanupOnly()}: removes the
     * rules of this configuration).
     *
     * @throws io.istiocni.iptables.ApplyException (one line) when it cannot
     */
    ApplyOutcome apply(ApplyRequest request);

    /** Changing nothing: what is missing or different in the namespace, or empty when all is in place (CHECK). */
    Optional<String> verify(ApplyRequest request);

    /**
     * The rules as this backend loads them: the {@code --dry-run} text and the plugin's debug log.
     *
     * @param rules the iptables rules generated from {@code settings}
     */
    String render(CaptureSettings settings, RuleSet rules, boolean cleanupOnly);

    /**
     * Whether the commands must run inside the user namespace owning a pod's network namespace for the rules to mean
     * the pod's uid (iptables: the owner matches are read in the writer's user namespace). nftables' {@code skuid}
     * is read in the namespace's own (nftables.md 7.6), so it is written from ours.
     */
    default boolean entersOwnerUserNamespace() {
        return true;
    }
}
