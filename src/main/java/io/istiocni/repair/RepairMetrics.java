package io.istiocni.repair;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code istio_cni_repair_pods_repaired_total{type,result}} (repair.md 7). The Micrometer name has no
 * {@code _total}: the Prometheus registry appends it to counters (as for {@code istio_cni_installs}).
 */
public final class RepairMetrics {

    static final String NAME = "istio_cni_repair_pods_repaired";
    static final String HELP = "Total number of pods repaired by repair controller";

    private final MeterRegistry registry;

    public RepairMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the series of the configured action up front, so they read 0 before the first event. */
    void registerAction(BrokenPods.Action action) {
        if (action == BrokenPods.Action.NONE) {
            return;
        }
        counter(action, "success");
        counter(action, "fail");
        if (action == BrokenPods.Action.LABEL) {
            counter(action, "skip");
        }
    }

    void count(BrokenPods.Action action, String result) {
        counter(action, result).increment();
    }

    double value(BrokenPods.Action action, String result) {
        return counter(action, result).count();
    }

    private Counter counter(BrokenPods.Action action, String result) {
        return Counter.builder(NAME).description(HELP).tag("type", action.metricType()).tag("result", result)
                .register(registry);
    }
}
