package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.cni.PluginRun.Outcome;
import io.istiocni.rules.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ADD, DEL and CHECK around the pod handler: own-namespace check, parsing order, results, error objects. */
class PluginCommandsTest {

    private static final String OWN_NS = "plugin's netns and netns from CNI_NETNS should not be the same";
    private static final String PREV_1 = "\"prevResult\": {\"cniVersion\": \"1.0.0\", "
            + "\"interfaces\": [{\"name\": \"eth0\", \"sandbox\": \"/var/run/netns/cni-1f2e\"}], "
            + "\"ips\": [{\"address\": \"10.0.0.2/24\", \"gateway\": \"10.0.0.1\", \"interface\": 0}], "
            + "\"routes\": [{\"dst\": \"0.0.0.0/0\"}], \"dns\": {}}";

    // ---- own namespace (3.7) ----

    @ParameterizedTest
    @ValueSource(strings = {"ADD", "DEL"})
    void ownNamespaceIsRefused(String command) {
        PluginRun r = PluginRun.of(command).config("1.0.0", null).ownNamespace(true);
        r.run().assertError(8, OWN_NS, "");
        assertEquals(List.of(PluginRun.NETNS), r.nsPaths);
        assertEquals(0, r.handler.calls());
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "True", "tRUE", "1"})
    void overrideDisablesTheCheck(String value) {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", null).ownNamespace(true).env("CNI_NETNS_OVERRIDE", value);
        assertEquals(0, r.run().status());
        assertTrue(r.nsPaths.isEmpty());
        PluginRun.of("DEL").config("1.0.0", null).ownNamespace(true).env("CNI_NETNS_OVERRIDE", value).run()
                .assertSilentSuccess();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "false", "yes", "t", " true"})
    void otherOverrideValuesKeepTheCheck(String value) {
        PluginRun.of("ADD").config("1.0.0", null).ownNamespace(true).env("CNI_NETNS_OVERRIDE", value).run()
                .assertError(8, OWN_NS, "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"CHECK", "STATUS", "GC"})
    void onlyAddAndDelCheckTheNamespace(String command) {
        PluginRun r = PluginRun.of(command).config("1.1.0", null).ownNamespace(true);
        r.run().assertSilentSuccess();
        assertTrue(r.nsPaths.isEmpty());
    }

    @Test
    void versionIsCheckedBeforeTheNamespace() {
        PluginRun.of("ADD").config("0.9.0", null).ownNamespace(true).run().assertErrorStartsWith(1, "incompatible");
        PluginRun.of("DEL").config("0.9.0", null).ownNamespace(true).run().assertErrorStartsWith(1, "incompatible");
    }

    @Test
    void namespaceIsCheckedBeforeTheConfiguration() {
        PluginRun.of("ADD").config("1.0.0", "\"exclude_namespaces\": \"x\", \"prevResult\": 5").env("CNI_ARGS", "x")
                .ownNamespace(true).run().assertError(8, OWN_NS, "");
    }

    @Test
    void ownNamespaceFailureOfTheCheckItself() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", null);
        r.ns = path -> {
            throw new CniException(8, "get plugin's netns failed", "");
        };
        r.run().assertError(8, "get plugin's netns failed", "");
    }

    @Test
    void realCheckPassesAnEmptyOrMissingNetns() {
        PluginRun r = PluginRun.of("DEL").config("1.0.0", null).env("CNI_NETNS", null);
        r.ns = NamespaceIdentity.system();
        r.run().assertSilentSuccess();
        r = PluginRun.of("DEL").config("1.0.0", null).env("CNI_NETNS", "/var/run/netns/gone-" + System.nanoTime());
        r.ns = NamespaceIdentity.system();
        r.run().assertSilentSuccess();
        r = PluginRun.of("DEL").config("1.0.0", null).env("CNI_NETNS", "/proc/thread-self/ns/net");
        r.ns = NamespaceIdentity.system();
        r.run().assertError(8, OWN_NS, "");
    }

    // ---- DEL (3.3) ----

    @Test
    void delDoesNothingAndParsesNoIstioField() {
        PluginRun r = PluginRun.of("DEL").config("1.0.0", "\"exclude_namespaces\": \"kube-system\", "
                + "\"native_nftables\": \"yes\", \"prevResult\": {\"cniVersion\": \"0.4.0\"}, "
                + "\"kubernetes\": 5, \"plugin_log_level\": 3").env("CNI_ARGS", "garbage;;");
        r.run().assertSilentSuccess();
        r.run().assertSilentSuccess();
        assertEquals(0, r.handler.calls());
        assertTrue(r.handler.failures.isEmpty());
    }

    @Test
    void delWithEmptyNetns() {
        PluginRun.of("DEL").config("0.3.1", null).env("CNI_NETNS", "").run().assertSilentSuccess();
    }

    // ---- ADD ----

    @Test
    void addHandsTheRequestToTheHandlerAndPrintsThePrevResult() throws Exception {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", "\"pod_namespace\": \"istio-system\", " + PREV_1);
        Outcome o = r.run();
        assertEquals(0, o.status(), o.stdout());
        assertEquals(PluginRun.MAPPER.readTree(CniResultTest.SPEC_OUTPUT_1), o.json());
        assertEquals(1, r.handler.adds.size());
        AddRequest req = r.handler.adds.get(0);
        assertEquals("web-1", req.podName());
        assertEquals("shop", req.podNamespace());
        assertEquals(PluginRun.NETNS, req.netns());
        assertEquals("0123abcd", req.containerId());
        assertEquals("eth0", req.ifName());
        assertEquals("4e3c", req.args().podUid());
        assertEquals("istio-system", req.conf().podNamespace());
        assertEquals("k8s-pod-network", req.conf().name());
        assertEquals("1.0.0", req.conf().cniVersion());
        assertTrue(req.hasPrevResult());
        assertEquals(List.of(IpAddress.parse("10.0.0.2")), req.prevResultAddresses());
        assertSame(r.env, req.env());
        assertEquals("", o.stderr());
    }

    @Test
    void addWithoutPodArgsStillCallsTheHandler() {
        PluginRun r = PluginRun.of("ADD").config("1.1.0", null).env("CNI_ARGS", null);
        Outcome o = r.run();
        assertEquals(0, o.status());
        AddRequest req = r.handler.adds.get(0);
        assertEquals("", req.podName());
        assertEquals("", req.podNamespace());
        assertFalse(req.hasPrevResult());
        assertNull(req.prevResult());
        assertTrue(req.prevResultAddresses().isEmpty());
        assertEquals("{\"cniVersion\":\"1.1.0\"}", o.json().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.0", "0.2.0"})
    void addWithout020PrevResultCannotConvert(String v) {
        PluginRun r = PluginRun.of("ADD").config(v, null);
        r.run().assertError(999, "cannot convert: no valid IP addresses", "");
        assertEquals(1, r.handler.adds.size());
        PluginRun.of("ADD").config(v, "\"prevResult\": {\"cniVersion\": \"0.2.0\", \"dns\": {}}").run()
                .assertError(999, "cannot convert: no valid IP addresses", "");
    }

    @Test
    void handlerErrorBecomesTheErrorObject() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", PREV_1);
        r.handler.error = new CniException(999, "failed to createNewK8sClient: no such file", "some details");
        Outcome o = r.run();
        o.assertError(999, "failed to createNewK8sClient: no such file", "some details");
        assertEquals("1.0.0", o.errorVersion());
        assertEquals(List.of(r.handler.error), r.handler.failures);
    }

    @Test
    void handlerErrorKeepsItsCode() {
        PluginRun r = PluginRun.of("CHECK").config("0.4.0", null);
        r.handler.error = new CniException(11, "try again later", "");
        r.run().assertError(11, "try again later", "");
    }

    @Test
    void unexpectedExceptionDuringAdd() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", PREV_1);
        r.handler.crash = new IllegalStateException("line one\n  line two");
        Outcome o = r.run();
        o.assertError(999, "istio-cni panicked during cmdAdd: IllegalStateException: line one line two", "");
        assertEquals(1, r.handler.failures.size());
        assertSame(r.handler.crash, r.handler.failures.get(0).getCause());
        r.handler.crash = new NullPointerException();
        r.run().assertError(999, "istio-cni panicked during cmdAdd: NullPointerException", "");
    }

    @Test
    void unexpectedExceptionDuringCheck() {
        PluginRun r = PluginRun.of("CHECK").config("1.0.0", null);
        r.handler.crash = new IllegalArgumentException("bad");
        r.run().assertError(999, "istio-cni panicked during cmdCheck: IllegalArgumentException: bad", "");
    }

    @Test
    void unexpectedExceptionOutsideTheHandler() {
        PluginRun r = PluginRun.of("DEL").config("1.0.0", null);
        r.ns = path -> {
            throw new IllegalStateException("oops");
        };
        Outcome o = r.run();
        o.assertErrorStartsWith(999, "istio-cni panicked during cmdDel: ");
    }

    @Test
    void failingFailureListenerChangesNothing() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", null);
        PodHandler throwing = new PodHandler() {
            @Override
            public void add(AddRequest request) throws CniException {
                throw CniException.internal("boom");
            }

            @Override
            public void check(AddRequest request) {
            }

            @Override
            public void failed(String command, CniException error) {
                throw new IllegalStateException("listener");
            }
        };
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = Plugin.run(r.env, new java.io.ByteArrayInputStream(r.stdinBytes), new java.io.PrintStream(out, true),
                System.err, throwing, r.ns);
        assertEquals(1, status);
        assertTrue(out.toString().contains("\"boom\""));
    }

    // ---- ADD steps 1-2: parsing order, all before the handler ----

    @Test
    void configurationErrorsComeFirst() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", "\"exclude_namespaces\": \"kube-system\", "
                + "\"prevResult\": {\"cniVersion\": \"0.4.0\"}").env("CNI_ARGS", "bad");
        r.run().assertError(999, "failed to parse network configuration: json: cannot unmarshal string into Go struct "
                + "field Config.exclude_namespaces of type []string", "");
        assertEquals(0, r.handler.calls());
    }

    @Test
    void prevResultErrorsComeBeforeArgs() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", "\"prevResult\": {\"cniVersion\": \"0.4.0\"}")
                .env("CNI_ARGS", "bad");
        r.run().assertError(999, "could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled "
                + "CNIVersion is \"0.4.0\"", "");
        assertEquals(0, r.handler.calls());
    }

    @Test
    void argsErrorsComeBeforeTheHandler() {
        PluginRun r = PluginRun.of("ADD").config("1.0.0", null).env("CNI_ARGS", "K8S_POD_NAME=a;;");
        r.run().assertError(999, "failed to load args: ARGS: invalid pair \"\"", "");
        assertEquals(0, r.handler.calls());
        PluginRun.of("ADD").config("1.0.0", null).env("CNI_ARGS", "K8S_POD_NAME=a;FOO=b").run()
                .assertError(999, "failed to load args: ARGS: unknown args [\"FOO=b\"]", "");
        PluginRun.of("ADD").config("1.0.0", null).env("CNI_ARGS", "IgnoreUnknown=maybe").run()
                .assertError(999, "failed to load args: ARGS: error parsing value of pair \"IgnoreUnknown=maybe\": "
                        + "boolean unmarshal error: invalid input maybe", "");
    }

    @Test
    void checkParsesLikeAdd() {
        PluginRun.of("CHECK").config("1.0.0", "\"native_nftables\": \"no\"").run()
                .assertErrorStartsWith(999, "failed to parse network configuration: ");
        PluginRun.of("CHECK").config("1.0.0", "\"prevResult\": {\"cniVersion\": \"0.4.0\"}").run()
                .assertErrorStartsWith(999, "could not parse prevResult: ");
        PluginRun.of("CHECK").config("1.0.0", null).env("CNI_ARGS", "X=1").run()
                .assertError(999, "failed to load args: ARGS: unknown args [\"X=1\"]", "");
        PluginRun r = PluginRun.of("CHECK").config("1.0.0", PREV_1);
        r.run().assertSilentSuccess();
        AddRequest req = r.handler.checks.get(0);
        assertEquals("web-1", req.podName());
        assertEquals(List.of(IpAddress.parse("10.0.0.2")), req.prevResultAddresses());
    }

    @Test
    void oldFieldWarningsReachTheHandler() {
        PluginRun r = PluginRun.of("ADD").config("0.3.1", "\"log_level\": 5, \"ambient_enabled\": true");
        assertEquals(0, r.run().status());
        NetConf conf = r.handler.adds.get(0).conf();
        assertEquals(2, conf.warnings().size(), conf.warnings().toString());
        assertTrue(conf.ambientEnabled());
    }

    @Test
    void resultIsPrintedInTheConfigurationsVersion() {
        Outcome o = PluginRun.of("ADD").config("1.1.0", PREV_1).run();
        JsonNode j = o.json();
        assertEquals("1.1.0", j.get("cniVersion").textValue());
        assertEquals(0, j.get("ips").get(0).get("interface").intValue());
        // Go's indented layout
        assertTrue(o.stdout().startsWith("{\n    \"cniVersion\": \"1.1.0\",\n    \"interfaces\": [\n        {"),
                o.stdout());
        assertFalse(o.stdout().endsWith("\n"));
    }
}
