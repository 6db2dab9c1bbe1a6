package io.istiocni.daemon;

/**
 * The two listener ports of a daemon mode (install and repair), from its settings (install.md 3), whose declarations
 * give their defaults and ranges: {@code --health-port}/{@code HEALTH_PORT} and
 * {@code --monitoring-port}/{@code MONITORING_PORT} (0 or negative: no metrics server).
 */
public record DaemonPorts(int health, int monitoring) {

    public static DaemonPorts of(int healthPort, int monitoringPort) {
        return new DaemonPorts(healthPort, monitoringPort);
    }
}
