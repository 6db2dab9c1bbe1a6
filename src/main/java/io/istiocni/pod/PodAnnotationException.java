package io.istiocni.pod;

import io.istiocni.rules.GoQuote;
/**
 * A traffic annotation with an invalid value (plugin.md 7.8). The message is one line:
 * {@code annotation value error for value <name>; annotationFound = true: <key>="<value>": <reason>}.
 * The CNI plugin reports it as error 999; {@code istio-cni iptables --pod} as a configuration error (exit 1).
 */
public class PodAnnotationException extends IllegalArgumentException {

    private final String name;
    private final String annotationKey;
    private final String value;
    private final String reason;

    public PodAnnotationException(String name, String annotationKey, String value, String reason) {
        super("annotation value error for value " + name + "; annotationFound = true: " + annotationKey + "="
                + GoQuote.quote(value) + ": " + reason);
        this.name = name;
        this.annotationKey = annotationKey;
        this.value = value;
        this.reason = reason;
    }

    /** Istio's internal name of the setting, e.g. {@code includeIPCidrs}. */
    public String name() {
        return name;
    }

    /** The full annotation key, e.g. {@code traffic.sidecar.istio.io/includeOutboundIPRanges}. */
    public String annotationKey() {
        return annotationKey;
    }

    /** The annotation's whole value as written. */
    public String value() {
        return value;
    }

    /** Istio's reason text, e.g. {@code IPRanges invalid: failed parsing cidr 'x': invalid CIDR address: x}. */
    public String reason() {
        return reason;
    }
}
