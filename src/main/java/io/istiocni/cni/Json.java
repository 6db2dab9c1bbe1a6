package io.istiocni.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.json.GoJsonString;
import io.istiocni.json.JsonTrees;
import io.istiocni.json.ParseErrors;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The plugin's JSON: Jackson's streaming parser building Jackson's tree model directly (no {@code ObjectMapper},
 * no data binding, few classes on the critical path), key lookup the way Go's decoder matches struct fields, Go-like
 * type error messages, and a small writer for the output (Go's {@code MarshalIndent} layout, four spaces).
 *
 * <p>Output values are {@link Map} (insertion order kept), {@link List}, {@link String}, {@link Number} and
 * {@link Boolean}.
 */
public final class Json {

    private Json() {
    }

    /** Parses one JSON value filling the whole input (white space around it allowed). */
    public static JsonNode parse(byte[] data) {
        try {
            return JsonTrees.parse(data, JsonTrees.Fractions.DOUBLE, JsonTrees.RepeatedKeys.FIRST_PLACE);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(ParseErrors.describe(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(GoText.describe(e), e);
        }
    }

    /**
     * The value of {@code name} in {@code object} as Go's decoder finds it for a struct field: the exactly matching
     * key, otherwise a key equal ignoring case (the last such key). JSON {@code null} counts as absent: returns null.
     */
    public static JsonNode field(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode found = object.get(name);
        if (found == null) {
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    found = e.getValue();
                }
            }
        }
        return found == null || found.isNull() ? null : found;
    }

    /** The JSON type name Go uses in its "cannot unmarshal X into ..." errors. */
    static String kind(JsonNode n) {
        return n.isBoolean() ? "bool" : JsonTrees.kind(n);
    }

    /** Go's {@code json: cannot unmarshal <kind> into Go struct field <struct>.<path> of type <type>}. */
    static String typeError(JsonNode value, String struct, String path, String goType) {
        String what = kind(value);
        if (value.isNumber() && goType.equals("int")) {
            what = "number " + value.asText();
        }
        return "json: cannot unmarshal " + what + " into Go struct field " + struct + "." + path + " of type "
                + goType;
    }

    /** Go's {@code MarshalIndent(v, "", "    ")}: no trailing newline. */
    static String pretty(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value, 0, true);
        return sb.toString();
    }

    /** Go's {@code Marshal(v)}: compact, no trailing newline. */
    public static String compact(Object value) {
        StringBuilder sb = new StringBuilder(128);
        write(sb, value, 0, false);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth, boolean indent) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                newline(sb, depth + 1, indent);
                string(sb, String.valueOf(e.getKey()));
                sb.append(indent ? ": " : ":");
                write(sb, e.getValue(), depth + 1, indent);
            }
            newline(sb, depth, indent);
            sb.append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                newline(sb, depth + 1, indent);
                write(sb, l.get(i), depth + 1, indent);
            }
            newline(sb, depth, indent);
            sb.append(']');
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v == null) {
            sb.append("null");
        } else {
            sb.append(v); // Number, Boolean
        }
    }

    private static void newline(StringBuilder sb, int depth, boolean indent) {
        if (indent) {
            sb.append('\n');
            for (int i = 0; i < depth; i++) {
                sb.append("    ");
            }
        }
    }

    private static void string(StringBuilder sb, String s) {
        GoJsonString.append(sb, s, GoJsonString.Style.ENCODING_JSON);
    }
}
