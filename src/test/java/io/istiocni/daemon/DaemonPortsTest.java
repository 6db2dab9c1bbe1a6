package io.istiocni.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.istiocni.install.InstallSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonPortsTest {

    static DaemonPorts ports(List<String> args, Map<String, String> env) {
        InstallSettings settings = InstallSettings.from(env, args);
        return DaemonPorts.of(settings.healthPort(), settings.monitoringPort());
    }

    @Test
    void defaults() {
        assertEquals(new DaemonPorts(8000, 15014), ports(List.of(), Map.of()));
    }

    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        Map<String, String> env = Map.of("HEALTH_PORT", "9000", "MONITORING_PORT", "0");
        assertEquals(new DaemonPorts(9000, 0), ports(List.of("--log_as_json"), env));
        assertEquals(new DaemonPorts(9001, 15015),
                ports(List.of("--health-port", "9001", "--monitoring-port=15015"), env));
    }

    @Test
    void emptyMeansUnsetAndGoIntegerSyntax() {
        assertEquals(new DaemonPorts(8000, 15014), ports(List.of(), Map.of("HEALTH_PORT", "")));
        assertEquals(new DaemonPorts(0x1f40, -1),
                ports(List.of(), Map.of("HEALTH_PORT", "0x1f40", "MONITORING_PORT", "-1")));
    }

    @Test
    void badValuesAreUsageErrors() {
        assertThrows(IllegalArgumentException.class, () -> ports(List.of(), Map.of("MONITORING_PORT", "abc")));
        assertThrows(IllegalArgumentException.class, () -> ports(List.of("--health-port"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ports(List.of("--health-port=0"), Map.of()));
    }
}
