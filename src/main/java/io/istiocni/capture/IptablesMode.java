package io.istiocni.capture;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOptions;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.netns.CommandFailedException;
import io.istiocni.netns.IpFamilyDecision;
import io.istiocni.netns.LocalAddresses;
import io.istiocni.netns.NoLocalAddressException;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.pod.PodPlan;
import io.istiocni.redirect.CaptureBackend;
import io.istiocni.redirect.CaptureBackends;
import io.istiocni.redirect.CaptureStep;
import io.istiocni.redirect.UserNamespacePolicy;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.rules.RuleSet;
import io.istiocni.validation.Validation;
import io.istiocni.validation.ValidationCheck;
import io.istiocni.validation.ValidationTarget;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The iptables mode's core (Istio's {@code istio-iptables}, flag for flag: capture.md, cli.md): parse the flags, compute
 * the rules, print, apply or clean them up, run the validation check; the exit code is the return value. The command
 * line entry is {@code cli.IptablesCommand}.
 */
public final class IptablesMode {

    private IptablesMode() {
    }

    /** The whole mode as a function of its inputs, with {@code usageHeader} atop {@code --help}; returns the exit code. */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err,
            String usageHeader) {
        FlagParser parser = new FlagParser(IptablesFlags.ALL);
        try {
            FlagParser.Parsed flags = parser.parse(args, env);
            if (flags.help()) {
                out.print(parser.usage(usageHeader));
                return 0;
            }
            HostFacts host = SystemHostFacts.forNamespace(flags.get(IptablesFlags.NETWORK_NAMESPACE));
            CaptureRun run = CaptureConfig.resolve(flags, env, host);
            if (run.runValidation() && run.networkNamespace() != null) {
                throw new UsageException("--run-validation checks the current network namespace and cannot be"
                        + " combined with --network-namespace; run it inside that namespace (ip netns exec,"
                        + " nsenter) instead; nothing was done");
            }
            if (!run.skipRuleApply() && !applyRules(flags, env, host, run, out, err)) {
                return 0; // --pod: the plugin would leave this pod alone, so there is nothing to apply or check
            }
            if (run.runValidation()) {
                out.flush();
                return validate(run, err);
            }
            return 0;
        } catch (UsageException | ApplyException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** The rule step; false when {@code --pod} names a pod the plugin would not touch. */
    private static boolean applyRules(FlagParser.Parsed flags, Map<String, String> env, HostFacts host,
            CaptureRun run, PrintStream out, PrintStream err) {
        RuleSet rules;
        if (!flags.get(IptablesFlags.POD).isEmpty()) {
            PodPlan.Capture plan = PodSource.plan(flags, env, host, System.in, err);
            if (plan == null) {
                return false;
            }
            run = run.withSettings(plan.settings());
            rules = plan.rules();
        } else {
            rules = RuleGenerator.generate(run.settings());
        }
        // --native-nftables is refused before this point (CaptureConfig) while there is no nftables backend
        CaptureBackend backend = CaptureBackends.processes().select(flags.isTrue(IptablesFlags.NATIVE_NFTABLES));
        if (run.dryRun()) {
            out.print(backend.render(rules, run.cleanupOnly()));
            return true;
        }
        ApplyRequest request = ApplyRequest.of(rules, run.settings(), run.networkNamespace(), new ApplyOptions(
                run.cniMode(), run.reconcile(), run.cleanupOnly(), run.forceApply(), run.forceIptablesBinary()));
        // capture.md 8.2: a namespace given by --network-namespace that belongs to a user namespace other than ours
        // (a pod with hostUsers: false) is worked on from inside it; when that cannot be told, say so, go on in ours
        CaptureStep step = new CaptureStep(backend, (netns, reason) -> err.println(
                "istio-cni: warning: cannot tell the user namespace owning " + netns + ": " + reason
                        + "; running iptables in ours"));
        ApplyOutcome outcome = step.apply(request, UserNamespacePolicy.OWNER_OR_HOST);
        err.println(describe(outcome, run.networkNamespace()));
        return true;
    }

    /**
     * The validation check of validation.md in the current network namespace: exit 0 when a probe is redirected,
     * {@link Validation#EXIT_FAILED} when not within the timeout. The address family is that of the host IP
     * (capture.md 3.2); no usable address is a configuration error (exit 1).
     */
    static int validate(CaptureRun run, PrintStream err) {
        ValidationTarget target;
        try {
            target = ValidationTarget.forHost(
                    IpFamilyDecision.hostAddress(LocalAddresses.list(new ProcessCommandRunner())));
        } catch (NoLocalAddressException e) {
            throw new UsageException(e.getMessage());
        } catch (CommandFailedException e) {
            throw new UsageException("cannot list local addresses: " + e.getMessage());
        }
        return new ValidationCheck(new ValidationCheck.Settings(target, run.envoyPort(), run.inboundCapturePort(),
                run.probePort(), run.probeTimeout(), ValidationCheck.PROBE_INTERVAL), err).run();
    }

    static String describe(ApplyOutcome outcome, String namespace) {
        String where = namespace == null ? "the current network namespace" : namespace;
        return switch (outcome) {
            case APPLIED -> "istio-cni: rules applied in " + where;
            case ALREADY_IN_PLACE -> "istio-cni: rules already in place in " + where + ", nothing changed";
            case RECONCILED -> "istio-cni: drifted rules replaced in " + where;
            case CLEANED_UP -> "istio-cni: rules removed from " + where;
        };
    }
}
