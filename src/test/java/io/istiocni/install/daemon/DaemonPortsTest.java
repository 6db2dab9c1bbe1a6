package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonPortsTest {

    @Test
    void defaults() {
        assertEquals(new DaemonPorts(8000, 15014), DaemonPorts.parse(List.of(), Map.of()));
    }

    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        Map<String, String> env = Map.of("HEALTH_PORT", "9000", "MONITORING_PORT", "0");
        assertEquals(new DaemonPorts(9000, 0), DaemonPorts.parse(List.of("--log_as_json"), env));
        assertEquals(new DaemonPorts(9001, 15015),
                DaemonPorts.parse(List.of("--health-port", "9001", "--monitoring-port=15015"), env));
        assertEquals(new DaemonPorts(9002, 0), DaemonPorts.parse(List.of("-health-port=9002"), env));
    }

    @Test
    void emptyMeansUnsetAndGoIntegerSyntax() {
        assertEquals(new DaemonPorts(8000, 15014), DaemonPorts.parse(List.of(), Map.of("HEALTH_PORT", "")));
        assertEquals(new DaemonPorts(0x1f40, -1),
                DaemonPorts.parse(List.of(), Map.of("HEALTH_PORT", "0x1f40", "MONITORING_PORT", "-1")));
        assertEquals(384, DaemonPorts.parseInt("0600"));
        assertEquals(384, DaemonPorts.parseInt("0o600"));
        assertEquals(600, DaemonPorts.parseInt("600"));
    }

    @Test
    void badValuesAreUsageErrors() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> DaemonPorts.parse(List.of(), Map.of("MONITORING_PORT", "abc")));
        assertEquals("invalid value \"abc\" for MONITORING_PORT: not an integer", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DaemonPorts.parse(List.of("--health-port"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> DaemonPorts.parse(List.of("--health-port=0"), Map.of()));
    }
}
