package io.istiocni.install.daemon;

import io.istiocni.install.InstallSettings;

/**
 * The two listener ports of the daemon, taken from the {@link InstallSettings} (install.md 3), whose declarations
 * give their defaults and ranges: {@code --health-port}/{@code HEALTH_PORT} and
 * {@code --monitoring-port}/{@code MONITORING_PORT} (0 or negative: no metrics server).
 */
public record DaemonPorts(int health, int monitoring) {

    public static DaemonPorts of(InstallSettings s) {
        return new DaemonPorts(s.healthPort(), s.monitoringPort());
    }
}
