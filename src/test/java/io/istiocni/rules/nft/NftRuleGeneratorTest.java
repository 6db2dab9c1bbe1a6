package io.istiocni.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.capture.CaptureConfig;
import io.istiocni.capture.FlagParser;
import io.istiocni.capture.HostFacts;
import io.istiocni.capture.IptablesFlags;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.InterceptionMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Behaviours of nftables.md §2 and §4 that the published fixtures do not pin down. */
class NftRuleGeneratorTest {

    private static final HostFacts NO_HOST = new HostFacts() {
        @Override
        public OptionalLong uidOf(String userName) {
            return OptionalLong.empty();
        }

        @Override
        public boolean ipv6FromLocalAddresses(boolean dualStack) {
            throw new AssertionError("tests set ENABLE_INBOUND_IPV6");
        }

        @Override
        public List<String> resolvConfNameservers() {
            throw new AssertionError("tests set DNS_SERVERS_*");
        }
    };

    private static CaptureSettings settings(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(Map.of("ENABLE_INBOUND_IPV6", "false"));
        env.putAll(extraEnv);
        FlagParser.Parsed flags = new FlagParser(IptablesFlags.ALL).parse(List.of(args), env);
        return CaptureConfig.resolve(flags, env, NO_HOST).settings();
    }

    private static List<String> lines(Map<String, String> env, String... args) {
        return NftRuleGenerator.generate(settings(env, args)).render().lines().toList();
    }

    @Test
    void pluginDefaultsGiveTheExampleOfSection419() {
        String text = NftRuleGenerator.generate(settings(Map.of(), "-b", "*", "-d", "15020,15021,15090", "-i", "*",
                "-o", "15020", "-u", "1337", "-g", "1337")).render();
        assertEquals("""
                add table inet istio-proxy-nat
                flush table inet istio-proxy-nat
                add chain inet istio-proxy-nat prerouting { type nat hook prerouting priority -100 ; }
                add chain inet istio-proxy-nat output { type nat hook output priority -100 ; }
                add chain inet istio-proxy-nat istio-inbound
                add chain inet istio-proxy-nat istio-redirect
                add chain inet istio-proxy-nat istio-in-redirect
                add chain inet istio-proxy-nat istio-output
                add rule inet istio-proxy-nat istio-inbound meta l4proto tcp tcp dport 15008 counter return
                add rule inet istio-proxy-nat istio-redirect meta l4proto tcp counter redirect to :15001
                add rule inet istio-proxy-nat istio-in-redirect meta l4proto tcp counter redirect to :15006
                add rule inet istio-proxy-nat prerouting meta l4proto tcp counter jump istio-inbound
                add rule inet istio-proxy-nat istio-inbound meta l4proto tcp tcp dport 15020 counter return
                add rule inet istio-proxy-nat istio-inbound meta l4proto tcp tcp dport 15021 counter return
                add rule inet istio-proxy-nat istio-inbound meta l4proto tcp tcp dport 15090 counter return
                add rule inet istio-proxy-nat istio-inbound meta l4proto tcp counter jump istio-in-redirect
                add rule inet istio-proxy-nat output counter jump istio-output
                add rule inet istio-proxy-nat istio-output tcp dport 15020 counter return
                add rule inet istio-proxy-nat istio-output udp dport 15020 counter return
                add rule inet istio-proxy-nat istio-output oifname lo ip saddr 127.0.0.6/32 counter return
                add rule inet istio-proxy-nat istio-output oifname lo meta l4proto tcp ip daddr != 127.0.0.1/32 \
                tcp dport != 15008 skuid 1337 counter jump istio-in-redirect
                add rule inet istio-proxy-nat istio-output oifname lo skuid != 1337 counter return
                add rule inet istio-proxy-nat istio-output skuid 1337 counter return
                add rule inet istio-proxy-nat istio-output oifname lo meta l4proto tcp ip daddr != 127.0.0.1/32 \
                tcp dport != 15008 skgid 1337 counter jump istio-in-redirect
                add rule inet istio-proxy-nat istio-output oifname lo skgid != 1337 counter return
                add rule inet istio-proxy-nat istio-output skgid 1337 counter return
                add rule inet istio-proxy-nat istio-output ip daddr 127.0.0.1/32 counter return
                add rule inet istio-proxy-nat istio-output counter jump istio-redirect
                """, text);
    }

    @Test
    void tproxyWithoutInboundPortsTurnsTheInsertsIntoAdds() {
        List<String> out = lines(Map.of(), "-u", "1", "-g", "1", "-m", "TPROXY");
        assertEquals(List.of(
                "add rule inet istio-proxy-mangle istio-inbound meta l4proto tcp mark 1337 counter return",
                "add rule inet istio-proxy-mangle istio-inbound iifname lo meta l4proto tcp ip saddr 127.0.0.6/32"
                        + " counter return",
                "add rule inet istio-proxy-mangle istio-inbound iifname lo meta l4proto tcp mark != 1338 counter return"),
                out.stream().filter(l -> l.contains(" istio-inbound ") && l.contains("mangle")
                        && !l.startsWith("add chain")).toList());
        assertFalse(out.stream().anyMatch(l -> l.contains("istio-divert") || l.contains("istio-tproxy")));
        assertTrue(out.contains("add chain inet istio-proxy-mangle output { type route hook output priority -150 ; }"));
    }

    @Test
    void tproxyWithIpv6InsertsThePassthroughReturnsAtIndexOne() {
        List<String> out = lines(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "-g", "1", "-m", "TPROXY", "-b",
                "80");
        List<String> inbound = out.stream().filter(l -> l.startsWith("insert rule")).toList();
        assertEquals(List.of(
                "insert rule inet istio-proxy-mangle istio-inbound index 0 meta l4proto tcp mark 1337 counter return",
                "insert rule inet istio-proxy-mangle istio-inbound index 1 iifname lo meta l4proto tcp ip saddr"
                        + " 127.0.0.6/32 counter return",
                "insert rule inet istio-proxy-mangle istio-inbound index 1 iifname lo meta l4proto tcp ip6 saddr"
                        + " ::6/128 counter return",
                "insert rule inet istio-proxy-mangle istio-inbound index 2 iifname lo meta l4proto tcp mark != 1338"
                        + " counter return"), inbound);
        assertTrue(out.contains("add rule inet istio-proxy-mangle istio-tproxy meta l4proto tcp ip6 daddr != ::1/128"
                + " tproxy ip6 to :15006 meta mark set 1337 counter accept"));
    }

    @Test
    void virtualInterfacesInsertInFrontOnceTheChainHasARule() {
        List<String> out = lines(Map.of(), "-u", "1", "-g", "1", "-k", "eth1,eth2", "-c", "eth0",
                "-i", "10.0.0.0/8");
        List<String> pre = out.stream().filter(l -> l.contains("istio-proxy-nat prerouting ")
                && !l.startsWith("add chain")).toList();
        assertEquals(List.of(
                "add rule inet istio-proxy-nat prerouting iifname eth0 counter return",
                "insert rule inet istio-proxy-nat prerouting index 0 iifname eth1 counter return",
                "insert rule inet istio-proxy-nat prerouting index 0 iifname eth2 counter return",
                "insert rule inet istio-proxy-nat prerouting index 0 iifname eth1 ip daddr 10.0.0.0/8 counter jump"
                        + " istio-redirect",
                "insert rule inet istio-proxy-nat prerouting index 0 iifname eth2 ip daddr 10.0.0.0/8 counter jump"
                        + " istio-redirect"), pre);
    }

    @Test
    void portRangesUseNftsDashSyntax() {
        List<String> out = lines(Map.of(), "-u", "1", "-g", "1", "-b", "80,1000:2000", "-o", "7000:7100", "-q",
                "9000:9100");
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-inbound meta l4proto tcp tcp dport 1000-2000"
                + " counter jump istio-in-redirect"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output udp dport 7000-7100 counter return"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output tcp dport 9000-9100 counter jump"
                + " istio-redirect"));
        assertFalse(out.stream().anyMatch(l -> l.matches(".*dport \\d+:\\d+.*")));
    }

    @Test
    void cidrsPerFamilyIpv6CanonicalIpv4AsGiven() {
        List<String> out = lines(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "-g", "1",
                "-i", "2001:DB8:0::/32,10.1.2.3/8,::ffff:10.0.0.0/104", "-x", "FD00::1/128,192.168.0.0/16");
        List<String> output = out.stream().filter(l -> l.contains("daddr") && !l.contains(" ::1/128")
                && !l.contains("127.0.0.1/32")).toList();
        assertEquals(List.of(
                "add rule inet istio-proxy-nat istio-output ip daddr 192.168.0.0/16 counter return",
                "add rule inet istio-proxy-nat istio-output ip6 daddr fd00::1/128 counter return",
                "add rule inet istio-proxy-nat istio-output ip daddr 10.1.2.3/8 counter jump istio-redirect",
                "add rule inet istio-proxy-nat istio-output ip6 daddr 2001:db8::/32 counter jump istio-redirect",
                "add rule inet istio-proxy-nat istio-output ip6 daddr ::ffff:10.0.0.0/104 counter jump istio-redirect"),
                output);
    }

    @Test
    void ipv6RulesOnlyWithIpv6EnabledButAnyRulesAlways() {
        List<String> out = lines(Map.of(), "-u", "1", "-g", "1", "-i", "fd00::/8", "-b", "*");
        assertFalse(out.stream().anyMatch(l -> l.contains("ip6 ")), String.join("\n", out));
        assertFalse(out.stream().anyMatch(l -> l.contains("istio-redirect") && l.contains("add rule")
                && l.contains("istio-output ")));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-inbound meta l4proto tcp counter jump"
                + " istio-in-redirect"));
    }

    @Test
    void loopbackIncludeDropsTheLoopbackReturnOfEveryOwner() {
        List<String> out = lines(Map.of(), "-u", "1,2", "-g", "3", "-i", "127.0.0.1/8");
        assertFalse(out.stream().anyMatch(l -> l.contains(" != 1 counter return") || l.contains("skgid != 3")));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output skuid 2 counter return"));
    }

    @Test
    void ownerGroupIncludesMakeOneRuleAndEmptyEndsCapture() {
        assertTrue(lines(Map.of("ISTIO_OUTBOUND_OWNER_GROUPS", "10,java"), "-u", "1", "-g", "1")
                .contains("add rule inet istio-proxy-nat istio-output skgid != 10 skgid != java counter return"));
        List<String> none = lines(Map.of("ISTIO_OUTBOUND_OWNER_GROUPS", ""), "-u", "1", "-g", "1");
        assertTrue(none.contains("add rule inet istio-proxy-nat istio-output counter return"));
    }

    @Test
    void captureAllDnsUsesAnyRulesAndBothZones() {
        List<String> out = lines(Map.of("DNS_SERVERS_V4", "", "DNS_SERVERS_V6", ""), "-u", "1", "-g", "2",
                "--redirect-dns", "--capture-all-dns");
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output-dns meta l4proto tcp tcp dport 53 counter"
                + " redirect to :15053"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output-dns udp dport 53 counter redirect to"
                + " :15053"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output oifname lo meta l4proto tcp ip daddr !="
                + " 127.0.0.1/32 tcp dport != { 53, 15008 } skuid 1 counter jump istio-in-redirect"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output oifname lo meta l4proto tcp ip daddr !="
                + " 127.0.0.1/32 tcp dport != 15008 skgid 2 counter jump istio-in-redirect"));
        int zones = out.indexOf("add rule inet istio-proxy-raw istio-output-dns udp dport 53 meta skgid 2 counter ct"
                + " zone set 1");
        assertEquals(List.of(
                "add rule inet istio-proxy-raw istio-output-dns udp sport 15053 meta skgid 2 counter ct zone set 2",
                "add rule inet istio-proxy-raw prerouting counter jump istio-inbound",
                "add rule inet istio-proxy-raw istio-output-dns udp dport 53 counter ct zone set 2",
                "add rule inet istio-proxy-raw istio-inbound udp sport 53 counter ct zone set 1"),
                out.subList(zones + 1, out.size()));
    }

    @Test
    void dnsIsOffWithoutServersOrCaptureAll() {
        List<String> out = lines(Map.of("DNS_SERVERS_V4", "", "DNS_SERVERS_V6", ""), "-u", "1", "-g", "1",
                "--redirect-dns");
        assertFalse(out.stream().anyMatch(l -> l.contains("dns") || l.contains("53")));
    }

    @Test
    void noJumpToAChainWithoutRules() {
        // IPv6 off but an IPv6 server only: Istio jumps to undeclared chains here, which nft rejects
        CaptureSettings s = new CaptureSettings("15001", "15006", "15008", List.of("1337"), List.of("1337"),
                InterceptionMode.REDIRECT, "", List.of(), false, List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), "1337", "133", true, false, false, false, List.of(), List.of("fd00::a"), null, List.of(),
                "127.0.0.1/32", false);
        List<String> out = NftRuleGenerator.generate(s).render().lines().toList();
        assertFalse(out.contains("add rule inet istio-proxy-nat istio-output counter jump istio-output-dns"));
        assertFalse(out.contains("add rule inet istio-proxy-raw prerouting counter jump istio-inbound"));
        assertTrue(out.contains("add rule inet istio-proxy-raw output counter jump istio-output-dns"));
        assertFalse(out.stream().anyMatch(l -> l.contains("fd00::a")));
        for (String line : out) {
            if (line.contains(" jump ")) {
                String target = line.substring(line.lastIndexOf(' ') + 1);
                String table = line.split(" ")[3];
                assertTrue(out.contains("add chain inet " + table + " " + target), line);
            }
        }
    }

    @Test
    void dropInvalidMakesTheMangleTableInRedirectMode() {
        List<String> out = lines(Map.of(), "-u", "1", "-g", "1", "--drop-invalid");
        assertTrue(out.contains("add rule inet istio-proxy-mangle prerouting meta l4proto tcp ct state invalid counter"
                + " jump istio-drop"));
        assertTrue(out.contains("add rule inet istio-proxy-mangle istio-drop counter drop"));
        assertFalse(out.stream().anyMatch(l -> l.contains("add chain inet istio-proxy-mangle output")));
    }

    @Test
    void customLoopbackCidrOnlyInIpv4Rules() {
        List<String> out = lines(Map.of("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "127.0.0.1/8", "ENABLE_INBOUND_IPV6",
                "true"), "-u", "1", "-g", "1", "-m", "TPROXY", "-b", "80");
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output ip daddr 127.0.0.1/8 counter return"));
        assertTrue(out.contains("add rule inet istio-proxy-nat istio-output ip6 daddr ::1/128 counter return"));
        assertTrue(out.contains("add rule inet istio-proxy-mangle istio-tproxy meta l4proto tcp ip daddr != 127.0.0.1/8"
                + " tproxy ip to :15006 meta mark set 1337 counter accept"));
    }

    @Test
    void cleanupDeletesEveryTable() {
        assertEquals("""
                add table inet istio-proxy-nat
                delete table inet istio-proxy-nat
                add table inet istio-proxy-mangle
                delete table inet istio-proxy-mangle
                add table inet istio-proxy-raw
                delete table inet istio-proxy-raw
                """, NftTransaction.cleanup());
    }
}
