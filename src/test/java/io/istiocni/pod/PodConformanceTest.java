package io.istiocni.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.conformance.Fixtures;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The pod-to-rules fixtures of {@code src/test/resources/conformance/pod}: parse the pod, decide, derive with an empty
 * process environment and the family from {@code status.podIPs}, generate, render the IPv4 list and compare it
 * with the golden table by table, as the fixtures' README prescribes.
 */
class PodConformanceTest {

    static final Path FIXTURES = Fixtures.dir("pod");

    @TestFactory
    Stream<DynamicTest> fixtures() throws IOException {
        assertTrue(Files.isDirectory(FIXTURES), "fixture directory missing: " + FIXTURES.toAbsolutePath());
        List<Path> pods;
        try (Stream<Path> files = Files.list(FIXTURES)) {
            pods = files.filter(p -> p.getFileName().toString().endsWith(".pod.yaml"))
                    // status-ports is a stale golden no Istio test reads (README): must be skipped
                    .filter(p -> !p.getFileName().toString().equals("status-ports.pod.yaml"))
                    .sorted()
                    .toList();
        }
        assertTrue(pods.size() >= 9, "expected at least 9 live pod fixtures, found " + pods);
        return pods.stream().map(p -> DynamicTest.dynamicTest(caseName(p), () -> runCase(p)));
    }

    private static String caseName(Path pod) {
        String f = pod.getFileName().toString();
        return f.substring(0, f.length() - ".pod.yaml".length());
    }

    private static void runCase(Path podFile) throws IOException {
        String name = caseName(podFile);
        PodManifest pod = PodManifests.parse(Files.readString(podFile));
        PodCapture.Decision decision = PodCapture.decide(pod);
        PodCapture.Capture capture = assertInstanceOf(PodCapture.Capture.class, decision, name);
        PodSettings ps = capture.settings();
        assertEquals(List.of(), ps.warnings(), name);
        boolean ipv6 = PodCapture.ipv6FromPodIps(pod.podAddresses(), ps.dualStack()).orElseThrow();
        assertFalse(ipv6, name + ": the fixtures' pods are IPv4");
        CaptureSettings settings = ps.toCaptureSettings(Map.of(), ipv6);
        RuleSet rules = RuleGenerator.generate(settings);
        assertTrue(rules.ipv6().isEmpty(), name + ": no IPv6 part expected");

        String actual = RestoreRenderer.render(rules.ipv4());
        String golden = Files.readString(FIXTURES.resolve(name + ".golden"));
        Map<String, List<String>> expectedTables = tables(golden);
        Map<String, List<String>> actualTables = tables(actual);
        assertTrue(expectedTables.containsKey("nat") && expectedTables.get("nat").size() > 10,
                name + ": golden not read: " + expectedTables);
        assertEquals(expectedTables.keySet(), actualTables.keySet(), name + ": tables");
        for (String table : expectedTables.keySet()) {
            assertEquals(String.join("\n", expectedTables.get(table)), String.join("\n", actualTables.get(table)),
                    name + ": table " + table);
        }
    }

    /** README "Golden format and how to compare": tables by name, their lines in order, blanks and # ignored. */
    static Map<String, List<String>> tables(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("# ip6tables-restore")) {
                break;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                current = new ArrayList<>();
                String table = line.substring(1).strip();
                assertFalse(out.containsKey(table), "table twice: " + table);
                out.put(table, current);
            } else if (line.equals("COMMIT")) {
                current = null;
            } else {
                assertTrue(current != null, "line outside a table: " + line);
                current.add(line);
            }
        }
        return out;
    }
}
