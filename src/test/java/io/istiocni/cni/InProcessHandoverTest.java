package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM build's second process for the in-process path, with stand-in launcher scripts. */
class InProcessHandoverTest {

    static final Map<String, String> ADD = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS",
            "/var/run/netns/x", "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin");
    static final String CONF = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"istio-cni\"}";

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(InProcessHandover.LAUNCHER_PROPERTY);
    }

    /** A launcher that records its environment and stdin in files, then runs {@code rest} (shell). */
    private Path launcher(String rest) throws IOException {
        Path script = dir.resolve("istio-cni");
        Files.writeString(script, "#!/bin/sh\nenv > '" + dir.resolve("env") + "'\n" + rest + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private Path recordingLauncher(String answer, int status) throws IOException {
        return launcher("cat > '" + dir.resolve("stdin") + "'\nprintf '%s' '" + answer + "'\necho second-process-log >&2"
                + "\nexit " + status);
    }

    /** The handler asks for the second process the first time; a second call is the work done here. */
    static class HandingOver implements PodHandler {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void add(AddRequest request) {
            calls.incrementAndGet();
            if (!InProcessHandover.isSecondProcess(request.env())) {
                throw new InProcessHandover.Requested();
            }
        }

        @Override
        public void check(AddRequest request) {
        }
    }

    private static int plugin(PodHandler handler, Duration deadline, ByteArrayOutputStream out, IntConsumer halt) {
        return PluginMain.run(handler, deadline, ADD, new ByteArrayInputStream(CONF.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), halt);
    }

    @Test
    void onlyAPluginStartedByTheLauncherHandsOverAndNeverTheSecondProcess() {
        assertTrue(InProcessHandover.of(Map.of()).isEmpty());
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, "/opt/cni/bin/istio-cni");
        assertTrue(InProcessHandover.of(Map.of()).isPresent());
        assertTrue(InProcessHandover.of(Map.of(InProcessHandover.IN_PROCESS_ENV, "1")).isEmpty());
    }

    @Test
    void theSecondProcessAnswersByTheTimeItsFirstOneWasGiven() {
        Duration full = Duration.ofSeconds(100);
        assertEquals(full, InProcessHandover.deadline(Map.of(), full));
        long in40s = System.currentTimeMillis() + 40_000;
        Duration left = InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, Long.toString(in40s)), full);
        assertTrue(left.toMillis() > 39_000 && left.toMillis() <= 40_000, left.toString());
        // only in the second process, never more than the whole, a moment past it, or a nonsense value
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.DEADLINE_ENV, Long.toString(in40s)),
                full));
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, Long.toString(in40s + 500_000)), full));
        assertEquals(Duration.ofMillis(1), InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, Long.toString(in40s - 80_000)), full));
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, "soon"), full));
    }

    @Test
    void theSecondProcessGetsTheSameInputAndItsAnswerAndStatusComeBack() throws IOException {
        Path script = recordingLauncher("{\"answer\":1}", 7);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long at = System.currentTimeMillis() + 59_000;
        InProcessHandover.Answer answer = new InProcessHandover(script).run(Map.of("CNI_COMMAND", "ADD", "CNI_ARGS",
                "K8S_POD_NAME=web-1"), CONF.getBytes(StandardCharsets.UTF_8), at, err);
        assertEquals(7, answer.status());
        assertEquals("{\"answer\":1}", new String(answer.stdout(), StandardCharsets.UTF_8));
        assertEquals("second-process-log\n", err.toString(StandardCharsets.UTF_8));
        assertEquals(CONF, Files.readString(dir.resolve("stdin")));
        String env = Files.readString(dir.resolve("env"));
        assertTrue(env.contains("CNI_COMMAND=ADD\n"), env);
        assertTrue(env.contains("CNI_ARGS=K8S_POD_NAME=web-1\n"), env);
        assertTrue(env.contains(InProcessHandover.IN_PROCESS_ENV + "=1\n"), env);
        assertTrue(env.contains(InProcessHandover.DEADLINE_ENV + "=" + at + "\n"), env);
        assertFalse(env.contains("HOME="), "only the invocation's environment: " + env);
        assertTrue(env.contains("PATH=" + InProcessHandover.DEFAULT_PATH + "\n"), env);
    }

    @Test
    void aLauncherThatCannotStartIsAnIoError() {
        assertThrows(IOException.class, () -> new InProcessHandover(dir.resolve("missing")).run(Map.of(), new byte[0],
                System.currentTimeMillis() + 5000, OutputStream.nullOutputStream()));
    }

    /** The whole flow: the handler asks for the second process, whose answer this process prints as its own. */
    @Test
    void theSecondProcessesAnswerIsPrintedByTheFirst() throws IOException {
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, recordingLauncher("{\"from\":\"second\"}", 0).toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HandingOver handler = new HandingOver();
        assertEquals(0, plugin(handler, Duration.ofSeconds(30), out, s -> { }));
        assertEquals("{\"from\":\"second\"}", out.toString(StandardCharsets.UTF_8));
        assertEquals(1, handler.calls.get());
        assertEquals(CONF, Files.readString(dir.resolve("stdin")));
        String env = Files.readString(dir.resolve("env"));
        long at = Long.parseLong(env.lines().filter(l -> l.startsWith(InProcessHandover.DEADLINE_ENV + "="))
                .findFirst().orElseThrow().substring(InProcessHandover.DEADLINE_ENV.length() + 1));
        long margin = System.currentTimeMillis() + 30_000 - at;
        assertTrue(margin >= 1000 && margin < 5000, "the second process's deadline falls " + margin + " ms before");
    }

    /** No second process can start: the same handler does the work here, and the deadline still holds. */
    @Test
    void withoutASecondProcessTheWorkIsDoneHereWithinTheDeadline() throws Exception {
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, dir.resolve("missing").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HandingOver handler = new HandingOver();
        assertEquals(0, plugin(handler, Duration.ofSeconds(30), out, s -> { }));
        assertEquals(2, handler.calls.get());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"cniVersion\""), out.toString());

        // the same with work that does not finish: the deadline prints the error
        CountDownLatch halted = new CountDownLatch(1);
        ByteArrayOutputStream late = new ByteArrayOutputStream();
        Thread.ofPlatform().daemon().start(() -> plugin(new HandingOver() {
            @Override
            public void add(AddRequest request) {
                super.add(request);
                sleep(Duration.ofSeconds(20));
            }
        }, Duration.ofMillis(800), late, s -> halted.countDown()));
        assertTrue(halted.await(15, TimeUnit.SECONDS), "no deadline in the fallback");
        assertTrue(late.toString(StandardCharsets.UTF_8).contains("did not finish within"), late.toString());
    }

    /** A second process that ends without an answer (its launcher or JVM failed): the work is done here. */
    @Test
    void aSecondProcessThatEndsWithoutAnAnswerLeavesTheWorkHere() throws IOException {
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, launcher("exit 127").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HandingOver handler = new HandingOver();
        assertEquals(0, plugin(handler, Duration.ofSeconds(30), out, s -> { }));
        assertEquals(2, handler.calls.get());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"cniVersion\""), out.toString());
    }

    /** A second process that does not end by the deadline is stopped, and the error is printed once. */
    @Test
    void aSecondProcessPastTheDeadlineIsStoppedAndTheErrorPrintedOnce() throws Exception {
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, launcher("cat > /dev/null\nsleep 30\nprintf late")
                .toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CountDownLatch halted = new CountDownLatch(1);
        long start = System.nanoTime();
        Thread plugin = Thread.ofPlatform().daemon().start(() -> plugin(new HandingOver(), Duration.ofMillis(1500), out,
                s -> halted.countDown()));
        assertTrue(halted.await(15, TimeUnit.SECONDS), "the deadline did not end the run");
        plugin.join(10_000);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("did not finish within"), printed);
        assertFalse(printed.contains("late"), printed);
        assertTrue(ms < 10_000, "the second process was not stopped: " + ms + " ms");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
