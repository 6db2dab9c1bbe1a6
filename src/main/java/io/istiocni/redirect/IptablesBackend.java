package io.istiocni.redirect;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.iptables.DetectedOnce;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.RuleSet;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The iptables backend (capture.md 8, 9): {@code iptables-restore} and friends, through {@link RuleApplier}.
 *
 * <p>With the tools as processes ({@link #processes()}) the iptables variant of each family is detected once for the
 * life of the backend ({@link DetectedOnce}) and detected again after a failure (the node's iptables may have changed):
 * one per plugin process, one long-lived one in the node agent (issue 10), which saves the detection's
 * {@code -save}/{@code --version}/probe commands for every pod after the first.
 */
public final class IptablesBackend implements CaptureBackend {

    private final RuleApplier applier;
    /** Null when the applier detects by itself (a test's fake runner). */
    private final DetectedOnce variants;

    /** @param applier a test's fake runner, or tools as processes detecting the variant for every request */
    public IptablesBackend(RuleApplier applier) {
        this(applier, null);
    }

    private IptablesBackend(RuleApplier applier, DetectedOnce variants) {
        this.applier = Objects.requireNonNull(applier);
        this.variants = variants;
    }

    /** The tools as processes, the variant detected once (and again after a failure). */
    public static IptablesBackend processes() {
        return detectingOnce(detector -> new RuleApplier(detector));
    }

    /** With the applier {@code applier} builds around the detect-once choice (tests: a fake runner). */
    static IptablesBackend detectingOnce(Function<RuleApplier.VariantDetector, RuleApplier> applier) {
        DetectedOnce variants = new DetectedOnce();
        return new IptablesBackend(applier.apply(variants), variants);
    }

    @Override
    public String name() {
        return "iptables";
    }

    @Override
    public ApplyOutcome apply(ApplyRequest request) {
        try {
            return applier.apply(request);
        } catch (ApplyException e) {
            forgetVariants();
            throw e;
        }
    }

    @Override
    public Optional<String> verify(ApplyRequest request) {
        try {
            return applier.verify(request);
        } catch (ApplyException e) {
            forgetVariants();
            throw e;
        }
    }

    private void forgetVariants() {
        if (variants != null) {
            variants.forget(); // the next request detects again
        }
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
