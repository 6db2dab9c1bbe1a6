package io.istiocni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code install-cni version} / {@code istio-cni install version}: the version, as Istio's install-cni has it. */
class InstallCommandVersionTest {

    private static String stdoutOf(List<String> args, int[] status) throws Exception {
        InstallCommand command = new InstallCommand();
        command.args = new ArrayList<>(args);
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            status[0] = command.call();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionSubcommandPrintsTheVersionAndStartsNothing() throws Exception {
        int[] status = {-1};
        assertEquals("istio-cni " + io.istiocni.version.Version.current() + "\n", stdoutOf(List.of("version"), status));
        assertEquals(0, status[0]);
        assertNotEquals("unknown", io.istiocni.version.Version.current());
    }

    @Test
    void versionWithAnUnknownOptionIsAUsageError() throws Exception {
        int[] status = {-1};
        stdoutOf(List.of("version", "--bogus"), status);
        assertNotEquals(0, status[0]);
    }
}
