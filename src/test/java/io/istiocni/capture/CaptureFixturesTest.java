package io.istiocni.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istiocni.conformance.Fixtures;
import io.istiocni.cli.IptablesCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Istio's own capture cases, run in-process through the whole iptables mode. Our generator aims for Istio's exact
 * text (capture.md 5.2), so this compares lines; the integration tests compare by loading both into iptables.
 */
class CaptureFixturesTest {

    static final Path CAPTURE = Fixtures.dir("capture");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(CAPTURE)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".golden"))
                    .map(n -> n.substring(0, n.length() - ".golden".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void dryRunMatchesIstioGolden(String name) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("--dry-run"));
        args.addAll(Files.readAllLines(CAPTURE.resolve(name + ".args")));
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(CAPTURE.resolve(name + ".env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = IptablesCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));

        List<String> golden = Files.readAllLines(CAPTURE.resolve(name + ".golden")).stream()
                .filter(l -> !l.equals("iptables-save") && !l.equals("ip6tables-save")).toList();
        List<String> produced = out.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> expected = new java.util.ArrayList<>();
        expected.add("# iptables-restore");
        boolean ipv6 = false;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String line : golden) {
            if (line.startsWith("*") && !seen.add(line.substring(1).strip()) && !ipv6) {
                ipv6 = true;
                expected.add("# ip6tables-restore");
            }
            expected.add(line);
        }
        assertEquals(String.join("\n", expected), String.join("\n", produced));
    }
}
