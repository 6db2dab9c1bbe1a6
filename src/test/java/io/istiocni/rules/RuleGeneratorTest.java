package io.istiocni.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.capture.CaptureConfig;
import io.istiocni.capture.FlagParser;
import io.istiocni.capture.HostFacts;
import io.istiocni.capture.IptablesFlags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Behaviours of capture.md section 6 that the published fixtures do not pin down. */
class RuleGeneratorTest {

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

    private static RuleSet generate(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(Map.of("ENABLE_INBOUND_IPV6", "false"));
        env.putAll(extraEnv);
        FlagParser.Parsed flags = new FlagParser(IptablesFlags.ALL).parse(List.of(args), env);
        return RuleGenerator.generate(CaptureConfig.resolve(flags, env, NO_HOST).settings());
    }

    private static List<String> lines(List<Rule> rules, String table) {
        return rules.stream().filter(r -> r.table().equals(table)).map(Rule::restoreLine).toList();
    }

    @Test
    void tproxyWithoutInboundPortsStillEmitsTheMangleTail() {
        RuleSet rules = generate(Map.of(), "-u", "1", "-g", "1", "-m", "TPROXY");
        List<String> mangle = lines(rules.ipv4(), "mangle");
        assertTrue(mangle.contains("-I ISTIO_INBOUND 1 -p tcp -m mark --mark 1337 -j RETURN"));
        assertFalse(mangle.stream().anyMatch(l -> l.contains("-j ISTIO_INBOUND")));
        assertFalse(mangle.stream().anyMatch(l -> l.contains("ISTIO_TPROXY")));
    }

    @Test
    void tproxyWildcardExcludesPortsInMangle() {
        List<String> mangle = lines(generate(Map.of(), "-u", "1", "-m", "TPROXY", "-b", "*", "-d", "22").ipv4(),
                "mangle");
        int exclude = mangle.indexOf("-A ISTIO_INBOUND -p tcp --dport 22 -j RETURN");
        int divert = mangle.indexOf(
                "-A ISTIO_INBOUND -p tcp -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT");
        assertTrue(exclude >= 0 && divert > exclude);
        assertEquals("-A ISTIO_INBOUND -p tcp -j ISTIO_TPROXY", mangle.get(divert + 1));
    }

    @Test
    void excludePortsOnlyApplyToTheWildcard() {
        List<String> nat = lines(generate(Map.of(), "-u", "1", "-b", "80", "-d", "22").ipv4(), "nat");
        assertFalse(nat.stream().anyMatch(l -> l.contains("--dport 22")));
        assertTrue(nat.contains("-A ISTIO_INBOUND -p tcp --dport 80 -j ISTIO_IN_REDIRECT"));
    }

    @Test
    void loopbackInIncludeListDropsTheLoopbackReturns() {
        List<String> nat = lines(generate(Map.of(), "-u", "1", "-g", "2", "-i", "fd00::/8,::1/128").ipv4(), "nat");
        assertFalse(nat.stream().anyMatch(l -> l.contains("-o lo -m owner !")));
        List<String> without = lines(generate(Map.of(), "-u", "1", "-g", "2", "-i", "10.0.0.0/8").ipv4(), "nat");
        assertEquals(2, without.stream().filter(l -> l.contains("-o lo -m owner !")).count());
    }

    @Test
    void ipv6OnlyIncludesGiveNoIpv4Capture() {
        RuleSet rules = generate(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "-i", "fd00::/8");
        assertFalse(lines(rules.ipv4(), "nat").stream().anyMatch(l -> l.endsWith("-j ISTIO_REDIRECT")));
        assertTrue(lines(rules.ipv6(), "nat").contains("-A ISTIO_OUTPUT -d fd00::/8 -j ISTIO_REDIRECT"));
    }

    @Test
    void ipv6DisabledDropsIpv6ItemsSilently() {
        RuleSet rules = generate(Map.of(), "-u", "1", "-x", "fd00::/8", "-i", "fd01::/16");
        assertTrue(rules.ipv6().isEmpty());
        assertFalse(lines(rules.ipv4(), "nat").stream().anyMatch(l -> l.contains("fd0")));
    }

    @Test
    void emptyOwnerGroupIncludeStopsOutboundCapture() {
        List<String> nat = lines(generate(Map.of("ISTIO_OUTBOUND_OWNER_GROUPS", ""), "-u", "1", "-i", "*").ipv4(),
                "nat");
        int stop = nat.indexOf("-A ISTIO_OUTPUT -j RETURN");
        assertTrue(stop > 0 && stop < nat.indexOf("-A ISTIO_OUTPUT -j ISTIO_REDIRECT"));
        List<String> groups = lines(generate(Map.of("ISTIO_OUTBOUND_OWNER_GROUPS", "a,5"), "-u", "1").ipv4(), "nat");
        assertTrue(groups.contains("-A ISTIO_OUTPUT -m owner ! --gid-owner a -m owner ! --gid-owner 5 -j RETURN"));
    }

    @Test
    void captureAllDnsRedirectsEveryDestinationAndZonesBothFamilies() {
        RuleSet rules = generate(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "-g", "2", "--redirect-dns",
                "--capture-all-dns");
        for (List<Rule> family : List.of(rules.ipv4(), rules.ipv6())) {
            List<String> nat = lines(family, "nat");
            assertTrue(nat.contains("-A ISTIO_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053"));
            assertTrue(nat.contains("-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053"));
            assertTrue(nat.contains("-A ISTIO_OUTPUT -o lo ! -d " + (family == rules.ipv4() ? "127.0.0.1/32"
                    : "::1/128") + " -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1 -j ISTIO_IN_REDIRECT"));
            assertTrue(nat.contains(
                    "-A ISTIO_OUTPUT -o lo ! -d " + (family == rules.ipv4() ? "127.0.0.1/32" : "::1/128")
                            + " -p tcp ! --dport 15008 -m owner --gid-owner 2 -j ISTIO_IN_REDIRECT"));
            List<String> raw = lines(family, "raw");
            assertEquals(List.of("-A OUTPUT -j ISTIO_OUTPUT_DNS",
                    "-A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1 -j CT --zone 1",
                    "-A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 1 -j CT --zone 2",
                    "-A ISTIO_OUTPUT_DNS -p udp --dport 53 -m owner --gid-owner 2 -j CT --zone 1",
                    "-A ISTIO_OUTPUT_DNS -p udp --sport 15053 -m owner --gid-owner 2 -j CT --zone 2",
                    "-A PREROUTING -j ISTIO_INBOUND",
                    "-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j CT --zone 2",
                    "-A ISTIO_INBOUND -p udp --sport 53 -j CT --zone 1"), raw);
        }
    }

    @Test
    void dnsWithOnlyIpv4ServersJumpsOnlyInIpv4Nat() {
        RuleSet rules = generate(Map.of("ENABLE_INBOUND_IPV6", "true", "DNS_SERVERS_V4", "10.0.0.10",
                "DNS_SERVERS_V6", ""), "-u", "1", "--redirect-dns");
        assertTrue(lines(rules.ipv4(), "nat").contains("-A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS"));
        assertFalse(lines(rules.ipv6(), "nat").contains("-A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS"));
        assertTrue(lines(rules.ipv6(), "raw").contains("-A OUTPUT -j ISTIO_OUTPUT_DNS"));
        assertFalse(lines(rules.ipv6(), "raw").contains("-A PREROUTING -j ISTIO_INBOUND"));
    }

    @Test
    void virtualInterfacesWithCidrListInsertInReverse() {
        List<String> nat = lines(generate(Map.of(), "-u", "1", "-k", "eth1,eth2", "-i", "10.0.0.0/8,10.1.0.0/16")
                .ipv4(), "nat");
        assertEquals(List.of("-I PREROUTING 1 -i eth1 -j RETURN", "-I PREROUTING 1 -i eth2 -j RETURN",
                "-I PREROUTING 1 -i eth1 -d 10.0.0.0/8 -j ISTIO_REDIRECT",
                "-I PREROUTING 1 -i eth2 -d 10.0.0.0/8 -j ISTIO_REDIRECT",
                "-I PREROUTING 1 -i eth1 -d 10.1.0.0/16 -j ISTIO_REDIRECT",
                "-I PREROUTING 1 -i eth2 -d 10.1.0.0/16 -j ISTIO_REDIRECT"),
                nat.stream().filter(l -> l.startsWith("-I PREROUTING")).toList());
    }

    @Test
    void dropInvalidAndOutboundPortsAndExcludedInterfacesInTproxy() {
        RuleSet rules = generate(Map.of(), "-u", "1", "--drop-invalid", "-q", "25,587", "-c", "eth9", "-m",
                "TPROXY");
        List<String> mangle = lines(rules.ipv4(), "mangle");
        assertEquals(List.of("-A PREROUTING -i eth9 -j RETURN", "-A OUTPUT -o eth9 -j RETURN",
                "-A PREROUTING -m conntrack --ctstate INVALID -j ISTIO_DROP", "-A ISTIO_DROP -j DROP"),
                mangle.subList(0, 4));
        assertTrue(lines(rules.ipv4(), "nat").contains("-A ISTIO_OUTPUT -p tcp --dport 587 -j ISTIO_REDIRECT"));
    }

    @Test
    void renderedChainsAreDeclaredIncludingOnesOnlyJumpedTo() {
        String text = RestoreRenderer.render(generate(Map.of(), "-u", "1").ipv4());
        assertTrue(text.startsWith("* nat\n-N ISTIO_INBOUND\n-N ISTIO_REDIRECT\n-N ISTIO_IN_REDIRECT\n-N ISTIO_OUTPUT\n"));
        assertTrue(text.endsWith("COMMIT\n"));
    }
}
