package io.istiocni.netns;

import io.istiocni.rules.Family;
import io.istiocni.rules.IpAddress;
import java.util.List;

/**
 * Decides from the local addresses whether IPv6 rules are generated, and which address is the "host IP"
 * (capture.md 3.2). Pure functions over the list {@link LocalAddresses} returns, in that order.
 */
public final class IpFamilyDecision {

    private IpFamilyDecision() {
    }

    /**
     * Without dual stack the first usable address decides (IPv6 rules iff it is IPv6); with dual stack, IPv6 rules
     * are generated iff any usable address is IPv6. IPv4-mapped IPv6 addresses count as IPv4.
     *
     * @throws NoLocalAddressException when no usable address remains
     */
    public static boolean ipv6Enabled(List<IpAddress> addresses, boolean dualStack) {
        List<IpAddress> usable = usable(addresses);
        if (usable.isEmpty()) {
            throw new NoLocalAddressException();
        }
        if (dualStack) {
            return usable.stream().anyMatch(a -> a.effectiveFamily() == Family.IPV6);
        }
        return usable.getFirst().effectiveFamily() == Family.IPV6;
    }

    /**
     * The first usable address (the "host IP" whose family validation uses, capture.md 10).
     *
     * @throws NoLocalAddressException when no usable address remains
     */
    public static IpAddress hostAddress(List<IpAddress> addresses) {
        List<IpAddress> usable = usable(addresses);
        if (usable.isEmpty()) {
            throw new NoLocalAddressException();
        }
        return usable.getFirst();
    }

    /** The addresses that are neither loopback, link-local unicast nor link-local multicast, in order. */
    public static List<IpAddress> usable(List<IpAddress> addresses) {
        return addresses.stream().filter(IpFamilyDecision::isUsable).toList();
    }

    /** Not loopback, not link-local unicast, not link-local multicast (Go's net.IP predicates). */
    public static boolean isUsable(IpAddress address) {
        return !address.isLoopback() && !address.isLinkLocal() && !isIpv4LinkLocalMulticast(address);
    }

    /** 224.0.0.0/24, also IPv4-mapped ({@link IpAddress#isLinkLocal} covers the IPv6 ff02::/16 kind). */
    private static boolean isIpv4LinkLocalMulticast(IpAddress address) {
        if (address.effectiveFamily() != Family.IPV4) {
            return false;
        }
        byte[] b = address.bytes();
        int o = address.family() == Family.IPV4 ? 0 : 12;
        return (b[o] & 0xff) == 224 && b[o + 1] == 0 && b[o + 2] == 0;
    }
}
