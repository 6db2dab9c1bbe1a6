package io.istiocni.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.PodList;
import io.istiocni.kube.NodePods;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The repair controller (repair.md): a shared pod informer restricted to this node (field selector
 * {@code spec.nodeName}), every event putting the pod's {@code namespace/name} on a {@link RetryQueue}, and one
 * worker thread that, once the informer has synced, reads each key's pod from the informer cache, decides with
 * {@link BrokenPods} and runs the configured action: delete (with uid and resourceVersion preconditions), label
 * (merge patch on {@code pods/status}), or repair in place ({@link InPlaceRepair}). A failed action is retried with
 * back-off, at most 5 attempts per run of failures; API errors of the watch are retried by the informer forever.
 */
public final class RepairController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("cni-agent");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A key is processed at most this many times for one run of failures (repair.md 3.1). */
    static final int MAX_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final RepairSettings settings;
    private final BrokenPods.Action action;
    private final BrokenPods.Criteria criteria;
    private final InPlaceRepair inPlace;
    private final RepairMetrics metrics;
    private final RetryQueue queue = new RetryQueue();
    /** repair.md 5.3 step 1: namespace/name to the UID repaired. */
    private final Map<String, String> repaired = new ConcurrentHashMap<>();
    private volatile SharedIndexInformer<Pod> informer;
    /** The node agent's informer of this node's pods, shared when the selectors add nothing (null: our own). */
    private final NodePods shared;
    private ResourceEventHandler<Pod> handler;
    /** Told of every finished reconciliation; lets tests wait for a pod to have been processed. */
    private volatile BiConsumer<String, Outcome> reconciled = (key, outcome) -> { };
    private Thread worker;
    private volatile boolean closed;

    /**
     * @param inPlace the in-place repair (only used when the action is repair; may be null otherwise)
     * @throws IllegalArgumentException when no node name is set (repair.md 3)
     */
    public RepairController(KubernetesClient client, RepairSettings settings, InPlaceRepair inPlace,
                            RepairMetrics metrics) {
        this(client, settings, inPlace, metrics, null);
    }

    /** @param shared the node's pod informer, used instead of an own one when no selector is configured */
    public RepairController(KubernetesClient client, RepairSettings settings, InPlaceRepair inPlace,
                            RepairMetrics metrics, NodePods shared) {
        if (settings.nodeName() == null || settings.nodeName().isEmpty()) {
            throw new IllegalArgumentException("repair: no node name: set REPAIR_NODE_NAME (or NODE_NAME,"
                    + " KUBERNETES_NODE_NAME)");
        }
        this.client = client;
        this.settings = settings;
        this.action = BrokenPods.Action.of(settings);
        this.criteria = BrokenPods.Criteria.of(settings);
        this.inPlace = inPlace;
        this.metrics = metrics;
        this.shared = settings.fieldSelectors().isBlank() && settings.labelSelectors().isBlank() ? shared : null;
        if (action == BrokenPods.Action.REPAIR && inPlace == null) {
            throw new IllegalArgumentException("repair: in-place repair needs the host procfs");
        }
    }

    public BrokenPods.Action action() {
        return action;
    }

    /** How a reconciliation of a key ended. */
    enum Outcome {
        /** done (acted on, or nothing to do) */
        DONE,
        /** failed, queued again after its back-off */
        RETRYING,
        /** failed for the {@link #MAX_ATTEMPTS}th time: dropped until the pod's next event */
        GAVE_UP
    }

    /** Sets who is told of each finished reconciliation (set before {@link #start()}; called on the worker). */
    void onReconciled(BiConsumer<String, Outcome> listener) {
        this.reconciled = listener;
    }

    /** Starts the informer and the worker; returns at once (the initial list happens in the background). */
    public synchronized void start() {
        LOG.infof("repair controller starting: %s", settings);
        LOG.infof("repair controller: action %s, node %s", action.metricType(), settings.nodeName());
        metrics.registerAction(action);
        handler = new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod pod) {
                enqueue(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                enqueue(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                enqueue(pod);
            }
        };
        if (shared != null) {
            LOG.debug("repair controller: sharing the node agent's pod informer");
            informer = shared.informer();
            informer.addEventHandler(handler);
            worker = Thread.ofPlatform().name("repair-controller").daemon(true).start(this::work);
            return;
        }
        FilterWatchListDeletable<Pod, PodList, PodResource> pods = client.pods().inAnyNamespace();
        for (String item : settings.fieldSelectors().split(",")) {
            String f = item.strip();
            if (f.isEmpty()) {
                continue;
            }
            int ne = f.indexOf("!=");
            if (ne > 0) {
                pods = pods.withoutField(f.substring(0, ne).strip(), f.substring(ne + 2).strip());
                continue;
            }
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("repair: invalid REPAIR_FIELD_SELECTORS item \"" + f
                        + "\" (want field=value or field!=value)");
            }
            String value = f.substring(f.startsWith("=", eq + 1) ? eq + 2 : eq + 1).strip();
            pods = pods.withField(f.substring(0, eq).strip(), value);
        }
        pods = pods.withField("spec.nodeName", settings.nodeName());
        if (!settings.labelSelectors().isBlank()) {
            pods = pods.withLabelSelector(settings.labelSelectors().strip());
        }
        SharedIndexInformer<Pod> inf = pods.runnableInformer(0);
        inf.exceptionHandler((started, t) -> {
            if (!closed) {
                LOG.warnf("repair: pod watch failed, retrying: %s", message(t));
            }
            return true; // never give up: the informer reconnects with its own back-off
        });
        inf.addEventHandler(handler);
        informer = inf;
        inf.start();
        worker = Thread.ofPlatform().name("repair-controller").daemon(true).start(this::work);
    }

    /** Whether the initial list has been received. */
    public boolean hasSynced() {
        SharedIndexInformer<Pod> inf = informer;
        return inf != null && inf.hasSynced();
    }

    @Override
    public synchronized void close() {
        closed = true;
        queue.shutDown();
        if (informer != null && shared != null) {
            informer.removeEventHandler(handler); // the node agent's: it stops it
        } else if (informer != null) {
            informer.stop();
        }
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void enqueue(Pod pod) {
        if (pod != null && pod.getMetadata() != null) {
            queue.add(key(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        }
    }

    static String key(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }

    private void work() {
        try {
            while (!closed && !hasSynced()) {
                Thread.sleep(10); // processing starts after the initial list (repair.md 3)
            }
            String key;
            while ((key = queue.take()) != null) {
                Outcome outcome = null;
                try {
                    reconcile(key);
                    queue.forget(key);
                    outcome = Outcome.DONE;
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    if (closed) {
                        break;
                    }
                    int failures = queue.failures(key);
                    if (failures < MAX_ATTEMPTS - 1) {
                        long delay = queue.addRateLimited(key);
                        LOG.debugf("repair %s failed (attempt %d), retrying in %d ms: %s", key, failures + 1,
                                TimeUnit.NANOSECONDS.toMillis(delay), message(e));
                        outcome = Outcome.RETRYING;
                    } else {
                        queue.forget(key);
                        LOG.errorf("repair %s: retry budget exceeded: %s", key, message(e));
                        outcome = Outcome.GAVE_UP;
                    }
                } finally {
                    queue.done(key);
                    if (outcome != null) {
                        reconciled.accept(key, outcome);
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "repair controller worker stopped unexpectedly");
        }
    }

    /** One reconciliation of a key against the informer cache (repair.md 3). */
    void reconcile(String key) throws Exception {
        Pod pod = informer.getStore().getByKey(key);
        if (pod == null) {
            repaired.remove(key);
            LOG.debugf("repair: pod %s gone", key);
            return;
        }
        if (pod.getSpec() != null && !settings.nodeName().equals(pod.getSpec().getNodeName())) {
            return; // not ours (the field selector already keeps such pods out)
        }
        if (!BrokenPods.isBroken(pod, criteria)) {
            LOG.debugf("repair: pod %s is not broken", key);
            return;
        }
        switch (action) {
            case DELETE -> delete(key, pod);
            case LABEL -> label(key, pod);
            case REPAIR -> repairInPlace(key, pod);
            case NONE -> LOG.debugf("repair: pod %s is broken; no action configured", key);
        }
    }

    private void delete(String key, Pod pod) throws Exception {
        LOG.infof("Pod detected as broken, deleting: %s", key);
        reported(pod, "DeleteBrokenPod", "delete", "deleted", () -> deleteWithPreconditions(pod));
    }

    /** An API action on a broken pod, counted and told to the pod's events whether it succeeds or fails. */
    private void reported(Pod pod, String reason, String verb, String done, ApiCall call) throws Exception {
        try {
            call.run();
        } catch (Exception e) {
            event(pod, reason, "pod detected as broken, but failed to " + verb + ": " + message(e));
            metrics.count(action, "fail");
            throw e;
        }
        metrics.count(action, "success");
        event(pod, reason, "pod detected as broken, " + done);
    }

    @FunctionalInterface
    private interface ApiCall {
        void run() throws Exception;
    }

    /** {@code DELETE} with preconditions uid and resourceVersion (repair.md 5.1): a replaced pod is not deleted. */
    private void deleteWithPreconditions(Pod pod) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("kind", "DeleteOptions").put("apiVersion", "v1");
        body.putObject("preconditions").put("uid", pod.getMetadata().getUid())
                .put("resourceVersion", pod.getMetadata().getResourceVersion());
        String base = client.getMasterUrl().toString();
        String url = (base.endsWith("/") ? base : base + "/") + "api/v1/namespaces/"
                + enc(pod.getMetadata().getNamespace()) + "/pods/" + enc(pod.getMetadata().getName());
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder().uri(url)
                .delete("application/json", JSON.writeValueAsString(body)).build();
        HttpResponse<String> response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
        if (response.code() >= 300) {
            throw new ApiException(response.code(), statusMessage(response.body()));
        }
    }

    private void label(String key, Pod pod) throws Exception {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels != null && labels.containsKey(settings.brokenPodLabelKey())) {
            LOG.infof("Pod detected as broken, already labeled: %s", key);
            metrics.count(action, "skip");
            return;
        }
        LOG.infof("Pod detected as broken, adding label: %s", key);
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").putObject("labels")
                .put(settings.brokenPodLabelKey(), settings.brokenPodLabelValue());
        reported(pod, "LabelBrokenPod", "label", "labeled", () -> client.pods()
                .inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), JSON.writeValueAsString(patch)));
    }

    private void repairInPlace(String key, Pod pod) throws Exception {
        String uid = pod.getMetadata().getUid();
        String done = repaired.get(key);
        if (done != null && done.equals(uid)) {
            LOG.debugf("repair: pod %s already repaired", key);
            return;
        }
        if (done != null) {
            repaired.remove(key); // a new pod under a reused name: repair it too
        }
        LOG.infof("Pod detected as broken, repairing: %s", key);
        InPlaceRepair.Result result;
        try {
            result = inPlace.repair(pod);
        } catch (InPlaceRepair.RepairException e) {
            LOG.errorf("repair %s failed: %s", key, e.getMessage());
            metrics.count(action, "fail");
            throw e;
        }
        repaired.put(key, uid);
        switch (result) {
            case InPlaceRepair.Repaired r -> {
                r.warnings().forEach(w -> LOG.warnf("repair %s: %s", key, w));
                LOG.infof("pod repaired: %s (netns %s, %s)", key, r.netns(), r.outcome());
                metrics.count(action, "success");
            }
            // nothing to repair: the plugin would not have written rules either (no metric, nothing was done)
            case InPlaceRepair.LeftAlone skip -> LOG.infof("pod left alone, as the CNI plugin would: %s: %s", key,
                    skip.reason());
        }
    }

    /** A Warning event on the pod; its failure is only logged. */
    private void event(Pod pod, String reason, String message) {
        try {
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            String ns = pod.getMetadata().getNamespace();
            Event event = new EventBuilder()
                    .withNewMetadata().withNamespace(ns)
                    .withName(pod.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind("Pod").withApiVersion("v1")
                            .withNamespace(ns).withName(pod.getMetadata().getName())
                            .withUid(pod.getMetadata().getUid())
                            .withResourceVersion(pod.getMetadata().getResourceVersion()).build())
                    .withType("Warning").withReason(reason).withMessage(message).withCount(1)
                    .withFirstTimestamp(now).withLastTimestamp(now)
                    .withNewSource().withComponent("istio-cni-repair").withHost(settings.nodeName()).endSource()
                    .build();
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (RuntimeException e) {
            LOG.warnf("repair: cannot record event %s on %s/%s: %s", reason, pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), message(e));
        }
    }

    /** An error answer of the API server. */
    static final class ApiException extends Exception {
        final int code;

        ApiException(int code, String message) {
            super("HTTP " + code + ": " + message);
            this.code = code;
        }
    }

    private static String statusMessage(String body) {
        try {
            JsonNode status = JSON.readTree(body);
            if (status != null && status.hasNonNull("message")) {
                return status.get("message").asText();
            }
        } catch (Exception e) {
            // not a Status
        }
        return body == null ? "" : body.strip();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String message(Throwable t) {
        if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getStatus() != null
                && k.getStatus().getMessage() != null) {
            return "HTTP " + k.getCode() + ": " + k.getStatus().getMessage();
        }
        Throwable c = t;
        while (c.getCause() != null && (c.getMessage() == null || c instanceof java.util.concurrent.ExecutionException)) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
