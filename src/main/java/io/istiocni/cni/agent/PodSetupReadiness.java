package io.istiocni.cni.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /readyz} (beside the daemon's own checks): down when the pod set-up socket was served and stopped serving. */
@Readiness
@ApplicationScoped
public class PodSetupReadiness implements HealthCheck {

    @Inject
    PodSetupService podSetup;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("istio-cni-pod-setup").status(podSetup.serving()).build();
    }
}
