package io.istiocni.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IpAddressTest {

    @Test
    void parsesAndPrintsCanonically() {
        assertEquals("10.1.2.3", IpAddress.parse("10.1.2.3").canonical());
        assertEquals("fd00::a", IpAddress.parse("fd00:0:0:0:0:0:0:a").canonical());
        assertEquals("::1", IpAddress.parse("::1").canonical());
        assertEquals("::", IpAddress.parse("::").canonical());
        assertEquals("1:0:0:2::3", IpAddress.parse("1:0:0:2:0:0:0:3").canonical());
        assertEquals("::7f00:35", IpAddress.parse("::127.0.0.53").canonical());
        assertEquals("::ffff:10.0.0.1", IpAddress.parse("::ffff:10.0.0.1").canonical());
    }

    @Test
    void ipv4MappedStaysIpv6ButCountsAsIpv4ForDetection() {
        IpAddress mapped = IpAddress.parse("::ffff:127.0.0.1");
        assertEquals(Family.IPV6, mapped.family());
        assertEquals(Family.IPV4, mapped.effectiveFamily());
        assertTrue(mapped.isLoopback());
    }

    @Test
    void rejectsWhatIsNotALiteral() {
        for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1::2::3", "fe80::1%eth0",
            "12345::", "1:2:3:4:5:6:7:8:9", "localhost", "::ffff:1.2.3", "1.2.3.4 "}) {
            assertNull(IpAddress.parse(bad), bad);
        }
    }

    @Test
    void linkLocalAndLoopback() {
        assertTrue(IpAddress.parse("169.254.1.1").isLinkLocal());
        assertTrue(IpAddress.parse("fe80::1").isLinkLocal());
        assertTrue(IpAddress.parse("ff02::1").isLinkLocal());
        assertFalse(IpAddress.parse("fd00::1").isLinkLocal());
        assertTrue(IpAddress.parse("127.1.2.3").isLoopback());
        assertFalse(IpAddress.parse("::2").isLoopback());
    }

    @Test
    void cidrs() {
        Cidr c = Cidr.parse("10.1.2.3/8");
        assertEquals("10.1.2.3/8", c.text());
        assertEquals(8, c.prefixLength());
        assertTrue(Cidr.parse("::1/128").loopback());
        assertEquals(Family.IPV6, Cidr.parse("::ffff:10.0.0.0/104").family());
        for (String bad : new String[] {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "::/129", "x/8",
            "10.0.0.0/8 ", " 10.0.0.0/8"}) {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }
}
