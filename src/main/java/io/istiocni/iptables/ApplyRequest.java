package io.istiocni.iptables;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleSet;
import java.util.Objects;

/**
 * One run of the rule step (capture.md 8 and 9).
 *
 * @param rules            the generated rules ({@code RuleGenerator.generate(settings)})
 * @param settings         the settings they were generated from (IPv6 switch, TPROXY routing)
 * @param networkNamespace path of the network namespace file to work in; null = the current namespace
 * @param options          what to do with rules found there
 * @param userNamespace    path of the user namespace owning {@code networkNamespace} when it is not ours
 *                         ({@code hostUsers: false}); the commands then run in it too. Null = none.
 */
public record ApplyRequest(RuleSet rules, CaptureSettings settings, String networkNamespace, ApplyOptions options,
                           String userNamespace) {

    public ApplyRequest {
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(options, "options");
        if (networkNamespace != null && networkNamespace.isBlank()) {
            networkNamespace = null;
        }
        if (userNamespace != null && userNamespace.isBlank()) {
            userNamespace = null;
        }
        if (userNamespace != null && networkNamespace == null) {
            throw new IllegalArgumentException("a user namespace needs a network namespace");
        }
    }

    /** A pod's rules into its network namespace, as the plugin and repair apply them ({@link ApplyOptions#POD}). */
    public static ApplyRequest forPod(RuleSet rules, CaptureSettings settings, String networkNamespace) {
        return new ApplyRequest(rules, settings, networkNamespace, ApplyOptions.POD, null);
    }

    /** The rules into {@code networkNamespace} (null = the current one) with these options, in our user namespace. */
    public static ApplyRequest of(RuleSet rules, CaptureSettings settings, String networkNamespace,
            ApplyOptions options) {
        return new ApplyRequest(rules, settings, networkNamespace, options, null);
    }

    /** The same request, run inside the given owning user namespace (null = the host's). */
    public ApplyRequest inUserNamespace(String owner) {
        return new ApplyRequest(rules, settings, networkNamespace, options, owner);
    }

    public boolean cniMode() {
        return options.cniMode();
    }

    public boolean reconcile() {
        return options.reconcile();
    }

    public boolean cleanupOnly() {
        return options.cleanupOnly();
    }

    public boolean forceApply() {
        return options.forceApply();
    }

    public String forceIptablesBinary() {
        return options.forceIptablesBinary();
    }
}
