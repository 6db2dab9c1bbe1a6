package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.conformance.Fixtures;
import io.istiocni.it.ItSupport.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the conformance fixtures pod (except status-ports, which its README says to skip):
 * {@code istio-cni iptables --pod NAME.pod.yaml --dry-run} in a clean environment, compared table by table,
 * line by line, as the README describes.
 */
class PodConformanceIT {

    static Path dir() {
        return Fixtures.dir("pod");
    }

    static List<String> cases() {
        return ItSupport.caseNames(dir(), ".pod.yaml").stream().filter(n -> !n.equals("status-ports")).toList();
    }

    @Test
    void fixturesArePresent() {
        List<String> names = cases();
        assertTrue(names.size() >= 9, "expected the published pod cases in " + dir() + ", found " + names);
        for (String n : names) {
            assertTrue(dir().resolve(n + ".golden").toFile().isFile(), n + ".golden missing");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGoldenTextually(String name) {
        Path pod = dir().resolve(name + ".pod.yaml");
        Result r = ItSupport.istioCni(ItSupport.cleanEnv(Map.of()), "iptables", "--pod", pod.toString(), "--dry-run");
        assertEquals(0, r.exit(), () -> "exit code\n" + r.describe());
        String[] parts = ItSupport.splitDryRun(r.stdout());
        assertNull(parts[1], () -> "there must be no IPv6 part\n" + r.describe());

        Map<String, List<String>> expected = ItSupport.tablesOf(ItSupport.read(dir().resolve(name + ".golden")));
        Map<String, List<String>> actual = ItSupport.tablesOf(parts[0]);
        assertTrue(!expected.isEmpty(), "golden has no tables?");
        assertEquals(expected.keySet(), actual.keySet(), () -> "tables\n" + r.describe());
        for (String table : expected.keySet()) {
            assertEquals(String.join("\n", expected.get(table)), String.join("\n", actual.get(table)),
                    "table " + table + " of case " + name);
        }
    }
}
