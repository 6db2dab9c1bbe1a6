package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JVM build's second process for the in-process path, with a stand-in launcher script. */
class InProcessHandoverTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(InProcessHandover.LAUNCHER_PROPERTY);
    }

    /** A launcher that records its environment and stdin in files and exits with {@code status}. */
    private Path launcher(int status) throws IOException {
        Path script = dir.resolve("istio-cni");
        Files.writeString(script, "#!/bin/sh\nenv > '" + dir.resolve("env") + "'\ncat > '" + dir.resolve("stdin")
                + "'\nexit " + status + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void onlyAPluginStartedByTheLauncherHandsOverAndNeverTheSecondProcess() {
        assertTrue(InProcessHandover.of(Map.of()).isEmpty());
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, "/opt/cni/bin/istio-cni");
        assertTrue(InProcessHandover.of(Map.of()).isPresent());
        assertTrue(InProcessHandover.of(Map.of(InProcessHandover.IN_PROCESS_ENV, "1")).isEmpty());
    }

    @Test
    void theSecondProcessKeepsWhatTheFirstLeftOfTheDeadline() {
        Duration full = Duration.ofSeconds(100);
        assertEquals(full, InProcessHandover.deadline(Map.of(), full));
        assertEquals(Duration.ofMillis(98500), InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, "98500"), full));
        // only in the second process, and never more than the whole or a nonsense value
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.DEADLINE_ENV, "5"), full));
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, "500000"), full));
        assertEquals(full, InProcessHandover.deadline(Map.of(InProcessHandover.IN_PROCESS_ENV, "1",
                InProcessHandover.DEADLINE_ENV, "soon"), full));
    }

    @Test
    void theSecondProcessGetsTheSameInputAndItsStatusIsTheAnswer() throws IOException {
        Path script = launcher(7);
        byte[] config = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\"}".getBytes(StandardCharsets.UTF_8);
        int status = new InProcessHandover(script).run(Map.of("CNI_COMMAND", "ADD", "CNI_ARGS", "K8S_POD_NAME=web-1"),
                config, Duration.ofSeconds(60));
        assertEquals(7, status);
        assertEquals(new String(config, StandardCharsets.UTF_8), Files.readString(dir.resolve("stdin")));
        String env = Files.readString(dir.resolve("env"));
        assertTrue(env.contains("CNI_COMMAND=ADD\n"), env);
        assertTrue(env.contains("CNI_ARGS=K8S_POD_NAME=web-1\n"), env);
        assertTrue(env.contains(InProcessHandover.IN_PROCESS_ENV + "=1\n"), env);
        assertTrue(env.contains(InProcessHandover.DEADLINE_ENV + "=59000\n"), env);
        assertFalse(env.contains("HOME="), "only the invocation's environment: " + env);
        assertTrue(env.contains("PATH=" + InProcessHandover.DEFAULT_PATH + "\n"), env);
    }

    @Test
    void aLauncherThatCannotStartIsAnIoError() {
        assertThrows(IOException.class, () -> new InProcessHandover(dir.resolve("missing")).run(Map.of(), new byte[0],
                Duration.ofSeconds(5)));
    }

    /** The whole flow: the handler asks for the second process, which answers; the first prints nothing. */
    @Test
    void pluginMainHandsTheInvocationOverAndPrintsNothingItself() throws IOException {
        Path script = launcher(0);
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, script.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"istio-cni\"}";
        int status = PluginMain.run(new PodHandler() {
            @Override
            public void add(AddRequest request) {
                throw new InProcessHandover.Requested();
            }

            @Override
            public void check(AddRequest request) {
            }
        }, Duration.ofSeconds(30), Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/var/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin"), new ByteArrayInputStream(conf.getBytes(
                StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals(conf, Files.readString(dir.resolve("stdin")));
    }

    /** No second process can start: the same handler does the work here, told it is the second process. */
    @Test
    void withoutASecondProcessTheWorkIsDoneHere() {
        System.setProperty(InProcessHandover.LAUNCHER_PROPERTY, dir.resolve("missing").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"istio-cni\"}";
        int[] calls = {0};
        int status = PluginMain.run(new PodHandler() {
            @Override
            public void add(AddRequest request) {
                calls[0]++;
                if (!InProcessHandover.isSecondProcess(request.env())) {
                    throw new InProcessHandover.Requested();
                }
            }

            @Override
            public void check(AddRequest request) {
            }
        }, Duration.ofSeconds(30), Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/var/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin"), new ByteArrayInputStream(conf.getBytes(
                StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        assertEquals(2, calls[0]);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"cniVersion\""), out.toString());
    }
}
