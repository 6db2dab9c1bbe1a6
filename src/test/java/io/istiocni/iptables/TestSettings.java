package io.istiocni.iptables;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Cidr;
import io.istiocni.rules.InterceptionMode;
import java.util.List;

/** Hand-built settings for tests. */
final class TestSettings {

    private TestSettings() {
    }

    /** capture.md 6.19: the CNI plugin's defaults ({@code -b '*' -d 15020,15021,15090 -i '*' -o 15020}), IPv4. */
    static CaptureSettings basic() {
        return redirect(List.of("15020", "15021", "15090"));
    }

    /** Like {@link #basic()} with other inbound exclusions: a "different configuration". */
    static CaptureSettings redirect(List<String> inboundExcludePorts) {
        return redirect(inboundExcludePorts, false);
    }

    static CaptureSettings redirect(List<String> inboundExcludePorts, boolean ipv6) {
        return new CaptureSettings("15001", "15006", "15008", List.of("1337"), List.of("1337"),
                InterceptionMode.REDIRECT, "*", inboundExcludePorts, true, List.of(), List.of(), List.of(),
                List.of("15020"), List.of(), List.of(), "1337", "133", false, false, false, false, List.of(), List.of(),
                null, List.of(), "127.0.0.1/32", ipv6);
    }

    /**
     * TPROXY with inbound ports, IPv6, DNS capture for both families, exclusions, virtual and excluded interfaces and
     * invalid-packet drop: uses the mangle, nat and raw tables, inserts, and section 9 routing.
     */
    static CaptureSettings tproxyIpv6Dns() {
        return new CaptureSettings("15001", "15006", "15008", List.of("1337"), List.of("1337"),
                InterceptionMode.TPROXY, "8080,9090", List.of(), false,
                List.of(Cidr.parse("10.96.0.0/12"), Cidr.parse("fd00:96::/108")),
                List.of(Cidr.parse("10.96.0.1/32"), Cidr.parse("fd00:96::1/128")), List.of("5432"), List.of("15020"),
                List.of("eth9"), List.of("veth1", "veth2"), "1337", "133", true, false, true, true,
                List.of("10.96.0.10"), List.of("fd00:96::a"), null, List.of(), "127.0.0.1/32", true);
    }
}
