package io.istiocni.netns;

/** No usable local address was found (capture.md 3.2): a configuration error. */
public class NoLocalAddressException extends RuntimeException {

    public static final String MESSAGE = "no valid local IP address found";

    public NoLocalAddressException() {
        super(MESSAGE);
    }
}
