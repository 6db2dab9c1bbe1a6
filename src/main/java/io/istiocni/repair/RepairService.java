package io.istiocni.repair;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.istiocni.kube.NodePods;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * The controller inside the booted application: the Kubernetes client from the Quarkus extension (in-cluster
 * service account, or {@code KUBECONFIG}), the counters in the Prometheus registry served on {@code /metrics}; the
 * controller is stopped on shutdown. Used by {@code istio-cni repair} and by the installer (install.md 4 step 7).
 */
@Singleton
public class RepairService {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    @Inject
    Instance<KubernetesClient> client;

    @Inject
    MeterRegistry registry;

    private RepairController controller;
    private boolean stopped;

    /**
     * Builds and starts the controller.
     *
     * @throws IllegalArgumentException (one line) when there is no node name or the client cannot be built
     */
    public synchronized RepairController start(RepairSettings repair) {
        return start(repair, null);
    }

    /** @param shared the node agent's informer of this node's pods, shared when possible (may be null) */
    public synchronized RepairController start(RepairSettings repair, NodePods shared) {
        if (controller != null) {
            return controller;
        }
        if (stopped) {
            throw new IllegalArgumentException("repair: shutting down");
        }
        if (repair.nodeName().isEmpty()) {
            throw new IllegalArgumentException("repair: no node name: set REPAIR_NODE_NAME (or NODE_NAME,"
                    + " KUBERNETES_NODE_NAME)");
        }
        KubernetesClient kube;
        try {
            kube = client.get();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("repair: cannot build the Kubernetes client: "
                    + RepairController.message(e));
        }
        InPlaceRepair inPlace = repair.repairPods()
                ? InPlaceRepair.forHost(repair.hostProcPath(), repair.hostNetnsPaths(), repair.nativeNftables())
                : null;
        RepairController c = new RepairController(kube, repair, inPlace, new RepairMetrics(registry), shared);
        c.start();
        controller = c;
        return c;
    }

    /**
     * The installer's way (install.md 4 step 7): started in the background, so that building the client does not
     * delay the first install pass; a start-up failure is logged and the installer carries on.
     */
    public void startInInstaller(RepairSettings settings) {
        startInInstaller(settings, null);
    }

    /** @param shared the node agent's informer of this node's pods (issue 10), shared when possible; may be null */
    public void startInInstaller(RepairSettings settings, NodePods shared) {
        if (!settings.enabled()) {
            LOG.info("repair controller disabled (REPAIR_ENABLED=false)");
            return;
        }
        String outside = outsideKubernetes(settings);
        if (outside != null) {
            LOG.warn(outside);
            return;
        }
        Thread.ofPlatform().daemon(true).name("repair-start").start(() -> {
            try {
                start(settings, shared);
            } catch (RuntimeException e) {
                LOG.errorf("repair controller not started: %s", RepairController.message(e));
            }
        });
    }

    /**
     * Without a node name the controller cannot run (repair.md 3). The chart always sets one (spec.nodeName), so
     * this is an installer run outside Kubernetes (a test bench, a demo), where nothing is wrong: the reason to log
     * once as a warning, or null when there is a node name.
     */
    static String outsideKubernetes(RepairSettings settings) {
        if (!settings.nodeName().isEmpty()) {
            return null;
        }
        return "repair controller not started: no node name (REPAIR_NODE_NAME, NODE_NAME or KUBERNETES_NODE_NAME;"
                + " the chart sets it from spec.nodeName)";
    }

    public synchronized void stop() {
        stopped = true;
        if (controller != null) {
            controller.close();
            controller = null;
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        stop();
    }
}
