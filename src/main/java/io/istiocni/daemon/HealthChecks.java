package io.istiocni.daemon;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** The SmallRye Health checks behind {@code /readyz} and {@code /healthz} (install.md 9.1, served by {@link ProbeServers}). */
public final class HealthChecks {

    private HealthChecks() {
    }

    /** {@code /readyz}: up only while {@link InstallState} says the plugin is installed. */
    @Readiness
    @ApplicationScoped
    public static class Installed implements HealthCheck {
        @Inject
        InstallState state;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("istio-cni-installed").status(state.isReady()).build();
        }
    }

    /** {@code /healthz}: up whenever the process is up and serving. */
    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.up("istio-cni-alive");
        }
    }
}
