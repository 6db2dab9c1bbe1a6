package io.istiocni.redirect;

import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.rules.RuleSet;
import java.util.Optional;

/**
 * A way to program the capture rules into a network namespace: iptables ({@link IptablesBackend}) today; an nftables
 * backend is added beside it (here and in {@link CaptureBackends}), and every caller of {@link CaptureStep} gets it.
 * A backend reads what applies to it from the request: the iptables one loads {@code request.rules()}, another may
 * render its own from {@code request.settings()}.
 */
public sealed interface CaptureBackend permits IptablesBackend {

    /**
     * Brings the namespace to the state the request asks for (with {@code options().cleanupOnly()}: removes the
     * rules of this configuration).
     *
     * @throws io.istiocni.iptables.ApplyException (one line) when it cannot
     */
    ApplyOutcome apply(ApplyRequest request);

    /** Changing nothing: what is missing or different in the namespace, or empty when all is in place (CHECK). */
    Optional<String> verify(ApplyRequest request);

    /** The rules as this backend loads them: the {@code --dry-run} text and the plugin's debug log. */
    String render(RuleSet rules, boolean cleanupOnly);
}
