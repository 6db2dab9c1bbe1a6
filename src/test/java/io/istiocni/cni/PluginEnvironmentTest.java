package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cni.PluginRun.Outcome;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** plugin.md 2.1 and 2.2 steps 1-2: environment variables. */
class PluginEnvironmentTest {

    private static final String CONFIG = "{\"cniVersion\": \"1.1.0\", \"name\": \"net\"}";

    @Test
    void withoutCniCommandTwoLinesOnStderrAndExitZero() {
        Outcome o = PluginRun.bare(null).stdin("garbage").run();
        o.assertSilentSuccess();
        String[] lines = o.stderr().split("\n", -1);
        assertEquals(3, lines.length, o.stderr());
        assertTrue(lines[0].startsWith("CNI plugin istio-cni "), lines[0]);
        assertEquals("CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0", lines[1]);
        assertEquals("", lines[2]);
    }

    @Test
    void emptyCniCommandIsLikeNone() {
        Outcome o = PluginRun.of("").run();
        o.assertSilentSuccess();
        assertTrue(o.stderr().startsWith("CNI plugin istio-cni "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ADD    | CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH",
        "CHECK  | CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH",
        "DEL    | CNI_CONTAINERID,CNI_IFNAME,CNI_PATH",
        "STATUS | CNI_PATH",
        "GC     | CNI_PATH",
    })
    void everyMissingVariableInTheTablesOrder(String command, String names) {
        Outcome o = PluginRun.bare(command).stdin(CONFIG).run();
        o.assertError(4, "required env variables [" + names + "] missing", "");
        assertEquals("1.1.0", o.errorVersion());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"})
    void emptyCountsAsMissing(String name) {
        PluginRun.of("ADD").env(name, "").stdin(CONFIG).run()
                .assertError(4, "required env variables [" + name + "] missing", "");
    }

    @Test
    void delNeedsNoNetns() {
        PluginRun r = PluginRun.of("DEL").env("CNI_NETNS", null).stdin(CONFIG);
        r.run().assertSilentSuccess();
    }

    @Test
    void cniArgsAndOverrideAreOptional() {
        PluginRun.of("DEL").env("CNI_ARGS", null).stdin(CONFIG).run().assertSilentSuccess();
        PluginRun.of("STATUS").env("CNI_CONTAINERID", null).env("CNI_IFNAME", null).env("CNI_NETNS", null)
                .stdin(CONFIG).run().assertSilentSuccess();
    }

    @Test
    void versionNeedsOnlyTheCommandAndNeverReadsStdin() {
        PluginRun r = PluginRun.bare("VERSION");
        r.stdin = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("stdin must not be read");
            }
        };
        Outcome o = r.run();
        assertEquals(0, o.status());
        assertEquals(CniVersions.VERSION_LINE + "\n", o.stdout());
    }

    @Test
    void environmentIsCheckedBeforeStdin() {
        PluginRun.of("ADD").env("CNI_PATH", null).stdin("not json").run()
                .assertError(4, "required env variables [CNI_PATH] missing", "");
        PluginRun.of("ADD").env("CNI_CONTAINERID", "-bad").stdin("not json").run()
                .assertError(4, "invalid characters in containerID", "-bad");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK"})
    void badContainerId(String command) {
        for (String id : new String[] {"-abc", "_abc", ".abc", "ab c", "ab/c", "abc\n", "ab:c", "abcé"}) {
            PluginRun.of(command).env("CNI_CONTAINERID", id).stdin(CONFIG).run()
                    .assertError(4, "invalid characters in containerID", id);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "Abc_1.2-3", "k8s_POD.x-y", "f00dcafe0123456789abcdef"})
    void goodContainerId(String id) {
        PluginRun.of("DEL").env("CNI_CONTAINERID", id).stdin(CONFIG).run().assertSilentSuccess();
    }

    @Test
    void containerIdNotCheckedWhereNotRequired() {
        PluginRun.of("STATUS").env("CNI_CONTAINERID", "-x").env("CNI_IFNAME", "a/b").stdin(CONFIG).run()
                .assertSilentSuccess();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK"})
    void badInterfaceNames(String command) {
        PluginRun.of(command).env("CNI_IFNAME", "abcdefghijklmnop").stdin(CONFIG).run()
                .assertError(4, "interface name is too long", "interface name should be less than 16 characters");
        // 15 bytes counted in UTF-8: 8 two-byte characters are too long
        PluginRun.of(command).env("CNI_IFNAME", "éééééééé").stdin(CONFIG).run()
                .assertError(4, "interface name is too long", "interface name should be less than 16 characters");
        PluginRun.of(command).env("CNI_IFNAME", ".").stdin(CONFIG).run()
                .assertError(4, "interface name is . or ..", "");
        PluginRun.of(command).env("CNI_IFNAME", "..").stdin(CONFIG).run()
                .assertError(4, "interface name is . or ..", "");
        for (String name : new String[] {"eth/0", "eth:0", "eth 0", "eth\t0", "eth\n", "eth\u00a00", "eth\u20030"}) {
            PluginRun.of(command).env("CNI_IFNAME", name).stdin(CONFIG).run()
                    .assertError(4, "interface name contains / or : or whitespace characters", "");
        }
    }

    @Test
    void containerIdBeforeInterfaceName() {
        PluginRun.of("ADD").env("CNI_CONTAINERID", "-x").env("CNI_IFNAME", ".").stdin(CONFIG).run()
                .assertError(4, "invalid characters in containerID", "-x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"e", "eth0", "abcdefghijklmno", "ééééééé", "net1.100", "..."})
    void goodInterfaceNames(String name) {
        PluginRun.of("DEL").env("CNI_IFNAME", name).stdin(CONFIG).run().assertSilentSuccess();
    }

    @Test
    void unknownCommand() {
        PluginRun.bare("FOO").stdin(CONFIG).run().assertError(4, "unknown CNI_COMMAND: FOO", "");
        PluginRun.bare("add").stdin(CONFIG).run().assertError(4, "unknown CNI_COMMAND: add", "");
    }

    @Test
    void badStdinIsReportedBeforeAnUnknownCommand() {
        PluginRun.bare("FOO").stdin("").run()
                .assertError(6, "error unmarshall network config: unexpected end of JSON input", "");
        PluginRun.bare("FOO").stdin("{\"cniVersion\": \"1.0.0\"}").run().assertError(7, "missing network name", "");
    }

    @Test
    void unknownCommandDoesNotDecodeTheVersion() {
        PluginRun.bare("FOO").stdin("{\"name\": \"n\", \"cniVersion\": 1}").run()
                .assertError(4, "unknown CNI_COMMAND: FOO", "");
    }
}
