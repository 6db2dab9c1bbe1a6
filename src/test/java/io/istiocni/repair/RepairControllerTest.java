package io.istiocni.repair;

import static io.istiocni.repair.TestPods.completed;
import static io.istiocni.repair.TestPods.crashLooping;
import static io.istiocni.repair.TestPods.pod;
import static io.istiocni.repair.TestPods.runningFirstTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.istiocni.testing.Await;
import io.istiocni.testing.HostCapabilities;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller against fabric8's mock API server in CRUD mode (list, watch, delete, patch pods/status, events),
 * with {@link NodeSelectingDispatcher} in front so that the node field selector is evaluated as the API server does.
 */
class RepairControllerTest {

    static KubernetesClient client;
    static KubernetesMockServer server;
    static NodeSelectingDispatcher dispatcher;

    @BeforeAll
    static void startServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        dispatcher = new NodeSelectingDispatcher(new KubernetesMixedDispatcher(responses));
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        server.init();
        client = server.createClient();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        server.destroy();
    }

    static final String NODE = "node-a";

    private RepairController controller;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private RepairMetrics metrics;
    /** namespace/name to the outcomes of its reconciliations so far, in order (RepairController.onReconciled). */
    private final Map<String, List<RepairController.Outcome>> reconciled = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
        client.pods().inAnyNamespace().delete();
        client.v1().events().inAnyNamespace().delete();
    }

    private RepairController start(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("REPAIR_NODE_NAME", NODE);
        RepairSettings settings = RepairSettings.from(env, List.of());
        metrics = new RepairMetrics(registry);
        controller = new RepairController(client, settings, null, metrics);
        startObserved(controller);
        return controller;
    }

    /** Starts the controller with its reconciliations recorded in {@link #reconciled}; waits for its initial list. */
    private void startObserved(RepairController c) {
        c.onReconciled((key, outcome) -> reconciled.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                .add(outcome));
        c.start();
        await(c::hasSynced);
    }

    private int reconciliations(String name) {
        return reconciled.getOrDefault("shop/" + name, List.of()).size();
    }

    /** Waits until each named pod of namespace shop has been reconciled at least {@code atLeast} times. */
    private void awaitReconciled(int atLeast, String... names) {
        for (String name : names) {
            Await.until("pod shop/" + name + " reconciled " + atLeast + " time(s)",
                    () -> reconciliations(name) >= atLeast);
        }
    }

    /** Waits until the controller gave up on pod shop/{@code name} after its retry budget. */
    private void awaitGaveUp(String name) {
        Await.until("pod shop/" + name + " given up", () -> reconciled.getOrDefault("shop/" + name, List.of())
                .contains(RepairController.Outcome.GAVE_UP));
    }

    /** UIDs of the pods this test created: events are counted for these only (see {@link #events}). */
    private final java.util.Set<String> createdUids = ConcurrentHashMap.newKeySet();

    private Pod create(Pod pod) {
        Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
        createdUids.add(created.getMetadata().getUid());
        return created;
    }

    private Pod get(String ns, String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    private static long await(BooleanSupplier condition) {
        return Await.until("repair controller condition", condition);
    }

    private static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    /** The healthy, other-node and other-failure pods, created before the broken one. */
    private void createBystanders() {
        create(pod("shop", "healthy", NODE, completed("istio-validation")));
        create(pod("shop", "starting", NODE, runningFirstTime("istio-validation")));
        create(pod("shop", "elsewhere", "node-b", crashLooping("istio-validation", 126, "")));
        create(pod("shop", "db-migrate-failed", NODE, crashLooping("istio-validation", 1, "")));
        create(pod("shop", "other-init", NODE, crashLooping("init-db", 126, "")));
        create(pod("shop", "no-sidecar", NODE, crashLooping("istio-validation", 126, ""), false));
    }

    private void assertBystandersUntouched() {
        for (String name : List.of("healthy", "starting", "elsewhere", "db-migrate-failed", "other-init",
                "no-sidecar")) {
            Pod p = get("shop", name);
            assertNotNull(p, name + " must not be deleted");
            assertTrue(p.getMetadata().getLabels() == null
                    || !p.getMetadata().getLabels().containsKey("cni.istio.io/uninitialized"), name + " labelled");
        }
    }

    /**
     * The events with {@code reason} about pods of this test (a controller of an earlier test, still finishing its
     * last action when it was closed on a loaded machine, may record one after that test's clean-up).
     */
    private List<Event> events(String reason) {
        return events().stream().filter(e -> reason.equals(e.getReason())).toList();
    }

    private List<Event> events() {
        return client.v1().events().inNamespace("shop").list().getItems().stream()
                .filter(e -> createdUids.contains(e.getInvolvedObject().getUid())).toList();
    }

    @Test
    void deleteModeDeletesOnlyTheBrokenPodOnThisNode() throws Exception {
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        createBystanders();
        create(pod("shop", "broken", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> get("shop", "broken") == null);
        System.out.println("[repair timing] delete mode: broken pod created -> deleted in " + ms(t));
        // the metric and the event follow the API's answer: the pod can be gone a moment before they are recorded
        await(() -> metrics.value(BrokenPods.Action.DELETE, "success") >= 1
                && !events("DeleteBrokenPod").isEmpty());
        // the bystanders on this node were processed too (the one on node-b never reaches the informer)
        awaitReconciled(1, "healthy", "starting", "db-migrate-failed", "other-init", "no-sidecar");
        assertBystandersUntouched();
        assertEquals(1.0, metrics.value(BrokenPods.Action.DELETE, "success"));
        assertEquals(0.0, metrics.value(BrokenPods.Action.DELETE, "fail"));
        List<Event> events = events("DeleteBrokenPod");
        assertEquals(1, events.size());
        assertEquals("Warning", events.get(0).getType());
        assertEquals("pod detected as broken, deleted", events.get(0).getMessage());
        assertEquals("broken", events.get(0).getInvolvedObject().getName());
    }

    @Test
    void theWatchIsRestrictedToThisNode() throws Exception {
        start(Map.of("REPAIR_DELETE_PODS", "true", "REPAIR_LABEL_SELECTORS", "app!=skip",
                "REPAIR_FIELD_SELECTORS", "metadata.namespace!=kube-system"));
        boolean sawSelector = false;
        for (String sent : dispatcher.paths) {
            String path = java.net.URLDecoder.decode(sent, java.nio.charset.StandardCharsets.UTF_8);
            if (path.startsWith("/api/v1/pods?") && path.contains("fieldSelector=spec.nodeName=" + NODE)
                    && path.contains("metadata.namespace!=kube-system") && path.contains("labelSelector=app!=skip")) {
                sawSelector = true;
            }
        }
        assertTrue(sawSelector, "list/watch with the node's field selector: " + dispatcher.paths);
        // (the mock's selector semantics for != differ from the API server's: only the request is checked here)
    }

    @Test
    void labelModeLabelsTheBrokenPodOnceThenSkips() throws Exception {
        start(Map.of("REPAIR_LABEL_PODS", "true"));
        createBystanders();
        create(pod("shop", "broken", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> {
            Pod p = get("shop", "broken");
            return p.getMetadata().getLabels() != null
                    && "true".equals(p.getMetadata().getLabels().get("cni.istio.io/uninitialized"));
        });
        System.out.println("[repair timing] label mode: broken pod created -> labelled in " + ms(t));
        // the label's own update event comes back: the label is present, so it is a skip
        await(() -> metrics.value(BrokenPods.Action.LABEL, "skip") >= 1
                && !events("LabelBrokenPod").isEmpty());
        awaitReconciled(1, "healthy", "starting", "db-migrate-failed", "other-init", "no-sidecar");
        assertBystandersUntouched();
        assertEquals(1.0, metrics.value(BrokenPods.Action.LABEL, "success"));
        assertEquals(1, events("LabelBrokenPod").size());
        assertEquals("pod detected as broken, labeled", events("LabelBrokenPod").get(0).getMessage());
    }

    @Test
    void aPodAlreadyBrokenAtStartIsHandled() throws Exception {
        create(pod("shop", "broken-before", NODE, crashLooping("istio-validation", 126, "")));
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        await(() -> get("shop", "broken-before") == null);
    }

    @Test
    void aPodThatBreaksLaterIsHandledOnItsUpdate() throws Exception {
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        Pod p = create(pod("shop", "later", NODE, runningFirstTime("istio-validation")));
        awaitReconciled(1, "later");
        assertNotNull(get("shop", "later"), "not broken yet: left alone");
        p.getStatus().setInitContainerStatuses(List.of(crashLooping("istio-validation", 126, "")));
        client.pods().inNamespace("shop").resource(p).updateStatus();
        long t = await(() -> get("shop", "later") == null);
        System.out.println("[repair timing] delete mode: pod turned broken (status update) -> deleted in " + ms(t));
    }

    /** Runs a command, returning its output (stdout and stderr). */
    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void repairModeProgramsTheRulesInThePodsNamespace() throws Exception {
        HostCapabilities.requireNetworkNamespaces(); // a real network namespace
        HostCapabilities.requireIptables();
        String ns = "repair-test-" + ProcessHandle.current().pid();
        String podIp = "10.253.77.7";
        Process pause = null;
        try {
            run("ip", "netns", "add", ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "link", "add", "rt" + ProcessHandle.current().pid(), "type", "veth", "peer", "name", "eth0",
                    "netns", ns);
            run("ip", "-n", ns, "addr", "add", podIp + "/24", "dev", "eth0");
            run("ip", "-n", ns, "link", "set", "eth0", "up");
            pause = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "300").start(); // the pod's sandbox
            // the sandbox must be inside the namespace before the pod appears: the finder looks for it by the pod IP,
            // and its 5 attempts within ~0.1 s would fail if ip(8) had not entered the namespace yet
            java.nio.file.Path sandboxNet = java.nio.file.Path.of("/proc/" + pause.pid() + "/ns/net");
            java.nio.file.Path podNet = java.nio.file.Path.of("/var/run/netns/" + ns);
            Process sandbox = pause;
            Await.until("ip netns exec entered " + ns, () -> {
                assertTrue(sandbox.isAlive(), "ip netns exec ended before entering " + ns);
                try {
                    return java.nio.file.Files.isSameFile(sandboxNet, podNet);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Map<String, String> env = new HashMap<>(Map.of("REPAIR_REPAIR_PODS", "true", "REPAIR_NODE_NAME", NODE,
                    "HOST_PROC_PATH", "/proc"));
            RepairSettings settings = RepairSettings.from(env, List.of());
            metrics = new RepairMetrics(registry);
            controller = new RepairController(client, settings, InPlaceRepair.forHost(settings.hostProcPath(), List.of()),
                    metrics);
            startObserved(controller);
            Pod broken = pod("shop", "unredirected", NODE, crashLooping("istio-validation", 126, ""));
            broken.getStatus().setPodIP(podIp);
            broken.getStatus().setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIP(podIp)));
            String before = run("ip", "netns", "exec", ns, "iptables-save") + run("ip", "netns", "exec", ns,
                    "iptables-legacy-save");
            assertTrue(!before.contains("ISTIO_REDIRECT"), before);
            create(broken);
            long t = await(() -> metrics.value(BrokenPods.Action.REPAIR, "success") >= 1);
            System.out.println("[repair timing] repair mode: broken pod created -> rules programmed in its namespace in "
                    + ms(t));
            String after = run("ip", "netns", "exec", ns, "iptables-save") + run("ip", "netns", "exec", ns,
                    "iptables-legacy-save");
            assertTrue(after.contains("-A ISTIO_OUTPUT") && after.contains("ISTIO_REDIRECT")
                    && after.contains("--to-ports 15001"), after);
            assertNotNull(get("shop", "unredirected"), "repair in place leaves the pod alone");
            // a later event for the same pod (same UID) does not repair again
            Pod p = get("shop", "unredirected");
            p.getMetadata().setAnnotations(new HashMap<>(p.getMetadata().getAnnotations()));
            p.getMetadata().getAnnotations().put("touched", "yes");
            awaitReconciled(1, "unredirected");
            int reconciledBefore = reconciliations("unredirected");
            client.pods().inNamespace("shop").resource(p).update();
            awaitReconciled(reconciledBefore + 1, "unredirected");
            assertEquals(1.0, metrics.value(BrokenPods.Action.REPAIR, "success"));
            assertEquals(0.0, metrics.value(BrokenPods.Action.REPAIR, "fail"));
        } finally {
            if (pause != null) {
                pause.destroy();
                pause.waitFor(5, TimeUnit.SECONDS);
            }
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void repairModeWithoutTheNamespaceFailsAndGivesUpAfterFiveAttempts() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("REPAIR_REPAIR_PODS", "true", "REPAIR_NODE_NAME", NODE));
        RepairSettings settings = RepairSettings.from(env, List.of());
        metrics = new RepairMetrics(registry);
        java.util.List<String> lookups = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.nio.file.Path emptyProc = java.nio.file.Files.createTempDirectory("empty-proc");
        InPlaceRepair nowhere = new InPlaceRepair(ip -> {
            lookups.add(ip);
            return new NetnsFinder(emptyProc).find(ip);
        }, io.istiocni.redirect.CaptureBackends.processes(), Map.of());
        controller = new RepairController(client, settings, nowhere, metrics);
        startObserved(controller);
        create(pod("shop", "ghost", NODE, crashLooping("istio-validation", 126, "")));
        awaitGaveUp("ghost"); // after its fifth failure the key is dropped: no sixth attempt is queued
        assertEquals(5, reconciliations("ghost"));
        assertEquals(5.0, metrics.value(BrokenPods.Action.REPAIR, "fail"));
        assertEquals(5, lookups.size());
        assertNotNull(get("shop", "ghost"));
    }

    @Test
    void allActionsOffLeavesBrokenPodsAlone() throws Exception {
        start(Map.of());
        create(pod("shop", "broken", NODE, crashLooping("istio-validation", 126, "")));
        awaitReconciled(1, "broken");
        assertEquals(List.of(RepairController.Outcome.DONE), reconciled.get("shop/broken"));
        assertNotNull(get("shop", "broken"));
        assertTrue(events().isEmpty(), events().toString());
        assertTrue(registry.find(RepairMetrics.NAME).counters().stream().allMatch(c -> c.count() == 0),
                "no repair counted");
    }

    @Test
    void apiErrorsAreRetriedWithBackOffAndDoNotStopTheController() throws Exception {
        // 403 (say, RBAC not yet granted): not retried inside the fabric8 client, which retries 5xx answers itself
        server.expect().delete().withPath("/api/v1/namespaces/shop/pods/flaky")
                .andReturn(403, "{\"kind\":\"Status\",\"message\":\"etcd is sulking\"}").times(2);
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        create(pod("shop", "flaky", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> get("shop", "flaky") == null);
        System.out.println("[repair timing] delete mode with 2 API errors first: deleted after " + ms(t));
        // the success metric is counted once the API has answered, a moment after the pod is gone from the store
        await(() -> metrics.value(BrokenPods.Action.DELETE, "success") >= 1);
        assertEquals(2.0, metrics.value(BrokenPods.Action.DELETE, "fail"));
        assertEquals(1.0, metrics.value(BrokenPods.Action.DELETE, "success"));
        assertTrue(events("DeleteBrokenPod").stream()
                .anyMatch(e -> e.getMessage().startsWith("pod detected as broken, but failed to delete:")
                        && e.getMessage().contains("etcd is sulking")));
        // and it still works for the next pod
        create(pod("shop", "next", NODE, crashLooping("istio-validation", 126, "")));
        await(() -> get("shop", "next") == null);
    }

    @Test
    void aWatchThatFailsIsReestablishedAndEventsMeanwhileAreNotLost() throws Exception {
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        create(pod("shop", "first", NODE, crashLooping("istio-validation", 126, "")));
        await(() -> get("shop", "first") == null);
        // the API server goes away (the watch connection drops), comes back on the same port with an empty store,
        // and fails the first 3 lists/watches
        int port = java.net.URI.create(client.getMasterUrl().toString()).getPort();
        server.destroy();
        Thread.sleep(500); // an outage of half a second (not a wait for anything)
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        dispatcher = new NodeSelectingDispatcher(new KubernetesMixedDispatcher(responses));
        dispatcher.failPodListsAndWatches.set(3);
        int before = 0;
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        server.init(java.net.InetAddress.getByName("localhost"), port);
        create(pod("shop", "while-down", NODE, crashLooping("istio-validation", 126, "")));
        long t = await(() -> get("shop", "while-down") == null);
        long failed = dispatcher.paths.subList(before, dispatcher.paths.size()).stream()
                .filter(p -> p.startsWith("/api/v1/pods?")).count();
        System.out.println("[repair timing] watch lost, 3 failed list/watch attempts (" + failed
                + " pod list/watch requests): pod created meanwhile deleted after " + ms(t));
        assertEquals(0, dispatcher.failPodListsAndWatches.get());
        create(pod("shop", "after", NODE, crashLooping("istio-validation", 126, "")));
        await(() -> get("shop", "after") == null);
    }

    @Test
    void retryBudgetIsFiveAttempts() throws Exception {
        server.expect().delete().withPath("/api/v1/namespaces/shop/pods/stuck")
                .andReturn(409, "{\"kind\":\"Status\",\"message\":\"conflict\"}").always();
        start(Map.of("REPAIR_DELETE_PODS", "true"));
        create(pod("shop", "stuck", NODE, crashLooping("istio-validation", 126, "")));
        awaitGaveUp("stuck"); // after its fifth failure the key is dropped: no sixth attempt is queued
        assertEquals(5, reconciliations("stuck"));
        assertEquals(5.0, metrics.value(BrokenPods.Action.DELETE, "fail"));
        assertNotNull(get("shop", "stuck"));
        // the controller is still alive
        create(pod("shop", "other", NODE, crashLooping("istio-validation", 126, "")));
        await(() -> get("shop", "other") == null);
    }

    @Test
    void initialListFailureIsRetried() throws Exception {
        // the path as the mock sees it after NodeSelectingDispatcher
        server.expect().get().withPath("/api/v1/pods?resourceVersion=0&labelSelector="
                        + java.net.URLEncoder.encode(NodeSelectingDispatcher.NODE_LABEL + "=" + NODE, "UTF-8"))
                .andReturn(403, "{\"kind\":\"Status\",\"message\":\"apiserver starting\"}").times(2);
        create(pod("shop", "broken-early", NODE, crashLooping("istio-validation", 126, "")));
        int before = dispatcher.paths.size();
        Map<String, String> env = new HashMap<>(Map.of("REPAIR_DELETE_PODS", "true", "REPAIR_NODE_NAME", NODE));
        metrics = new RepairMetrics(registry);
        controller = new RepairController(client, RepairSettings.from(env, List.of()), null, metrics);
        controller.start();
        long t = await(() -> get("shop", "broken-early") == null);
        long lists = dispatcher.paths.subList(before, dispatcher.paths.size()).stream()
                .filter(p -> p.startsWith("/api/v1/pods?") && !p.contains("watch=true")).count();
        System.out.println("[repair timing] initial list failed twice (403), then pod deleted after " + ms(t)
                + " (" + lists + " list requests)");
        assertTrue(lists >= 3, "the informer listed again after the failures: " + lists);
    }
}
