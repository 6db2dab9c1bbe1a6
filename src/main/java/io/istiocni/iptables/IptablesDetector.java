package io.istiocni.iptables;

import io.istiocni.log.EdgeLog;
import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.Family;
import java.util.ArrayList;
import java.util.List;

/** Chooses the iptables variant for one family (capture.md 8.1). */
public final class IptablesDetector {

    private static final EdgeLog LOG = EdgeLog.of(IptablesDetector.class);
    private static final List<String> PROBE_RULE = List.of("-t", "nat", "%s", "INPUT", "-p", "255", "-j", "RETURN");

    private IptablesDetector() {
    }

    /**
     * Picks the variant: with {@code force} {@code "legacy"} or {@code "nft"} that variant if usable; otherwise the
     * legacy variant if usable and it already has rules, else the nft variant, else the plain one.
     *
     * @param runner   runs the commands (in the namespace the rules go into)
     * @param force    {@code FORCE_IPTABLES_BINARY}: {@code ""}/null, {@code "legacy"} or {@code "nft"}
     * @param lockFile private xtables lock file for the probe's write commands (CNI mode), or null
     * @throws ApplyException when no candidate is usable, or {@code force} has another value
     */
    public static IptablesVariant detect(CommandRunner runner, Family family, String force, String lockFile) {
        String prefix = family == Family.IPV4 ? "iptables" : "ip6tables";
        String forced = force == null ? "" : force;
        List<String> failures = new ArrayList<>();
        switch (forced) {
            case "legacy", "nft" -> {
                Candidate c = check(runner, family, prefix + "-" + forced, false, lockFile);
                if (c.variant != null) {
                    return chosen(c.variant);
                }
                throw new ApplyException("FORCE_IPTABLES_BINARY=" + forced + ": " + c.failure);
            }
            case "" -> {
                Candidate legacy = check(runner, family, prefix + "-legacy", true, lockFile);
                if (legacy.variant != null) {
                    return chosen(legacy.variant);
                }
                failures.add(legacy.failure);
                for (String binary : List.of(prefix + "-nft", prefix)) {
                    Candidate c = check(runner, family, binary, false, lockFile);
                    if (c.variant != null) {
                        return chosen(c.variant);
                    }
                    failures.add(c.failure);
                }
            }
            default -> throw new ApplyException(
                    "invalid FORCE_IPTABLES_BINARY \"" + forced + "\" (must be empty, legacy or nft)");
        }
        throw new ApplyException("no usable " + prefix + " found for " + (family == Family.IPV4 ? "IPv4" : "IPv6")
                + ": " + String.join("; ", failures));
    }

    private record Candidate(IptablesVariant variant, String failure) {
        static Candidate failed(String binary, String why) {
            return new Candidate(null, binary + " " + why);
        }
    }

    /**
     * Runs the usability checks on {@code binary}. With {@code needExistingRules} (the legacy preference) a
     * variant without existing rules is rejected before its probe rule is written.
     */
    private static Candidate check(CommandRunner runner, Family family, String binary, boolean needExistingRules,
                                   String lockFile) {
        CommandRunner.Result save = runner.run(binary + "-save");
        if (!save.ok()) {
            return Candidate.failed(binary, "is not usable: " + binary + "-save failed (exit status "
                    + save.exitCode() + ")" + detail(save));
        }
        boolean existing = hasExistingRules(save.stdout());
        if (needExistingRules && !existing) {
            return Candidate.failed(binary, "has no existing rules");
        }
        CommandRunner.Result versionRun = runner.run(binary + "-save", "--version");
        String versionText = versionRun.stdout() + versionRun.stderr();
        IptablesVersion version = IptablesVersion.find(versionText);
        boolean nft = versionRun.ok() && versionText.contains("nf_tables");
        IptablesVariant variant = new IptablesVariant(family, binary, nft,
                versionRun.ok() && version != null ? version : IptablesVersion.UNKNOWN, existing);
        Iptables ipt = new Iptables(runner, variant, lockFile);
        CommandRunner.Result probe = ipt.run(probeRule("-A"));
        if (!probe.ok() || probe.stderr().contains("does not exist")) {
            return Candidate.failed(binary, "is not usable: probe rule failed (exit status " + probe.exitCode()
                    + ")" + detail(probe));
        }
        ipt.run(probeRule("-D"));
        return new Candidate(variant, null);
    }

    static List<String> probeRule(String operation) {
        return PROBE_RULE.stream().map(w -> w.equals("%s") ? operation : w).toList();
    }

    /** Istio's heuristic: a dump with at least three newlines has rules (or at least a table). */
    static boolean hasExistingRules(String saveOutput) {
        return saveOutput.chars().filter(c -> c == '\n').count() >= 3;
    }

    private static IptablesVariant chosen(IptablesVariant variant) {
        LOG.debug("using {0} for {1}", variant, variant.family());
        return variant;
    }

    private static String detail(CommandRunner.Result result) {
        String d = result.diagnostic();
        return d.isEmpty() ? "" : ": " + d;
    }
}
