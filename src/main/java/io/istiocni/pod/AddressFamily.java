package io.istiocni.pod;

import io.istiocni.rules.IpAddress;
import java.util.List;

/**
 * How a caller tells the IP family of a pod's rules (plugin.md 7.9, capture.md 3.2): given the pod's dual-stack
 * setting, whether IPv6 rules are produced. The plugin asks its {@code prevResult} addresses (or the namespace's
 * interfaces when there are none), repair the pod's {@code status.podIPs}, {@code iptables --pod} the environment,
 * the manifest or the host. Only asked once the pod is known to be captured.
 */
@FunctionalInterface
public interface AddressFamily {

    /** @throws UndecidedException (one line) when no usable address decides */
    boolean ipv6(boolean dualStack);

    /** The rule of plugin.md 7.9 over these addresses ({@link PodCapture#ipv6FromPodIps}). */
    static AddressFamily ofPodAddresses(List<IpAddress> addresses) {
        List<IpAddress> copy = List.copyOf(addresses);
        return dualStack -> PodCapture.ipv6FromPodIps(copy, dualStack)
                .orElseThrow(() -> new UndecidedException(PodCapture.NO_VALID_ADDRESS));
    }

    /** Decided beforehand (e.g. {@code ENABLE_INBOUND_IPV6} set). */
    static AddressFamily forced(boolean ipv6) {
        return dualStack -> ipv6;
    }

    /** The family cannot be told; the message names why ({@link PodCapture#NO_VALID_ADDRESS} for no address). */
    final class UndecidedException extends IllegalArgumentException {
        public UndecidedException(String message) {
            super(message);
        }
    }
}
