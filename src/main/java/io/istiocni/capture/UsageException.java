package io.istiocni.capture;

/** Bad command line or configuration: reported as one line on stderr, exit 1, before anything is applied. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
