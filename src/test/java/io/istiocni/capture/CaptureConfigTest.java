package io.istiocni.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.CaptureSettings;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CaptureConfigTest {

    /** A machine with an istio-proxy user of UID 1500, IPv4 addresses and two name servers. */
    static class FakeHost implements HostFacts {
        boolean ipv6;
        boolean asked;
        List<String> nameservers = List.of("10.96.0.10", "fd00::a", "bogus", "::ffff:10.0.0.9");

        @Override
        public OptionalLong uidOf(String userName) {
            return userName.equals("istio-proxy") ? OptionalLong.of(1500) : OptionalLong.empty();
        }

        @Override
        public boolean ipv6FromLocalAddresses(boolean dualStack) {
            asked = true;
            return ipv6;
        }

        @Override
        public List<String> resolvConfNameservers() throws IOException {
            if (nameservers == null) {
                throw new IOException("no such file");
            }
            return nameservers;
        }
    }

    private final FakeHost host = new FakeHost();

    private CaptureRun resolve(Map<String, String> env, String... args) {
        Map<String, String> withDefaults = new HashMap<>(env);
        FlagParser.Parsed flags = new FlagParser(IptablesFlags.ALL).parse(List.of(args), withDefaults);
        return CaptureConfig.resolve(flags, withDefaults, host);
    }

    private CaptureSettings settings(Map<String, String> env, String... args) {
        return resolve(env, args).settings();
    }

    @Test
    void proxyUidComesFromEnvoyUserAndGidFollowsTheUidList() {
        CaptureSettings s = settings(Map.of("ENABLE_INBOUND_IPV6", "false"));
        assertEquals(List.of("1500"), s.proxyUids());
        assertEquals(List.of("1500"), s.proxyGids());
        assertEquals(List.of("1337"), settings(Map.of("ENABLE_INBOUND_IPV6", "false", "ENVOY_USER", "nobody-here"))
                .proxyUids());
        assertEquals(List.of("1", "2"), settings(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1,2").proxyGids());
    }

    @Test
    void ipv6IsForcedByTheHookOrDetected() {
        assertTrue(settings(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1").ipv6Enabled());
        assertFalse(host.asked);
        host.ipv6 = true;
        assertTrue(settings(Map.of(), "-u", "1").ipv6Enabled());
        assertTrue(host.asked);
        UsageException e = assertThrows(UsageException.class,
                () -> settings(Map.of("ENABLE_INBOUND_IPV6", "sometimes"), "-u", "1"));
        assertTrue(e.getMessage().contains("ENABLE_INBOUND_IPV6"));
    }

    @Test
    void dnsServersComeFromTheHooksOrResolvConf() {
        CaptureSettings fromFile = settings(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "--redirect-dns");
        assertEquals(List.of("10.96.0.10", "10.0.0.9"), fromFile.dnsServersV4());
        assertEquals(List.of("fd00::a"), fromFile.dnsServersV6());
        CaptureSettings fromHooks = settings(Map.of("ENABLE_INBOUND_IPV6", "true", "DNS_SERVERS_V4", ""), "-u", "1",
                "--redirect-dns");
        assertEquals(List.of(), fromHooks.dnsServersV4());
        assertFalse(fromHooks.dnsCaptureOn());
        host.nameservers = null;
        assertEquals(List.of(), settings(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1", "--redirect-dns",
                "--capture-all-dns").dnsServersV4());
        assertThrows(UsageException.class,
                () -> settings(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1", "--redirect-dns"));
        assertThrows(UsageException.class,
                () -> settings(Map.of("ENABLE_INBOUND_IPV6", "false", "DNS_SERVERS_V4", "fd00::1"), "-u", "1"));
    }

    @Test
    void ipv6DnsServersVanishWithoutIpv6() {
        assertEquals(List.of(), settings(Map.of("ENABLE_INBOUND_IPV6", "false", "DNS_SERVERS_V6", "fd00::1"), "-u",
                "1", "--redirect-dns").dnsServersV6());
    }

    @Test
    void ownerGroups() {
        assertNull(settings(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1").ownerGroupsInclude());
        assertEquals(List.of(), settings(Map.of("ENABLE_INBOUND_IPV6", "false", "ISTIO_OUTBOUND_OWNER_GROUPS", ""),
                "-u", "1").ownerGroupsInclude());
        String many = String.join(",", java.util.Collections.nCopies(65, "g"));
        assertThrows(UsageException.class, () -> settings(Map.of("ENABLE_INBOUND_IPV6", "false",
                "ISTIO_OUTBOUND_OWNER_GROUPS", many), "-u", "1"));
    }

    @Test
    void skipRuleApplyComputesNoRulesWithEitherBackend() {
        CaptureRun run = resolve(Map.of(), "--skip-rule-apply", "--run-validation", "--native-nftables");
        assertTrue(run.skipRuleApply());
        assertTrue(run.runValidation());
        assertTrue(run.nativeNftables());
        assertNull(run.settings());
    }

    @Test
    void nativeNftablesSelectsTheBackendFromFlagOrEnvironment() {
        assertTrue(resolve(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1", "--native-nftables").nativeNftables());
        assertTrue(resolve(Map.of("ENABLE_INBOUND_IPV6", "false", "NATIVE_NFTABLES", "true"), "-u", "1")
                .nativeNftables());
        assertFalse(resolve(Map.of("ENABLE_INBOUND_IPV6", "false", "NATIVE_NFTABLES", "true"), "-u", "1",
                "--native-nftables=false").nativeNftables());
        assertFalse(resolve(Map.of("ENABLE_INBOUND_IPV6", "false", "NATIVE_NFTABLES", "yes"), "-u", "1")
                .nativeNftables());
    }

    @Test
    void cidrsAreClassifiedByFamily() {
        CaptureSettings s = settings(Map.of("ENABLE_INBOUND_IPV6", "true"), "-u", "1", "-i",
                "10.0.0.0/8,::ffff:10.0.0.0/104,fd00::/8", "-x", "127.0.0.1/8");
        assertEquals(3, s.includeCidrs().size());
        assertEquals(io.istiocni.rules.Family.IPV6, s.includeCidrs().get(1).family());
        assertTrue(s.excludeCidrs().get(0).loopback());
        assertTrue(settings(Map.of("ENABLE_INBOUND_IPV6", "false"), "-u", "1", "-i", "*").includeAllCidrs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-p|70000|--envoy-port",
        "-z|x|--inbound-capture-port",
        "-e||--inbound-tunnel-port",
        "-b|80,x|x",
        "-b|2000:1000|2000:1000",
        "-d|-1|-1",
        "-q|65536|65536",
        "-o|8o|8o",
        "-u|abc|abc",
        "-g|4294967295|4294967295",
        "-m|FOO|FOO",
        "-m|tproxy|tproxy",
        "-t|0x10|0x10",
        "-r|-3|-3",
        "-c|1eth|1eth",
        "-k|averyveryverylongname|averyveryverylongname",
        "-i|10.0.0.0/33|10.0.0.0/33",
        "-i|10.0.0.1|10.0.0.1",
        "-i|010.0.0.0/8|010.0.0.0/8",
        "-i|*,10.0.0.0/8|*,10.0.0.0/8",
        "-i|fe80::1%eth0/64|fe80::1%eth0/64",
        "-x|*|OUTBOUND_IP_RANGES_EXCLUDE",
        "--force-iptables-binary|iptables|FORCE_IPTABLES_BINARY",
    })
    void invalidValuesAreRejectedWithTheFlagOrValueNamed(String flag, String value, String named) {
        UsageException e = assertThrows(UsageException.class,
                () -> resolve(Map.of("ENABLE_INBOUND_IPV6", "false"), flag, value == null ? "" : value));
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.1/8", "127.0.0.1/7", "::1/128", "127.0.0.1"})
    void invalidLoopbackCidrIsRejected(String cidr) {
        UsageException e = assertThrows(UsageException.class, () -> resolve(
                Map.of("ENABLE_INBOUND_IPV6", "false", "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", cidr), "-u", "1"));
        assertTrue(e.getMessage().contains("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR"));
    }

    @Test
    void validValuesPass() {
        CaptureSettings s = settings(Map.of("ENABLE_INBOUND_IPV6", "false", "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR",
                "127.0.0.1/8"), "-u", " 1 ", "-b", " 80 ,1000:2000", "-c", "eth0.1,veth-a_b", "-m", "TPROXY",
                "-i", "", "-t", "4294967295");
        assertEquals("127.0.0.1/8", s.ipv4LoopbackCidr());
        assertEquals(List.of(" 1 "), s.proxyUids());
        assertEquals(" 80 ,1000:2000", s.inboundPorts());
        assertTrue(s.tproxy());
    }
}
