package io.istiocni.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Syntax checks shared by the command line and the pod annotations, so both accept exactly the same values. */
public final class ValueChecks {

    private static final Pattern INTERFACE_NAME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9_.\\-]*$");

    private ValueChecks() {
    }

    /** Istio's list rule: split on commas, drop empty items, keep the rest verbatim. */
    public static List<String> splitList(String value) {
        List<String> items = new ArrayList<>();
        if (value == null) {
            return items;
        }
        for (String item : value.split(",", -1)) {
            if (!item.isEmpty()) {
                items.add(item);
            }
        }
        return items;
    }

    /** A decimal port 0–65535. */
    public static boolean isPort(String value) {
        return isDecimalAtMost(value, 65535L);
    }

    /** A port, or a range {@code a:b} of two ports with {@code a <= b}. */
    public static boolean isPortOrRange(String value) {
        int colon = value.indexOf(':');
        if (colon < 0) {
            return isPort(value);
        }
        String low = value.substring(0, colon);
        String high = value.substring(colon + 1);
        return isPort(low) && isPort(high) && Long.parseLong(low) <= Long.parseLong(high);
    }

    /** A UID or GID as iptables' owner match takes it: 0–4294967294. */
    public static boolean isOwnerId(String value) {
        return isDecimalAtMost(value, 4294967294L);
    }

    /** An unsigned 32-bit decimal (marks, routing tables). */
    public static boolean isUint32(String value) {
        return isDecimalAtMost(value, 4294967295L);
    }

    /** A Linux interface name: 1–15 characters, a letter first, then letters, digits, {@code _ . -}. */
    public static boolean isInterfaceName(String value) {
        return !value.isEmpty() && value.length() <= 15 && INTERFACE_NAME.matcher(value).matches();
    }

    private static boolean isDecimalAtMost(String value, long max) {
        if (value.isEmpty() || value.length() > 10) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Long.parseLong(value) <= max;
    }

    /** Go's {@code strconv.ParseBool}; null when the text is not a boolean. */
    public static Boolean parseGoBool(String value) {
        return switch (value) {
            case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
            case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
            default -> null;
        };
    }
}
