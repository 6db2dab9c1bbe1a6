package io.istiocni.cni;

import java.util.List;

/** Go's {@code %q} and {@code %v} renderings that appear in the CNI library's messages. */
final class GoText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private GoText() {
    }

    /** Go's {@code %q} of a string: one line, quotes and backslashes escaped, control characters as escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\u0007' -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\u000b' -> sb.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    static String quoteList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(quote(items.get(i)));
        }
        return sb.append(']').toString();
    }

    /** Go's {@code %v} of a {@code []string}: {@code [a b]}. */
    static String list(List<String> items) {
        return "[" + String.join(" ", items) + "]";
    }

    /** A throwable as one short line: its simple class name and message. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        String name = t.getClass().getSimpleName();
        String text = msg == null || msg.isBlank() ? name : name + ": " + msg;
        return oneLine(text);
    }

    /** Line breaks (and the white space around them) become single spaces. */
    static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                while (sb.length() > 0 && (sb.charAt(sb.length() - 1) == ' ' || sb.charAt(sb.length() - 1) == '\t')) {
                    sb.setLength(sb.length() - 1);
                }
                pendingSpace = sb.length() > 0;
                continue;
            }
            if (pendingSpace) {
                if (c == ' ' || c == '\t') {
                    continue;
                }
                sb.append(' ');
                pendingSpace = false;
            }
            sb.append(c);
        }
        return sb.toString().strip();
    }
}
