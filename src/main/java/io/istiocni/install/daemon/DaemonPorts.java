package io.istiocni.install.daemon;

import io.istiocni.install.InstallSettings;

/**
 * The two listener ports of the daemon, taken from the {@link InstallSettings} (install.md 3):
 * {@code --health-port}/{@code HEALTH_PORT} (8000, 3.3) and {@code --monitoring-port}/{@code MONITORING_PORT}
 * (15014, 0 or negative: no metrics server, 3.2).
 */
public record DaemonPorts(int health, int monitoring) {

    public static final int DEFAULT_HEALTH_PORT = 8000;
    public static final int DEFAULT_MONITORING_PORT = 15014;

    /** @throws IllegalArgumentException a usage error, naming the flag or variable */
    public static DaemonPorts of(InstallSettings s) {
        if (s.healthPort() <= 0 || s.healthPort() > 65535) {
            throw new IllegalArgumentException("invalid health port " + s.healthPort() + " (HEALTH_PORT / --health-port)");
        }
        if (s.monitoringPort() > 65535) {
            throw new IllegalArgumentException(
                    "invalid monitoring port " + s.monitoringPort() + " (MONITORING_PORT / --monitoring-port)");
        }
        return new DaemonPorts(s.healthPort(), s.monitoringPort());
    }
}
