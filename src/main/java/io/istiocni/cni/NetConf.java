package io.istiocni.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The network configuration on stdin as ADD and CHECK use it (plugin.md 4): the standard fields, the raw
 * {@code prevResult}, and the Istio fields with the older names resolved (4.3).
 *
 * @param cniVersion        the configuration's version ({@code 0.1.0} when absent or empty)
 * @param name              the network name
 * @param prevResult        the raw {@code prevResult} object, null when absent or null
 * @param logLevel          {@code plugin_log_level}, else {@code log_level}, else {@code info} (not validated)
 * @param runDir            the node agent's run directory as given ({@code cni_agent_run_dir}), "" when absent
 * @param kubeconfigPath    the kubeconfig file (4.3)
 * @param logSocketPath     the node agent's log socket (4.3)
 * @param logDir            the directory of the rolling log, resolved as for the socket (4.3); the log is skipped
 *                          when it does not exist
 * @param rollingLogPath    {@code <logDir>/istio-cni.log}
 * @param excludeNamespaces {@code exclude_namespaces} followed by the entries of {@code kubernetes.exclude_namespaces}
 *                          not already in it
 * @param podNamespace      the node agent's namespace, "" when absent
 * @param nativeNftables    {@code native_nftables}
 * @param ambientEnabled    {@code ambient_enabled} (not implemented: see {@link #warnings})
 * @param warnings          lines to log as warnings once logging is configured (ignored old fields of the wrong
 *                          type, ambient mode requested)
 */
public record NetConf(String cniVersion, String name, JsonNode prevResult, String logLevel, String runDir,
        String kubeconfigPath, String logSocketPath, String logDir, String rollingLogPath,
        List<String> excludeNamespaces, String podNamespace, boolean nativeNftables, boolean ambientEnabled,
        List<String> warnings) {

    public static final String DEFAULT_RUN_DIR = "/var/run/istio-cni";
    public static final String KUBECONFIG_FILE = "istio-cni-kubeconfig";
    public static final String LOG_SOCKET_FILE = "log.sock";
    public static final String ROLLING_LOG_FILE = "istio-cni.log";
    public static final String DEFAULT_LOG_LEVEL = "info";

    private static final String STRUCT = "Config";

    public NetConf {
        excludeNamespaces = List.copyOf(excludeNamespaces);
        warnings = List.copyOf(warnings);
    }

    /**
     * Reads the configuration object (already checked to be an object with a valid name). Current Istio fields of
     * the wrong JSON type fail with error 999 {@code failed to parse network configuration: <reason>}; old names
     * of the wrong type become warnings; {@code null} is the same as absent; fields this plugin ignores are not
     * looked at.
     */
    public static NetConf parse(JsonNode config) throws CniException {
        try {
            return read(config);
        } catch (IllegalArgumentException e) {
            throw CniException.internal("failed to parse network configuration: " + e.getMessage());
        }
    }

    private static NetConf read(JsonNode config) throws CniException {
        String cniVersion = CniVersions.decode(config);
        JsonNode nameNode = Json.field(config, "name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.textValue() : "";
        JsonNode prevResult = Json.field(config, "prevResult");

        String pluginLogLevel = string(config, "plugin_log_level");
        String runDir = string(config, "cni_agent_run_dir");
        boolean ambient = bool(config, "ambient_enabled");
        List<String> exclude = stringList(config, "exclude_namespaces");
        String podNamespace = string(config, "pod_namespace");
        boolean nft = bool(config, "native_nftables");

        List<String> warnings = new ArrayList<>(2);
        String oldLogLevel = lenientString(config, "log_level", "log_level", warnings);
        String oldSocket = lenientString(config, "log_uds_address", "log_uds_address", warnings);
        String oldKubeconfig = "";
        List<String> oldExclude = List.of();
        JsonNode kubernetes = Json.field(config, "kubernetes");
        if (kubernetes != null) {
            if (!kubernetes.isObject()) {
                warnings.add("ignoring kubernetes: expected an object, got " + Json.kind(kubernetes));
            } else {
                oldKubeconfig = lenientString(kubernetes, "kubeconfig", "kubernetes.kubeconfig", warnings);
                oldExclude = lenientStringList(kubernetes, "exclude_namespaces", "kubernetes.exclude_namespaces",
                        warnings);
            }
        }
        if (ambient) {
            warnings.add("ambient_enabled is true, but ambient mode is not implemented by this plugin: "
                    + "carrying on with the sidecar flow");
        }

        String logLevel = !pluginLogLevel.isEmpty() ? pluginLogLevel
                : !oldLogLevel.isEmpty() ? oldLogLevel : DEFAULT_LOG_LEVEL;
        String kubeconfig = !runDir.isEmpty() ? join(runDir, KUBECONFIG_FILE)
                : !oldKubeconfig.isEmpty() ? oldKubeconfig : join(DEFAULT_RUN_DIR, KUBECONFIG_FILE);
        String socket;
        String logDir;
        if (!runDir.isEmpty()) {
            socket = join(runDir, LOG_SOCKET_FILE);
            logDir = clean(runDir);
        } else if (!oldSocket.isEmpty()) {
            socket = oldSocket;
            logDir = dir(oldSocket);
        } else {
            socket = join(DEFAULT_RUN_DIR, LOG_SOCKET_FILE);
            logDir = DEFAULT_RUN_DIR;
        }
        List<String> merged = new ArrayList<>(exclude.size() + oldExclude.size());
        for (String ns : exclude) {
            if (!ns.isEmpty() && !merged.contains(ns)) {
                merged.add(ns);
            }
        }
        for (String ns : oldExclude) {
            if (!ns.isEmpty() && !merged.contains(ns)) {
                merged.add(ns);
            }
        }
        return new NetConf(cniVersion, name, prevResult, logLevel, runDir, kubeconfig, socket, logDir,
                join(logDir, ROLLING_LOG_FILE), merged, podNamespace, nft, ambient, warnings);
    }

    private static String string(JsonNode config, String field) {
        JsonNode n = Json.field(config, field);
        if (n == null) {
            return "";
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(Json.typeError(n, STRUCT, field, "string"));
        }
        return n.textValue();
    }

    private static boolean bool(JsonNode config, String field) {
        JsonNode n = Json.field(config, field);
        if (n == null) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException(Json.typeError(n, STRUCT, field, "bool"));
        }
        return n.booleanValue();
    }

    private static List<String> stringList(JsonNode config, String field) {
        JsonNode n = Json.field(config, field);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(Json.typeError(n, STRUCT, field, "[]string"));
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (e.isNull()) {
                out.add("");
            } else if (!e.isTextual()) {
                throw new IllegalArgumentException(Json.typeError(e, STRUCT, field, "string"));
            } else {
                out.add(e.textValue());
            }
        }
        return out;
    }

    private static String lenientString(JsonNode parent, String field, String path, List<String> warnings) {
        JsonNode n = Json.field(parent, field);
        if (n == null) {
            return "";
        }
        if (!n.isTextual()) {
            warnings.add("ignoring " + path + ": expected a string, got " + Json.kind(n));
            return "";
        }
        return n.textValue();
    }

    private static List<String> lenientStringList(JsonNode parent, String field, String path,
            List<String> warnings) {
        JsonNode n = Json.field(parent, field);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            warnings.add("ignoring " + path + ": expected a list of strings, got " + Json.kind(n));
            return List.of();
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (e.isNull()) {
                continue;
            }
            if (!e.isTextual()) {
                warnings.add("ignoring " + path + ": expected a list of strings, found " + Json.kind(e));
                return List.of();
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** Go's {@code filepath.Join(dir, file)}. */
    static String join(String dir, String file) {
        return clean(dir.isEmpty() ? file : dir + "/" + file);
    }

    /** Go's {@code filepath.Dir}. */
    static String dir(String path) {
        int slash = path.lastIndexOf('/');
        return clean(slash < 0 ? "" : path.substring(0, slash + 1));
    }

    /** Go's {@code filepath.Clean} on Unix paths. */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < path.length()) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = path.length();
            }
            String part = path.substring(i, j);
            i = j + 1;
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty() && !parts.getLast().equals("..")) {
                    parts.removeLast();
                } else if (!rooted) {
                    parts.add(part);
                }
                continue;
            }
            parts.add(part);
        }
        String joined = String.join("/", parts);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }
}
