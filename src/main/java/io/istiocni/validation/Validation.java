package io.istiocni.validation;

import io.istiocni.rules.IpAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/** The fixed texts and exit status of the validation check (validation.md section 5). Pure. */
public final class Validation {

    /** Exit status when redirection is not in place: the repair controller's default contract. */
    public static final int EXIT_FAILED = 126;

    /** Logged on success (validation.md 3, step 5). */
    public static final String PASSED = "Validation passed, iptables rules established";

    /** The reason logged before {@link #FAILURE_MESSAGE} when the timer fires. */
    public static final String TIMEOUT_REASON = "validation timeout";

    /** Istio's wording, so that operators find it in docs and search results (validation.md section 5). */
    public static final String FAILURE_MESSAGE = """
            iptables validation failed; workload is not ready for Istio.
            When using Istio CNI, this can occur if a pod is scheduled before the node is ready.

            If installed with 'cni.repair.deletePods=true', this pod should automatically be deleted and retry.
            Otherwise, this pod will need to be manually removed so that it is scheduled on a node with istio-cni running, allowing iptables rules to be established.""";

    private Validation() {
    }

    /** {@code no listener available: 127.0.0.1:15001,127.0.0.1:15006}. */
    public static String noListenerReason(InetAddress listen, List<Integer> ports) {
        return "no listener available: "
                + ports.stream().map(p -> hostPort(listen, p)).collect(Collectors.joining(","));
    }

    /** What goes to stderr when the check fails: the reason, then Istio's message. */
    public static String failureText(String reason) {
        return "error: " + reason + "\n" + FAILURE_MESSAGE + "\n";
    }

    /** {@code 127.0.0.1:15001}, {@code [::1]:15001}. */
    public static String hostPort(InetAddress address, int port) {
        return address instanceof Inet6Address ? "[" + host(address) + "]:" + port : host(address) + ":" + port;
    }

    /** {@code 127.0.0.1}, {@code ::1} (IPv6 in its short form). */
    public static String host(InetAddress address) {
        String host = address.getHostAddress();
        IpAddress ip = address instanceof Inet6Address ? IpAddress.parse(host) : null;
        return ip == null ? host : ip.canonical();
    }
}
