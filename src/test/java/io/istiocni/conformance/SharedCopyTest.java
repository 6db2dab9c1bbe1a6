package io.istiocni.conformance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository carries its own copy of the project's specification ({@code docs/spec}) and conformance fixtures
 * ({@code src/test/resources/conformance}); every other test reads those. When the upstream {@code shared}
 * directory is present (system property {@code istio.cni.shared}, or {@code ../shared} beside the checkout), this
 * test fails if a copy differs from it in its file set or in any file's bytes, naming the files, so that new or
 * changed fixtures are noticed. Without it the test is skipped, with the reason printed.
 */
class SharedCopyTest {

    static final Path BASEDIR = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .toAbsolutePath().normalize();

    @Test
    void conformanceFixturesEqualShared() throws IOException {
        compare(BASEDIR.resolve("src/test/resources/conformance"), shared().resolve("conformance"));
    }

    @Test
    void specEqualsShared() throws IOException {
        compare(BASEDIR.resolve("docs/spec"), shared().resolve("spec"));
    }

    @Test
    void aDifferenceIsReportedByName(@TempDir Path tmp) throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a/sub"));
        Path b = Files.createDirectories(tmp.resolve("b/sub"));
        Files.writeString(a.resolve("same"), "x");
        Files.writeString(b.resolve("same"), "x");
        Files.writeString(a.resolve("changed"), "1");
        Files.writeString(b.resolve("changed"), "2");
        Files.writeString(b.resolve("new.golden"), "");
        AssertionError e = assertThrows(AssertionError.class,
                () -> compare(tmp.resolve("a"), tmp.resolve("b")));
        assertTrue(e.getMessage().contains("differs: sub/changed"), e.getMessage());
        assertTrue(e.getMessage().contains("sub/new.golden"), e.getMessage());
        assertFalse(e.getMessage().contains("sub/same"), e.getMessage());
    }

    /** The shared directory, or a skip (with the reason printed) when there is none. */
    static Path shared() {
        String property = System.getProperty("istio.cni.shared");
        if (property != null && !property.isBlank()) {
            Path dir = Path.of(property).toAbsolutePath().normalize();
            assertTrue(Files.isDirectory(dir), "istio.cni.shared names " + dir + ", which is not a directory");
            return dir;
        }
        Path beside = BASEDIR.resolveSibling("shared");
        if (!Files.isDirectory(beside)) {
            String reason = "no shared directory at " + beside
                    + " (nor -Distio.cni.shared): in-repository copies not compared";
            System.out.println("[SharedCopyTest] skipped: " + reason);
            Assumptions.abort(reason);
        }
        return beside;
    }

    static void compare(Path ours, Path upstream) throws IOException {
        assertTrue(Files.isDirectory(ours), "in-repository copy missing: " + ours);
        assertTrue(Files.isDirectory(upstream), "shared copy missing: " + upstream);
        SortedSet<String> mine = files(ours);
        SortedSet<String> theirs = files(upstream);
        List<String> problems = new ArrayList<>();
        for (String f : theirs) {
            if (!mine.contains(f)) {
                problems.add("only in " + upstream + ": " + f);
            }
        }
        for (String f : mine) {
            if (!theirs.contains(f)) {
                problems.add("only in " + ours + ": " + f);
            } else if (!Arrays.equals(Files.readAllBytes(ours.resolve(f)), Files.readAllBytes(upstream.resolve(f)))) {
                problems.add("differs: " + f);
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " difference(s) between " + ours + " and " + upstream
                    + " (copy the shared files into the repository):\n  " + String.join("\n  ", problems));
        }
    }

    /** Regular files below {@code dir}, as relative paths with '/'. */
    static SortedSet<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        }
    }
}
