package io.istiocni.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Strict JSON into Jackson's tree model with the streaming parser (no {@code ObjectMapper}, no data binding: few
 * classes on the plugin's start-up path, nothing reflective for the native build), shared by the plugin's stdin and
 * results ({@code cni}) and the CNI config files ({@code install}), which differ only in the two choices below.
 */
public final class JsonTrees {

    /** How a number with a fraction or an exponent is kept. */
    public enum Fractions {
        /** as a {@code double} (Go's {@code float64}: CNI results) */
        DOUBLE,
        /** exactly, as a {@code BigDecimal} (config files written back as they were) */
        EXACT
    }

    /** Where the value of a repeated key ends up (the last value wins either way). */
    public enum RepeatedKeys {
        /** at the key's first place */
        FIRST_PLACE,
        /** at the key's last place */
        LAST_PLACE
    }

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    /**
     * One JSON value filling the whole input (white space around it allowed).
     *
     * @throws IllegalArgumentException a one-line reason when the input ends early or has more after the value
     * @throws IOException              Jackson's parse error (a {@code JsonProcessingException}, see
     *                                  {@link ParseErrors}) or a read failure
     */
    public static JsonNode parse(byte[] data, Fractions fractions, RepeatedKeys repeatedKeys) throws IOException {
        try (JsonParser p = FACTORY.createParser(data)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IllegalArgumentException("unexpected end of JSON input");
            }
            JsonNode root = read(p, t, fractions, repeatedKeys);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("invalid character after top-level value");
            }
            return root;
        }
    }

    private static JsonNode read(JsonParser p, JsonToken t, Fractions fractions, RepeatedKeys repeatedKeys)
            throws IOException {
        if (t == null) {
            throw new IllegalArgumentException("unexpected end of JSON input");
        }
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonNode v = read(p, p.nextToken(), fractions, repeatedKeys);
                    if (repeatedKeys == RepeatedKeys.LAST_PLACE) {
                        o.remove(key);
                    }
                    o.set(key, v);
                }
                if (k != JsonToken.END_OBJECT) {
                    throw new IllegalArgumentException("unexpected end of JSON input");
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    a.add(read(p, e, fractions, repeatedKeys));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> fractions == Fractions.EXACT ? new DecimalNode(p.getDecimalValue())
                    : NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IllegalArgumentException("unexpected token " + t);
        };
    }

    /** The JSON type of a node: object, array, string, number, boolean or null. */
    public static String kind(JsonNode n) {
        if (n.isObject()) {
            return "object";
        }
        if (n.isArray()) {
            return "array";
        }
        if (n.isTextual()) {
            return "string";
        }
        if (n.isNumber()) {
            return "number";
        }
        if (n.isBoolean()) {
            return "boolean";
        }
        return "null";
    }
}
