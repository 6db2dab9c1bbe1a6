package io.istiocni.install;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.json.GoJsonString;
import io.istiocni.json.JsonTrees;
import io.istiocni.json.ParseErrors;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON of CNI config files (install.md 7.4): Jackson's streaming parser into the tree model, numbers kept exactly
 * (integers as integers, fractions as {@link BigDecimal}), the last of duplicate keys winning; and the writer of
 * Istio's layout (Go's {@code MarshalIndent} with two spaces: {@code "key": value}, {@code {}} and {@code []} for
 * empty containers, Go's string escapes including {@code <>&} and U+2028/U+2029, a final newline), either with the
 * keys sorted in byte order at every depth (rewritten chained files) or in insertion order (the standalone file).
 */
public final class ConfJson {

    private static final BigDecimal GO_PLAIN_MIN = new BigDecimal("1e-6");
    private static final BigDecimal GO_PLAIN_MAX = new BigDecimal("1e21");

    private ConfJson() {
    }

    /**
     * Parses one JSON value filling the whole input (white space around it allowed), as Go's reader does: a leading
     * byte-order mark is an error.
     *
     * @throws IllegalArgumentException with a one-line reason when the input is not a single JSON value
     */
    public static JsonNode parse(byte[] data) {
        if (data.length >= 3 && (data[0] & 0xff) == 0xef && (data[1] & 0xff) == 0xbb && (data[2] & 0xff) == 0xbf) {
            // Jackson skips a UTF-8 byte-order mark, Go's encoding/json (libcni, so the runtime) rejects the file
            throw new IllegalArgumentException("invalid character 'ï' looking for beginning of value"
                    + " (a UTF-8 byte-order mark, which libcni does not accept)");
        }
        try {
            return JsonTrees.parse(data, JsonTrees.Fractions.EXACT, JsonTrees.RepeatedKeys.LAST_PLACE);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(ParseErrors.describe(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(String.valueOf(e.getMessage()).replaceAll("\\s+", " "), e);
        }
    }

    /** {@link #parse(byte[])} of the UTF-8 bytes of {@code text}. */
    public static JsonNode parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Istio's layout with the keys of every object sorted in byte order (chained files, cleanup results). */
    public static String writeSorted(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0, true);
        return out.append('\n').toString();
    }

    /** Istio's layout with the keys in the objects' own order (the standalone file). */
    public static String writeOrdered(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0, false);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, JsonNode v, int depth, boolean sorted) {
        if (v.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            fields.addAll(v.properties());
            if (fields.isEmpty()) {
                out.append("{}");
                return;
            }
            if (sorted) {
                fields.sort((a, b) -> compareBytes(a.getKey(), b.getKey()));
            }
            out.append("{\n");
            for (int i = 0; i < fields.size(); i++) {
                indent(out, depth + 1);
                string(out, fields.get(i).getKey());
                out.append(": ");
                write(out, fields.get(i).getValue(), depth + 1, sorted);
                out.append(i + 1 < fields.size() ? ",\n" : "\n");
            }
            indent(out, depth);
            out.append('}');
        } else if (v.isArray()) {
            if (v.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            Iterator<JsonNode> it = v.elements();
            while (it.hasNext()) {
                indent(out, depth + 1);
                write(out, it.next(), depth + 1, sorted);
                out.append(it.hasNext() ? ",\n" : "\n");
            }
            indent(out, depth);
            out.append(']');
        } else if (v.isTextual()) {
            string(out, v.textValue());
        } else if (v.isBigDecimal() || v.isFloatingPointNumber()) {
            out.append(decimal(v.decimalValue()));
        } else if (v.isNumber()) {
            out.append(v.bigIntegerValue().toString());
        } else if (v.isBoolean()) {
            out.append(v.booleanValue());
        } else {
            out.append("null");
        }
    }

    /**
     * A fraction written as Go writes a float64 of the same value (plain between 1e-6 and 1e21, else
     * {@code d.ddde+XX}), without going through a double: the value is kept exactly.
     */
    static String decimal(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        BigDecimal abs = d.abs();
        BigDecimal s = d.stripTrailingZeros();
        if (abs.compareTo(GO_PLAIN_MIN) >= 0 && abs.compareTo(GO_PLAIN_MAX) < 0) {
            return s.toPlainString();
        }
        BigInteger unscaled = s.unscaledValue().abs();
        String digits = unscaled.toString();
        int exp = digits.length() - 1 - s.scale();
        StringBuilder b = new StringBuilder();
        if (d.signum() < 0) {
            b.append('-');
        }
        b.append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exp < 0 ? '-' : '+');
        int e = Math.abs(exp);
        if (e < 10) {
            b.append('0');
        }
        return b.append(e).toString();
    }

    private static void indent(StringBuilder out, int depth) {
        out.append("  ".repeat(depth));
    }

    private static void string(StringBuilder out, String s) {
        GoJsonString.append(out, s, GoJsonString.Style.ENCODING_JSON);
    }

    /** Byte order of the UTF-8 encodings (the C locale order of file names and Go's map key order). */
    public static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
