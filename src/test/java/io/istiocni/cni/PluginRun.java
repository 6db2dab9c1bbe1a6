package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One plugin invocation as a runtime makes it, with a fake pod handler and a fake own-namespace check. */
final class PluginRun {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String NETNS = "/var/run/netns/cni-1f2e";

    final Map<String, String> env = new LinkedHashMap<>();
    /** When set, used instead of {@link #stdinBytes} (once). */
    InputStream stdin;
    byte[] stdinBytes = new byte[0];
    final FakeHandler handler = new FakeHandler();
    NamespaceIdentity ns = path -> false;
    final List<String> nsPaths = new ArrayList<>();

    /** A runtime's full environment for {@code command}. */
    static PluginRun of(String command) {
        PluginRun r = new PluginRun();
        r.env.put("CNI_COMMAND", command);
        r.env.put("CNI_CONTAINERID", "0123abcd");
        r.env.put("CNI_NETNS", NETNS);
        r.env.put("CNI_IFNAME", "eth0");
        r.env.put("CNI_PATH", "/opt/cni/bin");
        r.env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;"
                + "K8S_POD_INFRA_CONTAINER_ID=0123abcd;K8S_POD_UID=4e3c");
        return r;
    }

    /** Only {@code CNI_COMMAND} (or nothing when null). */
    static PluginRun bare(String command) {
        PluginRun r = new PluginRun();
        if (command != null) {
            r.env.put("CNI_COMMAND", command);
        }
        return r;
    }

    PluginRun env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    PluginRun stdin(String text) {
        stdinBytes = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /** A valid configuration of this version (null: no cniVersion key) with extra members (JSON, without braces). */
    PluginRun config(String version, String extra) {
        StringBuilder sb = new StringBuilder("{\"name\": \"k8s-pod-network\", \"type\": \"istio-cni\"");
        if (version != null) {
            sb.append(", \"cniVersion\": \"").append(version).append('"');
        }
        if (extra != null && !extra.isEmpty()) {
            sb.append(", ").append(extra);
        }
        return stdin(sb.append('}').toString());
    }

    PluginRun ownNamespace(boolean own) {
        ns = path -> {
            nsPaths.add(path);
            return own;
        };
        return this;
    }

    Outcome run() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Plugin.run(env, stdin != null ? stdin : new ByteArrayInputStream(stdinBytes), o, e, handler, ns);
        }
        Outcome outcome = new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        outcome.checkDiscipline();
        return outcome;
    }

    record Outcome(int status, String stdout, String stderr) {

        /** stdout is empty or exactly one JSON object; status 1 exactly when it is an error object. */
        void checkDiscipline() {
            if (stdout.isEmpty()) {
                assertEquals(0, status, "exit status without output");
                return;
            }
            List<JsonNode> values = new ArrayList<>();
            try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(stdout)) {
                while (it.hasNext()) {
                    values.add(it.next());
                }
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + stdout, e);
            }
            assertEquals(1, values.size(), "stdout must carry exactly one JSON value: " + stdout);
            assertTrue(values.get(0).isObject(), "stdout must carry a JSON object: " + stdout);
            boolean error = values.get(0).has("code");
            assertEquals(error ? 1 : 0, status, "exit status for " + stdout);
            assertFalse(stdout.contains("\tat "), "no stack trace on stdout");
        }

        JsonNode json() {
            try {
                return MAPPER.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + stdout, e);
            }
        }

        /** Success with empty stdout. */
        void assertSilentSuccess() {
            assertEquals("", stdout, "stdout");
            assertEquals(0, status);
        }

        /** An error object with these fields. */
        void assertError(int code, String msg, String details) {
            assertError(code, msg);
            assertEquals(details, json().get("details").textValue(), "details of " + stdout);
        }

        void assertError(int code, String msg) {
            assertEquals(1, status, "exit status; stdout " + stdout);
            JsonNode j = json();
            assertEquals(List.of("cniVersion", "code", "msg", "details"), fieldNames(j), stdout);
            assertEquals(code, j.get("code").intValue(), "code of " + stdout);
            assertEquals(msg, j.get("msg").textValue(), "msg of " + stdout);
        }

        void assertErrorStartsWith(int code, String msgPrefix) {
            assertEquals(1, status, "exit status; stdout " + stdout);
            JsonNode j = json();
            assertEquals(code, j.get("code").intValue(), "code of " + stdout);
            assertTrue(j.get("msg").textValue().startsWith(msgPrefix), "msg of " + stdout);
        }

        String errorVersion() {
            return json().get("cniVersion").textValue();
        }
    }

    static List<String> fieldNames(JsonNode j) {
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Records calls; fails or throws when told to. */
    static final class FakeHandler implements PodHandler {

        final List<AddRequest> adds = new ArrayList<>();
        final List<AddRequest> checks = new ArrayList<>();
        final List<NetConf> statuses = new ArrayList<>();
        final List<CniException> failures = new ArrayList<>();
        CniException error;
        RuntimeException crash;

        @Override
        public void add(AddRequest request) throws CniException {
            adds.add(request);
            act();
        }

        @Override
        public void check(AddRequest request) throws CniException {
            checks.add(request);
            act();
        }

        @Override
        public void status(NetConf conf) throws CniException {
            statuses.add(conf);
            act();
        }

        @Override
        public void failed(String command, CniException e) {
            failures.add(e);
        }

        private void act() throws CniException {
            if (crash != null) {
                throw crash;
            }
            if (error != null) {
                throw error;
            }
        }

        int calls() {
            return adds.size() + checks.size();
        }
    }
}
