package io.istiocni.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cli.IptablesCommand;
import io.istiocni.conformance.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Istio's nftables cases (conformance/nft), run in-process through {@code iptables --native-nftables --dry-run}.
 * nftables.md 1.3: stdout is exactly the transaction, which for Istio's goldens is byte for byte Istio's text. The
 * integration tests also compare by meaning, loading both into nft.
 */
class NftFixturesTest {

    static final Path NFT = Fixtures.dir("nft");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(NFT)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".golden"))
                    .map(n -> n.substring(0, n.length() - ".golden".length())).sorted().toList().stream();
        }
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(List<String> args, Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = IptablesCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Map<String, String> env(String name) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(NFT.resolve(name + ".env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void dryRunIsIstiosTransactionText(String name) throws IOException {
        List<String> args = new ArrayList<>(List.of("--native-nftables", "--dry-run"));
        args.addAll(Files.readAllLines(NFT.resolve(name + ".args")));
        Run run = run(args, env(name));
        assertEquals(0, run.exit(), run.err());
        assertEquals(Files.readString(NFT.resolve(name + ".golden")), run.out());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void theEnvironmentSelectsTheBackendToo(String name) throws IOException {
        List<String> args = new ArrayList<>(List.of("--dry-run"));
        args.addAll(Files.readAllLines(NFT.resolve(name + ".args")));
        Map<String, String> env = env(name);
        env.put("NATIVE_NFTABLES", "true");
        assertEquals(Files.readString(NFT.resolve(name + ".golden")), run(args, env).out());
    }

    @Test
    void cleanupOnlyPrintsTheCleanupTransactionAndSkipRuleApplyNothing() {
        Run cleanup = run(List.of("--native-nftables", "--dry-run", "--cleanup-only", "-u", "1"),
                Map.of("ENABLE_INBOUND_IPV6", "false"));
        assertEquals(0, cleanup.exit(), cleanup.err());
        assertTrue(cleanup.out().startsWith("add table inet istio-proxy-nat\ndelete table inet istio-proxy-nat\n"));
        assertEquals(6, cleanup.out().lines().count());
        Run skip = run(List.of("--native-nftables", "--dry-run", "--skip-rule-apply"), Map.of());
        assertEquals(0, skip.exit(), skip.err());
        assertEquals("", skip.out());
    }

    @Test
    void podManifestsGiveTheNftRulesThePluginWouldProgram() {
        String pod = NFT.resolveSibling("pod").resolve("basic.pod.yaml").toString();
        Map<String, String> env = Map.of("ENABLE_INBOUND_IPV6", "false");
        Run fromPod = run(List.of("--pod", pod, "--native-nftables", "--dry-run"), env);
        assertEquals(0, fromPod.exit(), fromPod.err());
        Run fromFlags = run(List.of("--native-nftables", "--dry-run", "-b", "*", "-d", "15020,15021,15090", "-i", "*",
                "-o", "15020", "-u", "1337", "-g", "1337"), env);
        assertEquals(fromFlags.out(), fromPod.out());
        assertTrue(fromPod.out().startsWith("add table inet istio-proxy-nat\n"), fromPod.out());
    }

    @Test
    void configurationErrorsExitOneWithNothingOnStdout() {
        Run bad = run(List.of("--native-nftables", "--dry-run", "-u", "1", "-b", "80,x"),
                Map.of("ENABLE_INBOUND_IPV6", "false"));
        assertEquals(1, bad.exit());
        assertEquals("", bad.out());
        assertTrue(bad.err().contains("-b"), bad.err());
        Run cleanupBad = run(List.of("--native-nftables", "--dry-run", "--cleanup-only", "-u", "1", "-i", "10.0.0.1"),
                Map.of("ENABLE_INBOUND_IPV6", "false"));
        assertEquals(1, cleanupBad.exit());
        assertEquals("", cleanupBad.out());
    }
}
