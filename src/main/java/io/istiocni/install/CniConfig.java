package io.istiocni.install;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.json.JsonTrees;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The CNI config content the installer writes (install.md section 7 and 10), as pure functions over file contents:
 * the istio-cni plugin entry, the chained insertion (with the {@code .conf} to {@code .conflist} conversion), the
 * standalone file, the validity check of section 8 and the cleanup. Every result is in Istio's output form (7.4).
 */
public final class CniConfig {

    public static final String PLUGIN_TYPE = "istio-cni";
    public static final String LIST_NAME = "k8s-pod-network";
    public static final String CNI_VERSION = "0.3.1";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CniConfig() {
    }

    /**
     * The result of inserting our entry into a chained config.
     *
     * @param fileName the file to write (the chosen file itself)
     * @param content  the new content (sorted keys, two-space indent, final newline)
     * @param renameTo after the write, rename the file to this name ({@code X.conf} -> {@code X.conflist}); null when
     *                 the name stays
     */
    public record Insertion(String fileName, String content, String renameTo) {

        /** The name the file has once the insertion is complete. */
        public String finalName() {
            return renameTo == null ? fileName : renameTo;
        }

        public byte[] bytes() {
            return content.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * The istio-cni plugin entry (install.md 7.1) in Istio's key order, with {@code cniVersion} (as in the standalone
     * file; {@link #insert} drops it).
     */
    public static ObjectNode pluginEntry(InstallSettings s) {
        ObjectNode e = NODES.objectNode();
        e.put("cniVersion", CNI_VERSION);
        e.put("name", PLUGIN_TYPE);
        e.put("type", PLUGIN_TYPE);
        e.set("ipam", NODES.objectNode());
        e.set("dns", NODES.objectNode());
        e.put("plugin_log_level", s.pluginLogLevel());
        e.put("cni_agent_run_dir", s.cniAgentRunDir());
        e.put("ambient_enabled", false);
        e.set("enablement_selectors", NODES.arrayNode());
        if (s.excludeNamespaces().isEmpty()) {
            e.putNull("exclude_namespaces");
        } else {
            ArrayNode ns = e.putArray("exclude_namespaces");
            s.excludeNamespaces().forEach(ns::add);
        }
        e.put("pod_namespace", s.podNamespace());
        e.put("native_nftables", s.nativeNftables());
        e.put("enable_ambient_detection_retry", s.enableAmbientDetectionRetry());
        return e;
    }

    /** The standalone config file (install.md 7.3): the entry with {@code cniVersion}, keys in the order of 7.1. */
    public static String standalone(InstallSettings s) {
        return ConfJson.writeOrdered(pluginEntry(s));
    }

    /**
     * Inserts our entry into the chained config {@code fileName} (install.md 7.2): a single network config (top-level
     * {@code type}) becomes a {@code k8s-pod-network}/0.3.1 list of it (without its {@code cniVersion}) and our
     * entry; in a list the first {@code istio-cni} plugin is removed and our entry appended. Everything else is kept.
     * A {@code .conf} file is to be renamed to {@code .conflist}.
     *
     * @throws InstallException (one line naming the file) when the content cannot take the entry; the file must then
     *                          be left untouched
     */
    public static Insertion insert(String fileName, byte[] content, InstallSettings s) {
        ObjectNode root = parseObject(fileName, content);
        ObjectNode entry = pluginEntry(s);
        entry.remove("cniVersion");
        ObjectNode out;
        if (root.has("type")) {
            ObjectNode single = root.deepCopy();
            single.remove("cniVersion");
            out = NODES.objectNode();
            out.put("cniVersion", CNI_VERSION);
            out.put("name", LIST_NAME);
            ArrayNode plugins = out.putArray("plugins");
            plugins.add(single);
            plugins.add(entry);
        } else {
            out = root.deepCopy();
            ArrayNode plugins = pluginList(fileName, out);
            for (int i = 0; i < plugins.size(); i++) {
                if (isOurs(plugins.get(i))) {
                    plugins.remove(i);
                    break;
                }
            }
            plugins.add(entry);
        }
        String renameTo = fileName.endsWith(".conf") ? fileName + "list" : null;
        return new Insertion(fileName, ConfJson.writeSorted(out), renameTo);
    }

    /**
     * Cleanup of a chained config (install.md 10): the content without the first {@code istio-cni} plugin, in the
     * sorted output form; empty when there is nothing of ours in it (the file is then left as it is).
     *
     * @throws InstallException when the file is not a JSON object (leave it untouched)
     */
    public static Optional<String> removeEntry(String fileName, byte[] content) {
        ObjectNode out = parseObject(fileName, content);
        JsonNode plugins = out.get("plugins");
        if (plugins == null || !plugins.isArray()) {
            return Optional.empty(); // not a list (any more): nothing of ours in it
        }
        for (int i = 0; i < plugins.size(); i++) {
            if (isOurs(plugins.get(i))) {
                ((ArrayNode) plugins).remove(i);
                return Optional.of(ConfJson.writeSorted(out));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a chained config still holds our entry (install.md 8 step 2): a JSON object with a {@code plugins}
     * array one of whose elements is an object of type {@code istio-cni}.
     */
    public static boolean chainedInstalled(byte[] content) {
        try {
            JsonNode root = ConfJson.parse(content);
            JsonNode plugins = root.isObject() ? root.get("plugins") : null;
            if (plugins == null || !plugins.isArray()) {
                return false;
            }
            for (JsonNode p : plugins) {
                if (isOurs(p)) {
                    return true;
                }
            }
            return false;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether our standalone file is still in place: a JSON object whose top-level {@code type} is istio-cni. */
    public static boolean standaloneInstalled(byte[] content) {
        try {
            JsonNode root = ConfJson.parse(content);
            return root.isObject() && PLUGIN_TYPE.equals(textOrNull(root.get("type")));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isOurs(JsonNode plugin) {
        return plugin != null && plugin.isObject() && PLUGIN_TYPE.equals(textOrNull(plugin.get("type")));
    }

    private static String textOrNull(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static ObjectNode parseObject(String fileName, byte[] content) {
        JsonNode root;
        try {
            root = ConfJson.parse(content);
        } catch (IllegalArgumentException e) {
            throw new InstallException("error loading existing CNI config " + fileName + " (JSON error): "
                    + e.getMessage());
        }
        if (!root.isObject()) {
            throw new InstallException("error loading existing CNI config " + fileName
                    + " (JSON error): a JSON " + JsonTrees.kind(root) + ", not an object");
        }
        return (ObjectNode) root;
    }

    private static ArrayNode pluginList(String fileName, ObjectNode root) {
        JsonNode plugins = root.get("plugins");
        if (plugins == null || !plugins.isArray()) {
            throw new InstallException("existing CNI config " + fileName + ": error reading plugin list from CNI"
                    + " config: " + (plugins == null ? "no \"type\" and no \"plugins\" key"
                            : "\"plugins\" is a JSON " + JsonTrees.kind(plugins) + ", not an array"));
        }
        for (int i = 0; i < plugins.size(); i++) {
            if (!plugins.get(i).isObject()) {
                throw new InstallException("existing CNI config " + fileName + ": error reading plugin list from CNI"
                        + " config: plugin " + i + " is a JSON " + JsonTrees.kind(plugins.get(i)) + ", not an object");
            }
        }
        return (ArrayNode) plugins;
    }
}
