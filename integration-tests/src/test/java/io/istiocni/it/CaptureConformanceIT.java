package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.conformance.Fixtures;
import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the conformance fixtures capture, run as its README says and judged by meaning: the golden's and
 * our restore parts are loaded into fresh scratch namespaces and the iptables-save dumps compared, for
 * the nft and the legacy iptables variant.
 */
class CaptureConformanceIT {

    static Path dir() {
        return Fixtures.dir("capture");
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : ItSupport.caseNames(dir(), ".golden")) {
            for (Variant v : Variant.values()) {
                out.add(Arguments.of(name, v));
            }
        }
        return out.stream();
    }

    @Test
    void fixturesArePresent() {
        List<String> names = ItSupport.caseNames(dir(), ".golden");
        assertTrue(names.size() >= 9, "expected the published capture cases in " + dir() + ", found " + names);
        for (String n : names) {
            assertTrue(dir().resolve(n + ".args").toFile().isFile(), n + ".args missing");
            assertTrue(dir().resolve(n + ".env").toFile().isFile(), n + ".env missing");
        }
    }

    /** Runs the case exactly as the README says: env cleared except PATH and the case's .env. */
    static Result runCase(String name) {
        Map<String, String> env = ItSupport.cleanEnv(
                ItSupport.parseEnvFile(ItSupport.read(dir().resolve(name + ".env"))));
        List<String> args = new ArrayList<>(List.of("iptables", "--dry-run"));
        args.addAll(ItSupport.parseArgsFile(ItSupport.read(dir().resolve(name + ".args"))));
        return ItSupport.istioCni(env, args);
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("cases")
    void matchesGoldenByMeaning(String name, Variant variant) {
        ItSupport.requireNamespaceTools();

        Result r = runCase(name);
        assertEquals(0, r.exit(), () -> "exit code\n" + r.describe());
        assertFalse(r.stdout().isBlank(), () -> "no output\n" + r.describe());
        String firstLine = r.stdout().lines().findFirst().orElse("");
        assertEquals("# iptables-restore", firstLine, () -> "first line of the dry-run output\n" + r.describe());

        String[] ours = ItSupport.splitDryRun(r.stdout());
        String[] golden = ItSupport.splitGolden(ItSupport.read(dir().resolve(name + ".golden")));
        assertEquals(golden[1] != null, ours[1] != null,
                () -> "IPv6 part present in golden: " + (golden[1] != null) + ", in ours: " + (ours[1] != null)
                        + "\n" + r.describe());

        Map<String, String> owners = ItSupport.newOwnerMapping();
        try (Netns goldenNs = Netns.create(); Netns oursNs = Netns.create()) {
            for (int family = 0; family < 2; family++) {
                boolean v6 = family == 1;
                if (golden[family] == null && ours[family] == null) {
                    continue;
                }
                String g = ItSupport.replaceUnknownOwners(golden[family], owners);
                String o = ItSupport.replaceUnknownOwners(ours[family], owners);
                goldenNs.execOkWithInput(g, variant.restore(v6), "--noflush");
                Result load = ItSupport.run(oursNs.cmd(variant.restore(v6), "--noflush"), null, o,
                        ItSupport.DEFAULT_TIMEOUT);
                assertEquals(0, load.exit(), () -> (v6 ? "IPv6" : "IPv4") + " part not accepted by "
                        + variant.restore(v6) + ":\n" + load.describe() + "\n--- input ---\n" + o);
                String expected = ItSupport.canonical(goldenNs.save(variant, v6));
                String actual = ItSupport.canonical(oursNs.save(variant, v6));
                assertFalse(expected.isBlank(), "golden loaded to nothing?");
                assertEquals(expected, actual, (v6 ? "IPv6" : "IPv4") + " state differs for case " + name
                        + " (" + variant + ")\n--- our restore input ---\n" + o);
            }
        }
    }
}
