package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** plugin.md 7.1. */
class CniArgsTest {

    private static String error(String args) {
        return assertThrows(IllegalArgumentException.class, () -> CniArgs.parse(args)).getMessage();
    }

    @Test
    void emptyMeansNoPairs() {
        assertEquals(CniArgs.EMPTY, CniArgs.parse(""));
        assertEquals(CniArgs.EMPTY, CniArgs.parse(null));
    }

    @Test
    void containerdArgs() {
        CniArgs a = CniArgs.parse("IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;"
                + "K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=9f1c");
        assertEquals(new CniArgs("web-1", "shop", "abc123", "9f1c", true), a);
    }

    @Test
    void anyOrderAndLastValueWins() {
        CniArgs a = CniArgs.parse("K8S_POD_NAME=a;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=b");
        assertEquals("b", a.podName());
        assertEquals("ns", a.podNamespace());
        assertFalse(a.ignoreUnknown());
    }

    @Test
    void valuesAreTakenAsTheyAre() {
        CniArgs a = CniArgs.parse("K8S_POD_NAME= web 1 ;K8S_POD_NAMESPACE=");
        assertEquals(" web 1 ", a.podName());
        assertEquals("", a.podNamespace());
        assertEquals("%41", CniArgs.parse("K8S_POD_NAME=%41").podName());
    }

    @Test
    void invalidPairs() {
        assertEquals("ARGS: invalid pair \"K8S_POD_NAME\"", error("K8S_POD_NAME"));
        assertEquals("ARGS: invalid pair \"K8S_POD_NAME=a=b\"", error("K8S_POD_NAME=a=b"));
        assertEquals("ARGS: invalid pair \"\"", error("K8S_POD_NAME=a;;K8S_POD_NAMESPACE=b"));
        assertEquals("ARGS: invalid pair \"\"", error("K8S_POD_NAME=a;"));
        assertEquals("ARGS: invalid pair \"\"", error(";K8S_POD_NAME=a"));
        assertEquals("ARGS: invalid pair \"\"", error(";"));
        assertEquals("ARGS: invalid pair \"a\\\"b\"", error("a\"b"));
    }

    @Test
    void firstInvalidPairWinsOverUnknownKeys() {
        assertEquals("ARGS: invalid pair \"x\"", error("FOO=1;x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "TRUE", "True", "tRuE"})
    void ignoreUnknownTrue(String v) {
        CniArgs a = CniArgs.parse("FOO=bar;IgnoreUnknown=" + v + ";K8S_POD_NAME=p;=x");
        assertTrue(a.ignoreUnknown());
        assertEquals("p", a.podName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "false", "FALSE", "False"})
    void ignoreUnknownFalse(String v) {
        assertFalse(CniArgs.parse("IgnoreUnknown=" + v).ignoreUnknown());
        assertEquals("ARGS: unknown args [\"FOO=bar\"]", error("FOO=bar;IgnoreUnknown=" + v));
    }

    @Test
    void badIgnoreUnknown() {
        assertEquals("ARGS: error parsing value of pair \"IgnoreUnknown=yes\": boolean unmarshal error: invalid "
                + "input yes", error("IgnoreUnknown=yes"));
        assertEquals("ARGS: error parsing value of pair \"IgnoreUnknown=YES\": boolean unmarshal error: invalid "
                + "input yes", error("IgnoreUnknown=YES"));
        assertEquals("ARGS: error parsing value of pair \"IgnoreUnknown=\": boolean unmarshal error: invalid "
                + "input ", error("K8S_POD_NAME=a;IgnoreUnknown="));
        assertEquals("ARGS: error parsing value of pair \"IgnoreUnknown=t\": boolean unmarshal error: invalid "
                + "input t", error("IgnoreUnknown=t"));
    }

    @Test
    void lastIgnoreUnknownDecides() {
        assertTrue(CniArgs.parse("IgnoreUnknown=0;FOO=1;IgnoreUnknown=1").ignoreUnknown());
        assertEquals("ARGS: unknown args [\"FOO=1\"]", error("IgnoreUnknown=1;FOO=1;IgnoreUnknown=false"));
    }

    @Test
    void unknownKeysListed() {
        assertEquals("ARGS: unknown args [\"FOO=bar\" \"k8s_pod_name=x\" \"=y\"]",
                error("FOO=bar;K8S_POD_NAME=a;k8s_pod_name=x;=y"));
    }

    @Test
    void keysAreCaseSensitive() {
        assertEquals("ARGS: unknown args [\"ignoreunknown=1\"]", error("ignoreunknown=1"));
        assertEquals("", CniArgs.parse("IgnoreUnknown=1;k8s_pod_name=x").podName());
    }

    @Test
    void commonArgsIsAFieldWithoutTextForm() {
        assertTrue(error("CommonArgs=1").startsWith("ARGS: cannot unmarshal into field 'CommonArgs'"));
    }

    @Test
    void loadWrapsTheError() {
        CniException e = assertThrows(CniException.class, () -> CniArgs.load("x"));
        assertEquals(999, e.code());
        assertEquals("failed to load args: ARGS: invalid pair \"x\"", e.msg());
        assertEquals("", e.details());
    }
}
