package io.istiocni.repair;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;

/** Pods as the kubelet reports them, for the repair tests. */
public final class TestPods {

    private TestPods() {
    }

    public static RepairSettings settings(Map<String, String> env) {
        return RepairSettings.from(env, List.of());
    }

    /** istio-validation in CrashLoopBackOff after exiting 126. */
    public static ContainerStatus crashLooping(String name, int exitCode, String message) {
        return new ContainerStatusBuilder().withName(name).withRestartCount(2)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(exitCode).withReason("Error")
                .withMessage(message).endTerminated().endLastState().build();
    }

    public static ContainerStatus completed(String name) {
        return new ContainerStatusBuilder().withName(name).withRestartCount(1)
                .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").endTerminated().endState()
                .withNewLastState().withNewTerminated().withExitCode(126).withReason("Error").endTerminated()
                .endLastState().build();
    }

    public static ContainerStatus runningFirstTime(String name) {
        return new ContainerStatusBuilder().withName(name).withRestartCount(0)
                .withNewState().withNewRunning().endRunning().endState().build();
    }

    public static Pod pod(String ns, String name, String node, ContainerStatus initStatus) {
        return pod(ns, name, node, initStatus, true);
    }

    public static Pod pod(String ns, String name, String node, ContainerStatus initStatus, boolean sidecarAnnotation) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(ns).withName(name)
                .withUid(java.util.UUID.randomUUID().toString())
                .addToLabels(NodeSelectingDispatcher.NODE_LABEL, node).endMetadata()
                .withNewSpec().withNodeName(node)
                .addNewInitContainer().withName("istio-validation").withImage("proxyv2").endInitContainer()
                .addNewContainer().withName("app").withImage("app").endContainer()
                .addNewContainer().withName("istio-proxy").withImage("proxyv2").withArgs("proxy", "sidecar")
                .withNewSecurityContext().withRunAsUser(1337L).withRunAsGroup(1337L).endSecurityContext()
                .endContainer()
                .endSpec()
                .withNewStatus().withPodIP("10.244.1.7").addNewPodIP("10.244.1.7").endStatus();
        if (sidecarAnnotation) {
            b.editMetadata().addToAnnotations("sidecar.istio.io/status", "{\"initContainers\":[\"istio-validation\"]}")
                    .endMetadata();
        }
        if (initStatus != null) {
            b.editStatus().withInitContainerStatuses(initStatus).endStatus();
        }
        return b.build();
    }
}
