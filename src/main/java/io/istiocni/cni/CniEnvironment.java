package io.istiocni.cni;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The CNI environment variables and the checks made on them before any command (plugin.md 2.1, 2.2). */
final class CniEnvironment {

    static final String COMMAND = "CNI_COMMAND";
    static final String CONTAINER_ID = "CNI_CONTAINERID";
    static final String NETNS = "CNI_NETNS";
    static final String IFNAME = "CNI_IFNAME";
    static final String ARGS = "CNI_ARGS";
    static final String PATH = "CNI_PATH";
    static final String NETNS_OVERRIDE = "CNI_NETNS_OVERRIDE";

    /** Longest interface name in bytes (IFNAMSIZ - 1). */
    static final int MAX_IFNAME = 15;

    private CniEnvironment() {
    }

    /** The value of {@code name}, "" when absent. */
    static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null ? "" : v;
    }

    /** Whether {@code variable} must be present and non-empty for {@code command} (the table of 2.1). */
    static boolean required(String variable, String command) {
        return switch (variable) {
            case COMMAND -> true;
            case CONTAINER_ID, IFNAME -> isOneOf(command, "ADD", "CHECK", "DEL");
            case NETNS -> isOneOf(command, "ADD", "CHECK");
            case PATH -> isOneOf(command, "ADD", "CHECK", "DEL", "GC", "STATUS");
            default -> false;
        };
    }

    /** The required variables that are absent or empty, in the table's order; error 4 when there are any. */
    static void checkRequired(Map<String, String> env, String command) throws CniException {
        List<String> missing = new ArrayList<>(4);
        for (String name : new String[] {COMMAND, CONTAINER_ID, NETNS, IFNAME, ARGS, PATH, NETNS_OVERRIDE}) {
            if (required(name, command) && get(env, name).isEmpty()) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT,
                    "required env variables [" + String.join(",", missing) + "] missing", "");
        }
    }

    /** {@code CNI_CONTAINERID} must match {@code ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$}. */
    static void checkContainerId(String id) throws CniException {
        if (id.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "missing containerID", "");
        }
        if (!isValidName(id)) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "invalid characters in containerID", id);
        }
    }

    /** {@code CNI_IFNAME}: 1..15 bytes, not {@code .} or {@code ..}, no {@code /}, {@code :} or white space. */
    static void checkInterfaceName(String name) throws CniException {
        if (name.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "interface name is empty", "");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_IFNAME) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "interface name is too long",
                    "interface name should be less than " + (MAX_IFNAME + 1) + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "interface name is . or ..", "");
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (c == '/' || c == ':' || isGoSpace(c)) {
                throw new CniException(CniException.INVALID_ENVIRONMENT,
                        "interface name contains / or : or whitespace characters", "");
            }
            i += Character.charCount(c);
        }
    }

    /** The CNI library's name rule {@code ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$} (container IDs, network names). */
    static boolean isValidName(String s) {
        if (s.isEmpty() || !isAlnum(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isAlnum(c) && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Go's {@code unicode.IsSpace}. */
    static boolean isGoSpace(int c) {
        if (c <= 0xff) {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0;
        }
        return Character.isSpaceChar(c);
    }

    private static boolean isOneOf(String value, String... options) {
        for (String o : options) {
            if (o.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
