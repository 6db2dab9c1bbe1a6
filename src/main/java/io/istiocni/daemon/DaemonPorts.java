package io.istiocni.daemon;

/**
 * The two listener ports of a daemon mode (install and repair), from its settings (install.md 3):
 * {@code --health-port}/{@code HEALTH_PORT} (8000, 3.3) and {@code --monitoring-port}/{@code MONITORING_PORT}
 * (15014, 0 or negative: no metrics server, 3.2).
 */
public record DaemonPorts(int health, int monitoring) {

    public static final int DEFAULT_HEALTH_PORT = 8000;
    public static final int DEFAULT_MONITORING_PORT = 15014;

    /** @throws IllegalArgumentException a usage error, naming the flag or variable */
    public static DaemonPorts of(int healthPort, int monitoringPort) {
        if (healthPort <= 0 || healthPort > 65535) {
            throw new IllegalArgumentException("invalid health port " + healthPort + " (HEALTH_PORT / --health-port)");
        }
        if (monitoringPort > 65535) {
            throw new IllegalArgumentException(
                    "invalid monitoring port " + monitoringPort + " (MONITORING_PORT / --monitoring-port)");
        }
        return new DaemonPorts(healthPort, monitoringPort);
    }
}
