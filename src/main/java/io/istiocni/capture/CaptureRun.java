package io.istiocni.capture;

import io.istiocni.rules.CaptureSettings;
import java.time.Duration;

/**
 * One run of the {@code iptables} mode: the capture settings (null with {@code --skip-rule-apply}) and what to do
 * with them.
 */
public record CaptureRun(
        CaptureSettings settings,
        boolean dryRun,
        boolean runValidation,
        String networkNamespace,
        boolean cniMode,
        boolean reconcile,
        boolean cleanupOnly,
        boolean forceApply,
        String forceIptablesBinary,
        int probePort,
        Duration probeTimeout) {

    public boolean skipRuleApply() {
        return settings == null;
    }
}
