package io.istiocni.iptables;

import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.Family;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node agent's variant choice (issue 10): {@link IptablesDetector} runs for the first pod of each family (and
 * {@code FORCE_IPTABLES_BINARY} value), later pods reuse its choice (the binaries are the node's, the same for every
 * pod), saving its {@code -save}/{@code --version}/probe commands per pod. {@link #forget()} after a failed apply
 * makes the next pod detect again (the node's iptables may have changed under the agent).
 */
public final class DetectedOnce implements RuleApplier.VariantDetector {

    private final Map<String, IptablesVariant> chosen = new ConcurrentHashMap<>();

    @Override
    public IptablesVariant detect(CommandRunner runner, Family family, String force, String lockFile) {
        String key = family + "/" + (force == null ? "" : force);
        IptablesVariant known = chosen.get(key);
        if (known != null) {
            return known;
        }
        IptablesVariant variant = IptablesDetector.detect(runner, family, force, lockFile);
        chosen.put(key, variant);
        return variant;
    }

    public void forget() {
        chosen.clear();
    }

    /** The variants chosen so far (for the log). */
    public Map<String, IptablesVariant> chosen() {
        return Map.copyOf(chosen);
    }
}
