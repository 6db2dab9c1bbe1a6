package io.istiocni.iptables;

import io.istiocni.backend.CaptureBackend;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleGenerator;
import java.util.Optional;

/** The iptables backend behind {@link CaptureBackend}: {@link RuleApplier} with the plugin's defaults. */
public final class IptablesBackend implements CaptureBackend {

    private final RuleApplier applier;

    public IptablesBackend() {
        this(new RuleApplier());
    }

    public IptablesBackend(RuleApplier applier) {
        this.applier = applier;
    }

    @Override
    public ApplyOutcome apply(CaptureSettings settings, Target target) {
        return applier.apply(request(settings, target, false));
    }

    @Override
    public Optional<String> verify(CaptureSettings settings, Target target) {
        return applier.verify(request(settings, target, false));
    }

    @Override
    public void cleanup(CaptureSettings settings, Target target) {
        applier.apply(request(settings, target, true));
    }

    private static ApplyRequest request(CaptureSettings settings, Target target, boolean cleanup) {
        return new ApplyRequest(RuleGenerator.generate(settings), settings, target.networkNamespace(),
                target.cniMode(), false, cleanup, false, "", target.userNamespace());
    }
}
