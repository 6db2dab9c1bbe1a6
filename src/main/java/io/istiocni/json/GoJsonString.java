package io.istiocni.json;

/**
 * JSON string literals the way Istio's Go code writes them. Istio writes JSON through two encoders whose string
 * escaping really differs, so the caller names the one it stands in for (see {@link Style}).
 *
 * <p>Both write a lone UTF-16 surrogate as U+FFFD, the character itself: a Java string only holds one when our
 * JSON reader kept a <code>"&#92;ud800"</code> escape, where Go's decoder had already put U+FFFD into the string, which its
 * encoders then write as it is. (Go writes the escape <code>&#92;ufffd</code> for bytes that are not UTF-8, which a Java
 * string cannot hold.) The output is therefore always valid UTF-16 and encodes to valid UTF-8.
 */
public final class GoJsonString {

    /** Which of Go's encoders the output must match byte for byte. */
    public enum Style {
        /**
         * {@code encoding/json}'s {@code Marshal} (Go 1.22 and later): HTML-safe ({@code <}, {@code >}, {@code &}
         * as <code>&#92;u003c</code>, <code>&#92;u003e</code>, <code>&#92;u0026</code>), U+2028 and U+2029 escaped, {@code \b} and {@code \f}
         * in short form. CNI config files, CNI results, the body of the log socket's {@code POST /log}.
         */
        ENCODING_JSON,
        /**
         * zap's JSON encoder (Istio's JSON log lines): only {@code "}, {@code \}, {@code \n}, {@code \r},
         * {@code \t} in short form, the other control characters as <code>&#92;u00XX</code>, everything else as it is.
         */
        ZAP
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private GoJsonString() {
    }

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s, Style style) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        append(out, s, style);
        return out.toString();
    }

    /** Appends {@code s} as a JSON string literal, quotes included. */
    public static void append(StringBuilder out, String s, Style style) {
        boolean goJson = style == Style.ENCODING_JSON;
        out.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append(goJson ? "\\b" : "\\u0008");
                case '\f' -> out.append(goJson ? "\\f" : "\\u000c");
                case '<', '>', '&', '\u2028', '\u2029' -> {
                    if (goJson) {
                        unicode(out, c);
                    } else {
                        out.append(c);
                    }
                }
                default -> {
                    if (c < 0x20) {
                        unicode(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicode(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
    }
}
