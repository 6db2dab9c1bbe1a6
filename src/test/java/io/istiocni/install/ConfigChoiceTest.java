package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigChoiceTest {

    static final String CONF = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"bridge\"}";
    static final String LIST = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"ptp\"}]}";

    static Map<String, byte[]> dir(String... nameContent) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameContent.length; i += 2) {
            m.put(nameContent[i], nameContent[i + 1] == null ? null
                    : nameContent[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    static String chosen(String confName, Map<String, byte[]> files) {
        return assertInstanceOf(ConfigChoice.Chosen.class, ConfigChoice.choose(confName, files)).fileName();
    }

    @Test
    void onlyConfAndConflistExtensionsAreCandidates() {
        assertTrue(ConfigChoice.isCandidate("a.conf"));
        assertTrue(ConfigChoice.isCandidate("a.conflist"));
        assertTrue(ConfigChoice.isCandidate("a.b.conf"));
        for (String n : List.of("a.json", "a.conf.bak", "a.CONF", "conf", "a.conflist~", "a.confx")) {
            assertEquals(false, ConfigChoice.isCandidate(n), n);
        }
        assertEquals("z.conf", chosen(null, dir("a.json", CONF, "a.conf.bak", CONF, "z.conf", CONF)));
    }

    @Test
    void byteOrderNotLocaleOrder() {
        assertEquals("10-b.conf", chosen(null, dir("9-a.conf", CONF, "10-b.conf", CONF)));
        assertEquals("B.conf", chosen("", dir("a.conf", CONF, "B.conf", CONF)));
        assertEquals("x.conf", chosen(null, dir("x.conflist", LIST, "x.conf", CONF)));
        // U+FF21 (3 UTF-8 bytes, EF..) sorts after U+10000 (F0..) in UTF-16 order but before it in byte order
        assertEquals("\uFF21.conf", chosen(null, dir("\uD800\uDC00.conf", CONF, "\uFF21.conf", CONF)));
    }

    /** Go's encoding/json (libcni) rejects a byte-order mark, so the runtime skips such a file: so do we. */
    @Test
    void aConfigStartingWithAByteOrderMarkIsInvalidAsForLibcni() {
        Map<String, byte[]> files = dir("05-bom.conflist", "\uFEFF" + LIST, "10-ok.conflist", LIST);
        ConfigChoice.Chosen c = assertInstanceOf(ConfigChoice.Chosen.class, ConfigChoice.choose(null, files));
        assertEquals("10-ok.conflist", c.fileName());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith("skipping invalid CNI config 05-bom.conflist: not JSON: "),
                c.warnings().get(0));
        assertTrue(c.warnings().get(0).contains("byte-order mark"), c.warnings().get(0));
        assertTrue(ConfigChoice.invalidReason("x.conf", ("\uFEFF" + CONF).getBytes(StandardCharsets.UTF_8))
                .contains("byte-order mark"));
        assertInstanceOf(ConfigChoice.Wait.class, ConfigChoice.choose(null, dir("05-bom.conflist", "\uFEFF" + LIST)));
        assertNull(ConfigChoice.invalidReason("x.conf", (" \n" + CONF).getBytes(StandardCharsets.UTF_8)),
                "white space before the value is fine");
    }

    @Test
    void invalidCandidatesAreSkippedWithAWarning() {
        Map<String, byte[]> files = dir("00-empty.conf", "", "01-array.conflist", "[]", "02-nojson.conf", "{",
                "03-unreadable.conf", null, "04-list-in-conf.conf", LIST, "05-conf-in-list.conflist", CONF,
                "06-ok.conflist", LIST);
        ConfigChoice.Chosen c = assertInstanceOf(ConfigChoice.Chosen.class, ConfigChoice.choose(null, files));
        assertEquals("06-ok.conflist", c.fileName());
        assertEquals(6, c.warnings().size(), c.warnings().toString());
    }

    @Test
    void validityRulesOfAList() {
        assertNull(ConfigChoice.invalidReason("l.conflist", b(LIST)));
        assertNull(ConfigChoice.invalidReason("l.conflist", b("{\"name\":\"\",\"plugins\":[{\"type\":\"x\"}]}")));
        for (String bad : List.of(
                "{\"plugins\":[{\"type\":\"x\"}]}",
                "{\"name\":5,\"plugins\":[{\"type\":\"x\"}]}",
                "{\"name\":\"n\",\"cniVersion\":1,\"plugins\":[{\"type\":\"x\"}]}",
                "{\"name\":\"n\",\"cniVersion\":null,\"plugins\":[{\"type\":\"x\"}]}",
                "{\"name\":\"n\"}",
                "{\"name\":\"n\",\"plugins\":{}}",
                "{\"name\":\"n\",\"plugins\":[]}",
                "{\"name\":\"n\",\"plugins\":[\"x\"]}",
                "{\"name\":\"n\",\"plugins\":[{}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"\"}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":7}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"x\",\"name\":1}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"x\",\"ipam\":[]}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"x\",\"dns\":\"d\"}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"x\",\"capabilities\":{\"portMappings\":1}}]}",
                "{\"name\":\"n\",\"plugins\":[{\"type\":\"x\"},{\"type\":\"\"}]}")) {
            assertTrue(ConfigChoice.invalidReason("l.conflist", b(bad)) != null, bad);
        }
        assertNull(ConfigChoice.invalidReason("l.conflist",
                b("{\"name\":\"n\",\"plugins\":[{\"type\":\"x\",\"capabilities\":{\"portMappings\":true}}]}")));
    }

    @Test
    void validityRulesOfASingleConfig() {
        assertNull(ConfigChoice.invalidReason("c.conf", b(CONF)));
        assertNull(ConfigChoice.invalidReason("c.conf", b("{\"type\":\"x\"}")));
        for (String bad : List.of("{}", "{\"type\":\"\"}", "{\"type\":1}", "[]", "\"s\"", "{\"type\":\"x\"} x",
                "{\"type\":\"x\",\"cniVersion\":4}", "{\"type\":\"x\",\"ipam\":\"i\"}")) {
            assertTrue(ConfigChoice.invalidReason("c.conf", b(bad)) != null, bad);
        }
        assertTrue(ConfigChoice.invalidReason("c.conf", null) != null);
    }

    @Test
    void waitWhenNoValidConfig() {
        ConfigChoice.Wait w = assertInstanceOf(ConfigChoice.Wait.class, ConfigChoice.choose(null, dir()));
        assertTrue(w.reason().contains("no valid network config"), w.reason());
        assertInstanceOf(ConfigChoice.Wait.class, ConfigChoice.choose(null, dir("a.json", CONF, "b.conf", "{}")));
    }

    @Test
    void namedConfigAndTwins() {
        Map<String, byte[]> files = dir("a.conf", CONF, "b.conflist", LIST, "c.conf", CONF, "other.file", "junk");
        assertEquals("b.conflist", chosen("b.conflist", files));
        assertEquals("b.conflist", chosen("b.conf", files), "X.conf named, X.conflist present");
        assertEquals("c.conf", chosen("c.conflist", files), "X.conflist named, X.conf present");
        assertEquals("other.file", chosen("other.file", files), "any extension, validity not checked");
        assertEquals("a.conf", chosen("a.conf", dir("a.conf", CONF, "a.conflist", LIST)), "exact name first");
        ConfigChoice.Wait w = assertInstanceOf(ConfigChoice.Wait.class, ConfigChoice.choose("z.conf", files));
        assertTrue(w.reason().contains("z.conf"), w.reason());
        assertInstanceOf(ConfigChoice.Wait.class, ConfigChoice.choose("other", files), "no twin rule without ext");
        assertInstanceOf(ConfigChoice.Error.class, ConfigChoice.choose("../x.conf", files));
    }

    @Test
    void preemptionWarning() {
        Map<String, byte[]> files = dir("a.conf", CONF, "b.conflist", LIST);
        ConfigChoice.Chosen c = assertInstanceOf(ConfigChoice.Chosen.class, ConfigChoice.choose("b.conflist", files));
        assertEquals(List.of("CNI config file b.conflist preempted by a.conf"), c.warnings());
        c = assertInstanceOf(ConfigChoice.Chosen.class, ConfigChoice.choose("a.conf", files));
        assertEquals(List.of(), c.warnings());
        c = assertInstanceOf(ConfigChoice.Chosen.class,
                ConfigChoice.choose("b.conflist", dir("a.conf", "{}", "b.conflist", LIST)));
        assertEquals(List.of(), c.warnings(), "an invalid file does not preempt");
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
