package io.istiocni.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.IpAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpFamilyDecisionTest {

    private static List<IpAddress> addrs(String... texts) {
        return Arrays.stream(texts).map(IpAddress::parse).toList();
    }

    @Test
    void firstUsableAddressDecidesWithoutDualStack() {
        assertFalse(IpFamilyDecision.ipv6Enabled(addrs("127.0.0.1", "10.0.0.5", "::1", "fd00::5"), false));
        assertTrue(IpFamilyDecision.ipv6Enabled(addrs("127.0.0.1", "169.254.1.1", "::1", "fe80::1", "fd00::5"), false));
    }

    @Test
    void dualStackLooksForAnyIpv6() {
        assertTrue(IpFamilyDecision.ipv6Enabled(addrs("10.0.0.5", "::1", "fe80::1", "fd00::5"), true));
        assertFalse(IpFamilyDecision.ipv6Enabled(addrs("10.0.0.5", "::1", "fe80::1"), true));
    }

    @Test
    void skipsLoopbackLinkLocalAndLinkLocalMulticast() {
        List<IpAddress> list = addrs("127.0.0.1", "127.5.5.5", "169.254.9.9", "224.0.0.251", "::1", "fe80::abcd",
                "ff02::1", "2001:db8::1");
        assertEquals(IpAddress.parse("2001:db8::1"), IpFamilyDecision.hostAddress(list));
        assertTrue(IpFamilyDecision.ipv6Enabled(list, false));
        // a multicast group outside 224.0.0.0/24 is not link-local
        assertEquals(IpAddress.parse("224.0.1.1"), IpFamilyDecision.hostAddress(addrs("224.0.1.1", "fd00::1")));
    }

    @Test
    void ipv4MappedAddressesCountAsIpv4() {
        assertFalse(IpFamilyDecision.ipv6Enabled(addrs("::ffff:10.1.2.3", "fd00::1"), false));
        assertFalse(IpFamilyDecision.ipv6Enabled(addrs("::ffff:10.1.2.3"), true));
        // mapped loopback and link-local are skipped too
        assertTrue(IpFamilyDecision.ipv6Enabled(addrs("::ffff:127.0.0.1", "::ffff:169.254.0.1", "fd00::1"), false));
    }

    @Test
    void noUsableAddressIsAnError() {
        NoLocalAddressException e = assertThrows(NoLocalAddressException.class,
                () -> IpFamilyDecision.ipv6Enabled(addrs("127.0.0.1", "::1", "fe80::1"), false));
        assertEquals("no valid local IP address found", e.getMessage());
        assertThrows(NoLocalAddressException.class, () -> IpFamilyDecision.ipv6Enabled(List.of(), true));
        assertThrows(NoLocalAddressException.class, () -> IpFamilyDecision.hostAddress(addrs("127.0.0.1")));
    }

    @Test
    void hostAddressIsFirstUsable() {
        assertEquals(IpAddress.parse("10.0.0.5"),
                IpFamilyDecision.hostAddress(addrs("127.0.0.1", "10.0.0.5", "10.0.0.6", "fd00::1")));
    }
}
