package io.istiocni.nftables;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.iptables.PolicyRouting;
import io.istiocni.log.EdgeLog;
import io.istiocni.netns.CommandRunner;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.nft.NftListing;
import io.istiocni.rules.nft.NftRuleGenerator;
import io.istiocni.rules.nft.NftTables;
import io.istiocni.rules.nft.NftTransaction;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The native nftables rule step (nftables.md §7–8), as {@code iptables.RuleApplier} is the iptables one; the pod
 * pipeline reaches it through {@code redirect.NftablesBackend}: the whole plan as one {@code nft -f -} transaction in the target
 * network namespace (flush and rewrite: the same plan twice gives the same tables, counters restart), then the
 * {@code ::6} address and TPROXY routing shared with the iptables backend ({@link PolicyRouting}).
 *
 * <p>No xtables lock, and no {@code nsenter --user} for pods with their own user namespace (7.6): the kernel reads
 * {@code skuid}/{@code skgid} in the user namespace owning the packet's network namespace, so a rule written from
 * the host matches the pod's uid 1337.
 *
 * <p>Differences from Istio, on purpose: cleanup also removes the {@code ::6} address and the TPROXY policy rule
 * and route (as this project's iptables backend does; Istio adds them even then, 7.5); Istio chains of the iptables
 * backend found in the namespace are reported as a warning (7.4; Istio says nothing).
 */
public final class NftApplier {

    private static final EdgeLog LOG = EdgeLog.of(NftApplier.class);
    private static final String NFT = "nft";
    /** Loads the plan into a scratch namespace and lists the given tables (CHECK's expected form, §8 step 2). */
    private static final String SCRATCH_SCRIPT =
            "\"$0\" -f - || exit; for t in \"$@\"; do \"$0\" list table inet \"$t\" || exit; done";

    private final Function<String, CommandRunner> runners;
    private final String searchPath;
    private final Consumer<String> warnings;

    /** Tools as processes ({@code nsenter --net=PATH}), {@code nft} from {@code PATH}, warnings logged. */
    public NftApplier() {
        this(w -> LOG.warn(w));
    }

    /** Tools as processes, {@code nft} from {@code PATH}, warnings to {@code warnings}. */
    public NftApplier(Consumer<String> warnings) {
        this(ProcessCommandRunner::new, System.getenv("PATH"), warnings);
    }

    /**
     * @param runners    the command runner for a network namespace path (null = the current namespace)
     * @param searchPath the {@code PATH} value {@code nft} is looked up in (nftables.md 7.1)
     * @param warnings   where warnings go (the other backend's rules found in the namespace)
     */
    public NftApplier(Function<String, CommandRunner> runners, String searchPath, Consumer<String> warnings) {
        this.runners = Objects.requireNonNull(runners);
        this.searchPath = searchPath;
        this.warnings = Objects.requireNonNull(warnings);
    }

    /**
     * Loads the plan (or with {@code cleanupOnly} removes the tables) in the request's namespace, then the routing.
     * The request's rules (iptables') and user namespace are not used (§7.6); reconcile and force-apply change
     * nothing since the transaction always flushes and rewrites.
     *
     * @throws ApplyException one line naming the problem
     */
    public ApplyOutcome apply(ApplyRequest request) {
        CaptureSettings settings = request.settings();
        PolicyRouting routing = PolicyRouting.of(settings);
        String nft = nft(request.cniMode());
        CommandRunner ns = runners.apply(request.networkNamespace());
        if (request.cleanupOnly()) {
            load(ns, nft, NftTransaction.cleanup());
            configureRoutes(() -> routing.tearDown(ns));
            return ApplyOutcome.CLEANED_UP;
        }
        String transaction = NftRuleGenerator.generate(settings).render();
        load(ns, nft, transaction);
        LOG.info("nftables rules programmed:\n{0}", transaction);
        reportIptablesRules(ns, nft, request.networkNamespace());
        configureRoutes(() -> routing.setUp(ns));
        return ApplyOutcome.APPLIED;
    }

    /** Checks, changing nothing, that the request's tables are in place: the first difference, or empty (§8). */
    public Optional<String> verify(ApplyRequest request) {
        String nft = nft(request.cniMode());
        NftTransaction plan = NftRuleGenerator.generate(request.settings());
        List<String> argv = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", SCRATCH_SCRIPT, nft));
        argv.addAll(plan.tables());
        CommandRunner.Result scratch = runners.apply(null).run(argv, Map.of(), plan.render());
        if (!scratch.ok()) {
            throw new ApplyException("cannot load the planned nftables rules into a scratch network namespace: "
                    + scratch.diagnostic());
        }
        NftListing expected = listing(scratch.stdout(), "the planned rules");
        CommandRunner ns = runners.apply(request.networkNamespace());
        StringBuilder live = new StringBuilder();
        for (String table : plan.tables()) {
            CommandRunner.Result listed = ns.run(nft, "list", "table", NftTables.FAMILY, table);
            if (!listed.ok()) {
                if (listed.stderr().contains("No such file or directory")) {
                    return Optional.of("table " + NftTables.FAMILY + " " + table + " missing");
                }
                throw new ApplyException("nft list table " + NftTables.FAMILY + " " + table + " failed (exit status "
                        + listed.exitCode() + "): " + listed.diagnostic());
            }
            live.append(listed.stdout()).append('\n');
        }
        return listing(live.toString(), "the namespace's tables").differenceFrom(expected);
    }

    /** §7.1: {@code nft} from the search path, at version 1.0.1 or later. */
    private String nft(boolean cniMode) {
        String found = locate(NFT, searchPath);
        if (found == null) {
            throw new ApplyException("nativeNftables is enabled, but the nft binary is missing "
                    + (cniMode ? "on the host filesystem" : "in the sidecar container image")
                    + ": could not find nftables binary: exec: \"nft\": executable file not found in $PATH");
        }
        CommandRunner.Result version = runners.apply(null).run(found, "--version");
        if (!version.ok()) {
            throw new ApplyException("could not run nftables command: " + version.diagnostic());
        }
        String first = version.stdout().strip().lines().findFirst().orElse("");
        if (tooOld(first)) {
            throw new ApplyException("nft version must be v1.0.1 or later (got " + first + ")");
        }
        return found;
    }

    /** nft before 1.0.1; a version line that cannot be read is no error (as Istio). */
    static boolean tooOld(String versionLine) {
        return versionLine.startsWith("nftables v0.") || versionLine.equals("nftables v1.0.0")
                || versionLine.startsWith("nftables v1.0.0 ");
    }

    /** The first executable {@code program} in the directories of {@code path}, or null. */
    static String locate(String program, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            File candidate = new File(dir.isEmpty() ? "." : dir, program);
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        return null;
    }

    private static void load(CommandRunner ns, String nft, String transaction) {
        CommandRunner.Result r = ns.run(List.of(nft, "-f", "-"), Map.of(), transaction);
        if (!r.ok()) {
            throw new ApplyException("nftables run failed: " + r.diagnostic());
        }
    }

    private static void configureRoutes(Runnable step) {
        try {
            step.run();
        } catch (ApplyException e) {
            throw new ApplyException("failed to configure routes: " + e.getMessage(), e);
        }
    }

    /**
     * §7.4: chains of the iptables backend ({@code ISTIO_*}, through iptables-nft or legacy iptables) act at the
     * same hooks as ours, and the result is a mix. Say so; never touch them.
     */
    private void reportIptablesRules(CommandRunner ns, String nft, String networkNamespace) {
        List<String> found = new ArrayList<>();
        CommandRunner.Result chains = ns.run(nft, "list", "chains");
        if (chains.ok()) {
            try {
                NftListing.parse(chains.stdout()).chainsNamed("ISTIO").forEach(c -> found.add("iptables-nft " + c));
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot read nft list chains: {0}", e.getMessage());
            }
        }
        CommandRunner.Result legacy = ns.run("cat", "/proc/net/ip_tables_names", "/proc/net/ip6_tables_names");
        if (!legacy.stdout().isBlank()) {
            for (String save : List.of("iptables-legacy-save", "ip6tables-legacy-save")) {
                CommandRunner.Result dump = ns.run(save);
                if (dump.ok()) {
                    dump.stdout().lines().filter(l -> l.startsWith(":ISTIO"))
                            .forEach(l -> found.add(save.replace("-save", "") + " " + l.substring(1).split(" ")[0]));
                }
            }
        }
        if (!found.isEmpty()) {
            String where = networkNamespace == null ? "this network namespace" : networkNamespace;
            warnings.accept("iptables rules of Istio are also in " + where + " (" + String.join(", ", found)
                    + "): they act on the same traffic as the nftables rules; remove them (istio-cni iptables"
                    + " --cleanup-only with the same settings)");
        }
    }

    private static NftListing listing(String text, String what) {
        try {
            return NftListing.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ApplyException("cannot read the nft listing of " + what + ": " + e.getMessage());
        }
    }
}
