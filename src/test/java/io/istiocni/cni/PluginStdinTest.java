package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cni.PluginRun.Outcome;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** plugin.md 2.2 steps 3-4: stdin, the name, the version's type; for every command but VERSION. */
class PluginStdinTest {

    private static final String PREFIX = "error unmarshall network config: ";

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK", "STATUS", "GC", "FOO"})
    void emptyStdin(String command) {
        PluginRun.of(command).stdin("").run().assertError(6, PREFIX + "unexpected end of JSON input", "");
        PluginRun.of(command).stdin(" \n\t ").run().assertError(6, PREFIX + "unexpected end of JSON input", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK", "STATUS", "GC", "FOO"})
    void notAJsonObject(String command) {
        for (String stdin : new String[] {"{", "{\"name\": \"n\"", "not json", "{\"name\": \"n\"} x",
            "{\"name\": \"n\"}{}", "[]", "[{\"name\": \"n\"}]", "\"n\"", "1", "true", "null",
            "{\"name\": \"n\",}", "{'name': 'n'}", "{\"name\": \"n\" /* c */}"}) {
            Outcome o = PluginRun.of(command).stdin(stdin).run();
            o.assertErrorStartsWith(6, PREFIX);
            assertEquals("1.1.0", o.errorVersion());
            assertEquals("", o.json().get("details").textValue());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK", "STATUS", "GC"})
    void stdinReadFailure(String command) {
        PluginRun r = PluginRun.of(command);
        r.stdin = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("broken pipe");
            }
        };
        r.run().assertError(5, "error reading from stdin: IOException: broken pipe", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK", "STATUS", "GC", "FOO"})
    void networkName(String command) {
        PluginRun.of(command).stdin("{\"cniVersion\": \"1.1.0\"}").run().assertError(7, "missing network name", "");
        PluginRun.of(command).stdin("{\"cniVersion\": \"1.1.0\", \"name\": \"\"}").run()
                .assertError(7, "missing network name", "");
        PluginRun.of(command).stdin("{\"cniVersion\": \"1.1.0\", \"name\": null}").run()
                .assertError(7, "missing network name", "");
        for (String name : new String[] {"my net", "-net", "net/1", "net:1", "nét", "_n"}) {
            PluginRun.of(command).stdin("{\"cniVersion\": \"1.1.0\", \"name\": " + PluginRun.MAPPER.valueToTree(name)
                    + "}").run().assertError(7, "invalid characters found in network name", name);
        }
        for (String name : new String[] {"1", "true", "{}", "[\"n\"]"}) {
            PluginRun.of(command).stdin("{\"cniVersion\": \"1.1.0\", \"name\": " + name + "}").run()
                    .assertErrorStartsWith(6, PREFIX);
        }
    }

    @Test
    void nameKeyMatchedLikeGo() {
        PluginRun.of("DEL").stdin("{\"NAME\": \"net\", \"cniVersion\": \"1.0.0\"}").run().assertSilentSuccess();
        PluginRun.of("DEL").stdin("{\"Name\": \"net\"}").run().assertSilentSuccess();
        // the exact key is preferred
        PluginRun.of("DEL").stdin("{\"name\": \"net\", \"NAME\": \"bad name\"}").run().assertSilentSuccess();
        PluginRun.of("DEL").stdin("{\"NAME\": \"bad name\", \"name\": \"net\"}").run().assertSilentSuccess();
        // unknown keys are ignored
        PluginRun.of("DEL").stdin("{\"name\": \"net\", \"whatever\": [1, {\"x\": null}]}").run()
                .assertSilentSuccess();
    }

    @Test
    void nameFitsTheRule() {
        for (String name : new String[] {"k8s-pod-network", "a", "9", "net_1.2-3", "istio-cni"}) {
            PluginRun.of("DEL").stdin("{\"name\": \"" + name + "\"}").run().assertSilentSuccess();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL", "CHECK", "STATUS", "GC"})
    void cniVersionNotAString(String command) {
        for (String v : new String[] {"1", "1.0", "true", "{}", "[\"1.0.0\"]"}) {
            Outcome o = PluginRun.of(command).stdin("{\"name\": \"n\", \"cniVersion\": " + v + "}").run();
            o.assertErrorStartsWith(6, "decoding version from network config: ");
            assertEquals("1.1.0", o.errorVersion());
        }
    }

    @Test
    void nullOrEmptyCniVersionIs010() {
        for (String v : new String[] {"null", "\"\""}) {
            Outcome o = PluginRun.of("CHECK").stdin("{\"name\": \"n\", \"cniVersion\": " + v + "}").run();
            o.assertError(1, "config version does not allow CHECK", "");
            assertEquals("0.1.0", o.errorVersion());
        }
    }

    @Test
    void nameCheckedBeforeVersion() {
        PluginRun.of("ADD").stdin("{\"cniVersion\": 5}").run().assertError(7, "missing network name", "");
    }

    @Test
    void cniVersionKeyMatchedLikeGo() {
        Outcome o = PluginRun.of("ADD").stdin("{\"name\": \"n\", \"CNIVersion\": \"1.0.0\"}").run();
        assertEquals(0, o.status(), o.stdout());
        assertEquals("1.0.0", o.json().get("cniVersion").textValue());
        o = PluginRun.of("ADD").stdin("{\"name\": \"n\", \"cniversion\": \"0.4.0\"}").run();
        assertEquals("0.4.0", o.json().get("cniVersion").textValue());
    }

    @Test
    void errorObjectCarriesTheConfigurationsVersionWhenSupported() {
        PluginRun r = PluginRun.of("ADD").config("0.3.1", null);
        r.handler.error = CniException.internal("boom");
        assertEquals("0.3.1", r.run().errorVersion());
        assertEquals("1.1.0", PluginRun.of("ADD").config("9.9.9", null).run().errorVersion());
        // no cniVersion: 0.1.0, which is supported
        assertEquals("0.1.0", PluginRun.of("ADD").config(null, null).run().errorVersion());
        assertEquals("1.0.0", PluginRun.of("FOO").config("1.0.0", null).run().errorVersion());
        assertEquals("1.0.0", PluginRun.of("ADD").stdin("{\"cniVersion\": \"1.0.0\", \"name\": \"a b\"}").run()
                .errorVersion());
    }

    @Test
    void stderrStaysQuiet() {
        Outcome o = PluginRun.of("ADD").stdin("").run();
        assertTrue(o.stderr().isEmpty(), o.stderr());
    }
}
