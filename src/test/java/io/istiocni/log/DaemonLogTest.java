package io.istiocni.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The daemons' log: Istio's text and JSON layouts, level names, scopes, and the levels of --log_output_level. */
class DaemonLogTest {

    private static final Instant T = Instant.parse("2026-12-01T10:11:12.345678901Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Logger root = Logger.getLogger("");
    private Handler[] savedHandlers;
    private final List<Logger> touched = new ArrayList<>();
    private final List<Level> savedLevels = new ArrayList<>();

    @BeforeEach
    void save() {
        savedHandlers = root.getHandlers();
        for (String name : List.of("", "cni-agent", "cni-plugin", "io.istiocni")) {
            Logger l = Logger.getLogger(name);
            touched.add(l);
            savedLevels.add(l.getLevel());
        }
    }

    @AfterEach
    void restore() {
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        for (Handler h : savedHandlers) {
            root.addHandler(h);
        }
        for (int i = 0; i < touched.size(); i++) {
            touched.get(i).setLevel(savedLevels.get(i));
        }
    }

    private static DaemonLog.IstioFormatter formatter(boolean json) {
        return new DaemonLog.IstioFormatter(json, Clock.fixed(T, ZoneOffset.UTC));
    }

    @Test
    void textLayoutIsIstios() {
        assertEquals("2026-12-01T10:11:12.345678Z\tinfo\tcni-agent\tCNI plugin installed: ready",
                formatter(false).line(T, Level.INFO, "cni-agent", "CNI plugin installed: ready", null));
        assertEquals("2026-12-01T10:11:12.345678Z\twarn\tstarting", formatter(false).line(T, Level.WARNING, "",
                "starting", null), "the default scope has no scope field");
    }

    @Test
    void jsonLayoutIsZaps() throws Exception {
        String line = formatter(true).line(T, Level.SEVERE, "cni-agent", "cannot \"write\"\n", "java.io.IOException");
        assertEquals("{\"level\":\"error\",\"time\":\"2026-12-01T10:11:12.345678Z\",\"scope\":\"cni-agent\","
                + "\"msg\":\"cannot \\\"write\\\"\\n\",\"stack\":\"java.io.IOException\"}", line);
        JsonNode n = JSON.readTree(formatter(true).line(T, Level.FINE, "", "x", null));
        assertEquals(List.of("level", "time", "msg"), fields(n));
        assertEquals("debug", n.get("level").asText());
    }

    @Test
    void levelNamesAndScopes() {
        assertEquals("debug", DaemonLog.name(Level.FINE));
        assertEquals("info", DaemonLog.name(Level.INFO));
        assertEquals("warn", DaemonLog.name(Level.WARNING));
        assertEquals("error", DaemonLog.name(Level.SEVERE));
        assertEquals("fatal", DaemonLog.name(DaemonLog.level("fatal")));
        assertEquals(Level.OFF, DaemonLog.level("none"));
        assertEquals("cni-agent", DaemonLog.scope("io.istiocni.iptables.Iptables"));
        assertEquals("cni-plugin", DaemonLog.scope("cni-plugin"));
        assertEquals("", DaemonLog.scope(""));
        assertEquals("", DaemonLog.scope("default"));
        assertEquals("io.fabric8.kubernetes.client.Config", DaemonLog.scope("io.fabric8.kubernetes.client.Config"));
    }

    /** Every logger of the process ends in the one handler, each scope at its own level. */
    @Test
    void installAppliesTheScopesLevels() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DaemonLog.install(Map.of("default", "warn", "cni-agent", "debug", "cni-plugin", "none"), true,
                new PrintStream(out, true, StandardCharsets.UTF_8));
        org.jboss.logging.Logger.getLogger("cni-agent").debugf("agent %d", 1);
        org.jboss.logging.Logger.getLogger("cni-plugin").error("plugin");
        org.jboss.logging.Logger.getLogger("io.fabric8.Thing").info("library info");
        org.jboss.logging.Logger.getLogger("io.fabric8.Thing").warn("library warn");
        System.getLogger("io.istiocni.iptables.Iptables").log(System.Logger.Level.DEBUG, "own {0}", "debug");
        System.getLogger("io.istiocni.iptables.Iptables").log(System.Logger.Level.TRACE, "trace");
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(l));
        }
        assertEquals(3, lines.size(), out.toString(StandardCharsets.UTF_8));
        assertEquals("debug", lines.get(0).get("level").asText());
        assertEquals("cni-agent", lines.get(0).get("scope").asText());
        assertEquals("agent 1", lines.get(0).get("msg").asText());
        assertEquals("library warn", lines.get(1).get("msg").asText());
        assertEquals("warn", lines.get(1).get("level").asText());
        assertEquals("io.fabric8.Thing", lines.get(1).get("scope").asText());
        assertEquals("own debug", lines.get(2).get("msg").asText());
        assertEquals("cni-agent", lines.get(2).get("scope").asText());
        assertTrue(lines.get(2).get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
