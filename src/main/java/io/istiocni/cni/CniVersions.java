package io.istiocni.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The CNI versions this plugin speaks and the CNI library's version rules (plugin.md 2.2, 3.x). */
public final class CniVersions {

    /** Supported versions, in this order. */
    public static final List<String> SUPPORTED =
            List.of("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    /** The version of VERSION's answer and of error objects when the configuration's is not usable. */
    public static final String LATEST = "1.1.0";

    /** VERSION's exact output line (without the newline). */
    static final String VERSION_LINE = "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\",\"0.2.0\","
            + "\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}";

    /** Result format families (plugin.md 5.1). */
    public enum Family {
        /** 0.1.0, 0.2.0: {@code ip4}/{@code ip6}. */
        V02,
        /** 0.3.0, 0.3.1, 0.4.0: {@code interfaces}, {@code ips} with {@code version}. */
        V04,
        /** 1.0.0, 1.1.0. */
        V1
    }

    private CniVersions() {
    }

    public static boolean isSupported(String version) {
        return SUPPORTED.contains(version);
    }

    /** The family of a supported version. */
    public static Family family(String version) {
        return switch (version) {
            case "0.1.0", "0.2.0" -> Family.V02;
            case "0.3.0", "0.3.1", "0.4.0" -> Family.V04;
            case "1.0.0", "1.1.0" -> Family.V1;
            default -> throw new IllegalArgumentException("unsupported CNI result version " + GoText.quote(version));
        };
    }

    /**
     * The configuration's {@code cniVersion} as the CNI library decodes it: absent, null or empty is {@code 0.1.0};
     * a non-string value is error 6.
     */
    static String decode(JsonNode config) throws CniException {
        JsonNode v = Json.field(config, "cniVersion");
        if (v == null) {
            return "0.1.0";
        }
        if (!v.isTextual()) {
            throw new CniException(CniException.DECODING_FAILURE, "decoding version from network config: "
                    + "json: cannot unmarshal " + Json.kind(v) + " into Go struct field .cniVersion of type string",
                    "");
        }
        return v.textValue().isEmpty() ? "0.1.0" : v.textValue();
    }

    /** The decoded version when it is readable and supported, else null (for the error object's version). */
    static String readableSupported(JsonNode config) {
        JsonNode v = Json.field(config, "cniVersion");
        String version = v == null ? "0.1.0" : v.isTextual() ? (v.textValue().isEmpty() ? "0.1.0" : v.textValue())
                : null;
        return version != null && isSupported(version) ? version : null;
    }

    /** Exact match against {@link #SUPPORTED} → else error 1 {@code incompatible CNI versions}. */
    static void checkSupported(String version) throws CniException {
        if (!isSupported(version)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "incompatible CNI versions",
                    "config is " + GoText.quote(version) + ", plugin supports " + GoText.quoteList(SUPPORTED));
        }
    }

    /**
     * The rule of CHECK, STATUS and GC: the configuration's version at least {@code minimum} (error 1
     * {@code config version does not allow <cmd>}), some supported version at least the configuration's (error 1
     * {@code plugin version does not allow <cmd>}), then the exact check. Unparsable versions are error 6.
     */
    static void checkAtLeast(String version, String minimum, String command) throws CniException {
        if (!greaterOrEqual(version, minimum)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "config version does not allow " + command, "");
        }
        for (String supported : SUPPORTED) {
            if (greaterOrEqual(supported, version)) {
                checkSupported(version);
                return;
            }
        }
        throw new CniException(CniException.INCOMPATIBLE_VERSION, "plugin version does not allow " + command, "");
    }

    /** {@code a >= b}, both parsed as major.minor.patch. */
    static boolean greaterOrEqual(String a, String b) throws CniException {
        long[] x = parse(a);
        long[] y = parse(b);
        for (int i = 0; i < 3; i++) {
            if (x[i] != y[i]) {
                return x[i] > y[i];
            }
        }
        return true;
    }

    /** The library's {@code ParseVersion}: up to three parts, each Go's {@code strconv.Atoi}; "" is 0.1.0. */
    static long[] parse(String version) throws CniException {
        if (version.isEmpty()) {
            return new long[] {0, 1, 0};
        }
        String[] parts = split(version);
        if (parts.length >= 4) {
            throw decoding("invalid version " + GoText.quote(version) + ": too many parts");
        }
        long[] out = new long[3];
        String[] names = {"major", "minor", "micro"};
        for (int i = 0; i < parts.length; i++) {
            String err = atoiError(parts[i]);
            if (err != null) {
                throw decoding("failed to convert " + names[i] + " version part " + GoText.quote(parts[i]) + ": "
                        + err);
            }
            out[i] = Long.parseLong(parts[i].startsWith("+") ? parts[i].substring(1) : parts[i]);
        }
        return out;
    }

    private static String[] split(String version) {
        int n = 1;
        for (int i = 0; i < version.length(); i++) {
            if (version.charAt(i) == '.') {
                n++;
            }
        }
        String[] out = new String[n];
        int start = 0;
        int k = 0;
        for (int i = 0; i <= version.length(); i++) {
            if (i == version.length() || version.charAt(i) == '.') {
                out[k++] = version.substring(start, i);
                start = i + 1;
            }
        }
        return out;
    }

    /** Go's {@code strconv.Atoi} error text for {@code s}, or null when it parses (64-bit int). */
    private static String atoiError(String s) {
        String digits = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        if (digits.isEmpty()) {
            return "strconv.Atoi: parsing " + GoText.quote(s) + ": invalid syntax";
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return "strconv.Atoi: parsing " + GoText.quote(s) + ": invalid syntax";
            }
        }
        try {
            Long.parseLong(s.startsWith("+") ? digits : s);
            return null;
        } catch (NumberFormatException e) {
            return "strconv.Atoi: parsing " + GoText.quote(s) + ": value out of range";
        }
    }

    private static CniException decoding(String msg) {
        return new CniException(CniException.DECODING_FAILURE, msg, "");
    }
}
