package io.istiocni.redirect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOptions;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.netns.CommandRunner;
import io.istiocni.nftables.NftApplier;
import io.istiocni.pod.AddressFamily;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.pod.PodPlan;
import io.istiocni.rules.nft.NftRuleGenerator;
import io.istiocni.rules.nft.NftTransaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edge step's user-namespace policy, fallback, namespace check and backend choice, on fake tools. */
class CaptureStepTest {

    @TempDir
    Path dir;

    final List<List<String>> commands = new ArrayList<>();
    final List<String> lookups = new ArrayList<>();
    final List<String> unknown = new ArrayList<>();

    final CaptureBackend iptables = new IptablesBackend(new RuleApplier(path -> new CommandRunner() {
        @Override
        public Result run(List<String> argv, Map<String, String> extraEnv, String stdin) {
            commands.add(argv);
            String out = argv.size() == 2 && argv.get(1).equals("--version") ? "iptables-nft-save v1.8.9 (nf_tables)"
                    : "";
            return new Result(argv.get(0).contains("legacy") ? 1 : 0, out, "");
        }
    }));

    CaptureStep step() {
        return new CaptureStep(iptables, (netns, reason) -> unknown.add(netns + ": " + reason), netns -> {
            lookups.add(netns);
            throw new IOException("cannot tell");
        });
    }

    static PodPlan.Capture plan(boolean hostUsers) {
        PodManifest pod = PodManifests.parse("""
                {"kind":"Pod","metadata":{"name":"web","namespace":"shop","annotations":{"sidecar.istio.io/status":"{}"}},
                 "spec":{"hostUsers":%s,"containers":[{"name":"app"},{"name":"istio-proxy"}]},
                 "status":{"podIP":"10.0.0.2"}}""".formatted(hostUsers));
        return (PodPlan.Capture) PodPlan.of(pod, Map.of(), AddressFamily.ofPodAddresses(pod.podAddresses()));
    }

    /** A network namespace the test may name: its own (the fake tools never enter it). */
    static final String NETNS = "/proc/self/ns/net";

    @Test
    void aPodSharingTheHostsUsersNeverLooksForAnOwner() throws IOException {
        Path netns = Path.of(NETNS);
        assertEquals(ApplyOutcome.APPLIED, step().apply(plan(true), netns.toString()));
        assertEquals(List.of(), lookups);
        assertTrue(commands.stream().anyMatch(c -> c.get(0).equals("iptables-nft-restore")), commands.toString());
    }

    @Test
    void aPodWithItsOwnUsersFallsBackToTheHostsWhenTheOwnerCannotBeTold() throws IOException {
        Path netns = Path.of(NETNS);
        assertEquals(ApplyOutcome.APPLIED, step().apply(plan(false), netns.toString()));
        assertEquals(List.of(netns.toString()), lookups);
        assertEquals(List.of(netns + ": cannot tell"), unknown);
        assertTrue(step().verify(plan(false), netns.toString()).isPresent(), "the fake tools hold no rules");
    }

    @Test
    void theIptablesModeLooksForAnOwnerOnlyWhenANamespaceIsNamed() {
        PodPlan.Capture plan = plan(true);
        step().apply(ApplyRequest.of(plan.rules(), plan.settings(), null, ApplyOptions.DEFAULTS),
                UserNamespacePolicy.OWNER_OR_HOST);
        assertEquals(List.of(), lookups);
        step().apply(ApplyRequest.of(plan.rules(), plan.settings(), "/run/netns/x", ApplyOptions.DEFAULTS),
                UserNamespacePolicy.OWNER_OR_HOST);
        assertEquals(List.of("/run/netns/x"), lookups);
    }

    @Test
    void aPodsNamespaceThatCannotBeOpenedIsNamed() {
        ApplyException e = assertThrows(ApplyException.class, () -> step().apply(plan(true), "/no/such/netns"));
        assertTrue(e.getMessage().startsWith("failed to open netns \"/no/such/netns\": "), e.getMessage());
        assertEquals(List.of(), commands);
    }

    @Test
    void aRegularFileIsNotAPodsNetworkNamespace() throws IOException {
        String file = Files.createFile(dir.resolve("ns")).toString();
        ApplyException e = assertThrows(ApplyException.class, () -> step().apply(plan(true), file));
        assertEquals("failed to open netns \"" + file + "\": not a network namespace", e.getMessage());
        assertEquals(List.of(), commands);
    }

    /** The agent's long-lived backend (issue 10): the variant detected for the first pod, again after a failure. */
    @Test
    void theIptablesVariantIsDetectedOnceAndAgainAfterAFailure() {
        boolean[] restoreFails = {false};
        CaptureBackend once = IptablesBackend.detectingOnce(detector -> new RuleApplier(path -> (argv, env, in) -> {
            commands.add(argv);
            if (argv.get(0).endsWith("-restore") && restoreFails[0]) {
                return new CommandRunner.Result(1, "", "restore failed");
            }
            String out = argv.size() == 2 && argv.get(1).equals("--version") ? "iptables-nft-save v1.8.9 (nf_tables)"
                    : "";
            return new CommandRunner.Result(argv.get(0).contains("legacy") ? 1 : 0, out, "");
        }, detector));
        CaptureStep step = new CaptureStep(once, (netns, reason) -> unknown.add(reason));
        step.apply(plan(true), NETNS);
        long detections = versions();
        assertTrue(detections > 0, commands.toString());
        step.apply(plan(true), NETNS);
        assertEquals(detections, versions(), "the second pod reuses the variant: " + commands);
        restoreFails[0] = true;
        assertThrows(ApplyException.class, () -> step.apply(plan(true), NETNS));
        restoreFails[0] = false;
        long beforeRetry = versions();
        step.apply(plan(true), NETNS);
        assertTrue(versions() > beforeRetry, "detected again after the failure: " + commands);
    }

    private long versions() {
        return commands.stream().filter(c -> c.size() == 2 && c.get(1).equals("--version")).count();
    }

    @Test
    void theConfigurationChoosesTheBackend() {
        CaptureBackend nftables = new NftablesBackend(new NftApplier(ns -> failing(), "", w -> { }));
        CaptureBackends backends = CaptureBackends.of(iptables, nftables);
        assertEquals(iptables, backends.select(false));
        assertEquals(nftables, backends.select(true));
        assertEquals("nftables", CaptureBackends.processes().select(true).name());
        assertEquals("iptables", CaptureBackends.processes().select(false).name());
    }

    @Test
    void theNftablesBackendWritesAPodWithItsOwnUsersFromOursWithoutLookingForTheOwner() throws IOException {
        Path netns = Path.of(NETNS); // a real network namespace file (the step checks it is one)
        Path nft = Files.writeString(dir.resolve("nft"), "#!/bin/sh\n");
        assertTrue(nft.toFile().setExecutable(true));
        List<String> namespaces = new ArrayList<>();
        List<String> stdins = new ArrayList<>();
        NftApplier applier = new NftApplier(ns -> (argv, env, stdin) -> {
            commands.add(argv);
            namespaces.add(ns);
            stdins.add(stdin);
            return new CommandRunner.Result(0, argv.getLast().equals("--version") ? "nftables v1.0.6\n" : "", "");
        }, dir.toString(), w -> { });
        CaptureStep step = new CaptureStep(new NftablesBackend(applier), (n, reason) -> unknown.add(n), n -> {
            lookups.add(n);
            throw new IOException("cannot tell");
        });
        PodPlan.Capture plan = plan(false);
        assertEquals(ApplyOutcome.APPLIED, step.apply(plan, netns.toString()));
        assertEquals(List.of(), lookups, "nftables.md 7.6: no user namespace to enter");
        assertEquals(List.of(), unknown);
        int load = commands.indexOf(List.of(nft.toString(), "-f", "-"));
        assertTrue(load > 0, commands.toString());
        assertEquals(netns.toString(), namespaces.get(load));
        assertEquals(NftRuleGenerator.generate(plan.settings()).render(), stdins.get(load));
        assertTrue(commands.stream().noneMatch(c -> c.getFirst().contains("iptables")), commands.toString());
    }

    private static CommandRunner failing() {
        return (argv, env, stdin) -> {
            throw new AssertionError("not run: " + argv);
        };
    }

    @Test
    void theIptablesBackendRendersTheDryRunForm() {
        PodPlan.Capture plan = plan(true);
        String text = iptables.render(plan.settings(), plan.rules(), false);
        assertTrue(text.startsWith("# iptables-restore\n* nat\n"), text);
        assertTrue(!text.contains("ip6tables-restore"), "IPv4 pod: " + text);
        assertEquals("", iptables.render(plan.settings(), plan.rules(), true));
    }

    @Test
    void theNftablesBackendRendersTheTransaction() {
        PodPlan.Capture plan = plan(true);
        CaptureBackend nftables = new NftablesBackend(new NftApplier(ns -> failing(), "", w -> { }));
        assertEquals(NftRuleGenerator.generate(plan.settings()).render(),
                nftables.render(plan.settings(), plan.rules(), false));
        assertEquals(NftTransaction.cleanup(), nftables.render(plan.settings(), plan.rules(), true));
    }
}
