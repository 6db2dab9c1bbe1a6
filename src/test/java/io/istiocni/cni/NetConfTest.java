package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** plugin.md 4: the Istio fields, their types, and the older names. */
class NetConfTest {

    static NetConf parse(String json) throws CniException {
        return NetConf.parse(Json.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    static String error(String json) {
        CniException e = assertThrows(CniException.class, () -> parse(json));
        assertEquals(999, e.code());
        assertEquals("", e.details());
        return e.msg();
    }

    @Test
    void defaults() throws Exception {
        NetConf c = parse("{\"name\": \"n\"}");
        assertEquals("0.1.0", c.cniVersion());
        assertEquals("n", c.name());
        assertNull(c.prevResult());
        assertEquals("info", c.logLevel());
        assertEquals("", c.runDir());
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/var/run/istio-cni/log.sock", c.logSocketPath());
        assertEquals("/var/run/istio-cni", c.logDir());
        assertEquals("/var/run/istio-cni/istio-cni.log", c.rollingLogPath());
        assertEquals(List.of(), c.excludeNamespaces());
        assertEquals("", c.podNamespace());
        assertFalse(c.nativeNftables());
        assertFalse(c.ambientEnabled());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void currentInstallerEntry() throws Exception {
        NetConf c = parse("""
                {
                  "type": "istio-cni",
                  "name": "istio-cni",
                  "cniVersion": "0.3.1",
                  "plugin_log_level": "debug",
                  "cni_agent_run_dir": "/run/istio-cni",
                  "ambient_enabled": false,
                  "enablement_selectors": [],
                  "exclude_namespaces": ["kube-system", "istio-system"],
                  "pod_namespace": "istio-system",
                  "native_nftables": false,
                  "enable_ambient_detection_retry": false,
                  "dns": {},
                  "ipam": {}
                }
                """);
        assertEquals("0.3.1", c.cniVersion());
        assertEquals("debug", c.logLevel());
        assertEquals("/run/istio-cni", c.runDir());
        assertEquals("/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/run/istio-cni/log.sock", c.logSocketPath());
        assertEquals("/run/istio-cni/istio-cni.log", c.rollingLogPath());
        assertEquals(List.of("kube-system", "istio-system"), c.excludeNamespaces());
        assertEquals("istio-system", c.podNamespace());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void oldInstallerEntry() throws Exception {
        NetConf c = parse("""
                {
                  "cniVersion": "0.3.1",
                  "name": "istio-cni",
                  "type": "istio-cni",
                  "log_level": "warn",
                  "log_uds_address": "/var/run/istio-cni/log.sock",
                  "kubernetes": {
                    "kubeconfig": "/etc/cni/net.d/ZZZ-istio-cni-kubeconfig",
                    "cni_bin_dir": "/opt/cni/bin",
                    "exclude_namespaces": ["istio-system", "kube-system"]
                  }
                }
                """);
        assertEquals("warn", c.logLevel());
        assertEquals("/etc/cni/net.d/ZZZ-istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/var/run/istio-cni/log.sock", c.logSocketPath());
        assertEquals("/var/run/istio-cni", c.logDir());
        assertEquals("/var/run/istio-cni/istio-cni.log", c.rollingLogPath());
        assertEquals(List.of("istio-system", "kube-system"), c.excludeNamespaces());
        assertEquals("", c.podNamespace());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void currentNamesWinOverOldOnes() throws Exception {
        NetConf c = parse("""
                {"name": "n", "plugin_log_level": "error", "log_level": "debug", "cni_agent_run_dir": "/a",
                 "log_uds_address": "/b/log.sock", "kubernetes": {"kubeconfig": "/c/kc"}}
                """);
        assertEquals("error", c.logLevel());
        assertEquals("/a/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/a/log.sock", c.logSocketPath());
        assertEquals("/a/istio-cni.log", c.rollingLogPath());
    }

    @Test
    void emptyCurrentNamesFallBack() throws Exception {
        NetConf c = parse("""
                {"name": "n", "plugin_log_level": "", "log_level": "debug", "cni_agent_run_dir": "",
                 "log_uds_address": "/b/c/agent.sock", "kubernetes": {"kubeconfig": "/c/kc"}}
                """);
        assertEquals("debug", c.logLevel());
        assertEquals("/c/kc", c.kubeconfigPath());
        assertEquals("/b/c/agent.sock", c.logSocketPath());
        assertEquals("/b/c", c.logDir());
        assertEquals("/b/c/istio-cni.log", c.rollingLogPath());
    }

    @Test
    void socketAloneAndKubeconfigAlone() throws Exception {
        NetConf c = parse("{\"name\": \"n\", \"kubernetes\": {\"kubeconfig\": \"/etc/cni/net.d/ZZZ-kc\"}}");
        assertEquals("/etc/cni/net.d/ZZZ-kc", c.kubeconfigPath());
        assertEquals("/var/run/istio-cni/log.sock", c.logSocketPath());
        c = parse("{\"name\": \"n\", \"log_uds_address\": \"/tmp/x/log.sock\"}");
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/tmp/x/istio-cni.log", c.rollingLogPath());
        c = parse("{\"name\": \"n\", \"kubernetes\": {\"kubeconfig\": \"\"}}");
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
    }

    @Test
    void runDirIsJoinedLikeGo() throws Exception {
        NetConf c = parse("{\"name\": \"n\", \"cni_agent_run_dir\": \"/var/run//istio-cni/\"}");
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/var/run/istio-cni/log.sock", c.logSocketPath());
        assertEquals("/var/run/istio-cni", c.logDir());
        assertEquals("/var/run//istio-cni/", c.runDir());
    }

    @Test
    void excludedNamespacesAreMerged() throws Exception {
        NetConf c = parse("""
                {"name": "n", "exclude_namespaces": ["kube-system", "a", "", null],
                 "kubernetes": {"exclude_namespaces": ["b", "kube-system", "A"]}}
                """);
        assertEquals(List.of("kube-system", "a", "b", "A"), c.excludeNamespaces());
        assertEquals(List.of("x"), parse("{\"name\": \"n\", \"exclude_namespaces\": null, "
                + "\"kubernetes\": {\"exclude_namespaces\": [\"x\"]}}").excludeNamespaces());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "plugin_log_level   | 1               | number | string",
        "plugin_log_level   | [\"info\"]      | array  | string",
        "cni_agent_run_dir  | true            | bool   | string",
        "cni_agent_run_dir  | {}              | object | string",
        "exclude_namespaces | \"kube-system\" | string | []string",
        "exclude_namespaces | {}              | object | []string",
        "exclude_namespaces | [1]             | number | string",
        "exclude_namespaces | [[\"a\"]]       | array  | string",
        "pod_namespace      | 7               | number | string",
        "native_nftables    | \"true\"        | string | bool",
        "native_nftables    | 1               | number | bool",
        "ambient_enabled    | \"false\"       | string | bool",
    })
    void currentFieldOfTheWrongType(String field, String value, String kind, String type) {
        assertEquals("failed to parse network configuration: json: cannot unmarshal " + kind
                + " into Go struct field Config." + field + " of type " + type,
                error("{\"name\": \"n\", \"" + field + "\": " + value + "}"));
    }

    @Test
    void currentFieldsMatchedLikeGo() throws Exception {
        NetConf c = parse("{\"name\": \"n\", \"Plugin_Log_Level\": \"debug\", \"POD_NAMESPACE\": \"istio-system\"}");
        assertEquals("debug", c.logLevel());
        assertEquals("istio-system", c.podNamespace());
        assertTrue(error("{\"name\": \"n\", \"Exclude_Namespaces\": 5}").contains("exclude_namespaces"));
    }

    @Test
    void nullIsAbsent() throws Exception {
        NetConf c = parse("""
                {"name": "n", "plugin_log_level": null, "cni_agent_run_dir": null, "ambient_enabled": null,
                 "exclude_namespaces": null, "pod_namespace": null, "native_nftables": null, "prevResult": null,
                 "log_level": null, "log_uds_address": null, "kubernetes": null}
                """);
        assertEquals(parse("{\"name\": \"n\"}"), c);
    }

    @Test
    void oldNamesOfTheWrongTypeAreWarnings() throws Exception {
        NetConf c = parse("""
                {"name": "n", "log_level": 3, "log_uds_address": ["x"], "kubernetes": {"kubeconfig": false,
                 "exclude_namespaces": "kube-system", "cni_bin_dir": 5, "node_name": {}}, "cni_event_address": 1,
                 "hostNSEnterExec": "x"}
                """);
        assertEquals("info", c.logLevel());
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", c.kubeconfigPath());
        assertEquals("/var/run/istio-cni/log.sock", c.logSocketPath());
        assertEquals(List.of(), c.excludeNamespaces());
        assertEquals(4, c.warnings().size(), c.warnings().toString());
        c = parse("{\"name\": \"n\", \"kubernetes\": [1]}");
        assertEquals(1, c.warnings().size());
        c = parse("{\"name\": \"n\", \"kubernetes\": {\"exclude_namespaces\": [\"a\", 1]}}");
        assertEquals(List.of(), c.excludeNamespaces());
        assertEquals(1, c.warnings().size());
    }

    @Test
    void ignoredFieldsAreNotTypeChecked() throws Exception {
        NetConf c = parse("""
                {"name": "n", "type": 5, "enablement_selectors": "x", "enable_ambient_detection_retry": "x",
                 "ipam": 1, "dns": [], "capabilities": "x", "runtimeConfig": 2, "args": 3,
                 "cni.dev/valid-attachments": 4}
                """);
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void ambientIsAWarning() throws Exception {
        NetConf c = parse("{\"name\": \"n\", \"ambient_enabled\": true}");
        assertTrue(c.ambientEnabled());
        assertEquals(1, c.warnings().size());
        assertTrue(c.warnings().get(0).contains("ambient"));
    }

    @Test
    void nativeNftablesIsReported() throws Exception {
        assertTrue(parse("{\"name\": \"n\", \"native_nftables\": true}").nativeNftables());
    }

    @Test
    void prevResultIsKeptRaw() throws Exception {
        NetConf c = parse("{\"name\": \"n\", \"PrevResult\": {\"cniVersion\": \"1.0.0\"}}");
        assertEquals("{\"cniVersion\":\"1.0.0\"}", c.prevResult().toString());
    }

    @Test
    void goPathHelpers() {
        assertEquals("/a/b", NetConf.clean("/a/./b/"));
        assertEquals("/b", NetConf.clean("/a/../b"));
        assertEquals("/", NetConf.clean("/.."));
        assertEquals("../x", NetConf.clean("../x"));
        assertEquals(".", NetConf.clean(""));
        assertEquals("/a", NetConf.dir("/a/log.sock"));
        assertEquals(".", NetConf.dir("log.sock"));
        assertEquals("/", NetConf.dir("/log.sock"));
        assertEquals("x/y", NetConf.join("x", "y"));
    }
}
