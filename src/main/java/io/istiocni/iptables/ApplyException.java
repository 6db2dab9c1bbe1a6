package io.istiocni.iptables;

/** Applying, checking or cleaning up the capture rules failed; the message is one line meant for the user. */
public class ApplyException extends RuntimeException {

    public ApplyException(String message) {
        super(message);
    }

    public ApplyException(String message, Throwable cause) {
        super(message, cause);
    }
}
