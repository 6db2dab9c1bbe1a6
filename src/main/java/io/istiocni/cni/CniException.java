package io.istiocni.cni;

/**
 * A failure reported to the runtime as the CNI error object (plugin.md section 6): code, message and details
 * (empty when there is nothing to add). The plugin logic reports its own failures with {@link #INTERNAL} (999).
 */
public class CniException extends Exception {

    /** The configuration's version is not supported, or does not allow the command. */
    public static final int INCOMPATIBLE_VERSION = 1;
    /** A required environment variable is missing or malformed, or the command is unknown. */
    public static final int INVALID_ENVIRONMENT = 4;
    /** stdin could not be read. */
    public static final int IO_FAILURE = 5;
    /** stdin (or its version) could not be decoded. */
    public static final int DECODING_FAILURE = 6;
    /** The network configuration is invalid (its name). */
    public static final int INVALID_NETWORK_CONFIG = 7;
    /** {@code CNI_NETNS} is the plugin's own network namespace. */
    public static final int INVALID_NETNS = 8;
    /** STATUS: the plugin cannot serve ADD now (CNI 1.1.0). */
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    /** Everything the plugin logic itself reports. */
    public static final int INTERNAL = 999;

    private final int code;
    private final String msg;
    private final String details;

    public CniException(int code, String msg, String details) {
        this(code, msg, details, null);
    }

    public CniException(int code, String msg, String details, Throwable cause) {
        super(msg, cause);
        this.code = code;
        this.msg = msg == null ? "" : msg;
        this.details = details == null ? "" : details;
    }

    /** Code 999 with empty details: how the plugin logic reports its failures. */
    public static CniException internal(String msg) {
        return new CniException(INTERNAL, msg, "");
    }

    /** Code 999 with empty details, keeping the cause for logs. */
    public static CniException internal(String msg, Throwable cause) {
        return new CniException(INTERNAL, msg, "", cause);
    }

    public int code() {
        return code;
    }

    public String msg() {
        return msg;
    }

    public String details() {
        return details;
    }

    @Override
    public String toString() {
        return "CNI error " + code + ": " + msg + (details.isEmpty() ? "" : " (" + details + ")");
    }
}
