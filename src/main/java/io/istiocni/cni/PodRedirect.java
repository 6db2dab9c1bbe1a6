package io.istiocni.cni;

import io.istiocni.cni.agent.PodSetupClient;
import io.istiocni.cni.agent.PodSetupProtocol;
import io.istiocni.cni.log.LogLevel;
import io.istiocni.cni.log.PluginLog;
import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.kube.Kubeconfig;
import io.istiocni.kube.KubeconfigException;
import io.istiocni.kube.PodFetchException;
import io.istiocni.kube.PodFetcher;
import io.istiocni.kube.PodSource;
import io.istiocni.netns.CommandFailedException;
import io.istiocni.netns.IpFamilyDecision;
import io.istiocni.netns.LocalAddresses;
import io.istiocni.netns.NoLocalAddressException;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.pod.AddressFamily;
import io.istiocni.pod.PodCapture;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.pod.PodPlan;
import io.istiocni.redirect.CaptureBackend;
import io.istiocni.redirect.CaptureBackends;
import io.istiocni.redirect.CaptureStep;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.function.Function;

/**
 * ADD and CHECK for one pod (plugin.md section 7 steps 3-11, and 3.4): the plugin's own checks (its agent's pod,
 * excluded namespaces), the pod from the API server, then the one pod pipeline: {@link PodPlan} (skip, or settings and
 * rules) and {@link CaptureStep} (program or verify them in the pod's network namespace).
 */
public final class PodRedirect implements PodHandler, AutoCloseable {

    static final String AGENT_POD_PREFIX = "istio-cni-node-";

    /**
     * How long the plugin waits for the node agent's answer before doing the work itself (issue 10): the agent's
     * slot wait and work bound (30 s + 45 s) and a margin, inside the run's 100 s deadline. A crashed agent is
     * noticed at once (refused or closed connection), not after this.
     */
    static final java.time.Duration AGENT_ANSWER_BOUND = java.time.Duration.ofSeconds(85);

    private final PluginLog log;
    private final Function<Kubeconfig, PodSource> pods;
    private final CaptureBackends backends;
    /** Asked first (issue 10); null: never (tests, and the agent's own use of this class). */
    private final PodSetupClient agent;
    /** False in the node agent: its log goes to the agent's log, not to the plugin's file and socket. */
    private final boolean pluginLogFiles;
    private boolean logConfigured;

    /**
     * The production wiring: stderr/file/socket logging, the node agent asked first, else the API server from the
     * kubeconfig and tools as processes.
     */
    public PodRedirect() {
        this(new PluginLog(), null, agentClient(), true);
    }

    /** The production wiring with the log's stderr sink replaced (the AOT training run discards it). */
    public PodRedirect(PrintStream logSink) {
        this(new PluginLog(logSink, Clock.systemUTC(), PluginLog.MAX_FILE_BYTES, PluginLog.SOCKET_TIMEOUT), null,
                agentClient(), true);
    }

    /** Tools as processes; the backends' warnings (nftables.md 7.4) go to the plugin's log. */
    private PodRedirect(PluginLog log, Function<Kubeconfig, PodSource> pods, PodSetupClient agent,
            boolean pluginLogFiles) {
        this(log, pods, CaptureBackends.processes(w -> log.warn(w)), agent, pluginLogFiles);
    }

    /**
     * The node agent's use (issue 10, through {@link AgentPodSetup}): the pod from {@code pods}, the agent's
     * long-lived backends (what they learnt about the node kept from pod to pod), the log to {@code logSink} only,
     * never asking an agent.
     */
    PodRedirect(PrintStream logSink, PodSource pods, CaptureBackends backends) {
        this(new PluginLog(logSink, Clock.systemUTC(), PluginLog.MAX_FILE_BYTES, PluginLog.SOCKET_TIMEOUT),
                kubeconfig -> pods, backends, null, false);
    }

    private static PodSetupClient agentClient() {
        return new PodSetupClient(PodSetupClient.CONNECT_BOUND, AGENT_ANSWER_BOUND);
    }

    /**
     * @param pods how to reach the API server for a kubeconfig; null means {@link PodFetcher} with Istio's bounded
     *             retry, logging failed attempts to {@code log}
     */
    PodRedirect(PluginLog log, Function<Kubeconfig, PodSource> pods, CaptureBackends backends) {
        this(log, pods, backends, null, true);
    }

    PodRedirect(PluginLog log, Function<Kubeconfig, PodSource> pods, CaptureBackends backends,
            PodSetupClient agent, boolean pluginLogFiles) {
        this.log = log;
        this.pods = pods;
        this.backends = backends;
        this.agent = agent;
        this.pluginLogFiles = pluginLogFiles;
    }

    @Override
    public void add(AddRequest request) throws CniException {
        Prepared prepared = prepare(request, "ADD");
        if (prepared == null) {
            return;
        }
        CaptureBackend backend = prepared.step().backend();
        log.info("programming " + backend.name() + " rules", labels(request));
        if (log.enabled(LogLevel.DEBUG)) {
            log.debug("rules:\n" + backend.render(prepared.plan().settings(), prepared.plan().rules(), false),
                    labels(request));
        }
        try {
            ApplyOutcome outcome = prepared.step().apply(prepared.plan(), request.netns());
            log.info(backend.name() + (outcome == ApplyOutcome.ALREADY_IN_PLACE ? " rules already in place"
                    : " rules programmed"), served(request));
        } catch (ApplyException e) {
            throw CniException.internal(e.getMessage());
        }
    }

    @Override
    public void check(AddRequest request) throws CniException {
        Prepared prepared = prepare(request, "CHECK");
        if (prepared == null) {
            return;
        }
        try {
            var problem = prepared.step().verify(prepared.plan(), request.netns());
            if (problem.isPresent()) {
                throw CniException.internal("istio-cni rules are not in place in " + request.netns() + ": "
                        + problem.get());
            }
        } catch (ApplyException e) {
            throw CniException.internal(e.getMessage());
        }
    }

    @Override
    public void failed(String command, CniException error) {
        log.error(command + " failed: " + error.getMessage());
    }

    @Override
    public void close() {
        log.close();
    }

    /** The pod's plan and the step that applies it with the backend of this network configuration. */
    private record Prepared(PodPlan.Capture plan, CaptureStep step) {
    }

    /**
     * plugin.md 7.9 step 4, said in the plugin's log: the user namespace owning the pod's network namespace, when it
     * cannot be told, is the host's (as Istio goes on when nsenter is missing).
     */
    private CaptureStep.Notices notices(AddRequest request) {
        return new CaptureStep.Notices() {
            @Override
            public void ownerUnknown(String netns, String reason) {
                log.error(CaptureStep.ownerUnknownMessage(netns, reason), labels(request));
            }

            @Override
            public void ownerEntered(String netns) {
                log.debug("network namespace owned by a user namespace of the pod: commands run in it",
                        labels(request));
            }
        };
    }

    /** Steps 3-10 and the namespace part of 11: the settings and rules for this pod, or null to leave it alone. */
    private Prepared prepare(AddRequest request, String command) throws CniException {
        NetConf conf = request.conf();
        String name = request.podName();
        String namespace = request.podNamespace();
        if (name.startsWith(AGENT_POD_PREFIX) && !conf.podNamespace().isEmpty()
                && namespace.equals(conf.podNamespace())) {
            return null; // the node agent's own pod: it writes the kubeconfig, so it must start without one
        }
        // Issue 10: a pod the plugin would fetch is asked of the node agent first, before the kubeconfig is read:
        // the agent reads the same file and fails the same way without it (7.3), and the plugin saves the YAML
        // reader's start-up. Pods that need no fetch keep the order of section 7 (the kubeconfig blocks them too).
        boolean fetched = !name.isEmpty() && !namespace.isEmpty() && !conf.excludeNamespaces().contains(namespace);
        if (agent != null && fetched && !InProcessHandover.isSecondProcess(request.env())) {
            configureLog(conf);
            if (servedByAgent(command, request)) {
                return null;
            }
            if (InProcessHandover.of(request.env()).isPresent()) {
                log.debug("a second process with the in-process AOT cache sets the pod up", labels(request));
                throw new InProcessHandover.Requested();
            }
        }
        Kubeconfig kubeconfig;
        try {
            kubeconfig = Kubeconfig.load(Path.of(conf.kubeconfigPath()));
        } catch (KubeconfigException | RuntimeException e) {
            throw CniException.internal("failed to createNewK8sClient: " + e.getMessage());
        }
        configureLog(conf);
        log.debug(command + " config", "netns", request.netns(), "if", request.ifName(), "container",
                request.containerId());
        if (name.isEmpty() || namespace.isEmpty()) {
            log.debug("Not a kubernetes pod");
            return null;
        }
        if (conf.excludeNamespaces().contains(namespace)) {
            log.info("pod namespace " + namespace + " excluded", labels(request));
            return null;
        }
        PodManifest pod = fetch(kubeconfig, namespace, name, request);
        PodPlan plan;
        try {
            plan = PodPlan.of(pod, request.env(), family(request));
        } catch (IllegalArgumentException e) { // PodAnnotationException, AddressFamily.UndecidedException
            throw CniException.internal(e.getMessage());
        }
        if (plan instanceof PodPlan.Skip skip) {
            log.info("pod left alone: " + skip.message(), labels(request));
            return null;
        }
        PodPlan.Capture capture = (PodPlan.Capture) plan;
        capture.warnings().forEach(w -> log.warn(w, labels(request)));
        try {
            return new Prepared(capture,
                    new CaptureStep(backends.select(conf.nativeNftables()), notices(request)));
        } catch (ApplyException e) {
            throw CniException.internal(e.getMessage());
        }
    }

    /** Step 5, once per run (the agent's question may come first). */
    private void configureLog(NetConf conf) {
        if (logConfigured) {
            return;
        }
        logConfigured = true;
        if (pluginLogFiles) {
            log.configure(conf.logLevel(), pathOrNull(conf.logDir()), pathOrNull(conf.logSocketPath()));
        } else {
            log.configure(conf.logLevel(), null, null);
        }
        conf.warnings().forEach(w -> log.warn(w));
    }

    /**
     * Issue 10: the node agent first, once the pods that need nothing are decided. True when it did the work; its
     * CNI error is thrown as ours; anything else (no agent, busy, not its namespace, transport failure) is false and
     * the work is done here.
     */
    private boolean servedByAgent(String command, AddRequest request) throws CniException {
        Path socket = Path.of(request.conf().logDir(), PodSetupProtocol.SOCKET_FILE);
        PodSetupProtocol.Answer answer = agent.ask(socket, command, request);
        if (answer instanceof PodSetupProtocol.Done) {
            log.info(command.equals("ADD") ? "iptables rules programmed by the node agent"
                    : "iptables rules checked by the node agent", labels(request, "path", "agent"));
            return true;
        }
        if (answer instanceof PodSetupProtocol.Failed failed) {
            log.debug("the node agent failed the pod", labels(request, "path", "agent"));
            throw failed.error();
        }
        String reason = ((PodSetupProtocol.Declined) answer).reason();
        if (reason.startsWith("no node agent socket")) {
            log.debug(reason + ": setting the pod up in-process", labels(request));
        } else {
            log.info("the node agent did not take the pod (" + reason + "): setting it up in-process",
                    labels(request));
        }
        return false;
    }

    private String[] served(AddRequest request) {
        return pluginLogFiles ? labels(request, "path", "in-process") : labels(request, "path", "agent");
    }

    private PodManifest fetch(Kubeconfig kubeconfig, String namespace, String name, AddRequest request)
            throws CniException {
        String json;
        if (pods != null) {
            json = fetchFrom(pods.apply(kubeconfig), namespace, name);
        } else {
            try (PodFetcher fetcher = new PodFetcher(kubeconfig, (level, msg) -> log.log(level, msg, labels(request)))) {
                json = fetchFrom(fetcher, namespace, name);
            }
        }
        try {
            PodManifest pod = PodManifests.parse(json);
            log.debug("pod fetched", labels(request));
            return pod;
        } catch (IllegalArgumentException e) {
            throw CniException.internal("pod " + namespace + "/" + name + " from the API server: " + e.getMessage());
        }
    }

    private static String fetchFrom(PodSource source, String namespace, String name) throws CniException {
        try {
            return source.getPodJson(namespace, name);
        } catch (PodFetchException e) {
            throw CniException.internal(e.getMessage());
        }
    }

    /**
     * plugin.md 7.9: the prevResult's addresses decide; without them, the namespace's interfaces (asked only for a
     * pod that is captured, after the namespace opened).
     */
    private static AddressFamily family(AddRequest request) {
        if (!request.prevResultAddresses().isEmpty()) {
            return AddressFamily.ofPodAddresses(request.prevResultAddresses());
        }
        return dualStack -> {
            try (FileChannel ignored = FileChannel.open(Path.of(request.netns()), StandardOpenOption.READ)) {
                // opened: it exists and is readable
            } catch (IOException | RuntimeException e) {
                throw new AddressFamily.UndecidedException("failed to open netns \"" + request.netns() + "\": "
                        + e.getMessage());
            }
            try {
                return IpFamilyDecision.ipv6Enabled(LocalAddresses.list(new ProcessCommandRunner(request.netns())),
                        dualStack);
            } catch (NoLocalAddressException e) {
                throw new AddressFamily.UndecidedException(PodCapture.NO_VALID_ADDRESS);
            } catch (CommandFailedException e) {
                throw new AddressFamily.UndecidedException("failed to list the addresses in " + request.netns() + ": "
                        + e.getMessage());
            }
        };
    }

    private static String[] labels(AddRequest request) {
        return new String[] {"pod", request.podNamespace() + "/" + request.podName(), "netns", request.netns()};
    }

    private static String[] labels(AddRequest request, String key, String value) {
        return new String[] {"pod", request.podNamespace() + "/" + request.podName(), "netns", request.netns(), key,
            value};
    }

    private static Path pathOrNull(String path) {
        return path == null || path.isEmpty() ? null : Path.of(path);
    }
}
