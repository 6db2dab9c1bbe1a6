package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class RepairMetricsTest {

    @Test
    void exportedUnderIstiosNameWithTypeAndResult() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RepairMetrics metrics = new RepairMetrics(registry);
        metrics.registerAction(BrokenPods.Action.LABEL);
        metrics.count(BrokenPods.Action.LABEL, "success");
        String text = registry.scrape().replace(",}", "}"); // this exposition writer ends label sets with a comma
        assertTrue(text.contains("# HELP istio_cni_repair_pods_repaired_total Total number of pods repaired by repair"
                + " controller"), text);
        assertTrue(text.contains("# TYPE istio_cni_repair_pods_repaired_total counter"), text);
        assertTrue(text.contains("istio_cni_repair_pods_repaired_total{result=\"success\",type=\"label\"} 1.0"), text);
        assertTrue(text.contains("istio_cni_repair_pods_repaired_total{result=\"skip\",type=\"label\"} 0.0"), text);
        assertTrue(text.contains("istio_cni_repair_pods_repaired_total{result=\"fail\",type=\"label\"} 0.0"), text);
        assertTrue(!text.contains("_total_total"), text);
    }
}
