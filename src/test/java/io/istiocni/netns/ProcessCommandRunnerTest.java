package io.istiocni.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessCommandRunnerTest {

    private final ProcessCommandRunner runner = new ProcessCommandRunner();

    @Test
    void capturesExitCodeStdoutAndStderr() {
        CommandRunner.Result r = runner.run("sh", "-c", "echo out; echo err >&2; echo more >&2; exit 3");
        assertEquals(new CommandRunner.Result(3, "out\n", "err\nmore\n"), r);
        assertEquals("err; more", r.diagnostic());
    }

    @Test
    void feedsStdinAndAddsEnvironment() {
        CommandRunner.Result r = runner.run(List.of("sh", "-c", "cat; echo \"[$ITX_VALUE]\""),
                Map.of("ITX_VALUE", "v1"), "line one\nline two\n");
        assertEquals(0, r.exitCode());
        assertEquals("line one\nline two\n[v1]\n", r.stdout());
    }

    @Test
    void largeInputAndOutputDoNotDeadlock() {
        String big = "0123456789abcdef\n".repeat(200_000);
        CommandRunner.Result r = runner.run(List.of("sh", "-c", "cat; cat /dev/null >&2"), Map.of(), big);
        assertEquals(0, r.exitCode());
        assertEquals(big.length(), r.stdout().length());
    }

    @Test
    void missingProgramGives127() {
        CommandRunner.Result r = runner.run("itx-no-such-program");
        assertEquals(CommandRunner.EXIT_NOT_STARTED, r.exitCode());
        assertTrue(r.stderr().contains("itx-no-such-program"), r.stderr());
    }

    @Test
    void slowCommandIsKilledAfterTheTimeout() {
        ProcessCommandRunner quick = new ProcessCommandRunner(null, null, Duration.ofMillis(300));
        long start = System.nanoTime();
        CommandRunner.Result r = quick.run("sleep", "30");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(CommandRunner.EXIT_TIMED_OUT, r.exitCode());
        assertTrue(r.stderr().contains("timed out"), r.stderr());
        assertTrue(millis < 10_000, "took " + millis + " ms");
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> runner.run(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new ProcessCommandRunner(null, "/proc/1/ns/user", Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ProcessCommandRunner(null, null, Duration.ZERO));
    }

    @Test
    void resolvesProgramsOutsideThePath() {
        assertEquals("/bin/x", ProcessCommandRunner.resolve("/bin/x"));
        assertTrue(ProcessCommandRunner.resolve("sh").endsWith("/sh"));
    }

    @Test
    void runsInsideTheGivenNetworkNamespace() {
        ScratchNamespace.assumeAvailable();
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ProcessCommandRunner inNs = new ProcessCommandRunner(ns.path());
            assertEquals(ns.path(), inNs.networkNamespace());
            CommandRunner.Result links = inNs.run("ip", "-o", "link", "show");
            assertEquals(0, links.exitCode(), links.stderr());
            assertEquals(1, links.stdout().lines().count(), links.stdout());
            assertTrue(links.stdout().contains(": lo:"), links.stdout());
            // stdin and environment pass through nsenter
            CommandRunner.Result echo = inNs.run(List.of("sh", "-c", "cat; echo $ITX_VALUE"), Map.of("ITX_VALUE", "x"),
                    "in\n");
            assertEquals("in\nx\n", echo.stdout());
        }
    }
}
