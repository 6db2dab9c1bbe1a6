package io.istiocni.capture;

import io.istiocni.rules.CaptureSettings;
import java.time.Duration;

/**
 * One run of the {@code iptables} mode: the capture settings (null with {@code --skip-rule-apply}, and until the pod's are derived with {@code --pod}) and what to do
 * with them. {@code envoyPort} and {@code inboundCapturePort} are the {@code -p} and {@code -z} values, which the
 * validation check listens on (validation.md) also with {@code --skip-rule-apply}. {@code nativeNftables} selects
 * the nftables backend (nftables.md) instead of iptables.
 */
public record CaptureRun(
        CaptureSettings settings,
        boolean skipRuleApply,
        boolean dryRun,
        boolean runValidation,
        String networkNamespace,
        boolean cniMode,
        boolean reconcile,
        boolean cleanupOnly,
        boolean forceApply,
        String forceIptablesBinary,
        int probePort,
        Duration probeTimeout,
        int envoyPort,
        int inboundCapturePort,
        boolean nativeNftables) {

    public CaptureRun withSettings(CaptureSettings newSettings) {
        return new CaptureRun(newSettings, skipRuleApply, dryRun, runValidation, networkNamespace, cniMode, reconcile, cleanupOnly,
                forceApply, forceIptablesBinary, probePort, probeTimeout, envoyPort, inboundCapturePort, nativeNftables);
    }
}
