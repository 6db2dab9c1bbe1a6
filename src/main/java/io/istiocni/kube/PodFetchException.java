package io.istiocni.kube;

/**
 * The pod could not be fetched. The message is the last failure's text: for an API error the {@code message} of the
 * Status the server sent (for example {@code pods "web-1" is forbidden: ...}), otherwise a description of the
 * transport failure. {@link #statusCode()} is the last HTTP status, or 0 when no response was received.
 */
public final class PodFetchException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int statusCode;

    public PodFetchException(String message, int statusCode) {
        super(message);
        this.statusCode = statusCode;
    }

    /** The HTTP status of the last failed attempt, 0 when it got no response. */
    public int statusCode() {
        return statusCode;
    }
}
