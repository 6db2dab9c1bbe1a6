package io.istiocni.install;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.json.JsonTrees;
import io.istiocni.rules.GoQuote;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Choosing the primary CNI config in chained mode (install.md 6.1-6.4) from a listing of the conf dir, as a pure
 * decision: {@link Chosen}, {@link Wait} or {@link Error}.
 */
public final class ConfigChoice {

    private ConfigChoice() {
    }

    /** The outcome of the choice; {@code warnings} are to be logged (invalid candidates, preemption). */
    public sealed interface Decision permits Chosen, Wait, Error {
        List<String> warnings();
    }

    /** Use this file (a name in the conf dir). */
    public record Chosen(String fileName, List<String> warnings) implements Decision {
        public Chosen {
            warnings = List.copyOf(warnings);
        }
    }

    /** Nothing to use yet: wait for a change in the conf dir. */
    public record Wait(String reason, List<String> warnings) implements Decision {
        public Wait {
            warnings = List.copyOf(warnings);
        }
    }

    /** The choice cannot be made with these settings (a one-line reason). */
    public record Error(String reason, List<String> warnings) implements Decision {
        public Error {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Chooses the file to modify.
     *
     * @param confName the name to use: {@code CNI_CONF_NAME}, or the name kept from the first install (6.5); null or
     *                 empty to choose automatically
     * @param files    the regular files directly in the conf dir (symbolic links followed; directories left out), name
     *                 to content; a null content means the file could not be read
     */
    public static Decision choose(String confName, Map<String, byte[]> files) {
        List<String> warnings = new ArrayList<>();
        List<String> names = new ArrayList<>(files.keySet());
        names.sort(ConfJson::compareBytes);
        if (confName != null && !confName.isEmpty()) {
            if (confName.contains("/") || confName.equals(".") || confName.equals("..")) {
                return new Error("CNI_CONF_NAME " + GoQuote.quote(confName)
                        + " is not a file name in the CNI config directory", warnings);
            }
            String chosen = null;
            if (files.containsKey(confName)) {
                chosen = confName;
            } else if (confName.endsWith(".conf") && files.containsKey(confName + "list")) {
                chosen = confName + "list";
            } else if (confName.endsWith(".conflist")
                    && files.containsKey(confName.substring(0, confName.length() - 4))) {
                chosen = confName.substring(0, confName.length() - 4);
            }
            if (chosen == null) {
                return new Wait("CNI config file " + confName + " (or its .conf/.conflist twin) does not exist yet",
                        warnings);
            }
            for (String n : names) {
                if (ConfJson.compareBytes(n, chosen) >= 0) {
                    break;
                }
                if (isCandidate(n) && invalidReason(n, files.get(n)) == null) {
                    warnings.add("CNI config file " + chosen + " preempted by " + n);
                    break;
                }
            }
            return new Chosen(chosen, warnings);
        }
        for (String n : names) {
            if (!isCandidate(n)) {
                continue;
            }
            String why = invalidReason(n, files.get(n));
            if (why == null) {
                return new Chosen(n, warnings);
            }
            warnings.add("skipping invalid CNI config " + n + ": " + why);
        }
        return new Wait("istio-cni is configured as chained plugin, but no valid network config exists yet in the"
                + " CNI config directory", warnings);
    }

    /** Whether a name counts as a network config file: the text after the last dot is {@code conf} or conflist. */
    public static boolean isCandidate(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return false;
        }
        String ext = name.substring(dot + 1);
        return ext.equals("conf") || ext.equals("conflist");
    }

    /**
     * Why a candidate is not a valid network config (install.md 6.1), or null when it is valid.
     *
     * @param name    the file name (its extension decides between single config and list)
     * @param content the bytes, null when unreadable
     */
    public static String invalidReason(String name, byte[] content) {
        if (content == null) {
            return "cannot be read";
        }
        JsonNode root;
        try {
            root = ConfJson.parse(content);
        } catch (IllegalArgumentException e) {
            return "not JSON: " + e.getMessage();
        }
        if (!root.isObject()) {
            return "a JSON " + JsonTrees.kind(root) + ", not an object";
        }
        if (name.endsWith(".conflist")) {
            JsonNode listName = root.get("name");
            if (listName == null || !listName.isTextual()) {
                return "no string \"name\"";
            }
            JsonNode version = root.get("cniVersion");
            if (version != null && !version.isTextual()) {
                return "\"cniVersion\" is not a string";
            }
            JsonNode plugins = root.get("plugins");
            if (plugins == null || !plugins.isArray()) {
                return "no \"plugins\" array";
            }
            if (plugins.isEmpty()) {
                return "\"plugins\" is empty";
            }
            for (int i = 0; i < plugins.size(); i++) {
                String why = netConfReason(plugins.get(i));
                if (why != null) {
                    return "plugin " + i + ": " + why;
                }
            }
            return null;
        }
        return netConfReason(root);
    }

    /** The checks of one network config (a {@code .conf} or an element of {@code plugins}). */
    private static String netConfReason(JsonNode conf) {
        if (!conf.isObject()) {
            return "a JSON " + JsonTrees.kind(conf) + ", not an object";
        }
        JsonNode type = conf.get("type");
        if (type == null || !type.isTextual() || type.textValue().isEmpty()) {
            return "no non-empty string \"type\"";
        }
        for (String key : List.of("name", "cniVersion")) {
            JsonNode v = conf.get(key);
            if (v != null && !v.isNull() && !v.isTextual()) {
                return "\"" + key + "\" is not a string";
            }
        }
        for (String key : List.of("ipam", "dns", "capabilities")) {
            JsonNode v = conf.get(key);
            if (v != null && !v.isNull() && !v.isObject()) {
                return "\"" + key + "\" is not an object";
            }
        }
        JsonNode caps = conf.get("capabilities");
        if (caps != null && caps.isObject()) {
            for (Iterator<JsonNode> it = caps.elements(); it.hasNext(); ) {
                JsonNode c = it.next();
                if (!c.isBoolean() && !c.isNull()) {
                    return "\"capabilities\" holds a value that is not a boolean";
                }
            }
        }
        return null;
    }
}
