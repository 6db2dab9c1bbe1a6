package io.istiocni.install.daemon;

import io.istiocni.daemon.InstallState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.EnumMap;
import java.util.Map;

/**
 * Istio's installer metrics (install.md 9.3). Micrometer names without the suffix: its Prometheus naming convention
 * appends {@code _total} to counters itself, so {@code istio_cni_installs} is exported as
 * {@code istio_cni_installs_total} (never {@code _total_total}); underscores keep the names unchanged.
 * All four result series are registered up front, so they read 0 before the first event.
 */
@Singleton
public class InstallMetrics {

    static final String INSTALLS = "istio_cni_installs";
    static final String READY = "istio_cni_install_ready";

    private final Counter success;
    private final Map<Installer.Step, Counter> failures = new EnumMap<>(Installer.Step.class);

    @Inject
    public InstallMetrics(MeterRegistry registry, InstallState state) {
        success = counter(registry, "SUCCESS");
        for (Installer.Step step : Installer.Step.values()) {
            failures.put(step, counter(registry, step.failureResult()));
        }
        Gauge.builder(READY, state, s -> s.isReady() ? 1 : 0)
                .description("Whether the CNI plugin installation is ready")
                .register(registry);
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder(INSTALLS).tag("result", result)
                .description("Total number of CNI plugin installs and their results")
                .register(registry);
    }

    /** The installation was found valid and the daemon became ready. */
    public void success() {
        success.increment();
    }

    public void failure(Installer.Step step) {
        failures.get(step).increment();
    }
}
