package io.istiocni.redirect;

import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.nftables.NftApplier;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleSet;
import io.istiocni.rules.nft.NftRuleGenerator;
import io.istiocni.rules.nft.NftTransaction;
import java.util.Objects;
import java.util.Optional;

/** The native nftables backend (nftables.md 7-8): one {@code nft -f -} transaction, through {@link NftApplier}. */
public final class NftablesBackend implements CaptureBackend {

    private final NftApplier applier;

    /** @param applier the tools as processes ({@code new NftApplier()}) or a test's fake runners */
    public NftablesBackend(NftApplier applier) {
        this.applier = Objects.requireNonNull(applier);
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public ApplyOutcome apply(ApplyRequest request) {
        return applier.apply(request);
    }

    @Override
    public Optional<String> verify(ApplyRequest request) {
        return applier.verify(request);
    }

    /** nftables.md 1.3: the transaction {@code nft -f -} reads; for a clean-up, the one that deletes the tables. */
    @Override
    public String render(CaptureSettings settings, RuleSet rules, boolean cleanupOnly) {
        return cleanupOnly ? NftTransaction.cleanup() : NftRuleGenerator.generate(settings).render();
    }

    /** nftables.md 7.6: no {@code nsenter --user}; the kernel reads {@code skuid} in the namespace's owner. */
    @Override
    public boolean entersOwnerUserNamespace() {
        return false;
    }
}
