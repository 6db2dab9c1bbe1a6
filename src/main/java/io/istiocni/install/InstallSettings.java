package io.istiocni.install;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.settings.Setting;
import io.istiocni.settings.SettingSet;
import io.istiocni.settings.SettingValues;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the installer (install.md section 3) under Istio's names, each declared once below (variable,
 * flag, kind, default, help); the parser, {@code istio-cni install --help} and the README's table come from these
 * declarations. The accessors read the parsed values; those that derive something say so. The repair controller's
 * settings, which the installer reads too for the controller it runs in-process, are {@code repair.RepairSettings}.
 */
public final class InstallSettings {

    public static final String KUBECONFIG_FILE = "istio-cni-kubeconfig";
    public static final String DEFAULT_STANDALONE_NAME = "YYY-istio-cni.conf";

    private static final SettingSet.Builder DECLARED = SettingSet.builder();

    // install.md 3.2: installation settings
    public static final Setting<String> MOUNTED_CNI_NET_DIR = DECLARED.add(Setting.string("MOUNTED_CNI_NET_DIR",
            "/host/etc/cni/net.d", "the CNI config directory as seen in the container"));
    public static final Setting<String> CNI_CONF_NAME = DECLARED.add(Setting.string("CNI_CONF_NAME", "",
            "chained: the primary config file to modify (empty: chosen automatically); standalone: the file to write"
                    + " (empty: " + DEFAULT_STANDALONE_NAME + ")"));
    public static final Setting<Boolean> CHAINED_CNI_PLUGIN = DECLARED.add(Setting.bool("CHAINED_CNI_PLUGIN", true,
            "true: add the istio-cni entry to the primary config; false: write a standalone config file"));
    public static final Setting<String> CNI_AGENT_RUN_DIR = DECLARED.add(Setting.string("CNI_AGENT_RUN_DIR",
            "/var/run/istio-cni", "the run directory (kubeconfig, log socket, plugin log), written into the entry"
                    + " as `cni_agent_run_dir`; mounted at the same path on the host"));
    public static final Setting<Boolean> POD_SETUP_SOCKET = DECLARED.add(Setting.bool("POD_SETUP_SOCKET", true,
            "serve `pod.sock` in the run directory, where the plugin asks the node agent to set its pod up; false:"
                    + " every plugin run sets its pod up in-process"));
    public static final Setting<Long> KUBECONFIG_MODE = DECLARED.add(Setting.integer("KUBECONFIG_MODE", 0600, "0600",
            0, 07777, "file mode of the plugin kubeconfig (Go syntax: 0600 or 0o600 octal, 600 is decimal)"));
    public static final Setting<Boolean> CNI_CONF_GROUP_READ = DECLARED.add(Setting.bool("CNI_CONF_GROUP_READ",
            false, "standalone config file mode 0640 instead of 0600"));
    public static final Setting<String> KUBE_CA_FILE = DECLARED.add(Setting.string("KUBE_CA_FILE", "",
            "CA bundle for the kubeconfig (empty: `ca.crt` in the service-account directory)"));
    public static final Setting<Boolean> SKIP_TLS_VERIFY = DECLARED.add(Setting.bool("SKIP_TLS_VERIFY", false,
            "write `insecure-skip-tls-verify: true` instead of the CA into the kubeconfig"));
    public static final Setting<List<String>> EXCLUDE_NAMESPACES = DECLARED.add(Setting.list("EXCLUDE_NAMESPACES",
            "", "namespaces the plugin leaves alone"));
    public static final Setting<String> POD_NAMESPACE = DECLARED.add(Setting.string("POD_NAMESPACE", "",
            "the DaemonSet pod's namespace, written as `pod_namespace` (the plugin recognises its own pod by it)"));
    public static final Setting<Boolean> ENABLE_AMBIENT_DETECTION_RETRY = DECLARED.add(Setting.bool(
            "ENABLE_AMBIENT_DETECTION_RETRY", false, "ambient-only; copied into the entry for parity"));
    public static final Setting<String> KUBERNETES_SERVICE_HOST = DECLARED.add(Setting.string(
            "KUBERNETES_SERVICE_HOST", "", "API server host for the kubeconfig (set by Kubernetes)"));
    public static final Setting<String> KUBERNETES_SERVICE_PORT = DECLARED.add(Setting.string(
            "KUBERNETES_SERVICE_PORT", "", "API server port for the kubeconfig (set by Kubernetes)"));
    public static final Setting<String> KUBERNETES_SERVICE_PROTOCOL = DECLARED.add(Setting.string(
            "KUBERNETES_SERVICE_PROTOCOL", "https", "scheme of the kubeconfig's server URL"));
    public static final Setting<String> POD_NAME = DECLARED.add(Setting.string("POD_NAME", "", "informational"));
    public static final Setting<Boolean> AMBIENT_ENABLED = DECLARED.add(Setting.bool("AMBIENT_ENABLED", false,
            "ambient mode; true is refused (sidecar mode only)").refusing(true, "ambient mode is not supported"));
    public static final Setting<Boolean> ISTIO_OWNED_CNI_CONFIG = DECLARED.add(Setting.bool("ISTIO_OWNED_CNI_CONFIG",
            false, "ambient-only: ignored with a warning when true (the primary config is never deleted)"));

    // install.md 3.3: paths Istio hard-codes
    public static final Setting<String> CNI_BIN_SOURCE_DIR = DECLARED.add(Setting.string("CNI_BIN_SOURCE_DIR",
            "/opt/cni/bin", "directory whose regular files are copied to the host"));
    public static final Setting<List<String>> CNI_BIN_TARGET_DIRS = DECLARED.add(Setting.list("CNI_BIN_TARGET_DIRS",
            "/host/opt/cni/bin", "host bin directories to copy into"));
    public static final Setting<String> SERVICE_ACCOUNT_PATH = DECLARED.add(Setting.string("SERVICE_ACCOUNT_PATH",
            "/var/run/secrets/kubernetes.io/serviceaccount", "directory holding the service account's `token` and"
                    + " `ca.crt`"));
    public static final Setting<Long> HEALTH_PORT = DECLARED.add(Setting.integer("HEALTH_PORT", 8000, 1, 65535,
            "port of `/readyz` and `/healthz`"));

    // install.md 3.7: legacy binary-copy settings
    public static final Setting<Boolean> UPDATE_CNI_BINARIES = DECLARED.add(Setting.bool("UPDATE_CNI_BINARIES", true,
            "false: a file already present in a target directory is not overwritten"));
    public static final Setting<List<String>> SKIP_CNI_BINARIES = DECLARED.add(Setting.list("SKIP_CNI_BINARIES", "",
            "file names not to copy"));

    static {
        // install.md 3.6: set by Istio's chart or older versions, never acted on
        for (String env : List.of("CNI_NETWORK_CONFIG", "CNI_NETWORK_CONFIG_FILE", "LOG_LEVEL",
                "CURRENT_AGENT_VERSION", "GOMEMLIMIT",
                "AMBIENT_ENABLEMENT_SELECTOR", "AMBIENT_DNS_CAPTURE", "AMBIENT_IPV6",
                "AMBIENT_RECONCILE_POD_RULES_ON_STARTUP", "AMBIENT_DISABLE_SAFE_UPGRADE", "ZTUNNEL_UDS_ADDRESS",
                "SYSTEM_NAMESPACE", "REVISION", "ISTIO_OWNED_CNI_CONFIG_FILENAME",
                "ISTIO_OWNED_CNI_CONF_FILENAME", "CNI_NET_DIR", "CNI_NETNS_DIR")) {
            DECLARED.add(Setting.ignored(env));
        }
    }

    /** The installer's own settings, in declaration order. */
    public static final SettingSet SETTINGS = DECLARED.build();

    private final SettingValues values;
    private final DaemonSettings daemon;

    private InstallSettings(SettingValues values) {
        this.values = values;
        this.daemon = DaemonSettings.of(values);
    }

    /**
     * The settings out of values parsed with a union including {@link #SETTINGS} and
     * {@link DaemonSettings#SETTINGS}.
     */
    public static InstallSettings of(SettingValues values) {
        return new InstallSettings(values);
    }

    /**
     * Resolves the installer's settings ({@link #SETTINGS} and {@link DaemonSettings#SETTINGS}) from the process
     * environment and the command-line arguments of {@code istio-cni install} (without the subcommand itself).
     *
     * @throws io.istiocni.settings.SettingsException (one line naming the setting and the value) on a usage error
     */
    public static InstallSettings from(Map<String, String> env, List<String> args) {
        return of(SettingSet.union(SETTINGS, DaemonSettings.SETTINGS).parse(env, args));
    }

    public String mountedCniNetDir() {
        return values.get(MOUNTED_CNI_NET_DIR);
    }

    /** Empty: choose automatically (chained) / the default name (standalone). */
    public String cniConfName() {
        return values.get(CNI_CONF_NAME);
    }

    public boolean chainedCniPlugin() {
        return values.get(CHAINED_CNI_PLUGIN);
    }

    public String cniAgentRunDir() {
        return values.get(CNI_AGENT_RUN_DIR);
    }

    /** Whether the node agent serves the pod set-up socket (issue 10). */
    public boolean podSetupSocket() {
        return values.get(POD_SETUP_SOCKET);
    }

    /** Permission bits. */
    public int kubeconfigMode() {
        return (int) (long) values.get(KUBECONFIG_MODE);
    }

    public boolean cniConfGroupRead() {
        return values.get(CNI_CONF_GROUP_READ);
    }

    /** {@code KUBE_CA_FILE}, or {@code <SERVICE_ACCOUNT_PATH>/ca.crt} when not set. */
    public String kubeCaFile() {
        String file = values.get(KUBE_CA_FILE);
        return file.isEmpty() ? join(serviceAccountPath(), "ca.crt") : file;
    }

    public boolean skipTlsVerify() {
        return values.get(SKIP_TLS_VERIFY);
    }

    /** 0 or negative: no metrics server. */
    public int monitoringPort() {
        return daemon.monitoringPort();
    }

    public List<String> excludeNamespaces() {
        return values.get(EXCLUDE_NAMESPACES);
    }

    public String podNamespace() {
        return values.get(POD_NAMESPACE);
    }

    /** {@code NATIVE_NFTABLES}: the plugin entry's {@code native_nftables} (nftables.md 9). */
    public boolean nativeNftables() {
        return daemon.nativeNftables();
    }

    public boolean enableAmbientDetectionRetry() {
        return values.get(ENABLE_AMBIENT_DETECTION_RETRY);
    }

    public String kubernetesServiceHost() {
        return values.get(KUBERNETES_SERVICE_HOST);
    }

    public String kubernetesServicePort() {
        return values.get(KUBERNETES_SERVICE_PORT);
    }

    public String kubernetesServiceProtocol() {
        return values.get(KUBERNETES_SERVICE_PROTOCOL);
    }

    public String podName() {
        return values.get(POD_NAME);
    }

    public String cniBinSourceDir() {
        return values.get(CNI_BIN_SOURCE_DIR);
    }

    public List<String> cniBinTargetDirs() {
        return values.get(CNI_BIN_TARGET_DIRS);
    }

    public String serviceAccountPath() {
        return values.get(SERVICE_ACCOUNT_PATH);
    }

    public int healthPort() {
        return (int) (long) values.get(HEALTH_PORT);
    }

    /** The level of every scope mentioned or known ({@code default}, {@code cni-agent}, {@code cni-plugin}). */
    public Map<String, String> logLevels() {
        return daemon.logLevels();
    }

    public boolean logAsJson() {
        return daemon.logAsJson();
    }

    public boolean updateCniBinaries() {
        return values.get(UPDATE_CNI_BINARIES);
    }

    public List<String> skipCniBinaries() {
        return values.get(SKIP_CNI_BINARIES);
    }

    /** Things to log at start-up. */
    public List<String> warnings() {
        return values.get(ISTIO_OWNED_CNI_CONFIG)
                ? List.of("ISTIO_OWNED_CNI_CONFIG=true is ambient-only and ignored: the primary CNI config is"
                        + " modified as usual and never deleted")
                : List.of();
    }

    /** The plugin's log level: the output level of the {@code cni-plugin} scope (install.md 3.4). */
    public String pluginLogLevel() {
        return logLevels().getOrDefault("cni-plugin", "info");
    }

    /** {@code <CNI_AGENT_RUN_DIR>/istio-cni-kubeconfig}. */
    public String kubeconfigPath() {
        return join(cniAgentRunDir(), KUBECONFIG_FILE);
    }

    /** {@code <SERVICE_ACCOUNT_PATH>/token}. */
    public String tokenPath() {
        return join(serviceAccountPath(), "token");
    }

    /** Standalone mode: the file name we write ({@code CNI_CONF_NAME} or {@code YYY-istio-cni.conf}). */
    public String standaloneFileName() {
        return cniConfName().isEmpty() ? DEFAULT_STANDALONE_NAME : cniConfName();
    }

    /** File mode of the standalone config: 0600, or 0640 with {@code CNI_CONF_GROUP_READ}. */
    public int standaloneMode() {
        return cniConfGroupRead() ? 0640 : 0600;
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
