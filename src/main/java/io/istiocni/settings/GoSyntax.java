package io.istiocni.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The value syntax Istio's Go settings use; each parser throws {@link IllegalArgumentException} with the reason. */
final class GoSyntax {

    private GoSyntax() {
    }

    /** Go's {@code strconv.ParseBool}. */
    static boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new IllegalArgumentException("want true or false");
        };
    }

    /** Go's {@code strconv.ParseInt(s, 0, 64)}: decimal, {@code 0x} hex, {@code 0o} or leading-0 octal, {@code 0b}. */
    static long parseInt(String v) {
        String s = v;
        boolean negative = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        int radix = 10;
        boolean prefixed = false;
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
            prefixed = true;
        } else if (lower.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
            prefixed = true;
        } else if (lower.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
            prefixed = true;
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
            prefixed = true;
        }
        if (s.contains("_")) {
            // Go allows an underscore only between digits or right after a base prefix
            if (s.endsWith("_") || s.contains("__") || (s.startsWith("_") && !prefixed)) {
                s = "!";
            } else {
                s = s.replace("_", "");
            }
        }
        try {
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new NumberFormatException();
            }
            long n = Long.parseLong(s, radix);
            return negative ? -n : n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("want an integer: decimal, 0x hexadecimal or 0/0o octal");
        }
    }

    /** Comma-separated items, each trimmed, empty items dropped, order kept. */
    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String t = item.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }

    /** Go's {@code %q} of a string, for the one-line messages. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
