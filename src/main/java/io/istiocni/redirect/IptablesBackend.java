package io.istiocni.redirect;

import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.RuleSet;
import java.util.Objects;
import java.util.Optional;

/** The iptables backend (capture.md 8, 9): {@code iptables-restore} and friends, through {@link RuleApplier}. */
public final class IptablesBackend implements CaptureBackend {

    private final RuleApplier applier;

    /** @param applier the tools as processes ({@code new RuleApplier()}) or a test's fake runner */
    public IptablesBackend(RuleApplier applier) {
        this.applier = Objects.requireNonNull(applier);
    }

    @Override
    public String name() {
        return "iptables";
    }

    @Override
    public ApplyOutcome apply(ApplyRequest request) {
        return applier.apply(request);
    }

    @Override
    public Optional<String> verify(ApplyRequest request) {
        return applier.verify(request);
    }

    /** cli.md's form: the restore input per family, IPv6 only when it has rules; nothing for a clean-up. */
    @Override
    public String render(CaptureSettings settings, RuleSet rules, boolean cleanupOnly) {
        if (cleanupOnly) {
            return "";
        }
        StringBuilder sb = new StringBuilder("# iptables-restore\n").append(RestoreRenderer.render(rules.ipv4()));
        if (!rules.ipv6().isEmpty()) {
            sb.append("# ip6tables-restore\n").append(RestoreRenderer.render(rules.ipv6()));
        }
        return sb.toString();
    }
}
