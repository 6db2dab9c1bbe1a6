package io.istiocni.pod;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.istiocni.rules.GoQuote;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one Pod from YAML or JSON (a {@code kubectl get pod -o yaml} file, or the API server's JSON response),
 * using Jackson's tree model only (no reflective data binding, so it works unchanged in a native image).
 * Missing fields take their empty defaults. Errors are {@link IllegalArgumentException}s with a one-line message
 * starting with {@code not a Pod manifest:} (not a single Pod object) or {@code invalid Pod manifest:} (a field of
 * the wrong type).
 */
public final class PodManifests {

    /** Made on first use: the plugin reads JSON only, and YAML's set-up would cost every pod's ADD. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
    }

    private PodManifests() {
    }

    /** Parses YAML, or JSON when the text (after leading white space) starts with <code>{</code>. */
    public static PodManifest parse(String text) {
        if (text == null) {
            throw notAPod("empty document");
        }
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return fromTree(body.stripLeading().startsWith("{") ? readJson(body) : readYaml(body));
    }

    /**
     * A Pod chosen from a manifest file, and what to tell the user about the choice (null when the file held the Pod
     * itself).
     */
    public record Chosen(PodManifest pod, String note) {
    }

    /**
     * What an operator hands {@code --pod}: a Pod, or the one-item {@code List}/{@code PodList} that
     * {@code kubectl get pod -l ... -o yaml} prints, whose item is taken (and said so). An empty list, or one of
     * several items, is refused with a hint, since the rules of one pod are asked for.
     */
    public static Chosen parseManifestFile(String text) {
        if (text == null) {
            throw notAPod("empty document");
        }
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        JsonNode root = body.stripLeading().startsWith("{") ? readJson(body) : readYaml(body);
        JsonNode kind = root == null ? null : root.get("kind");
        if (kind == null || !kind.isTextual() || !(kind.textValue().equals("List") || kind.textValue().equals("PodList"))) {
            return new Chosen(fromTree(root), null);
        }
        JsonNode items = root.get("items");
        String what = "a " + kind.textValue();
        if (items == null || items.isNull() || items.isArray() && items.isEmpty()) {
            throw notAPod(what + " without items (no pod matched?)");
        }
        if (!items.isArray()) {
            throw invalid("items", "expected an array, got " + describe(items));
        }
        if (items.size() > 1) {
            List<String> names = new ArrayList<>();
            for (JsonNode item : items) {
                names.add(itemName(item));
                if (names.size() == 3 && items.size() > 3) {
                    names.add("...");
                    break;
                }
            }
            throw notAPod(what + " of " + items.size() + " items (" + String.join(", ", names)
                    + "): give one pod (kubectl get pod NAME -n NAMESPACE -o yaml)");
        }
        PodManifest pod = fromTree(items.get(0));
        return new Chosen(pod, "took the only item of " + what + ": pod " + pod.namespace() + "/" + pod.name());
    }

    private static String itemName(JsonNode item) {
        JsonNode meta = item == null ? null : item.get("metadata");
        JsonNode ns = meta == null ? null : meta.get("namespace");
        JsonNode name = meta == null ? null : meta.get("name");
        return (ns != null && ns.isTextual() ? ns.textValue() + "/" : "") + (name != null && name.isTextual()
                ? name.textValue() : "?");
    }

    /** Builds the manifest from an already parsed tree (for callers that hold the API response as a tree). */
    public static PodManifest fromTree(JsonNode root) {
        if (root == null || root.isNull() || root.isMissingNode()) {
            throw notAPod("empty document");
        }
        if (!root.isObject()) {
            throw notAPod("the document is " + describe(root) + ", not an object");
        }
        JsonNode kind = root.get("kind");
        if (kind != null && !kind.isNull()) {
            if (!kind.isTextual()) {
                throw notAPod("kind is " + describe(kind));
            }
            if (!kind.textValue().equals("Pod")) {
                throw notAPod("kind is " + GoQuote.quote(kind.textValue()) + ", expected \"Pod\"");
            }
        } else if (!root.has("metadata") && !root.has("spec")) {
            throw notAPod("no kind, metadata or spec");
        }

        JsonNode metadata = object(root, "metadata", "metadata");
        JsonNode spec = object(root, "spec", "spec");
        JsonNode status = object(root, "status", "status");

        String name = string(metadata, "name", "metadata.name");
        String namespace = string(metadata, "namespace", "metadata.namespace");
        Map<String, String> labels = stringMap(metadata, "labels", "metadata.labels");
        Map<String, String> annotations = stringMap(metadata, "annotations", "metadata.annotations");

        boolean hostNetwork = false;
        JsonNode hn = spec == null ? null : spec.get("hostNetwork");
        if (hn != null && !hn.isNull()) {
            if (!hn.isBoolean()) {
                throw invalid("spec.hostNetwork", "expected a boolean, got " + describe(hn));
            }
            hostNetwork = hn.booleanValue();
        }
        boolean hostUsers = true;
        JsonNode hu = spec == null ? null : spec.get("hostUsers");
        if (hu != null && !hu.isNull()) {
            if (!hu.isBoolean()) {
                throw invalid("spec.hostUsers", "expected a boolean, got " + describe(hu));
            }
            hostUsers = hu.booleanValue();
        }
        List<PodManifest.Container> initContainers = containers(spec, "initContainers");
        List<PodManifest.Container> containers = containers(spec, "containers");

        String podIP = status == null ? null : stringOrNull(status, "podIP", "status.podIP");
        List<String> podIPs = new ArrayList<>();
        JsonNode ips = array(status, "podIPs", "status.podIPs");
        if (ips != null) {
            for (int i = 0; i < ips.size(); i++) {
                String path = "status.podIPs[" + i + "]";
                JsonNode entry = ips.get(i);
                if (entry == null || entry.isNull()) {
                    continue;
                }
                if (!entry.isObject()) {
                    throw invalid(path, "expected an object, got " + describe(entry));
                }
                String ip = stringOrNull(entry, "ip", path + ".ip");
                if (ip != null) {
                    podIPs.add(ip);
                }
            }
        }
        return new PodManifest(name, namespace, labels, annotations, hostNetwork, initContainers, containers, podIP,
                podIPs, hostUsers);
    }

    private static JsonNode readJson(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw notAPod("invalid JSON: " + message(e));
        }
    }

    private static JsonNode readYaml(String text) {
        List<JsonNode> documents = new ArrayList<>();
        // one tree per YAML document (readValues would unwrap a top-level list instead)
        try (JsonParser parser = Yaml.MAPPER.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                JsonNode doc = Yaml.MAPPER.readTree(parser);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(doc);
                }
            }
        } catch (JsonProcessingException e) {
            throw notAPod("invalid YAML: " + message(e));
        } catch (IOException e) {
            throw notAPod("invalid YAML: " + oneLine(String.valueOf(e.getMessage())));
        }
        if (documents.isEmpty()) {
            throw notAPod("empty document");
        }
        if (documents.size() > 1) {
            throw notAPod("the input holds " + documents.size() + " YAML documents, expected one Pod");
        }
        return documents.get(0);
    }

    private static List<PodManifest.Container> containers(JsonNode spec, String field) {
        List<PodManifest.Container> out = new ArrayList<>();
        JsonNode list = array(spec, field, "spec." + field);
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "spec." + field + "[" + i + "]";
            JsonNode c = list.get(i);
            if (c == null || c.isNull()) {
                continue;
            }
            if (!c.isObject()) {
                throw invalid(path, "expected an object, got " + describe(c));
            }
            String name = string(c, "name", path + ".name");
            List<String> args = new ArrayList<>();
            JsonNode argList = array(c, "args", path + ".args");
            if (argList != null) {
                for (int k = 0; k < argList.size(); k++) {
                    args.add(scalarString(argList.get(k), path + ".args[" + k + "]"));
                }
            }
            Map<String, String> env = new LinkedHashMap<>();
            JsonNode envList = array(c, "env", path + ".env");
            if (envList != null) {
                for (int k = 0; k < envList.size(); k++) {
                    String envPath = path + ".env[" + k + "]";
                    JsonNode e = envList.get(k);
                    if (e == null || e.isNull()) {
                        continue;
                    }
                    if (!e.isObject()) {
                        throw invalid(envPath, "expected an object, got " + describe(e));
                    }
                    // valueFrom entries (and entries without a value) count as the empty string
                    env.put(string(e, "name", envPath + ".name"), string(e, "value", envPath + ".value"));
                }
            }
            JsonNode sc = object(c, "securityContext", path + ".securityContext");
            Long runAsUser = id(sc, "runAsUser", path + ".securityContext.runAsUser");
            Long runAsGroup = id(sc, "runAsGroup", path + ".securityContext.runAsGroup");
            out.add(new PodManifest.Container(name, args, env, runAsUser, runAsGroup));
        }
        return out;
    }

    private static Long id(JsonNode parent, String field, String path) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw invalid(path, "expected an integer, got " + describe(n));
        }
        long id = n.longValue();
        if (id < 0 || id > Integer.MAX_VALUE) {
            // Kubernetes' own validation: between 0 and 2147483647, inclusive
            throw invalid(path, id + " is not between 0 and 2147483647");
        }
        return id;
    }

    private static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw invalid(path, "expected an object, got " + describe(n));
        }
        return n;
    }

    private static JsonNode array(JsonNode parent, String field, String path) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw invalid(path, "expected a list, got " + describe(n));
        }
        return n;
    }

    private static String string(JsonNode parent, String field, String path) {
        String s = stringOrNull(parent, field, path);
        return s == null ? "" : s;
    }

    private static String stringOrNull(JsonNode parent, String field, String path) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return scalarString(n, path);
    }

    private static String scalarString(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw invalid(path, "expected a string, got " + describe(n) + " (quote the value)");
        }
        return n.textValue();
    }

    private static Map<String, String> stringMap(JsonNode parent, String field, String path) {
        JsonNode n = object(parent, field, path);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            out.put(e.getKey(), scalarString(e.getValue(), path + "[" + GoQuote.quote(e.getKey()) + "]"));
        }
        return out;
    }

    private static String describe(JsonNode n) {
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isBoolean()) {
            return "a boolean (" + n.asText() + ")";
        }
        if (n.isNumber()) {
            return "a number (" + n.asText() + ")";
        }
        if (n.isTextual()) {
            return "a string (" + GoQuote.quote(n.textValue()) + ")";
        }
        return "a " + n.getNodeType().name().toLowerCase();
    }

    private static String message(JsonProcessingException e) {
        return io.istiocni.json.ParseErrors.describe(e);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static IllegalArgumentException notAPod(String why) {
        return new IllegalArgumentException("not a Pod manifest: " + why);
    }

    private static IllegalArgumentException invalid(String path, String why) {
        return new IllegalArgumentException("invalid Pod manifest: " + path + ": " + why);
    }
}
