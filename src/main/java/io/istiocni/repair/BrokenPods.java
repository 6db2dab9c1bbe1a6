package io.istiocni.repair;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * Pure decisions of the repair controller (repair.md 2.1 and 4): which action runs, and whether a pod is broken.
 */
public final class BrokenPods {

    private BrokenPods() {
    }

    /** The one action that runs (repair.md 2.1): repair, else delete, else label; NONE with all three off. */
    public enum Action {
        REPAIR("repair"), DELETE("delete"), LABEL("label"), NONE("none");

        private final String metricType;

        Action(String metricType) {
            this.metricType = metricType;
        }

        /** The {@code type} label of {@code istio_cni_repair_pods_repaired_total}. */
        public String metricType() {
            return metricType;
        }

        public static Action of(RepairSettings settings) {
            if (settings.repairPods()) {
                return REPAIR;
            }
            if (settings.deletePods()) {
                return DELETE;
            }
            return settings.labelPods() ? LABEL : NONE;
        }
    }

    /** The filters of repair.md 4, from the settings. */
    public record Criteria(String sidecarAnnotation, String initContainerName, String terminationMessage,
                           long exitCode) {

        public static Criteria of(RepairSettings settings) {
            return new Criteria(settings.sidecarAnnotation(), settings.initContainerName(),
                    settings.initContainerTerminationMessage(), settings.initContainerExitCode());
        }
    }

    /** repair.md 4 over a fabric8 pod. */
    public static boolean isBroken(Pod pod, Criteria criteria) {
        if (pod == null) {
            return false;
        }
        if (!criteria.sidecarAnnotation().isEmpty()) {
            Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
            if (annotations == null || !annotations.containsKey(criteria.sidecarAnnotation())) {
                return false;
            }
        }
        List<ContainerStatus> statuses = pod.getStatus() == null ? null : pod.getStatus().getInitContainerStatuses();
        if (statuses == null) {
            return false;
        }
        for (ContainerStatus status : statuses) {
            if (status != null && statusMatches(status, criteria)) {
                return true;
            }
        }
        return false;
    }

    /** One init container status entry against the criteria (repair.md 4 item 2). */
    static boolean statusMatches(ContainerStatus status, Criteria criteria) {
        if (!criteria.initContainerName().isEmpty() && !criteria.initContainerName().equals(status.getName())) {
            return false;
        }
        ContainerStateTerminated current = status.getState() == null ? null : status.getState().getTerminated();
        if (current != null && ("Completed".equals(current.getReason())
                || (current.getExitCode() != null && current.getExitCode() == 0))) {
            return false; // finished successfully now, whatever happened before
        }
        ContainerStateTerminated last = status.getLastState() == null ? null : status.getLastState().getTerminated();
        if (last == null) {
            return false; // not restarted yet
        }
        if (!criteria.terminationMessage().isEmpty()) {
            String message = last.getMessage() == null ? "" : last.getMessage().strip();
            if (!criteria.terminationMessage().equals(message)) {
                return false;
            }
        }
        if (criteria.exitCode() != 0) {
            return last.getExitCode() != null && last.getExitCode() == criteria.exitCode();
        }
        return true;
    }
}
