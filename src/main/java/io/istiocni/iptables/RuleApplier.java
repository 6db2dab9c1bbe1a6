package io.istiocni.iptables;

import io.istiocni.log.EdgeLog;
import io.istiocni.netns.CommandRunner;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Family;
import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.Rule;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Applies generated rules to a network namespace: binary detection, state check, decision, guardrails, cleanup,
 * restore, then the {@code ::6} address and TPROXY routing (capture.md 8 and 9).
 *
 * <p>Differences from Istio, on purpose:
 * <ul>
 *   <li>When Istio rules exist and differ and {@code reconcile} is off, Istio loads the rules anyway and fails on
 *       "Chain already exists"; here the run fails before touching anything, saying that {@code --reconcile}
 *       replaces them. (Residue that is not Istio's, e.g. a user rule in nat {@code OUTPUT}, does not block.)</li>
 *   <li>When reconciling, after the cleanup computed from the planned rules, any {@code ISTIO*} chain still in the
 *       dump (and any jump to it) is removed too, so that a different earlier configuration can be replaced.</li>
 *   <li>Section 9 is idempotent, and {@code cleanupOnly} undoes it (see {@link PolicyRouting}).</li>
 *   <li>IPv6 binaries are not even probed when IPv6 is disabled (the probe would create tables there).</li>
 * </ul>
 */
public final class RuleApplier {

    private static final EdgeLog LOG = EdgeLog.of(RuleApplier.class);

    /** Temporary rules that stop all TCP and UDP traffic while rules are being replaced (filter table). */
    static final List<List<String>> GUARDRAILS = List.of(
            List.of("-t", "filter", "%s", "INPUT", "-p", "tcp", "-j", "DROP"),
            List.of("-t", "filter", "%s", "INPUT", "-p", "udp", "-j", "DROP"),
            List.of("-t", "filter", "%s", "FORWARD", "-p", "tcp", "-j", "DROP"),
            List.of("-t", "filter", "%s", "FORWARD", "-p", "udp", "-j", "DROP"),
            List.of("-t", "filter", "%s", "OUTPUT", "-p", "tcp", "-j", "DROP"),
            List.of("-t", "filter", "%s", "OUTPUT", "-p", "udp", "-j", "DROP"));

    /** How the variant for a family is chosen ({@link IptablesDetector#detect}, or a cache of it). */
    @FunctionalInterface
    public interface VariantDetector {
        IptablesVariant detect(CommandRunner runner, Family family, String force, String lockFile);
    }

    private final Function<ApplyRequest, CommandRunner> runners;
    private final VariantDetector detector;

    /**
     * Runs the tools as processes ({@code nsenter --net=PATH} for a namespace path, with {@code --user=PATH} too when
     * the request names the owning user namespace).
     */
    public RuleApplier() {
        this(IptablesDetector::detect);
    }

    /** Tools as processes, the variant chosen by {@code detector} (the node agent detects once, issue 10). */
    public RuleApplier(VariantDetector detector) {
        this.runners = request -> new ProcessCommandRunner(request.networkNamespace(), request.userNamespace(),
                ProcessCommandRunner.DEFAULT_TIMEOUT);
        this.detector = Objects.requireNonNull(detector);
    }

    /** @param runners gives the command runner for a network namespace path (null = current namespace) */
    public RuleApplier(Function<String, CommandRunner> runners) {
        this(runners, IptablesDetector::detect);
    }

    /** As {@link #RuleApplier(Function)}, the variant chosen by {@code detector}. */
    public RuleApplier(Function<String, CommandRunner> runners, VariantDetector detector) {
        Objects.requireNonNull(runners);
        this.runners = request -> runners.apply(request.networkNamespace());
        this.detector = Objects.requireNonNull(detector);
    }

    /**
     * Brings the namespace to the state {@code request} asks for.
     *
     * @throws ApplyException (one-line message) when no usable iptables is found, Istio rules exist and differ
     *                        without {@code reconcile}, a restore or guardrail command fails, or routing fails
     */
    public ApplyOutcome apply(ApplyRequest request) {
        CaptureSettings settings = request.settings();
        CommandRunner runner = runners.apply(request);
        PolicyRouting routing = PolicyRouting.of(settings);
        String lockFile = lockFile(request);
        Map<Family, Iptables> tools = new EnumMap<>(Family.class);
        for (Family family : settings.ipv6Enabled() ? List.of(Family.IPV4, Family.IPV6) : List.of(Family.IPV4)) {
            IptablesVariant variant =
                    detector.detect(runner, family, request.forceIptablesBinary(), lockFile);
            tools.put(family, new Iptables(runner, variant, lockFile));
        }
        if (request.cleanupOnly()) {
            tools.forEach((family, ipt) -> runAll(ipt, Cleanup.forPlannedRules(request.rules().forFamily(family))));
            routing.tearDown(runner);
            LOG.debug("cleanup done");
            return ApplyOutcome.CLEANED_UP;
        }
        ApplyOutcome outcome = applyRules(request, tools);
        routing.setUp(runner);
        return outcome;
    }

    /**
     * Checks, changing nothing, that every family with planned rules has them in place with no delta (the CNI
     * plugin's CHECK). Returns what is missing or different, or empty when all is in place.
     */
    public Optional<String> verify(ApplyRequest request) {
        CommandRunner runner = runners.apply(request);
        String lockFile = lockFile(request);
        List<String> problems = new ArrayList<>();
        for (Family family : request.settings().ipv6Enabled() ? List.of(Family.IPV4, Family.IPV6)
                : List.of(Family.IPV4)) {
            List<Rule> planned = request.rules().forFamily(family);
            if (planned.isEmpty()) {
                continue;
            }
            IptablesVariant variant =
                    detector.detect(runner, family, request.forceIptablesBinary(), lockFile);
            StateCheck.FamilyState state = check(new Iptables(runner, variant, lockFile), planned);
            if (!state.residue()) {
                problems.add(label(family) + ": no rules");
            } else if (state.delta()) {
                problems.add(label(family) + ": " + (state.difference() == null ? "rules differ" : state.difference()));
            }
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /**
     * The xtables lock legacy iptables should take: the namespace's own in CNI mode (capture.md 8.2), and also when
     * working from inside a pod's user namespace, where the node-wide {@code /run/xtables.lock} (root's, mode 0600)
     * cannot be opened.
     */
    private static String lockFile(ApplyRequest request) {
        return request.cniMode() || request.userNamespace() != null ? request.networkNamespace() : null;
    }

    private ApplyOutcome applyRules(ApplyRequest request, Map<Family, Iptables> tools) {
        Map<Family, StateCheck.FamilyState> states = new EnumMap<>(Family.class);
        tools.forEach((family, ipt) -> states.put(family, check(ipt, request.rules().forFamily(family))));
        boolean residue = false;
        boolean delta = false;
        boolean istioRules = false;
        List<String> differences = new ArrayList<>();
        for (Map.Entry<Family, StateCheck.FamilyState> e : states.entrySet()) {
            StateCheck.FamilyState state = e.getValue();
            residue |= state.residue() && !request.rules().forFamily(e.getKey()).isEmpty();
            delta |= state.delta();
            istioRules |= state.istioChainsPresent();
            if (state.delta() && state.difference() != null) {
                differences.add(label(e.getKey()) + ": " + state.difference());
            }
        }
        if (!residue) {
            load(request, tools);
            return ApplyOutcome.APPLIED;
        }
        if (!delta) {
            if (!request.forceApply()) {
                LOG.info("iptables rules already in place, nothing changed");
                return ApplyOutcome.ALREADY_IN_PLACE;
            }
            LOG.info("rules already in place; applying anyway (--force-apply)");
            load(request, tools);
            return ApplyOutcome.APPLIED;
        }
        String why = String.join("; ", differences);
        if (request.reconcile()) {
            LOG.info("existing iptables rules differ ({0}); reconciling", why);
            reconcile(request, tools);
            return ApplyOutcome.RECONCILED;
        }
        if (istioRules) {
            throw new ApplyException("Istio iptables rules already exist in "
                    + (request.networkNamespace() == null ? "this network namespace"
                            : "network namespace " + request.networkNamespace())
                    + " and differ from the wanted ones (" + why + "); run with --reconcile to replace them");
        }
        LOG.debug("found iptables rules not made by Istio ({0}); adding Istio''s rules", why);
        load(request, tools);
        return ApplyOutcome.APPLIED;
    }

    private static StateCheck.FamilyState check(Iptables ipt, List<Rule> planned) {
        CommandRunner.Result save = ipt.save();
        SaveDump dump = save.ok() ? SaveDump.parse(save.stdout()) : null;
        return StateCheck.assess(dump, planned, rule -> ipt.run(withTable(rule, "-C")).ok());
    }

    private static void reconcile(ApplyRequest request, Map<Family, Iptables> tools) {
        try {
            for (Iptables ipt : tools.values()) {
                runAll(ipt, guardrails("-D"));
                for (List<String> guardrail : guardrails("-I")) {
                    CommandRunner.Result r = ipt.run(guardrail);
                    if (!r.ok()) {
                        throw failure(ipt.command(guardrail), r);
                    }
                }
            }
            tools.forEach((family, ipt) -> {
                runAll(ipt, Cleanup.forPlannedRules(request.rules().forFamily(family)));
                CommandRunner.Result save = ipt.save();
                if (save.ok()) {
                    runAll(ipt, Cleanup.forIstioResidue(SaveDump.parse(save.stdout())));
                }
            });
            load(request, tools);
        } finally {
            tools.values().forEach(ipt -> runAll(ipt, guardrails("-D")));
        }
    }

    /** {@code B-restore --noflush} per family, IPv4 first. */
    private static void load(ApplyRequest request, Map<Family, Iptables> tools) {
        for (Map.Entry<Family, Iptables> e : tools.entrySet()) {
            List<Rule> rules = request.rules().forFamily(e.getKey());
            if (rules.isEmpty()) {
                continue;
            }
            Iptables ipt = e.getValue();
            CommandRunner.Result r = ipt.restore(RestoreRenderer.render(rules));
            if (!r.ok()) {
                throw failure(ipt.restoreCommand(), r);
            }
            LOG.debug("loaded {0} {1} rules with {2}", rules.size(), label(e.getKey()),
                    ipt.variant());
        }
    }

    /** The guardrail commands for {@code -I} (at position 1) or {@code -D}. */
    static List<List<String>> guardrails(String operation) {
        return GUARDRAILS.stream().map(g -> {
            List<String> command = new ArrayList<>();
            for (int i = 0; i < g.size(); i++) {
                if (g.get(i).equals("%s")) {
                    command.add(operation);
                    command.add(g.get(++i));
                    if (operation.equals("-I")) {
                        command.add("1");
                    }
                } else {
                    command.add(g.get(i));
                }
            }
            return List.copyOf(command);
        }).toList();
    }

    /** Runs each command, ignoring failures (cleanup semantics). */
    private static void runAll(Iptables ipt, List<List<String>> commands) {
        commands.forEach(ipt::run);
    }

    private static List<String> withTable(Rule rule, String operation) {
        List<String> args = new ArrayList<>();
        args.add("-t");
        args.add(rule.table());
        args.addAll(rule.commandWords(operation, false));
        return args;
    }

    private static ApplyException failure(List<String> command, CommandRunner.Result r) {
        String diagnostic = r.diagnostic();
        return new ApplyException(String.join(" ", command) + " failed (exit status " + r.exitCode() + ")"
                + (diagnostic.isEmpty() ? "" : ": " + diagnostic));
    }

    private static String label(Family family) {
        return family == Family.IPV4 ? "IPv4" : "IPv6";
    }
}
