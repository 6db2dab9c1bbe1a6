package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CniConfigTest {

    static final InstallSettings S = InstallSettings.from(Map.of("CNI_AGENT_RUN_DIR", "/run/x", "POD_NAMESPACE",
            "istio-system", "EXCLUDE_NAMESPACES", "kube-system,,b "), List.of());

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static JsonNode insert(String name, String content) {
        return ConfJson.parse(CniConfig.insert(name, b(content), S).content());
    }

    @Test
    void nativeNftablesIsWrittenIntoTheEntry() {
        assertTrue(CniConfig.pluginEntry(InstallSettings.from(Map.of("NATIVE_NFTABLES", "true"), List.of()))
                .get("native_nftables").booleanValue());
        assertFalse(CniConfig.pluginEntry(InstallSettings.from(Map.of(), List.of())).get("native_nftables")
                .booleanValue());
    }

    @Test
    void entryFromSettings() {
        JsonNode e = CniConfig.pluginEntry(S);
        assertEquals(List.of("cniVersion", "name", "type", "ipam", "dns", "plugin_log_level", "cni_agent_run_dir",
                "ambient_enabled", "enablement_selectors", "exclude_namespaces", "pod_namespace", "native_nftables",
                "enable_ambient_detection_retry"), e.properties().stream().map(Map.Entry::getKey).toList());
        assertEquals("[\"kube-system\",\"b\"]", e.get("exclude_namespaces").toString());
        assertEquals("/run/x", e.get("cni_agent_run_dir").textValue());
        assertEquals("istio-system", e.get("pod_namespace").textValue());
        JsonNode d = CniConfig.pluginEntry(InstallSettings.from(Map.of(), List.of()));
        assertTrue(d.get("exclude_namespaces").isNull());
        assertEquals("", d.get("pod_namespace").textValue());
        assertEquals("info", d.get("plugin_log_level").textValue());
        assertTrue(InstallSettings.from(Map.of("ENABLE_AMBIENT_DETECTION_RETRY", "true"), List.of())
                .enableAmbientDetectionRetry());
    }

    @Test
    void standaloneFileKeepsTableOrder() {
        String text = CniConfig.standalone(S);
        assertTrue(text.startsWith("{\n  \"cniVersion\": \"0.3.1\",\n  \"name\": \"istio-cni\",\n"), text);
        assertTrue(text.endsWith("\"enable_ambient_detection_retry\": false\n}\n"), text);
        assertTrue(CniConfig.standaloneInstalled(b(text)));
        assertFalse(CniConfig.standaloneInstalled(b("{\"type\":\"bridge\"}")));
        assertFalse(CniConfig.standaloneInstalled(b("nope")));
    }

    @Test
    void singleConfigBecomesA031List() {
        CniConfig.Insertion ins = CniConfig.insert("10-ptp.conf",
                b("{\"cniVersion\":\"1.0.0\",\"name\":\"mynet\",\"type\":\"ptp\",\"mtu\":1500}"), S);
        assertEquals("10-ptp.conflist", ins.renameTo());
        JsonNode out = ConfJson.parse(ins.content());
        assertEquals("0.3.1", out.get("cniVersion").textValue());
        assertEquals("k8s-pod-network", out.get("name").textValue());
        assertEquals(2, out.get("plugins").size());
        JsonNode first = out.get("plugins").get(0);
        assertNull(first.get("cniVersion"));
        assertEquals("mynet", first.get("name").textValue());
        assertEquals(1500, first.get("mtu").intValue());
        JsonNode ours = out.get("plugins").get(1);
        assertEquals("istio-cni", ours.get("type").textValue());
        assertNull(ours.get("cniVersion"), "no cniVersion in a list entry");
    }

    @Test
    void renameOnlyForConf() {
        String list = "{\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"}]}";
        assertNull(CniConfig.insert("a.conflist", b(list), S).renameTo());
        assertNull(CniConfig.insert("a.json", b(list), S).renameTo());
        assertNull(CniConfig.insert("a.file", b("{\"type\":\"ptp\"}"), S).renameTo());
        assertEquals("a.conflist", CniConfig.insert("a.conf", b(list), S).renameTo(), "a list in a .conf");
        assertEquals("a.conflist", CniConfig.insert("a.conf", b(list), S).finalName());
    }

    @Test
    void listKeepsEverythingAndReplacesTheFirstIstioEntry() {
        String list = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"disableCheck\":true,\"x\":[1,2],\"plugins\":["
                + "{\"type\":\"ptp\",\"z\":{\"b\":1,\"a\":2}},"
                + "{\"type\":\"istio-cni\",\"kubernetes\":{\"kubeconfig\":\"/k\"}},"
                + "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}},"
                + "{\"type\":\"istio-cni\",\"name\":\"second\"}]}";
        JsonNode out = insert("l.conflist", list);
        assertEquals("0.4.0", out.get("cniVersion").textValue());
        assertTrue(out.get("disableCheck").booleanValue());
        assertEquals("[1,2]", out.get("x").toString());
        JsonNode p = out.get("plugins");
        assertEquals(4, p.size());
        assertEquals("ptp", p.get(0).get("type").textValue());
        assertEquals("{\"a\":2,\"b\":1}", p.get(0).get("z").toString(), "keys sorted");
        assertEquals("portmap", p.get(1).get("type").textValue());
        assertEquals("second", p.get(2).get("name").textValue(), "only the first istio-cni entry is removed");
        assertEquals("/run/x", p.get(3).get("cni_agent_run_dir").textValue());
        assertNull(p.get(3).get("kubernetes"));
        // inserting again is idempotent
        String once = CniConfig.insert("l.conflist", b(list), S).content();
        String twice = CniConfig.insert("l.conflist", b(once), S).content();
        assertFalse(twice.equals(once), "second pass removes 'second' (the first istio-cni) and appends ours");
        String thrice = CniConfig.insert("l.conflist", b(twice), S).content();
        assertEquals(twice, thrice);
    }

    @Test
    void insertionErrorsAreOneLineAndNameTheFile() {
        for (String bad : List.of("", "{", "[]", "\"x\"", "42", "{}", "{\"plugins\":{}}", "{\"plugins\":null}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"},5]}", "{\"a\":1} {}")) {
            InstallException e = assertThrows(InstallException.class, () -> CniConfig.insert("f.conflist", b(bad), S),
                    bad);
            assertTrue(e.getMessage().contains("f.conflist"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertInstanceOf(ConfigPlan.Wait.class, ConfigPlan.install(S, null, Map.of()));
        InstallSettings named = InstallSettings.from(Map.of("CNI_CONF_NAME", "z.conflist"), List.of());
        ConfigPlan.Failed f = assertInstanceOf(ConfigPlan.Failed.class,
                ConfigPlan.install(named, null, Map.of("a.conf", b("{\"type\":\"x\"}"), "z.conflist", b("{}"))));
        assertTrue(f.reason().contains("z.conflist"), f.reason());
    }

    @Test
    void emptyListPluginsTakesTheEntry() {
        JsonNode out = insert("l.conflist", "{\"name\":\"n\",\"plugins\":[]}");
        assertEquals(1, out.get("plugins").size());
    }

    @Test
    void cleanupRemovesOnlyOurEntry() {
        String list = "{\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"},{\"type\":\"istio-cni\"},"
                + "{\"type\":\"istio-cni\",\"name\":\"2\"}]}";
        String cleaned = CniConfig.removeEntry("l.conflist", b(list)).orElseThrow();
        JsonNode out = ConfJson.parse(cleaned);
        assertEquals(2, out.get("plugins").size());
        assertEquals("2", out.get("plugins").get(1).get("name").textValue());
        assertTrue(CniConfig.removeEntry("l.conflist", b("{\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"}]}"))
                .isEmpty(), "nothing of ours: leave the file as it is");
        assertTrue(CniConfig.removeEntry("c.conf", b("{\"type\":\"ptp\"}")).isEmpty());
        assertTrue(CniConfig.removeEntry("c.conf", b("{}")).isEmpty());
        assertThrows(InstallException.class, () -> CniConfig.removeEntry("c.conf", b("{")));
        assertThrows(InstallException.class, () -> CniConfig.removeEntry("c.conf", b("[]")));
    }

    @Test
    void canonicalFileComesBackByteForByte() {
        String canonical = "{\n  \"cniVersion\": \"0.4.0\",\n  \"name\": \"n\",\n  \"plugins\": [\n    {\n"
                + "      \"mtu\": 1500,\n      \"type\": \"ptp\"\n    }\n  ]\n}\n";
        String installed = CniConfig.insert("l.conflist", b(canonical), S).content();
        assertEquals(canonical, CniConfig.removeEntry("l.conflist", b(installed)).orElseThrow());
    }

    @Test
    void installedCheck() {
        assertTrue(CniConfig.chainedInstalled(b("{\"plugins\":[{\"type\":\"ptp\"},{\"type\":\"istio-cni\"}]}")));
        assertTrue(CniConfig.chainedInstalled(b("{\"plugins\":[{},{\"type\":\"istio-cni\"}]}")),
                "an element without type does not matter");
        assertFalse(CniConfig.chainedInstalled(b("{\"plugins\":[{\"type\":\"ptp\"}]}")));
        assertFalse(CniConfig.chainedInstalled(b("{\"type\":\"istio-cni\"}")));
        assertFalse(CniConfig.chainedInstalled(b("garbage")));
    }

    @Test
    void planStandaloneIgnoresOtherFiles() {
        InstallSettings s = InstallSettings.from(Map.of("CHAINED_CNI_PLUGIN", "false", "CNI_CONF_GROUP_READ", "1"),
                List.of());
        ConfigPlan.Standalone st = assertInstanceOf(ConfigPlan.Standalone.class,
                ConfigPlan.install(s, null, Map.of("a.conf", b("{"))));
        assertEquals("YYY-istio-cni.conf", st.fileName());
        assertEquals(0640, st.mode());
    }

    @Test
    void planStickyNameWins() {
        Map<String, byte[]> files = Map.of("a.conf", b("{\"type\":\"x\"}"), "b.conflist",
                b("{\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"}]}"));
        ConfigPlan.Chained c = assertInstanceOf(ConfigPlan.Chained.class, ConfigPlan.install(S, "b.conflist", files));
        assertEquals("b.conflist", c.insertion().fileName());
        assertEquals(1, c.warnings().size());
        c = assertInstanceOf(ConfigPlan.Chained.class,
                ConfigPlan.install(S, "x.conf", Map.of("x.conflist", b("{\"name\":\"n\",\"plugins\":[]}"))));
        assertEquals("x.conflist", c.insertion().fileName(), "converted .conf remembered, twin found");
        ConfigPlan.Failed f = assertInstanceOf(ConfigPlan.Failed.class, ConfigPlan.install(
                InstallSettings.from(Map.of("CNI_CONF_NAME", "u.conf"), List.of()), null,
                java.util.Collections.singletonMap("u.conf", null)));
        assertTrue(f.reason().contains("u.conf"), f.reason());
    }
}
