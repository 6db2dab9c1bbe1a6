package io.istiocni.rules.nft;

import static io.istiocni.rules.nft.NftTables.*;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Cidr;
import io.istiocni.rules.Family;
import io.istiocni.rules.IpAddress;
import io.istiocni.rules.ValueChecks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns capture settings into Istio's native nftables rules (nftables.md §4), step by step and in Istio's order,
 * with Istio's exact words. One rule list for both families: [any] rules always, [v4] rules always, [v6] rules only
 * with IPv6 enabled.
 *
 * <p>Where nftables.md deliberately differs from Istio: port ranges {@code a:b} are written {@code a-b} (nft's
 * syntax; Istio's {@code a:b} does not load), and a jump whose target chain gets no rule is left out (4.13; Istio
 * emits it and nft rejects the whole transaction).
 */
public final class NftRuleGenerator {

    /** The mark the proxy's outbound leg to its own pod carries in TPROXY mode; fixed by Istio. */
    static final String OUTBOUND_MARK = "1338";
    static final String PASSTHROUGH_V4 = "127.0.0.6/32";
    static final String PASSTHROUGH_V6 = "::6/128";
    static final String LOOPBACK_V6 = "::1/128";

    private final CaptureSettings s;
    private final List<NftRule> rules = new ArrayList<>();

    private NftRuleGenerator(CaptureSettings settings) {
        this.s = settings;
    }

    public static NftTransaction generate(CaptureSettings settings) {
        NftRuleGenerator g = new NftRuleGenerator(settings);
        g.build();
        return new NftTransaction(withoutDanglingJumps(g.rules));
    }

    private void build() {
        excludedInterfaces();
        for (String nic : s.kubeVirtInterfaces()) { // 4.2
            rules.add(new NftRule(NAT, PREROUTING, "iifname " + nic + " counter return", 0));
        }
        if (s.dropInvalid()) { // 4.3: TCP only, as Istio
            add(MANGLE, PREROUTING, "meta l4proto tcp ct state invalid counter jump " + ISTIO_DROP);
            add(MANGLE, ISTIO_DROP, "counter drop");
        }
        add(NAT, ISTIO_INBOUND, "meta l4proto tcp tcp dport " + port(s.inboundTunnelPort()) + " counter return");
        add(NAT, ISTIO_REDIRECT, "meta l4proto tcp counter redirect to :" + s.envoyPort());
        add(NAT, ISTIO_IN_REDIRECT, "meta l4proto tcp counter redirect to :" + s.inboundCapturePort());
        inboundCapture();
        add(NAT, OUTPUT, "counter jump " + ISTIO_OUTPUT); // 4.7
        for (String port : s.outboundExcludePorts()) { // 4.8
            add(NAT, ISTIO_OUTPUT, "tcp dport " + port(port) + " counter return");
            add(NAT, ISTIO_OUTPUT, "udp dport " + port(port) + " counter return");
        }
        add(NAT, ISTIO_OUTPUT, "oifname lo ip saddr " + PASSTHROUGH_V4 + " counter return"); // 4.9
        v6(NAT, ISTIO_OUTPUT, "oifname lo ip6 saddr " + PASSTHROUGH_V6 + " counter return");
        proxyOwners("skuid", s.proxyUids(), true);
        proxyOwners("skgid", s.proxyGids(), false);
        ownerGroups();
        dnsCapture();
        add(NAT, ISTIO_OUTPUT, "ip daddr " + s.ipv4LoopbackCidr() + " counter return"); // 4.14
        v6(NAT, ISTIO_OUTPUT, "ip6 daddr " + LOOPBACK_V6 + " counter return");
        for (Family family : Family.values()) { // 4.15
            for (Cidr cidr : s.excludeCidrs()) {
                if (cidr.family() == family) {
                    family(family, NAT, ISTIO_OUTPUT, daddr(family) + " " + cidrText(cidr) + " counter return");
                }
            }
        }
        for (String port : s.outboundPorts()) { // 4.16
            add(NAT, ISTIO_OUTPUT, "tcp dport " + port(port) + " counter jump " + ISTIO_REDIRECT);
        }
        outboundCidrInclusions();
        if (s.tproxy()) {
            tproxyTail();
        }
    }

    // 4.1
    private void excludedInterfaces() {
        List<String> tables = s.tproxy() ? List.of(NAT, MANGLE) : List.of(NAT);
        for (String table : tables) {
            for (String nic : s.excludeInterfaces()) {
                add(table, PREROUTING, "iifname " + nic + " counter return");
                add(table, OUTPUT, "oifname " + nic + " counter return");
            }
        }
    }

    // 4.6
    private void inboundCapture() {
        if (s.inboundPorts().isEmpty()) {
            return;
        }
        boolean all = s.inboundPorts().equals("*");
        if (s.tproxy()) {
            String mark = s.tproxyMark();
            add(MANGLE, ISTIO_DIVERT, "counter meta mark set " + mark);
            add(MANGLE, ISTIO_DIVERT, "counter accept");
            add(MANGLE, ISTIO_TPROXY, "meta l4proto tcp ip daddr != " + s.ipv4LoopbackCidr() + " tproxy ip to :"
                    + s.inboundCapturePort() + " meta mark set " + mark + " counter accept");
            v6(MANGLE, ISTIO_TPROXY, "meta l4proto tcp ip6 daddr != " + LOOPBACK_V6 + " tproxy ip6 to :"
                    + s.inboundCapturePort() + " meta mark set " + mark + " counter accept");
            add(MANGLE, PREROUTING, "meta l4proto tcp counter jump " + ISTIO_INBOUND);
            if (all) {
                for (String port : s.inboundExcludePorts()) {
                    add(MANGLE, ISTIO_INBOUND, "meta l4proto tcp tcp dport " + port(port) + " counter return");
                }
                add(MANGLE, ISTIO_INBOUND, "meta l4proto tcp ct state related,established counter jump "
                        + ISTIO_DIVERT);
                add(MANGLE, ISTIO_INBOUND, "meta l4proto tcp counter jump " + ISTIO_TPROXY);
                return;
            }
            for (String port : ValueChecks.splitList(s.inboundPorts())) {
                add(MANGLE, ISTIO_INBOUND, "meta l4proto tcp ct state related,established tcp dport " + port(port)
                        + " counter jump " + ISTIO_DIVERT);
                add(MANGLE, ISTIO_INBOUND, "meta l4proto tcp tcp dport " + port(port) + " counter jump "
                        + ISTIO_TPROXY);
            }
            return;
        }
        add(NAT, PREROUTING, "meta l4proto tcp counter jump " + ISTIO_INBOUND);
        if (all) {
            for (String port : s.inboundExcludePorts()) {
                add(NAT, ISTIO_INBOUND, "meta l4proto tcp tcp dport " + port(port) + " counter return");
            }
            add(NAT, ISTIO_INBOUND, "meta l4proto tcp counter jump " + ISTIO_IN_REDIRECT);
            return;
        }
        for (String port : ValueChecks.splitList(s.inboundPorts())) {
            add(NAT, ISTIO_INBOUND, "meta l4proto tcp tcp dport " + port(port) + " counter jump " + ISTIO_IN_REDIRECT);
        }
    }

    // 4.10 and 4.11
    private void proxyOwners(String match, List<String> owners, boolean dnsSetForLoopback) {
        boolean dns = s.dnsCaptureOn();
        boolean loopbackIncluded = s.includeCidrs().stream().anyMatch(Cidr::loopback);
        String tunnel = port(s.inboundTunnelPort());
        String notPorts = dns && dnsSetForLoopback ? "{ 53, " + tunnel + " }" : tunnel;
        for (String owner : owners) {
            add(NAT, ISTIO_OUTPUT, "oifname lo meta l4proto tcp ip daddr != " + s.ipv4LoopbackCidr() + " tcp dport != "
                    + notPorts + " " + match + " " + owner + " counter jump " + ISTIO_IN_REDIRECT);
            v6(NAT, ISTIO_OUTPUT, "oifname lo meta l4proto tcp ip6 daddr != " + LOOPBACK_V6 + " tcp dport != "
                    + notPorts + " " + match + " " + owner + " counter jump " + ISTIO_IN_REDIRECT);
            if (!loopbackIncluded) {
                add(NAT, ISTIO_OUTPUT, dns
                        ? "oifname lo meta l4proto tcp tcp dport != 53 " + match + " != " + owner + " counter return"
                        : "oifname lo " + match + " != " + owner + " counter return");
            }
            add(NAT, ISTIO_OUTPUT, match + " " + owner + " counter return");
        }
    }

    // 4.12
    private void ownerGroups() {
        if (s.ownerGroupsInclude() == null) {
            for (String group : s.ownerGroupsExclude()) {
                add(NAT, ISTIO_OUTPUT, "skgid " + group + " counter return");
            }
            return;
        }
        StringBuilder body = new StringBuilder();
        for (String group : s.ownerGroupsInclude()) {
            body.append("skgid != ").append(group).append(' ');
        }
        add(NAT, ISTIO_OUTPUT, body.append("counter return").toString());
    }

    // 4.13
    private void dnsCapture() {
        if (!s.dnsCaptureOn()) {
            return;
        }
        boolean all = s.captureAllDns();
        String agent = ":" + CaptureSettings.DNS_AGENT_PORT;
        add(RAW, OUTPUT, "counter jump " + ISTIO_OUTPUT_DNS);
        add(NAT, ISTIO_OUTPUT, "counter jump " + ISTIO_OUTPUT_DNS);
        for (String proto : List.of("tcp", "udp")) {
            if (all) {
                add(NAT, ISTIO_OUTPUT_DNS, (proto.equals("tcp") ? "meta l4proto tcp " : "") + proto
                        + " dport 53 counter redirect to " + agent);
                continue;
            }
            for (Family family : Family.values()) {
                for (String server : servers(family)) {
                    family(family, NAT, ISTIO_OUTPUT_DNS, daddr(family) + " " + hostCidr(server, family) + " " + proto
                            + " dport 53 counter redirect to " + agent);
                }
            }
        }
        for (String match : List.of("skuid", "skgid")) {
            for (String id : match.equals("skuid") ? s.proxyUids() : s.proxyGids()) {
                add(RAW, ISTIO_OUTPUT_DNS, "udp dport 53 meta " + match + " " + id + " counter ct zone set 1");
                add(RAW, ISTIO_OUTPUT_DNS, "udp sport " + CaptureSettings.DNS_AGENT_PORT + " meta " + match + " " + id
                        + " counter ct zone set 2");
            }
        }
        if (all) {
            add(RAW, PREROUTING, "counter jump " + ISTIO_INBOUND);
            add(RAW, ISTIO_OUTPUT_DNS, "udp dport 53 counter ct zone set 2");
            add(RAW, ISTIO_INBOUND, "udp sport 53 counter ct zone set 1");
            return;
        }
        if (!s.dnsServersV4().isEmpty() || !s.dnsServersV6().isEmpty()) {
            add(RAW, PREROUTING, "counter jump " + ISTIO_INBOUND);
        }
        for (Family family : Family.values()) {
            String word = family == Family.IPV4 ? "ip" : "ip6";
            for (String server : servers(family)) {
                family(family, RAW, ISTIO_OUTPUT_DNS, "udp dport 53 " + word + " daddr " + hostCidr(server, family)
                        + " counter ct zone set 2");
                family(family, RAW, ISTIO_INBOUND, "udp sport 53 " + word + " saddr " + hostCidr(server, family)
                        + " counter ct zone set 1");
            }
        }
    }

    // 4.17
    private void outboundCidrInclusions() {
        if (s.includeAllCidrs()) {
            add(NAT, ISTIO_OUTPUT, "counter jump " + ISTIO_REDIRECT);
            for (String nic : s.kubeVirtInterfaces()) {
                rules.add(new NftRule(NAT, PREROUTING, "iifname " + nic + " counter jump " + ISTIO_REDIRECT, 0));
            }
            return;
        }
        for (Family family : Family.values()) {
            for (Cidr cidr : s.includeCidrs()) {
                if (cidr.family() != family) {
                    continue;
                }
                String dest = daddr(family) + " " + cidrText(cidr);
                for (String nic : s.kubeVirtInterfaces()) {
                    family(family, new NftRule(NAT, PREROUTING, "iifname " + nic + " " + dest + " counter jump "
                            + ISTIO_REDIRECT, 0));
                }
                family(family, NAT, ISTIO_OUTPUT, dest + " counter jump " + ISTIO_REDIRECT);
            }
        }
    }

    // 4.18
    private void tproxyTail() {
        String mark = s.tproxyMark();
        add(MANGLE, PREROUTING, "meta l4proto tcp mark " + mark + " counter ct mark set mark");
        add(MANGLE, OUTPUT, "oifname lo meta l4proto tcp mark " + mark + " counter return");
        for (String match : List.of("skuid", "skgid")) {
            for (String id : match.equals("skuid") ? s.proxyUids() : s.proxyGids()) {
                add(MANGLE, OUTPUT, "oifname lo meta l4proto tcp ip daddr != " + s.ipv4LoopbackCidr() + " " + match
                        + " " + id + " counter meta mark set " + OUTBOUND_MARK);
                v6(MANGLE, OUTPUT, "oifname lo meta l4proto tcp ip6 daddr != " + LOOPBACK_V6 + " " + match + " " + id
                        + " counter meta mark set " + OUTBOUND_MARK);
            }
        }
        add(MANGLE, OUTPUT, "meta l4proto tcp ct mark " + mark + " counter meta mark set ct mark");
        rules.add(new NftRule(MANGLE, ISTIO_INBOUND, "meta l4proto tcp mark " + mark + " counter return", 0));
        rules.add(new NftRule(MANGLE, ISTIO_INBOUND, "iifname lo meta l4proto tcp ip saddr " + PASSTHROUGH_V4
                + " counter return", 1));
        family(Family.IPV6, new NftRule(MANGLE, ISTIO_INBOUND, "iifname lo meta l4proto tcp ip6 saddr "
                + PASSTHROUGH_V6 + " counter return", 1));
        rules.add(new NftRule(MANGLE, ISTIO_INBOUND, "iifname lo meta l4proto tcp mark != " + OUTBOUND_MARK
                + " counter return", 2));
    }

    /**
     * Leaves out every jump to a chain that gets no rule (nftables.md 4.13, ours): nft would reject the whole
     * transaction, since such a chain is not declared. Repeated until nothing changes, as dropping a jump can
     * empty a chain that held only that jump.
     */
    static List<NftRule> withoutDanglingJumps(List<NftRule> planned) {
        List<NftRule> kept = planned;
        while (true) {
            Set<String> filled = new HashSet<>();
            for (NftRule rule : kept) {
                filled.add(rule.table() + " " + rule.chain());
            }
            List<NftRule> next = kept.stream()
                    .filter(r -> r.jumpTarget() == null || filled.contains(r.table() + " " + r.jumpTarget()))
                    .toList();
            if (next.size() == kept.size()) {
                return kept;
            }
            kept = next;
        }
    }

    private List<String> servers(Family family) {
        return family == Family.IPV4 ? s.dnsServersV4() : s.dnsServersV6();
    }

    /** A port or range as nft writes it: {@code a:b} (accepted by capture.md 3.4) becomes {@code a-b}. */
    static String port(String port) {
        return port.replace(':', '-');
    }

    /** IPv4 as given; IPv6 in canonical text (lower case, compressed), as Istio writes it (nftables.md §5). */
    static String cidrText(Cidr cidr) {
        if (cidr.family() == Family.IPV4) {
            return cidr.text();
        }
        int slash = cidr.text().indexOf('/');
        IpAddress address = IpAddress.parse(cidr.text().substring(0, slash));
        return address.canonical() + cidr.text().substring(slash);
    }

    private static String hostCidr(String server, Family family) {
        return server + (family == Family.IPV4 ? "/32" : "/128");
    }

    private static String daddr(Family family) {
        return family == Family.IPV4 ? "ip daddr" : "ip6 daddr";
    }

    private void add(String table, String chain, String body) {
        rules.add(new NftRule(table, chain, body, NftRule.APPEND));
    }

    private void v6(String table, String chain, String body) {
        family(Family.IPV6, new NftRule(table, chain, body, NftRule.APPEND));
    }

    private void family(Family family, String table, String chain, String body) {
        family(family, new NftRule(table, chain, body, NftRule.APPEND));
    }

    /** A [v4] rule is always emitted, a [v6] rule only with IPv6 enabled. */
    private void family(Family family, NftRule rule) {
        if (family == Family.IPV4 || s.ipv6Enabled()) {
            rules.add(rule);
        }
    }
}
