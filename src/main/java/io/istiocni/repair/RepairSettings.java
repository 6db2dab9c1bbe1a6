package io.istiocni.repair;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.settings.Setting;
import io.istiocni.settings.SettingSet;
import io.istiocni.settings.SettingValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The repair controller's settings (repair.md 2, install.md 3.5), each declared once below; read by
 * {@code istio-cni repair} and by the installer for the controller it runs in-process. Kept from Istio: an empty
 * {@code REPAIR_*} string or integer counts as set (the empty string, or 0: "any").
 */
public final class RepairSettings {

    private static final SettingSet.Builder DECLARED = SettingSet.builder();

    public static final Setting<Boolean> REPAIR_ENABLED = DECLARED.add(Setting.bool("REPAIR_ENABLED", true,
            "run the repair controller"));
    public static final Setting<Boolean> REPAIR_REPAIR_PODS = DECLARED.add(Setting.bool("REPAIR_REPAIR_PODS", false,
            "action: repair broken pods in place (the chart sets true); wins over delete and label"));
    public static final Setting<Boolean> REPAIR_DELETE_PODS = DECLARED.add(Setting.bool("REPAIR_DELETE_PODS", false,
            "action: delete broken pods; wins over label"));
    public static final Setting<Boolean> REPAIR_LABEL_PODS = DECLARED.add(Setting.bool("REPAIR_LABEL_PODS", false,
            "action: label broken pods"));
    public static final Setting<String> REPAIR_BROKEN_POD_LABEL_KEY = DECLARED.add(Setting.string(
            "REPAIR_BROKEN_POD_LABEL_KEY", "cni.istio.io/uninitialized", "label key of the label action")
            .keepingEmpty());
    public static final Setting<String> REPAIR_BROKEN_POD_LABEL_VALUE = DECLARED.add(Setting.string(
            "REPAIR_BROKEN_POD_LABEL_VALUE", "true", "label value of the label action").keepingEmpty());
    public static final Setting<String> REPAIR_NODE_NAME = DECLARED.add(Setting.string("REPAIR_NODE_NAME", "",
            "node whose pods are watched (empty: the value of NODE_NAME, then of KUBERNETES_NODE_NAME)")
            .keepingEmpty());
    public static final Setting<String> REPAIR_SIDECAR_ANNOTATION = DECLARED.add(Setting.string(
            "REPAIR_SIDECAR_ANNOTATION", "sidecar.istio.io/status", "only pods with this annotation are candidates"
                    + " (empty: no such filter)").keepingEmpty());
    public static final Setting<String> REPAIR_INIT_CONTAINER_NAME = DECLARED.add(Setting.string(
            "REPAIR_INIT_CONTAINER_NAME", "istio-validation", "init container to inspect (empty: any)").keepingEmpty());
    public static final Setting<String> REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE = DECLARED.add(Setting.string(
            "REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE", "", "required termination message (empty: any)")
            .keepingEmpty());
    public static final Setting<Long> REPAIR_INIT_CONTAINER_EXIT_CODE = DECLARED.add(Setting.integer(
            "REPAIR_INIT_CONTAINER_EXIT_CODE", 126, Long.MIN_VALUE, Long.MAX_VALUE, "required exit code (0: any)")
            .keepingEmpty());
    public static final Setting<String> REPAIR_LABEL_SELECTORS = DECLARED.add(Setting.string("REPAIR_LABEL_SELECTORS",
            "", "extra label selector of the watch (`k=v,k2!=v2`)").keepingEmpty());
    public static final Setting<String> REPAIR_FIELD_SELECTORS = DECLARED.add(Setting.string("REPAIR_FIELD_SELECTORS",
            "", "extra field selector of the watch (`field=value`, comma-separated)").keepingEmpty());
    public static final Setting<String> NODE_NAME = DECLARED.add(Setting.string("NODE_NAME", "",
            "the node's name: repair's first fallback for REPAIR_NODE_NAME"));
    public static final Setting<String> KUBERNETES_NODE_NAME = DECLARED.add(Setting.string("KUBERNETES_NODE_NAME", "",
            "the node's name: repair's second fallback for REPAIR_NODE_NAME"));
    public static final Setting<List<String>> HOST_NETNS_PATH = DECLARED.add(Setting.list("HOST_NETNS_PATH",
            "/var/run/netns", "where the runtime pins pods' network namespaces as mounted in the container (comma-separated);"
                    + " repair in place searches them when no process holds the pod's namespace (CRI-O's drop_infra_ctr)"));
    public static final Setting<String> HOST_PROC_PATH = DECLARED.add(Setting.string("HOST_PROC_PATH", "/host/proc",
            "the node's procfs as mounted in the container, where repair in place finds pods' network namespaces"
                    + " (`/proc` outside a container)"));

    static {
        // repair.md 2: set by Istio's chart, never acted on here
        for (String env : List.of("REPAIR_RUN_AS_DAEMON", "ALLOW_SWITCH_TO_HOST_NS", "FORCE_IPTABLES_BINARY")) {
            DECLARED.add(Setting.ignored(env));
        }
    }

    /** The repair controller's own settings, in declaration order. */
    public static final SettingSet SETTINGS = DECLARED.build();

    private final SettingValues values;

    private RepairSettings(SettingValues values) {
        this.values = values;
    }

    /** The settings out of values parsed with (a union including) {@link #SETTINGS}. */
    public static RepairSettings of(SettingValues values) {
        return new RepairSettings(values);
    }

    /**
     * Resolves what {@code istio-cni repair} reads, {@link #SETTINGS} and {@link DaemonSettings#SETTINGS}, from the
     * environment and the command-line arguments.
     *
     * @throws io.istiocni.settings.SettingsException (one line naming the setting and the value) on a usage error
     */
    public static RepairSettings from(Map<String, String> env, List<String> args) {
        return of(SettingSet.union(SETTINGS, DaemonSettings.SETTINGS).parse(env, args));
    }

    public boolean enabled() {
        return values.get(REPAIR_ENABLED);
    }

    public boolean repairPods() {
        return values.get(REPAIR_REPAIR_PODS);
    }

    public boolean deletePods() {
        return values.get(REPAIR_DELETE_PODS);
    }

    public boolean labelPods() {
        return values.get(REPAIR_LABEL_PODS);
    }

    public String brokenPodLabelKey() {
        return values.get(REPAIR_BROKEN_POD_LABEL_KEY);
    }

    public String brokenPodLabelValue() {
        return values.get(REPAIR_BROKEN_POD_LABEL_VALUE);
    }

    /** {@code REPAIR_NODE_NAME}, or when it is empty the value of {@code NODE_NAME}, then of KUBERNETES_NODE_NAME. */
    public String nodeName() {
        String node = values.get(REPAIR_NODE_NAME);
        if (node.isEmpty()) {
            node = values.get(NODE_NAME);
        }
        return node.isEmpty() ? values.get(KUBERNETES_NODE_NAME) : node;
    }

    public String sidecarAnnotation() {
        return values.get(REPAIR_SIDECAR_ANNOTATION);
    }

    public String initContainerName() {
        return values.get(REPAIR_INIT_CONTAINER_NAME);
    }

    public String initContainerTerminationMessage() {
        return values.get(REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE);
    }

    public long initContainerExitCode() {
        return values.get(REPAIR_INIT_CONTAINER_EXIT_CODE);
    }

    public String labelSelectors() {
        return values.get(REPAIR_LABEL_SELECTORS);
    }

    public String fieldSelectors() {
        return values.get(REPAIR_FIELD_SELECTORS);
    }

    public String hostProcPath() {
        return values.get(HOST_PROC_PATH);
    }

    /** {@code HOST_NETNS_PATH}: the runtime's pinning directories, in search order. */
    public List<Path> hostNetnsPaths() {
        return values.get(HOST_NETNS_PATH).stream().map(Path::of).toList();
    }
}
