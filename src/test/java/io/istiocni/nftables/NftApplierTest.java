package io.istiocni.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOptions;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.InterceptionMode;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.rules.nft.NftRuleGenerator;
import io.istiocni.rules.nft.NftTransaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nftables.md §7.1, 7.2 and §10 with scripted commands (the integration tests run the real nft). */
class NftApplierTest {

    @TempDir
    Path dir;

    /** Scripted answers by command line (the nft path shown as "nft"); every call recorded with its namespace. */
    final class Fake implements Function<String, CommandRunner> {
        final Map<String, CommandRunner.Result> answers = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        final List<String> stdins = new ArrayList<>();

        Fake answer(String line, int exit, String out, String err) {
            answers.put(line, new CommandRunner.Result(exit, out, err));
            return this;
        }

        @Override
        public CommandRunner apply(String netns) {
            return (argv, env, stdin) -> {
                String line = String.join(" ", argv).replace(dir.resolve("nft").toString(), "nft");
                calls.add((netns == null ? "" : "[" + netns + "] ") + line);
                stdins.add(stdin);
                return answers.getOrDefault(line, answers.getOrDefault("*" + argv.getFirst().replaceAll(".*/", ""),
                        new CommandRunner.Result(0, "", "")));
            };
        }
    }

    private static CaptureSettings settings(InterceptionMode mode, String inbound, boolean ipv6) {
        return new CaptureSettings("15001", "15006", "15008", List.of("1337"), List.of("1337"), mode, inbound,
                List.of(), true, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), "1337", "133", false,
                false, false, false, List.of(), List.of(), null, List.of(), "127.0.0.1/32", ipv6);
    }

    private Path fakeNft() throws IOException {
        Path nft = dir.resolve("nft");
        Files.writeString(nft, "#!/bin/sh\n");
        Files.setPosixFilePermissions(nft, PosixFilePermissions.fromString("rwxr-xr-x"));
        return nft;
    }

    private final List<String> warnings = new ArrayList<>();

    private NftApplier backend(Fake fake) {
        return new NftApplier(fake, "/nonexistent:" + dir, warnings::add);
    }

    /** As the plugin and repair ask: a pod's namespace, CNI mode. */
    private static ApplyRequest pod(CaptureSettings s) {
        return ApplyRequest.forPod(RuleGenerator.generate(s), s, "/run/netns/pod");
    }

    private static ApplyRequest cleanup(CaptureSettings s) {
        return ApplyRequest.of(RuleGenerator.generate(s), s, "/run/netns/pod",
                new ApplyOptions(true, false, true, false, ""));
    }

    /** As the iptables mode asks without flags: the current namespace. */
    private static ApplyRequest cli(CaptureSettings s) {
        return ApplyRequest.of(RuleGenerator.generate(s), s, null, ApplyOptions.DEFAULTS);
    }

    @Test
    void appliesTheWholePlanInOneTransactionInTheNamespaceThenRoutes() throws IOException {
        fakeNft();
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6 (Lester Gooch #5)\n", "");
        CaptureSettings s = settings(InterceptionMode.TPROXY, "80", true);
        assertEquals(ApplyOutcome.APPLIED, backend(fake).apply(pod(s)));
        assertEquals("nft --version", fake.calls.getFirst());
        assertEquals("[/run/netns/pod] nft -f -", fake.calls.get(1));
        assertEquals(NftRuleGenerator.generate(s).render(), fake.stdins.get(1));
        assertTrue(fake.calls.contains("[/run/netns/pod] ip -6 addr add ::6/128 dev lo"), fake.calls.toString());
        assertTrue(fake.calls.contains("[/run/netns/pod] ip -4 rule add fwmark 1337 lookup 133"), fake.calls.toString());
        assertTrue(fake.calls.contains("[/run/netns/pod] ip -6 route add local ::/0 dev lo table 133"));
        assertFalse(fake.calls.stream().anyMatch(c -> c.contains("--user")));
        assertTrue(warnings.isEmpty());
    }

    @Test
    void cleanupDeletesTheTablesAndUndoesTheRouting() throws IOException {
        fakeNft();
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6\n", "")
                .answer("ip -N -4 rule show", 0, "0:\tfrom all lookup local\n", "");
        assertEquals(ApplyOutcome.CLEANED_UP,
                backend(fake).apply(cleanup(settings(InterceptionMode.TPROXY, "80", false))));
        assertEquals("[/run/netns/pod] nft -f -", fake.calls.get(1));
        assertEquals(NftTransaction.cleanup(), fake.stdins.get(1));
        assertTrue(fake.calls.contains("[/run/netns/pod] ip -4 route del local 0.0.0.0/0 dev lo table 133"),
                fake.calls.toString());
    }

    @Test
    void aMissingNftIsOneLineNamingIt() {
        Fake fake = new Fake();
        ApplyException cni = assertThrows(ApplyException.class,
                () -> backend(fake).apply(pod(settings(InterceptionMode.REDIRECT, "*", false))));
        assertEquals("nativeNftables is enabled, but the nft binary is missing on the host filesystem: could not find"
                + " nftables binary: exec: \"nft\": executable file not found in $PATH", cni.getMessage());
        ApplyException cli = assertThrows(ApplyException.class, () -> backend(fake).apply(
                cli(settings(InterceptionMode.REDIRECT, "*", false))));
        assertTrue(cli.getMessage().startsWith("nativeNftables is enabled, but the nft binary is missing in the"
                + " sidecar container image: "), cli.getMessage());
        assertTrue(fake.calls.isEmpty());
    }

    @Test
    void anOldOrBrokenNftIsRefusedBeforeAnythingIsChanged() throws IOException {
        fakeNft();
        Fake old = new Fake().answer("nft --version", 0, "nftables v0.9.8 (E.D.S.)\n", "");
        ApplyException e = assertThrows(ApplyException.class,
                () -> backend(old).apply(pod(settings(InterceptionMode.REDIRECT, "*", false))));
        assertEquals("nft version must be v1.0.1 or later (got nftables v0.9.8 (E.D.S.))", e.getMessage());
        assertEquals(List.of("nft --version"), old.calls);
        Fake broken = new Fake().answer("nft --version", 1, "", "nft: error while loading shared libraries");
        assertEquals("could not run nftables command: nft: error while loading shared libraries",
                assertThrows(ApplyException.class, () -> backend(broken).apply(pod(
                        settings(InterceptionMode.REDIRECT, "*", false)))).getMessage());
        assertTrue(NftApplier.tooOld("nftables v1.0.0 (Fearless Fosdick #2)"));
        assertFalse(NftApplier.tooOld("nftables v1.0.1 (Fearless Fosdick #3)"));
        assertFalse(NftApplier.tooOld("something else"));
    }

    @Test
    void nftsErrorIsPassedOn() throws IOException {
        fakeNft();
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6\n", "")
                .answer("nft -f -", 1, "", "/dev/stdin:30:45-48: Error: Group does not exist\n");
        ApplyException e = assertThrows(ApplyException.class,
                () -> backend(fake).apply(pod(settings(InterceptionMode.REDIRECT, "*", false))));
        assertEquals("nftables run failed: /dev/stdin:30:45-48: Error: Group does not exist", e.getMessage());
        assertEquals(2, fake.calls.size()); // no routes after a failed transaction
    }

    @Test
    void routeFailuresAreNamedAsSuch() throws IOException {
        fakeNft();
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6\n", "")
                .answer("ip -6 addr add ::6/128 dev lo", 2, "", "RTNETLINK answers: Operation not permitted");
        ApplyException e = assertThrows(ApplyException.class,
                () -> backend(fake).apply(pod(settings(InterceptionMode.REDIRECT, "*", true))));
        assertTrue(e.getMessage().startsWith("failed to configure routes: ip -6 addr add ::6/128 dev lo failed"),
                e.getMessage());
    }

    @Test
    void iptablesRulesOfIstioInTheNamespaceAreReported() throws IOException {
        fakeNft();
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6\n", "")
                .answer("nft list chains", 0, "table ip nat {\n\tchain ISTIO_OUTPUT {\n\t}\n}\n", "")
                .answer("cat /proc/net/ip_tables_names /proc/net/ip6_tables_names", 0, "nat\n", "")
                .answer("iptables-legacy-save", 0, "*nat\n:PREROUTING ACCEPT [0:0]\n:ISTIO_INBOUND - [0:0]\nCOMMIT\n",
                        "");
        backend(fake).apply(pod(settings(InterceptionMode.REDIRECT, "*", false)));
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().startsWith("iptables rules of Istio are also in /run/netns/pod (iptables-nft ip"
                + " nat ISTIO_OUTPUT, iptables-legacy ISTIO_INBOUND)"), warnings.getFirst());
    }

    @Test
    void checkComparesTheLiveTablesWithThePlanLoadedIntoAScratchNamespace() throws IOException {
        fakeNft();
        String listed = "table inet istio-proxy-nat {\n\tchain output {\n\t\ttype nat hook output priority -100;"
                + " policy accept;\n\t\tcounter packets 0 bytes 0 jump istio-output\n\t}\n}\n";
        Fake fake = new Fake().answer("nft --version", 0, "nftables v1.0.6\n", "")
                .answer("*unshare", 0, listed, "")
                .answer("nft list table inet istio-proxy-nat", 0, listed.replace("packets 0 bytes 0",
                        "packets 9 bytes 99"), "");
        CaptureSettings s = settings(InterceptionMode.REDIRECT, "*", false);
        assertEquals(java.util.Optional.empty(), backend(fake).verify(pod(s)));
        assertTrue(fake.calls.get(1).startsWith("unshare --net sh -c "), fake.calls.get(1));
        assertEquals(NftRuleGenerator.generate(s).render(), fake.stdins.get(1));
        assertEquals("[/run/netns/pod] nft list table inet istio-proxy-nat", fake.calls.get(2));

        fake.answer("nft list table inet istio-proxy-nat", 1, "", "Error: No such file or directory\n");
        assertEquals(java.util.Optional.of("table inet istio-proxy-nat missing"), backend(fake).verify(pod(s)));
        fake.answer("nft list table inet istio-proxy-nat", 0, listed.replace("jump istio-output", "return"), "");
        assertEquals(java.util.Optional.of("table inet istio-proxy-nat chain output rule 1: have \"counter return\","
                + " want \"counter jump istio-output\""), backend(fake).verify(pod(s)));
        fake.answer("*unshare", 1, "", "Error: Group does not exist");
        assertTrue(assertThrows(ApplyException.class, () -> backend(fake).verify(pod(s))).getMessage()
                .startsWith("cannot load the planned nftables rules into a scratch network namespace: Error: Group"));
    }
}
