package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cni.PluginRun.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** plugin.md 3.1-3.6: VERSION and the version rules of every command. */
class PluginVersionTest {

    private static final String SUPPORTS =
            "plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" \"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]";

    @Test
    void versionOutputIsExactlyOneLine() {
        Outcome o = PluginRun.bare("VERSION").run();
        assertEquals(0, o.status());
        assertEquals("{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\","
                + "\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n", o.stdout());
        assertEquals("", o.stderr());
    }

    @Test
    void versionIgnoresStdinAndTheOtherVariables() {
        String expected = PluginRun.bare("VERSION").run().stdout();
        assertEquals(expected, PluginRun.of("VERSION").config("0.3.1", null).run().stdout());
        assertEquals(expected, PluginRun.of("VERSION").stdin("garbage").env("CNI_IFNAME", "..").run().stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL"})
    void unsupportedVersions(String command) {
        for (String v : new String[] {"0.5.0", "1.2.0", "2.0.0", "1.0", "1", "v1.0.0", "1.0.0 ", "0.3", "x"}) {
            Outcome o = PluginRun.of(command).config(v, null).run();
            o.assertError(1, "incompatible CNI versions", "config is \"" + v + "\", " + SUPPORTS);
            assertEquals("1.1.0", o.errorVersion());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void delAcceptsEverySupportedVersion(String v) {
        PluginRun.of("DEL").config(v, null).run().assertSilentSuccess();
    }

    @Test
    void delWithoutVersionIs010() {
        PluginRun.of("DEL").config(null, null).run().assertSilentSuccess();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.1.0   | 1 | config version does not allow CHECK",
        "0.2.0   | 1 | config version does not allow CHECK",
        "0.3.0   | 1 | config version does not allow CHECK",
        "0.3.1   | 1 | config version does not allow CHECK",
        "0.3.9   | 1 | config version does not allow CHECK",
        "0       | 1 | config version does not allow CHECK",
        "2.0.0   | 1 | plugin version does not allow CHECK",
        "1.2     | 1 | plugin version does not allow CHECK",
        "0.4.1   | 1 | incompatible CNI versions",
        "1.1     | 1 | incompatible CNI versions",
        "1       | 1 | incompatible CNI versions",
        "+1.0.0  | 1 | incompatible CNI versions",
        "x.0.0   | 6 | failed to convert major version part \"x\": strconv.Atoi: parsing \"x\": invalid syntax",
        "1.x     | 6 | failed to convert minor version part \"x\": strconv.Atoi: parsing \"x\": invalid syntax",
        "1.0.x   | 6 | failed to convert micro version part \"x\": strconv.Atoi: parsing \"x\": invalid syntax",
        "1..0    | 6 | failed to convert minor version part \"\": strconv.Atoi: parsing \"\": invalid syntax",
        "1.0.0.0 | 6 | invalid version \"1.0.0.0\": too many parts",
        "99999999999999999999.0.0 | 6 | failed to convert major version part \"99999999999999999999\": "
                + "strconv.Atoi: parsing \"99999999999999999999\": value out of range",
    })
    void checkVersionRules(String v, int code, String msg) {
        PluginRun r = PluginRun.of("CHECK").config(v, null);
        r.run().assertError(code, msg);
        assertEquals(0, r.handler.calls());
    }

    @Test
    void checkWithoutVersion() {
        PluginRun.of("CHECK").config(null, null).run().assertError(1, "config version does not allow CHECK", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.4.0", "1.0.0", "1.1.0"})
    void checkRunsTheHandlerFromVersion040(String v) {
        PluginRun r = PluginRun.of("CHECK").config(v, null);
        r.run().assertSilentSuccess();
        assertEquals(1, r.handler.checks.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"STATUS", "GC"})
    void statusAndGcVersionRules(String command) {
        for (String v : new String[] {"0.1.0", "0.4.0", "1.0.0", "1.0.9"}) {
            PluginRun.of(command).config(v, null).run().assertError(1, "config version does not allow " + command, "");
        }
        PluginRun.of(command).config(null, null).run().assertError(1, "config version does not allow " + command, "");
        for (String v : new String[] {"1.1.1", "1.2.0", "2.0.0", "1.2"}) {
            PluginRun.of(command).config(v, null).run().assertError(1, "plugin version does not allow " + command, "");
        }
        for (String v : new String[] {"1.1", "+1.1.0", "01.1.0"}) {
            PluginRun.of(command).config(v, null).run()
                    .assertError(1, "incompatible CNI versions", "config is \"" + v + "\", " + SUPPORTS);
        }
        PluginRun.of(command).config("abc", null).run().assertError(6,
                "failed to convert major version part \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax", "");
        PluginRun r = PluginRun.of(command).config("1.1.0", "\"prevResult\": 7");
        r.env("CNI_ARGS", "bad");
        r.run().assertSilentSuccess();
        assertEquals(0, r.handler.calls());
    }

    @Test
    void gcIgnoresTheIstioFields() {
        PluginRun.of("GC").config("1.1.0", "\"exclude_namespaces\": 5").run().assertSilentSuccess();
    }

    /** An Istio field of the wrong type fails every ADD, so STATUS reports the plugin as not available. */
    @Test
    void statusRefusesAConfigurationAddWouldRefuse() {
        PluginRun r = PluginRun.of("STATUS").config("1.1.0", "\"exclude_namespaces\": 5");
        Outcome o = r.run();
        o.assertError(50, "plugin not available");
        assertTrue(o.json().get("details").textValue().startsWith("failed to parse network configuration: "),
                o.stdout());
        assertEquals(0, r.handler.statuses.size());
    }

    @Test
    void statusAsksTheHandlerWithTheParsedConfiguration() {
        PluginRun r = PluginRun.of("STATUS").config("1.1.0", "\"cni_agent_run_dir\": \"/run/x\"");
        r.run().assertSilentSuccess();
        assertEquals("/run/x/istio-cni-kubeconfig", r.handler.statuses.get(0).kubeconfigPath());
        r.handler.error = AddReadiness.notAvailable("no kubeconfig");
        r.run().assertError(50, "plugin not available", "no kubeconfig");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void addAcceptsEverySupportedVersion(String v) {
        String prev = "\"prevResult\": " + CniResultTest.prevResultFor(v);
        PluginRun r = PluginRun.of("ADD").config(v, prev);
        Outcome o = r.run();
        assertEquals(0, o.status(), o.stdout());
        assertEquals(v, o.json().get("cniVersion").textValue());
        assertEquals(1, r.handler.adds.size());
    }
}
