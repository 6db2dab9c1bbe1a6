package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.cni.PluginRun.Outcome;
import io.istiocni.rules.IpAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** plugin.md 5: reading prevResult and printing the result of ADD in the configuration's version. */
class CniResultTest {

    /** The example of 5.3. */
    static final String SPEC_PREV_1 = """
            {
              "cniVersion": "1.0.0",
              "interfaces": [{"name": "eth0", "sandbox": "/var/run/netns/cni-1f2e"}],
              "ips": [{"address": "10.0.0.2/24", "gateway": "10.0.0.1", "interface": 0}],
              "routes": [{"dst": "0.0.0.0/0"}],
              "dns": {}
            }
            """;

    static final String SPEC_OUTPUT_1 = """
            {
                "cniVersion": "1.0.0",
                "interfaces": [
                    {
                        "name": "eth0",
                        "sandbox": "/var/run/netns/cni-1f2e"
                    }
                ],
                "ips": [
                    {
                        "address": "10.0.0.2/24",
                        "gateway": "10.0.0.1",
                        "interface": 0
                    }
                ],
                "routes": [
                    {
                        "dst": "0.0.0.0/0"
                    }
                ]
            }""";

    /** A prevResult of the family of {@code version}, with one IPv4 address. */
    static String prevResultFor(String version) {
        return switch (CniVersions.family(version)) {
            case V02 -> "{\"cniVersion\": \"" + version + "\", \"ip4\": {\"ip\": \"10.0.0.2/24\"}}";
            case V04, V1 -> "{\"cniVersion\": \"" + version + "\", \"ips\": [{\"address\": \"10.0.0.2/24\"}]}";
        };
    }

    static JsonNode tree(String json) {
        try {
            return PluginRun.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    static CniResult parse(String prev, String confVersion) throws CniException {
        return CniResult.parse(Json.parse(prev.getBytes(StandardCharsets.UTF_8)), confVersion);
    }

    /** prevResult converted for a configuration of this version, as parsed JSON. */
    static JsonNode convert(String prev, String confVersion) throws CniException {
        return tree(parse(prev, confVersion).toJson(confVersion));
    }

    static String parseError(String prev, String confVersion) {
        CniException e = assertThrows(CniException.class, () -> parse(prev, confVersion));
        assertEquals(999, e.code());
        assertEquals("", e.details());
        assertTrue(e.msg().startsWith("could not parse prevResult: "), e.msg());
        return e.msg().substring("could not parse prevResult: ".length());
    }

    // ---- the example of 5.3 and its 0.3.1 twin ----

    @Test
    void specExample() throws Exception {
        String out = parse(SPEC_PREV_1, "1.0.0").toJson("1.0.0");
        assertEquals(SPEC_OUTPUT_1, out);
    }

    @Test
    void specExampleThroughAdd() {
        Outcome o = PluginRun.of("ADD").config("1.0.0", "\"prevResult\": " + SPEC_PREV_1).run();
        assertEquals(tree(SPEC_OUTPUT_1), o.json());
    }

    @Test
    void specExampleIn031() {
        String prev = SPEC_PREV_1.replace("1.0.0", "0.3.1");
        Outcome o = PluginRun.of("ADD").config("0.3.1", "\"prevResult\": " + prev).run();
        assertEquals(tree("""
                {
                  "cniVersion": "0.3.1",
                  "interfaces": [{"name": "eth0", "sandbox": "/var/run/netns/cni-1f2e"}],
                  "ips": [{"version": "4", "interface": 0, "address": "10.0.0.2/24", "gateway": "10.0.0.1"}],
                  "routes": [{"dst": "0.0.0.0/0"}],
                  "dns": {}
                }
                """), o.json());
        assertTrue(o.stdout().contains("{\n            \"version\": \"4\",\n            \"interface\": 0,"),
                o.stdout());
        assertTrue(o.stdout().endsWith("\"dns\": {}\n}"), o.stdout());
    }

    // ---- 1.x ----

    @Test
    void v1KeepsEveryFieldItDefines() throws Exception {
        String prev = """
                {"cniVersion": "1.1.0",
                 "interfaces": [{"name": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "mtu": 1450, "sandbox": "/ns",
                                 "socketPath": "/s.sock", "pciID": "0000:00:1f.6", "extra": 1},
                                {"name": ""}],
                 "ips": [{"address": "10.0.0.2/24", "gateway": "10.0.0.1", "interface": 1},
                         {"address": "fd00::2/64"}],
                 "routes": [{"dst": "0.0.0.0/0", "gw": "10.0.0.1", "mtu": 1400, "advmss": 1360, "priority": 10,
                             "table": 0, "scope": 0},
                            {"dst": "fd00::/64", "table": 100, "mtu": 0}],
                 "dns": {"nameservers": ["10.96.0.10"], "domain": "cluster.local", "search": ["svc"],
                         "options": ["ndots:5"]},
                 "unknown": {"x": 1}}
                """;
        JsonNode out = convert(prev, "1.1.0");
        assertEquals(tree("""
                {"cniVersion": "1.1.0",
                 "dns": {"domain": "cluster.local", "nameservers": ["10.96.0.10"], "options": ["ndots:5"],
                         "search": ["svc"]},
                 "interfaces": [{"mac": "aa:bb:cc:dd:ee:ff", "mtu": 1450, "name": "eth0", "pciID": "0000:00:1f.6",
                                 "sandbox": "/ns", "socketPath": "/s.sock"},
                                {"name": ""}],
                 "ips": [{"address": "10.0.0.2/24", "gateway": "10.0.0.1", "interface": 1},
                         {"address": "fd00::2/64"}],
                 "routes": [{"advmss": 1360, "dst": "0.0.0.0/0", "gw": "10.0.0.1", "mtu": 1400, "priority": 10,
                             "scope": 0, "table": 0},
                            {"dst": "fd00::/64", "table": 100}]}
                """), out);
        // alphabetical keys in 1.x
        assertEquals(List.of("cniVersion", "dns", "interfaces", "ips", "routes"), PluginRun.fieldNames(out));
        assertEquals(List.of("advmss", "dst", "gw", "mtu", "priority", "scope", "table"),
                PluginRun.fieldNames(out.get("routes").get(0)));
    }

    @Test
    void v1ConvertedToTheConfigurationsVersion() throws Exception {
        JsonNode out = convert(SPEC_PREV_1, "1.1.0");
        assertEquals("1.1.0", out.get("cniVersion").textValue());
        out = convert(SPEC_PREV_1.replace("1.0.0", "1.1.0"), "1.0.0");
        assertEquals("1.0.0", out.get("cniVersion").textValue());
    }

    @Test
    void zeroValuesThatMeanSomethingSurvive() throws Exception {
        JsonNode out = convert("""
                {"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.2/24", "interface": 0},
                                                {"address": "10.0.0.3/24"}],
                 "routes": [{"dst": "0.0.0.0/0", "table": 0, "scope": 0}, {"dst": "10.0.0.0/8"}]}
                """, "1.0.0");
        assertEquals(0, out.get("ips").get(0).get("interface").intValue());
        assertTrue(out.get("ips").get(0).get("interface").isIntegralNumber());
        assertTrue(!out.get("ips").get(1).has("interface"));
        assertEquals(0, out.get("routes").get(0).get("table").intValue());
        assertEquals(0, out.get("routes").get(0).get("scope").intValue());
        assertTrue(!out.get("routes").get(1).has("table") && !out.get("routes").get(1).has("scope"));
        out = convert("""
                {"cniVersion": "0.4.0", "ips": [{"version": "4", "address": "10.0.0.2/24", "interface": 0}]}
                """, "0.4.0");
        assertEquals(0, out.get("ips").get(0).get("interface").intValue());
    }

    @Test
    void emptyDnsOmittedInV1Only() throws Exception {
        assertTrue(!convert(SPEC_PREV_1, "1.0.0").has("dns"));
        String prev = "{\"cniVersion\": \"1.0.0\", \"dns\": {\"nameservers\": [], \"search\": null}}";
        assertEquals(tree("{\"cniVersion\": \"1.0.0\"}"), convert(prev, "1.0.0"));
        prev = "{\"cniVersion\": \"0.4.0\", \"dns\": {\"nameservers\": []}}";
        assertEquals(tree("{\"cniVersion\": \"0.4.0\", \"dns\": {}}"), convert(prev, "0.4.0"));
    }

    // ---- 0.3.x / 0.4.0 ----

    @ParameterizedTest
    @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0"})
    void v04DropsWhatItDoesNotDefineAndRecomputesVersions(String v) throws Exception {
        String prev = """
                {"cniVersion": "0.4.0",
                 "interfaces": [{"name": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "sandbox": "/ns", "mtu": "ignored",
                                 "socketPath": 5}],
                 "ips": [{"version": "6", "address": "10.0.0.2/24", "gateway": "10.0.0.1", "interface": 0},
                         {"version": "4", "address": "fd00::2/64", "gateway": "fd00::1"},
                         {"address": "::ffff:10.1.0.2/120"}],
                 "routes": [{"dst": "0.0.0.0/0", "gw": "10.0.0.1", "mtu": 1400, "table": 5}],
                 "dns": {"nameservers": ["10.96.0.10"], "domain": "cluster.local"},
                 "extra": true}
                """;
        JsonNode out = convert(prev, v);
        assertEquals(tree("""
                {"cniVersion": "%s",
                 "interfaces": [{"name": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "sandbox": "/ns"}],
                 "ips": [{"version": "4", "interface": 0, "address": "10.0.0.2/24", "gateway": "10.0.0.1"},
                         {"version": "6", "address": "fd00::2/64", "gateway": "fd00::1"},
                         {"version": "4", "address": "10.1.0.2/24"}],
                 "routes": [{"dst": "0.0.0.0/0", "gw": "10.0.0.1"}],
                 "dns": {"nameservers": ["10.96.0.10"], "domain": "cluster.local"}}
                """.formatted(v)), out);
        assertEquals(List.of("cniVersion", "interfaces", "ips", "routes", "dns"), PluginRun.fieldNames(out));
        assertEquals(List.of("version", "interface", "address", "gateway"),
                PluginRun.fieldNames(out.get("ips").get(0)));
    }

    @Test
    void v04WithinTheFamily() throws Exception {
        JsonNode out = convert(prevResultFor("0.3.0"), "0.4.0");
        assertEquals("0.4.0", out.get("cniVersion").textValue());
        out = convert(prevResultFor("0.4.0"), "0.3.1");
        assertEquals("0.3.1", out.get("cniVersion").textValue());
        assertEquals("4", out.get("ips").get(0).get("version").textValue());
    }

    // ---- 0.1.0 / 0.2.0 ----

    @Test
    void v02RoundTrip() throws Exception {
        String prev = """
                {"cniVersion": "0.2.0",
                 "ip4": {"ip": "10.0.0.2/24", "gateway": "10.0.0.1",
                         "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.1.0.0/16", "gw": "10.0.0.254"}]},
                 "ip6": {"ip": "fd00::2/64", "routes": [{"dst": "::/0", "gw": "fd00::1"}]},
                 "dns": {"nameservers": ["10.96.0.10"]}}
                """;
        assertEquals(tree("""
                {"cniVersion": "0.2.0",
                 "ip4": {"ip": "10.0.0.2/24", "gateway": "10.0.0.1",
                         "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.1.0.0/16", "gw": "10.0.0.254"}]},
                 "ip6": {"ip": "fd00::2/64", "routes": [{"dst": "::/0", "gw": "fd00::1"}]},
                 "dns": {"nameservers": ["10.96.0.10"]}}
                """), convert(prev, "0.2.0"));
        JsonNode out = convert(prev, "0.1.0");
        assertEquals("0.1.0", out.get("cniVersion").textValue());
        assertEquals(List.of("cniVersion", "ip4", "ip6", "dns"), PluginRun.fieldNames(out));
    }

    @Test
    void v02WithoutVersionAndWithoutRoutes() throws Exception {
        assertEquals(tree("{\"cniVersion\": \"0.2.0\", \"ip4\": {\"ip\": \"10.0.0.2/24\"}, \"dns\": {}}"),
                convert("{\"ip4\": {\"ip\": \"10.0.0.2/24\"}}", "0.2.0"));
        assertEquals(tree("{\"cniVersion\": \"0.1.0\", \"ip6\": {\"ip\": \"fd00::2/64\"}, \"dns\": {}}"),
                convert("{\"cniVersion\": \"\", \"ip6\": {\"ip\": \"fd00::2/64\"}}", "0.1.0"));
    }

    @Test
    void v02RoutesFollowTheirAddressFamily() throws Exception {
        // an IPv4 route without an IPv4 address is dropped; ip4 holding an IPv6 address moves to ip6
        JsonNode out = convert("""
                {"cniVersion": "0.2.0", "ip4": {"ip": "fd00::2/64", "routes": [{"dst": "0.0.0.0/0"},
                                                                              {"dst": "::/0"}]}}
                """, "0.2.0");
        assertEquals(tree("{\"cniVersion\": \"0.2.0\", \"ip6\": {\"ip\": \"fd00::2/64\", "
                + "\"routes\": [{\"dst\": \"::/0\"}]}, \"dns\": {}}"), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0"})
    void v02WithoutAnyAddressCannotConvert(String v) throws Exception {
        CniResult r = parse("{\"cniVersion\": \"0.2.0\", \"dns\": {\"nameservers\": [\"1.1.1.1\"]}}", v);
        CniException e = assertThrows(CniException.class, () -> r.toJson(v));
        assertEquals(999, e.code());
        assertEquals("cannot convert: no valid IP addresses", e.msg());
        e = assertThrows(CniException.class, () -> CniResult.emptyJson(v));
        assertEquals("cannot convert: no valid IP addresses", e.msg());
    }

    // ---- no prevResult ----

    @Test
    void emptyResults() throws Exception {
        for (String v : List.of("1.0.0", "1.1.0")) {
            assertEquals("{\n    \"cniVersion\": \"" + v + "\"\n}", CniResult.emptyJson(v));
            Outcome o = PluginRun.of("ADD").config(v, null).run();
            assertEquals(tree("{\"cniVersion\": \"" + v + "\"}"), o.json());
        }
        for (String v : List.of("0.3.0", "0.3.1", "0.4.0")) {
            assertEquals("{\n    \"cniVersion\": \"" + v + "\",\n    \"dns\": {}\n}", CniResult.emptyJson(v));
            Outcome o = PluginRun.of("ADD").config(v, "\"prevResult\": null").run();
            assertEquals(tree("{\"cniVersion\": \"" + v + "\", \"dns\": {}}"), o.json());
        }
    }

    // ---- version families ----

    @Test
    void wrongFamily() {
        assertEquals("result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is \"0.4.0\"",
                parseError(prevResultFor("0.4.0"), "1.0.0"));
        assertEquals("result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is \"\"",
                parseError("{\"ips\": [{\"address\": \"10.0.0.2/24\"}]}", "1.1.0"));
        assertEquals("result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is \"1.2.0\"",
                parseError("{\"cniVersion\": \"1.2.0\"}", "1.1.0"));
        assertEquals("result type supports [0.3.0 0.3.1 0.4.0] but unmarshalled CNIVersion is \"1.0.0\"",
                parseError(prevResultFor("1.0.0"), "0.3.1"));
        assertEquals("result type supports [0.3.0 0.3.1 0.4.0] but unmarshalled CNIVersion is \"\"",
                parseError("{}", "0.4.0"));
        assertEquals("result type supports [ 0.1.0 0.2.0] but unmarshalled CNIVersion is \"0.3.1\"",
                parseError(prevResultFor("0.3.1"), "0.2.0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void everyFamilyAcceptsItsMembers(String v) throws Exception {
        for (String member : CniVersions.SUPPORTED) {
            if (CniVersions.family(member) == CniVersions.family(v)) {
                assertEquals(v, convert(prevResultFor(member), v).get("cniVersion").textValue());
            } else {
                parseError(prevResultFor(member), v);
            }
        }
    }

    @Test
    void wrongFamilyThroughAdd() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", "\"prevResult\": " + prevResultFor("0.4.0"));
        r.run().assertError(999, "could not parse prevResult: result type supports [1.0.0 1.1.0] but "
                + "unmarshalled CNIVersion is \"0.4.0\"", "");
    }

    // ---- malformed fields ----

    @Test
    void malformedFields() {
        assertEquals("invalid CIDR address: 10.0.0.2",
                parseError("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2\"}]}", "1.0.0"));
        assertEquals("invalid CIDR address: 10.0.0.2/33",
                parseError("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/33\"}]}", "1.0.0"));
        assertEquals("invalid CIDR address: fd00::2/129",
                parseError("{\"cniVersion\": \"0.4.0\", \"ips\": [{\"address\": \"fd00::2/129\"}]}", "0.4.0"));
        assertEquals("invalid CIDR address: 10.0.0.2/",
                parseError("{\"cniVersion\": \"0.4.0\", \"ips\": [{\"address\": \"10.0.0.2/\"}]}", "0.4.0"));
        assertEquals("invalid CIDR address: host/24",
                parseError("{\"cniVersion\": \"0.4.0\", \"ips\": [{\"address\": \"host/24\"}]}", "0.4.0"));
        assertEquals("invalid CIDR address: x",
                parseError("{\"cniVersion\": \"1.0.0\", \"routes\": [{\"dst\": \"x\"}]}", "1.0.0"));
        assertEquals("invalid IP address: 10.0.0",
                parseError("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/24\", "
                        + "\"gateway\": \"10.0.0\"}]}", "1.0.0"));
        assertEquals("invalid IP address: 10.0.0.1/24",
                parseError("{\"cniVersion\": \"1.0.0\", \"routes\": [{\"dst\": \"0.0.0.0/0\", "
                        + "\"gw\": \"10.0.0.1/24\"}]}", "1.0.0"));
        assertEquals("invalid CIDR address: 10.0.0.2",
                parseError("{\"cniVersion\": \"0.2.0\", \"ip4\": {\"ip\": \"10.0.0.2\"}}", "0.2.0"));
        assertEquals("invalid IP address: x",
                parseError("{\"cniVersion\": \"0.2.0\", \"ip4\": {\"ip\": \"10.0.0.2/24\", \"gateway\": \"x\"}}",
                        "0.2.0"));
    }

    @Test
    void fieldsOfTheWrongType() {
        String[][] cases = {
            {"1.0.0", "{\"cniVersion\": 1}", "cannot unmarshal number into Go struct field Result.cniVersion"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": {}}", "cannot unmarshal object"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": [5]}", "cannot unmarshal number"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": 5}]}", "cannot unmarshal number"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/24\", \"interface\": \"0\"}]}",
                "cannot unmarshal string into Go struct field ipConfig.ips.interface of type int"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/24\", \"interface\": 1.5}]}",
                "cannot unmarshal number 1.5 into Go struct field ipConfig.ips.interface of type int"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/24\", \"gateway\": 1}]}",
                "cannot unmarshal number"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"interfaces\": [{\"name\": 1}]}", "cannot unmarshal number"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"interfaces\": [{\"mtu\": \"1500\"}]}", "cannot unmarshal string"},
            {"1.0.0", "{\"cniVersion\": \"1.0.0\", \"routes\": [{\"dst\": \"0.0.0.0/0\", \"table\": \"1\"}]}",
                "cannot unmarshal string"},
            {"0.4.0", "{\"cniVersion\": \"0.4.0\", \"routes\": [{\"dst\": \"0.0.0.0/0\", \"mtu\": true}]}",
                "cannot unmarshal bool"},
            {"0.4.0", "{\"cniVersion\": \"0.4.0\", \"ips\": [{\"version\": 4, \"address\": \"10.0.0.2/24\"}]}",
                "cannot unmarshal number"},
            {"0.4.0", "{\"cniVersion\": \"0.4.0\", \"dns\": []}", "cannot unmarshal array"},
            {"0.4.0", "{\"cniVersion\": \"0.4.0\", \"dns\": {\"nameservers\": \"10.96.0.10\"}}",
                "cannot unmarshal string"},
            {"0.4.0", "{\"cniVersion\": \"0.4.0\", \"dns\": {\"domain\": [1]}}", "cannot unmarshal array"},
            {"0.2.0", "{\"cniVersion\": \"0.2.0\", \"ip4\": \"10.0.0.2/24\"}", "cannot unmarshal string"},
            {"0.2.0", "{\"cniVersion\": \"0.2.0\", \"ip4\": {\"ip\": \"10.0.0.2/24\", \"routes\": {}}}",
                "cannot unmarshal object"},
        };
        for (String[] c : cases) {
            String msg = parseError(c[1], c[0]);
            assertTrue(msg.startsWith("json: ") && msg.contains(c[2]), c[1] + " -> " + msg);
        }
    }

    @Test
    void missingAddressesAreMalformed() {
        assertTrue(parseError("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"gateway\": \"10.0.0.1\"}]}", "1.0.0")
                .contains("missing address"));
        assertTrue(parseError("{\"cniVersion\": \"1.0.0\", \"routes\": [{\"gw\": \"10.0.0.1\"}]}", "1.0.0")
                .contains("missing address"));
        assertTrue(parseError("{\"cniVersion\": \"0.2.0\", \"ip4\": {}}", "0.2.0").contains("missing address"));
    }

    @Test
    void notAnObject() {
        for (String prev : new String[] {"\"x\"", "[]", "5", "true"}) {
            assertTrue(parseError(prev, "1.0.0").startsWith("json: cannot unmarshal"), prev);
        }
        PluginRun.of("ADD").config("1.0.0", "\"prevResult\": [1]").run()
                .assertErrorStartsWith(999, "could not parse prevResult: ");
    }

    @Test
    void badPrevResultFailsEvenForPodsTheHandlerWouldSkip() {
        PluginRun r = PluginRun.of("ADD").config("0.4.0", "\"prevResult\": {\"cniVersion\": \"0.4.0\", "
                + "\"ips\": [{\"address\": \"nope\"}]}").env("CNI_ARGS", null);
        r.run().assertError(999, "could not parse prevResult: invalid CIDR address: nope", "");
        assertEquals(0, r.handler.calls());
    }

    // ---- details ----

    @Test
    void keysMatchedLikeGo() throws Exception {
        CniResult r = parse("{\"cniversion\": \"1.0.0\", \"IPs\": [{\"Address\": \"10.0.0.2/24\", "
                + "\"GATEWAY\": \"10.0.0.1\"}]}", "1.0.0");
        assertEquals("1.0.0", r.cniVersion());
        assertEquals(List.of(IpAddress.parse("10.0.0.2")), r.addresses());
        assertEquals("10.0.0.1", r.ips().get(0).gateway().toString());
    }

    @Test
    void integralNumbersAndNulls() throws Exception {
        JsonNode out = convert("""
                {"cniVersion": "1.0.0", "interfaces": [null, {"name": "eth0", "mtu": 1500.0}],
                 "ips": [{"address": "10.0.0.2/24", "gateway": "", "interface": 1.0},
                         {"address": "10.0.0.3/24", "gateway": null, "interface": null}],
                 "routes": null, "dns": null}
                """, "1.0.0");
        assertEquals(tree("""
                {"cniVersion": "1.0.0", "interfaces": [{"mtu": 1500, "name": "eth0"}],
                 "ips": [{"address": "10.0.0.2/24", "interface": 1}, {"address": "10.0.0.3/24"}]}
                """), out);
    }

    @Test
    void addressesPrintedTheWayGoPrintsThem() throws Exception {
        JsonNode out = convert("""
                {"cniVersion": "1.0.0",
                 "ips": [{"address": "FD00:0:0::0002/64", "gateway": "fd00:0000::1"},
                         {"address": "::ffff:10.0.0.2/120", "gateway": "::ffff:10.0.0.1"}],
                 "routes": [{"dst": "10.0.0.0/08"}]}
                """, "1.0.0");
        assertEquals("fd00::2/64", out.get("ips").get(0).get("address").textValue());
        assertEquals("fd00::1", out.get("ips").get(0).get("gateway").textValue());
        assertEquals("10.0.0.2/24", out.get("ips").get(1).get("address").textValue());
        assertEquals("10.0.0.1", out.get("ips").get(1).get("gateway").textValue());
        assertEquals("10.0.0.0/8", out.get("routes").get(0).get("dst").textValue());
    }

    @Test
    void addressesForTheIpFamilyDecision() throws Exception {
        assertEquals(List.of(IpAddress.parse("10.0.0.2"), IpAddress.parse("fd00::2")),
                parse("{\"cniVersion\": \"1.0.0\", \"ips\": [{\"address\": \"10.0.0.2/24\"}, "
                        + "{\"address\": \"fd00::2/64\"}]}", "1.0.0").addresses());
        assertEquals(List.of(IpAddress.parse("10.0.0.2"), IpAddress.parse("fd00::2")),
                parse("{\"cniVersion\": \"0.2.0\", \"ip6\": {\"ip\": \"fd00::2/64\"}, "
                        + "\"ip4\": {\"ip\": \"10.0.0.2/24\"}}", "0.2.0").addresses());
        assertEquals(List.of(), parse("{\"cniVersion\": \"0.4.0\"}", "0.4.0").addresses());
    }

    @Test
    void outputEscapesLikeGo() throws Exception {
        String out = parse("{\"cniVersion\": \"1.0.0\", \"interfaces\": [{\"name\": \"a<b>&\\\"\\n\"}]}", "1.0.0")
                .toJson("1.0.0");
        assertTrue(out.contains("\"a\\u003cb\\u003e\\u0026\\\"\\n\""), out);
        assertEquals("a<b>&\"\n", tree(out).get("interfaces").get(0).get("name").textValue());
    }

    @Test
    void loneSurrogateInPrevResultComesOutAsTheReplacementCharacter() throws Exception {
        // Go's decoder makes U+FFFD of the lone \ud800 and writes that; nothing may become '?' in the UTF-8 output
        String out = parse("{\"cniVersion\": \"1.0.0\", \"interfaces\": [{\"name\": \"x\\ud800y\"}]}", "1.0.0")
                .toJson("1.0.0");
        assertTrue(out.contains("\"x\ufffdy\""), out);
        byte[] utf8 = out.getBytes(StandardCharsets.UTF_8);
        assertEquals(out, new String(utf8, StandardCharsets.UTF_8));
    }
}
