package io.istiocni.validation;

import io.istiocni.rules.Family;
import io.istiocni.rules.IpAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The addresses of the check (validation.md 3, step 2): where the server listens and the probe starts from, and
 * where the probe connects to. IPv6 only when the host IP (capture.md 3.2, the first usable local address, IPv4
 * ones listed first) is IPv6; an IPv4-mapped IPv6 address counts as IPv4.
 */
public record ValidationTarget(InetAddress listen, InetAddress probe) {

    public static final ValidationTarget IPV4 = new ValidationTarget(address("127.0.0.1"), address("127.0.0.6"));
    public static final ValidationTarget IPV6 = new ValidationTarget(address("::1"), address("::6"));

    /** The target for the given host IP. */
    public static ValidationTarget forHost(IpAddress hostAddress) {
        return hostAddress.effectiveFamily() == Family.IPV6 ? IPV6 : IPV4;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
