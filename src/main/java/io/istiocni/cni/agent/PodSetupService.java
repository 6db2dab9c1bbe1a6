package io.istiocni.cni.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.istiocni.cni.AddRequest;
import io.istiocni.cni.AgentPodSetup;
import io.istiocni.cni.CniException;
import io.istiocni.cni.ProcNamespaceIdentity;
import io.istiocni.kube.NodePods;
import io.istiocni.netns.NetworkNamespaceFile;
import io.istiocni.redirect.CaptureBackends;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The node agent's pod set-up (issue 10): serves {@code <run dir>/pod.sock} ({@link PodSetupSocket},
 * {@link PodSetupProtocol}) and does each pod's ADD or CHECK with warm state: the pod from the node's informer cache
 * ({@link NodePods}) when its UID is the request's {@code K8S_POD_UID}, else a live GET through the warm fabric8
 * client (retried as the plugin retries its GET, 1 s apart); then the plugin's own pod pipeline ({@code PodPlan} and
 * {@code CaptureStep} through {@link io.istiocni.cni.AgentPodSetup}) with one long-lived set of capture backends
 * (the iptables variant detected once, again after a failure; the conf's {@code native_nftables} chooses the backend
 * as in the plugin); the commands run in the pod's namespace from this process ({@code nsenter}, the pod's user
 * namespace entered when it has one, as the plugin does).
 *
 * <p>Before the work: the namespace path must exist in this agent's mount namespace (else "not mine": the plugin
 * does the work itself; {@code /proc/<pid>/...} paths are looked up in the host's procfs, {@code HOST_PROC_PATH}),
 * must be a network namespace (else the plugin's own error) and not the agent's own.
 */
@Singleton
public class PodSetupService {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    /**
     * The agent's whole work on one request. With the wait for a slot it stays below the plugin's answer bound
     * (85 s), so that the plugin gets the agent's answer (an error naming what did not finish) rather than a time-out;
     * under load, waiting for the warm agent is cheaper than a second, cold set-up in the plugin.
     */
    static final Duration WORK_BOUND = Duration.ofSeconds(45);
    static final int GET_ATTEMPTS = 30;
    static final Duration GET_INTERVAL = Duration.ofSeconds(1);

    static final String SETUPS = "istio_cni_pod_setup";
    static final String DURATION = "istio_cni_pod_setup_duration";
    static final String CACHED = "istio_cni_pod_setup_cached_pods";

    @Inject
    Instance<KubernetesClient> client;

    @Inject
    MeterRegistry registry;

    private PodSetupSocket socket;
    private NodePods nodePods;
    private KubernetesClient kube;
    /** For the agent's whole life: what the backends learn about the node is kept from pod to pod. */
    private final CaptureBackends backends = CaptureBackends.processes();
    private Consumer<String> pluginLines = line -> { };
    private String hostProc = "/proc";
    private Timer timer;
    private boolean stopped;

    /**
     * Starts the node's pod informer (when the node name is known) and the socket; a failure is logged, never fatal:
     * the plugin then sets pods up itself.
     *
     * @param runDir      where {@code pod.sock} is served ({@code CNI_AGENT_RUN_DIR})
     * @param nodeName    this node ({@code NODE_NAME}), empty when not known: every pod is then fetched
     * @param hostProc    the host's procfs as mounted here ({@code HOST_PROC_PATH})
     * @param pluginLines where the plugin log lines of a pod's set-up go (the daemon's log, as the plugin log
     *                    socket's lines)
     */
    public synchronized void start(Path runDir, String nodeName, String hostProc, Consumer<String> pluginLines) {
        if (socket != null || stopped) {
            return;
        }
        try {
            kube = client.get();
        } catch (RuntimeException e) {
            LOG.warnf("not serving pod set-up: cannot build the Kubernetes client: %s", e.getMessage());
            return;
        }
        this.pluginLines = pluginLines;
        if (nodeName != null && !nodeName.isEmpty()) {
            nodePods = NodePods.start(kube, nodeName);
        } else {
            LOG.info("pod set-up: no node name (NODE_NAME): every pod is fetched from the API server");
        }
        this.hostProc = hostProc == null || hostProc.isEmpty() ? "/proc" : hostProc;
        timer = Timer.builder(DURATION).description("Time the node agent took for a pod's set-up")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30))
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(CACHED, this, PodSetupService::cachedPods)
                .description("Pods of this node in the node agent's informer cache").register(registry);
        for (String result : new String[] {"success", "error", "not_mine", "busy"}) {
            counter(result, "none");
        }
        socket = PodSetupSocket.start(runDir, new PodSetupSocket.Handler() {
            @Override
            public PodSetupSocket.Reply handle(byte[] body) {
                return PodSetupService.this.handle(body);
            }

            @Override
            public void busy() {
                counter("busy", "none").increment();
            }
        });
    }

    private double cachedPods() {
        NodePods pods = nodePods();
        return pods == null ? 0 : pods.size();
    }

    /** The node's pod informer, null when the node name is not known or the service did not start. */
    public synchronized NodePods nodePods() {
        return nodePods;
    }

    /**
     * Readiness: false once a socket that was being served stops serving (its accept thread died, the channel
     * closed under it). Not serving at all (no client, an unsafe run directory: logged at start) leaves readiness
     * to the installation: the plugin then sets pods up itself.
     */
    public synchronized boolean serving() {
        return socket == null || socket.serving();
    }

    private Counter counter(String result, String path) {
        return Counter.builder(SETUPS).tag("result", result).tag("path", path)
                .description("Pod set-ups done by the node agent for the CNI plugin, by result and where the pod came from")
                .register(registry);
    }

    /** Where the pod came from. */
    private enum Source {
        CACHE("cache"), LIVE("live"), NONE("none");

        final String tag;

        Source(String tag) {
            this.tag = tag;
        }
    }

    /** One request: never throws. */
    PodSetupSocket.Reply handle(byte[] body) {
        long start = System.nanoTime();
        PodSetupProtocol.PodRequest request;
        try {
            request = PodSetupProtocol.readRequest(body);
        } catch (CniException e) {
            return finish(start, "error", Source.NONE, new PodSetupSocket.Reply(200, PodSetupProtocol.failed(e)));
        } catch (RuntimeException e) {
            return new PodSetupSocket.Reply(400, PodSetupProtocol.declined("bad-request", e.getMessage()));
        }
        Source[] source = {Source.NONE};
        FutureTask<PodSetupSocket.Reply> work = new FutureTask<>(() -> work(request, source));
        Thread.ofVirtual().name("pod-setup").start(work);
        try {
            PodSetupSocket.Reply reply = work.get(WORK_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            return finish(start, result(reply), source[0], reply);
        } catch (TimeoutException e) {
            work.cancel(true);
            CniException error = CniException.internal("the node agent did not finish " + request.command()
                    + " of pod " + request.request().podNamespace() + "/" + request.request().podName() + " within "
                    + WORK_BOUND.toSeconds() + "s");
            LOG.warn(error.getMessage());
            return finish(start, "error", source[0], new PodSetupSocket.Reply(200, PodSetupProtocol.failed(error)));
        } catch (InterruptedException | ExecutionException e) {
            return finish(start, "error", source[0], new PodSetupSocket.Reply(200,
                    PodSetupProtocol.failed(CniException.internal("node agent: " + e))));
        }
    }

    private static String result(PodSetupSocket.Reply reply) {
        String text = new String(reply.body(), StandardCharsets.UTF_8);
        return text.contains("\"result\":\"ok\"") ? "success" : text.contains("\"result\":\"not-mine\"") ? "not_mine"
                : "error";
    }

    private PodSetupSocket.Reply finish(long start, String result, Source source, PodSetupSocket.Reply reply) {
        long nanos = System.nanoTime() - start;
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
            counter(result, source.tag).increment();
        }
        return reply;
    }

    private PodSetupSocket.Reply work(PodSetupProtocol.PodRequest pr, Source[] source) {
        AddRequest request = pr.request();
        String pod = request.podNamespace() + "/" + request.podName();
        long start = System.nanoTime();
        long deadline = start + WORK_BOUND.toNanos() - TimeUnit.SECONDS.toNanos(2);
        try {
            Path netns = visible(request.netns());
            if (netns == null) {
                LOG.debugf("pod set-up %s %s: %s is not visible here: left to the plugin", pr.command(), pod,
                        request.netns());
                return new PodSetupSocket.Reply(200, PodSetupProtocol.declined("not-mine",
                        "the node agent cannot see " + request.netns()));
            }
            if (!NetworkNamespaceFile.isNetworkNamespace(netns.toString())) {
                throw CniException.internal("failed to open netns \"" + request.netns()
                        + "\": not a network namespace");
            }
            if (ProcNamespaceIdentity.INSTANCE.isOwnNamespace(netns.toString())) {
                throw new CniException(CniException.INVALID_NETNS,
                        "netns from CNI_NETNS is the node agent's own network namespace", "");
            }
            AddRequest inAgent = new AddRequest(request.conf(), request.prevResult(), request.podName(),
                    request.podNamespace(), netns.toString(), request.containerId(), request.ifName(), request.args(),
                    request.env());
            String podJson = podJson(request, source, deadline);
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            try (PrintStream sink = new PrintStream(lines, true, StandardCharsets.UTF_8)) {
                new AgentPodSetup(sink, backends).run(pr.command(), inAgent, podJson);
            } finally {
                for (String line : lines.toString(StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        pluginLines.accept(line);
                    }
                }
            }
            LOG.infof("pod set-up %s %s done in %d ms (pod from %s)", pr.command(), pod,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), source[0].tag);
            return new PodSetupSocket.Reply(200, PodSetupProtocol.done());
        } catch (CniException e) {
            LOG.warnf("pod set-up %s %s failed: %s", pr.command(), pod, e.getMessage());
            return new PodSetupSocket.Reply(200, PodSetupProtocol.failed(e));
        } catch (RuntimeException e) {
            LOG.errorf(e, "pod set-up %s %s failed unexpectedly", pr.command(), pod);
            String what = pr.command().equals("ADD") ? "cmdAdd" : "cmdCheck";
            return new PodSetupSocket.Reply(200, PodSetupProtocol.failed(CniException.internal(
                    "istio-cni panicked during " + what + ": " + e)));
        }
    }

    /**
     * The namespace path as this process reaches it, null when it does not exist here. {@code /proc/...} is the
     * host's procfs: a containerised agent has its own {@code /proc} (another PID namespace, where the same number
     * may be another process), so it is read at {@code HOST_PROC_PATH}.
     */
    Path visible(String netns) {
        if (netns == null || netns.isEmpty()) {
            return null;
        }
        String path = netns;
        if (path.startsWith("/proc/") && !hostProc.equals("/proc")) {
            path = hostProc + path.substring("/proc".length());
        }
        try {
            Path p = Path.of(path);
            return Files.exists(p) ? p : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The pod: from the cache when it is this very pod (same UID), else a live GET, retried 1 s apart as the plugin
     * retries its own (30 attempts), within the work's deadline; the last failure is the error, as in the plugin.
     */
    private String podJson(AddRequest request, Source[] source, long deadline) throws CniException {
        String ns = request.podNamespace();
        String name = request.podName();
        String uid = request.args().podUid();
        String last = "pods \"" + name + "\" not found";
        for (int attempt = 1; attempt <= GET_ATTEMPTS; attempt++) {
            NodePods cache = nodePods();
            Pod cached = cache == null ? null : cache.get(ns, name);
            if (cached != null && uid != null && !uid.isEmpty() && cached.getMetadata() != null
                    && uid.equals(cached.getMetadata().getUid())) {
                source[0] = Source.CACHE;
                return kube.getKubernetesSerialization().asJson(cached);
            }
            source[0] = Source.LIVE;
            try {
                Pod live = kube.pods().inNamespace(ns).withName(name).get();
                if (live != null) {
                    return kube.getKubernetesSerialization().asJson(live);
                }
                last = "pods \"" + name + "\" not found";
            } catch (KubernetesClientException e) {
                last = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                        : String.valueOf(e.getMessage());
            }
            if (System.nanoTime() + GET_INTERVAL.toNanos() > deadline || attempt == GET_ATTEMPTS) {
                break;
            }
            LOG.debugf("pod set-up: failed to get pod %s/%s (attempt %d, retrying): %s", ns, name, attempt, last);
            try {
                Thread.sleep(GET_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw CniException.internal(last);
    }

    public synchronized void stop() {
        stopped = true;
        if (socket != null) {
            socket.close();
            socket = null;
        }
        if (nodePods != null) {
            nodePods.close();
            nodePods = null;
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        stop();
    }
}
