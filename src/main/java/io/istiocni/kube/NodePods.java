package io.istiocni.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

/**
 * The pods of this node (field selector {@code spec.nodeName}) in a fabric8 shared informer, run whenever the node
 * agent knows its node name: the pod set-up socket reads the pods from it (issue 10), and the repair controller
 * shares it when its own selectors add nothing to the node's.
 */
public final class NodePods implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    private final SharedIndexInformer<Pod> informer;
    private volatile boolean closed;

    private NodePods(SharedIndexInformer<Pod> informer) {
        this.informer = informer;
    }

    /** Starts the informer; returns at once (the initial list happens in the background). */
    public static NodePods start(KubernetesClient client, String nodeName) {
        SharedIndexInformer<Pod> inf = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName)
                .runnableInformer(0);
        NodePods pods = new NodePods(inf);
        inf.exceptionHandler((started, t) -> {
            if (!pods.closed) {
                LOG.warnf("node pods: pod watch failed, retrying: %s", message(t));
            }
            return true; // never give up: the informer reconnects with its own back-off
        });
        inf.start();
        return pods;
    }

    /** The cached pod, or null (not in the cache, or not yet synced). */
    public Pod get(String namespace, String name) {
        return informer.getStore().getByKey(namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }

    /** The number of cached pods. */
    public int size() {
        return informer.getStore().list().size();
    }

    public boolean hasSynced() {
        return informer.hasSynced();
    }

    /** The informer itself, for a controller that adds its own event handler (and removes it; the owner stops it). */
    public SharedIndexInformer<Pod> informer() {
        return informer;
    }

    @Override
    public void close() {
        closed = true;
        informer.stop();
    }

    private static String message(Throwable t) {
        if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return "HTTP " + k.getCode() + ": " + k.getStatus().getMessage();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
