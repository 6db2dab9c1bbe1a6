package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.istiocni.conformance.Fixtures;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.netns.CommandRunner;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.redirect.CaptureBackends;
import io.istiocni.redirect.CaptureStep;
import io.istiocni.redirect.IptablesBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Repair in place goes through the plugin's pod pipeline (fake iptables tools, no root): where it used to differ from
 * the plugin (skip decision, the pod's warnings, the user-namespace fallback, the pod reader) it now does the same.
 */
class InPlaceRepairTest {

    final List<List<String>> commands = new ArrayList<>();
    final List<String> ownerLookups = new ArrayList<>();

    InPlaceRepair repair(CaptureStep.OwnerLookup owners) throws IOException {
        Path netns = Path.of("/proc/self/ns/net"); // a network namespace the fake tools never enter
        CommandRunner fake = new CommandRunner() {
            @Override
            public Result run(List<String> argv, Map<String, String> extraEnv, String stdin) {
                commands.add(argv);
                String out = argv.size() == 2 && argv.get(1).equals("--version") ? "iptables-nft-save v1.8.9 (nf_tables)"
                        : "";
                return new Result(argv.get(0).contains("legacy") ? 1 : 0, out, "");
            }
        };
        return new InPlaceRepair(ip -> netns, CaptureBackends.of(new IptablesBackend(new RuleApplier(path -> fake))),
                ns -> {
                    ownerLookups.add(ns);
                    return owners.of(ns);
                }, Map.of());
    }

    static Pod broken() {
        return TestPods.pod("shop", "web", "node-a", TestPods.crashLooping("istio-validation", 126, ""));
    }

    static void proxyEnv(Pod pod, String name, String value) {
        var proxy = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals("istio-proxy")).findFirst()
                .orElseThrow();
        List<EnvVar> env = proxy.getEnv() == null ? new ArrayList<>() : new ArrayList<>(proxy.getEnv());
        env.add(new EnvVar(name, value, null));
        proxy.setEnv(env);
    }

    @Test
    void aSidecarPodIsRepairedInTheHostsUserNamespaceWithoutAskingForAnOwner() throws Exception {
        InPlaceRepair.Repaired done = assertInstanceOf(InPlaceRepair.Repaired.class,
                repair(ns -> null).repair(broken()));
        assertEquals(ApplyOutcome.APPLIED, done.outcome());
        assertEquals(List.of(), done.warnings());
        assertTrue(commands.stream().anyMatch(c -> c.get(0).equals("iptables-nft-restore")), commands.toString());
        assertEquals(List.of(), ownerLookups, "hostUsers unset: the pod shares the host's user namespace");
    }

    @Test
    void aPodThePluginLeavesAloneIsLeftAloneWithNoRules() throws Exception {
        Pod proxyless = broken();
        proxyEnv(proxyless, "DISABLE_ENVOY", "true");
        InPlaceRepair.LeftAlone skip = assertInstanceOf(InPlaceRepair.LeftAlone.class,
                repair(ns -> null).repair(proxyless));
        assertTrue(skip.reason().contains("DISABLE_ENVOY"), skip.reason());
        assertEquals(List.of(), commands);
    }

    @Test
    void thePodsWarningsAreReturnedForTheLog() throws Exception {
        Pod pod = broken();
        proxyEnv(pod, "ISTIO_META_DNS_CAPTURE", "maybe");
        InPlaceRepair.Repaired done = assertInstanceOf(InPlaceRepair.Repaired.class, repair(ns -> null).repair(pod));
        assertEquals(1, done.warnings().size(), done.warnings().toString());
        assertTrue(done.warnings().getFirst().contains("ISTIO_META_DNS_CAPTURE"), done.warnings().toString());
    }

    @Test
    void anUnknownOwnerUserNamespaceFallsBackToTheHostsAsThePluginDoes() throws Exception {
        Pod pod = broken();
        pod.getSpec().setHostUsers(false);
        InPlaceRepair.Repaired done = assertInstanceOf(InPlaceRepair.Repaired.class, repair(ns -> {
            throw new IOException("no NS_GET_USERNS here and no process lives in it");
        }).repair(pod));
        assertEquals(ApplyOutcome.APPLIED, done.outcome());
        assertEquals(1, ownerLookups.size());
        assertEquals(List.of(CaptureStep.ownerUnknownMessage(done.netns().toString(),
                "no NS_GET_USERNS here and no process lives in it")), done.warnings());
        assertTrue(commands.stream().anyMatch(c -> c.get(0).equals("iptables-nft-restore")), commands.toString());
    }

    @Test
    void anInvalidAnnotationIsASetupError() throws Exception {
        Pod pod = broken();
        pod.getMetadata().getAnnotations().put("traffic.sidecar.istio.io/excludeInboundPorts", "80,x");
        InPlaceRepair.RepairException e = assertThrows(InPlaceRepair.RepairException.class,
                () -> repair(ns -> null).repair(pod));
        assertTrue(e.getMessage().startsWith("setup redirect: annotation value error for value excludeInboundPorts;"),
                e.getMessage());
    }

    /** The fixtures' pods, as the informer holds them, read as the plugin reads the API server's answer. */
    @Test
    void thePodIsReadWithThePluginsReader() throws IOException {
        Path fixtures = Fixtures.dir("pod");
        List<Path> files;
        try (Stream<Path> list = Files.list(fixtures)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".pod.yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 9, files.toString());
        for (Path file : files) {
            String yaml = Files.readString(file);
            Pod informerPod = Serialization.unmarshal(yaml, Pod.class);
            PodManifest asThePluginReadsIt = PodManifests.parse(yaml);
            assertEquals(asThePluginReadsIt, InPlaceRepair.manifestOf(informerPod), file.getFileName().toString());
        }
    }
}
