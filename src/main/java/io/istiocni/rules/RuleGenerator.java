package io.istiocni.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Turns capture settings into Istio's sidecar redirection rules (capture.md section 6), step by step and in
 * Istio's order: the order of the lists is the contract, since inserts and chain positions depend on it.
 */
public final class RuleGenerator {

    static final String NAT = "nat";
    static final String MANGLE = "mangle";
    static final String RAW = "raw";

    static final String ISTIO_INBOUND = "ISTIO_INBOUND";
    static final String ISTIO_REDIRECT = "ISTIO_REDIRECT";
    static final String ISTIO_IN_REDIRECT = "ISTIO_IN_REDIRECT";
    static final String ISTIO_OUTPUT = "ISTIO_OUTPUT";
    static final String ISTIO_OUTPUT_DNS = "ISTIO_OUTPUT_DNS";
    static final String ISTIO_DIVERT = "ISTIO_DIVERT";
    static final String ISTIO_TPROXY = "ISTIO_TPROXY";
    static final String ISTIO_DROP = "ISTIO_DROP";

    static final String PREROUTING = "PREROUTING";
    static final String OUTPUT = "OUTPUT";

    /** The mark the proxy's outbound leg to its own pod carries in TPROXY mode; fixed by Istio. */
    static final String OUTBOUND_MARK = "1338";

    private final CaptureSettings s;
    private final List<Rule> v4 = new ArrayList<>();
    private final List<Rule> v6 = new ArrayList<>();

    private RuleGenerator(CaptureSettings settings) {
        this.s = settings;
    }

    public static RuleSet generate(CaptureSettings settings) {
        RuleGenerator g = new RuleGenerator(settings);
        g.build();
        return new RuleSet(g.v4, g.ipv6Enabled() ? g.v6 : List.of());
    }

    private boolean ipv6Enabled() {
        return s.ipv6Enabled();
    }

    private void build() {
        excludedInterfaces();
        virtualInterfaceReturns();
        dropInvalid();
        both(NAT, ISTIO_INBOUND, "-p", "tcp", "--dport", s.inboundTunnelPort(), "-j", "RETURN");
        both(NAT, ISTIO_REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", s.envoyPort());
        both(NAT, ISTIO_IN_REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", s.inboundCapturePort());
        inboundCapture();
        both(NAT, OUTPUT, "-j", ISTIO_OUTPUT);
        for (String port : s.outboundExcludePorts()) {
            both(NAT, ISTIO_OUTPUT, "-p", "tcp", "--dport", port, "-j", "RETURN");
            both(NAT, ISTIO_OUTPUT, "-p", "udp", "--dport", port, "-j", "RETURN");
        }
        perFamily(f -> Rule.append(NAT, ISTIO_OUTPUT, "-o", "lo", "-s", passthroughSource(f), "-j", "RETURN"));
        proxyOwners("--uid-owner", s.proxyUids(), true);
        proxyOwners("--gid-owner", s.proxyGids(), false);
        ownerGroups();
        dnsCapture();
        perFamily(f -> Rule.append(NAT, ISTIO_OUTPUT, "-d", s.loopbackCidr(f), "-j", "RETURN"));
        for (Cidr cidr : s.excludeCidrs()) {
            add(cidr.family(), Rule.append(NAT, ISTIO_OUTPUT, "-d", cidr.text(), "-j", "RETURN"));
        }
        for (String port : s.outboundPorts()) {
            both(NAT, ISTIO_OUTPUT, "-p", "tcp", "--dport", port, "-j", ISTIO_REDIRECT);
        }
        outboundCidrInclusions(Family.IPV4);
        outboundCidrInclusions(Family.IPV6);
        if (s.tproxy()) {
            tproxyTail();
        }
    }

    // 6.1
    private void excludedInterfaces() {
        for (String nic : s.excludeInterfaces()) {
            both(NAT, PREROUTING, "-i", nic, "-j", "RETURN");
            both(NAT, OUTPUT, "-o", nic, "-j", "RETURN");
        }
        if (s.tproxy()) {
            for (String nic : s.excludeInterfaces()) {
                both(MANGLE, PREROUTING, "-i", nic, "-j", "RETURN");
                both(MANGLE, OUTPUT, "-o", nic, "-j", "RETURN");
            }
        }
    }

    // 6.2
    private void virtualInterfaceReturns() {
        for (String nic : s.kubeVirtInterfaces()) {
            bothRule(Rule.insert(NAT, PREROUTING, 1, "-i", nic, "-j", "RETURN"));
        }
    }

    // 6.3
    private void dropInvalid() {
        if (s.dropInvalid()) {
            both(MANGLE, PREROUTING, "-m", "conntrack", "--ctstate", "INVALID", "-j", ISTIO_DROP);
            both(MANGLE, ISTIO_DROP, "-j", "DROP");
        }
    }

    // 6.6
    private void inboundCapture() {
        if (s.inboundPorts().isEmpty()) {
            return;
        }
        String table = s.tproxy() ? MANGLE : NAT;
        if (s.tproxy()) {
            both(MANGLE, ISTIO_DIVERT, "-j", "MARK", "--set-mark", s.tproxyMark());
            both(MANGLE, ISTIO_DIVERT, "-j", "ACCEPT");
            perFamily(f -> Rule.append(MANGLE, ISTIO_TPROXY, "!", "-d", s.loopbackCidr(f), "-p", "tcp", "-j",
                    "TPROXY", "--tproxy-mark", s.tproxyMark() + "/0xffffffff", "--on-port", s.inboundCapturePort()));
        }
        both(table, PREROUTING, "-p", "tcp", "-j", ISTIO_INBOUND);
        if (s.inboundPorts().equals("*")) {
            for (String port : s.inboundExcludePorts()) {
                both(table, ISTIO_INBOUND, "-p", "tcp", "--dport", port, "-j", "RETURN");
            }
            if (s.tproxy()) {
                both(MANGLE, ISTIO_INBOUND, "-p", "tcp", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j",
                        ISTIO_DIVERT);
                both(MANGLE, ISTIO_INBOUND, "-p", "tcp", "-j", ISTIO_TPROXY);
            } else {
                both(NAT, ISTIO_INBOUND, "-p", "tcp", "-j", ISTIO_IN_REDIRECT);
            }
            return;
        }
        for (String port : split(s.inboundPorts())) {
            if (s.tproxy()) {
                both(MANGLE, ISTIO_INBOUND, "-p", "tcp", "--dport", port, "-m", "conntrack", "--ctstate",
                        "RELATED,ESTABLISHED", "-j", ISTIO_DIVERT);
                both(MANGLE, ISTIO_INBOUND, "-p", "tcp", "--dport", port, "-j", ISTIO_TPROXY);
            } else {
                both(NAT, ISTIO_INBOUND, "-p", "tcp", "--dport", port, "-j", ISTIO_IN_REDIRECT);
            }
        }
    }

    // 6.10 and 6.11
    private void proxyOwners(String ownerMatch, List<String> owners, boolean dnsFormForLoopback) {
        boolean dns = s.dnsCaptureOn();
        boolean loopbackIncluded = s.includeCidrs().stream().anyMatch(Cidr::loopback);
        for (String owner : owners) {
            if (dns && dnsFormForLoopback) {
                perFamily(f -> Rule.append(NAT, ISTIO_OUTPUT, "-o", "lo", "!", "-d", s.loopbackCidr(f), "-p", "tcp",
                        "-m", "multiport", "!", "--dports", "53," + s.inboundTunnelPort(), "-m", "owner", ownerMatch,
                        owner, "-j", ISTIO_IN_REDIRECT));
            } else {
                perFamily(f -> Rule.append(NAT, ISTIO_OUTPUT, "-o", "lo", "!", "-d", s.loopbackCidr(f), "-p", "tcp",
                        "!", "--dport", s.inboundTunnelPort(), "-m", "owner", ownerMatch, owner, "-j",
                        ISTIO_IN_REDIRECT));
            }
            if (!loopbackIncluded) {
                if (dns) {
                    both(NAT, ISTIO_OUTPUT, "-o", "lo", "-p", "tcp", "!", "--dport", "53", "-m", "owner", "!",
                            ownerMatch, owner, "-j", "RETURN");
                } else {
                    both(NAT, ISTIO_OUTPUT, "-o", "lo", "-m", "owner", "!", ownerMatch, owner, "-j", "RETURN");
                }
            }
            both(NAT, ISTIO_OUTPUT, "-m", "owner", ownerMatch, owner, "-j", "RETURN");
        }
    }

    // 6.12
    private void ownerGroups() {
        if (s.ownerGroupsInclude() == null) {
            for (String group : s.ownerGroupsExclude()) {
                both(NAT, ISTIO_OUTPUT, "-m", "owner", "--gid-owner", group, "-j", "RETURN");
            }
            return;
        }
        List<String> spec = new ArrayList<>();
        for (String group : s.ownerGroupsInclude()) {
            spec.addAll(List.of("-m", "owner", "!", "--gid-owner", group));
        }
        spec.addAll(List.of("-j", "RETURN"));
        bothRule(new Rule(NAT, ISTIO_OUTPUT, 0, spec));
    }

    // 6.13
    private void dnsCapture() {
        if (!s.dnsCaptureOn()) {
            return;
        }
        boolean all = s.captureAllDns();
        String agent = CaptureSettings.DNS_AGENT_PORT;
        both(RAW, OUTPUT, "-j", ISTIO_OUTPUT_DNS);
        for (Family f : Family.values()) {
            if (all || !s.dnsServers(f).isEmpty()) {
                add(f, Rule.append(NAT, ISTIO_OUTPUT, "-j", ISTIO_OUTPUT_DNS));
            }
        }
        for (String proto : List.of("tcp", "udp")) {
            String toPort = proto.equals("tcp") ? "--to-ports" : "--to-port";
            if (all) {
                both(NAT, ISTIO_OUTPUT_DNS, "-p", proto, "--dport", "53", "-j", "REDIRECT", toPort, agent);
                continue;
            }
            for (Family f : Family.values()) {
                for (String server : s.dnsServers(f)) {
                    add(f, Rule.append(NAT, ISTIO_OUTPUT_DNS, "-p", proto, "--dport", "53", "-d", hostCidr(server, f),
                            "-j", "REDIRECT", toPort, agent));
                }
            }
        }
        for (String[] owners : List.of(new String[] {"--uid-owner"}, new String[] {"--gid-owner"})) {
            List<String> ids = owners[0].equals("--uid-owner") ? s.proxyUids() : s.proxyGids();
            for (String id : ids) {
                both(RAW, ISTIO_OUTPUT_DNS, "-p", "udp", "--dport", "53", "-m", "owner", owners[0], id, "-j", "CT",
                        "--zone", "1");
                both(RAW, ISTIO_OUTPUT_DNS, "-p", "udp", "--sport", agent, "-m", "owner", owners[0], id, "-j", "CT",
                        "--zone", "2");
            }
        }
        if (all) {
            both(RAW, PREROUTING, "-j", ISTIO_INBOUND);
            both(RAW, ISTIO_OUTPUT_DNS, "-p", "udp", "--dport", "53", "-j", "CT", "--zone", "2");
            both(RAW, ISTIO_INBOUND, "-p", "udp", "--sport", "53", "-j", "CT", "--zone", "1");
            return;
        }
        for (Family f : Family.values()) {
            if (!s.dnsServers(f).isEmpty()) {
                add(f, Rule.append(RAW, PREROUTING, "-j", ISTIO_INBOUND));
            }
            for (String server : s.dnsServers(f)) {
                add(f, Rule.append(RAW, ISTIO_OUTPUT_DNS, "-p", "udp", "--dport", "53", "-d", hostCidr(server, f), "-j",
                        "CT", "--zone", "2"));
                add(f, Rule.append(RAW, ISTIO_INBOUND, "-p", "udp", "--sport", "53", "-s", hostCidr(server, f), "-j",
                        "CT", "--zone", "1"));
            }
        }
    }

    // 6.17
    private void outboundCidrInclusions(Family family) {
        if (s.includeAllCidrs()) {
            add(family, Rule.append(NAT, ISTIO_OUTPUT, "-j", ISTIO_REDIRECT));
            for (String nic : s.kubeVirtInterfaces()) {
                add(family, Rule.insert(NAT, PREROUTING, 1, "-i", nic, "-j", ISTIO_REDIRECT));
            }
            return;
        }
        for (Cidr cidr : s.includeCidrs()) {
            if (cidr.family() != family) {
                continue;
            }
            for (String nic : s.kubeVirtInterfaces()) {
                add(family, Rule.insert(NAT, PREROUTING, 1, "-i", nic, "-d", cidr.text(), "-j", ISTIO_REDIRECT));
            }
            add(family, Rule.append(NAT, ISTIO_OUTPUT, "-d", cidr.text(), "-j", ISTIO_REDIRECT));
        }
    }

    // 6.18
    private void tproxyTail() {
        String mark = s.tproxyMark();
        both(MANGLE, PREROUTING, "-p", "tcp", "-m", "mark", "--mark", mark, "-j", "CONNMARK", "--save-mark");
        both(MANGLE, OUTPUT, "-p", "tcp", "-o", "lo", "-m", "mark", "--mark", mark, "-j", "RETURN");
        for (String[] owners : List.of(new String[] {"--uid-owner"}, new String[] {"--gid-owner"})) {
            List<String> ids = owners[0].equals("--uid-owner") ? s.proxyUids() : s.proxyGids();
            for (String id : ids) {
                perFamily(f -> Rule.append(MANGLE, OUTPUT, "!", "-d", s.loopbackCidr(f), "-p", "tcp", "-o", "lo",
                        "-m", "owner", owners[0], id, "-j", "MARK", "--set-mark", OUTBOUND_MARK));
            }
        }
        both(MANGLE, OUTPUT, "-p", "tcp", "-m", "connmark", "--mark", mark, "-j", "CONNMARK", "--restore-mark");
        bothRule(Rule.insert(MANGLE, ISTIO_INBOUND, 1, "-p", "tcp", "-m", "mark", "--mark", mark, "-j", "RETURN"));
        perFamily(f -> Rule.insert(MANGLE, ISTIO_INBOUND, 2, "-p", "tcp", "-s", passthroughSource(f), "-i", "lo", "-j",
                "RETURN"));
        bothRule(Rule.insert(MANGLE, ISTIO_INBOUND, 3, "-p", "tcp", "-i", "lo", "-m", "mark", "!", "--mark",
                OUTBOUND_MARK, "-j", "RETURN"));
    }

    private static String passthroughSource(Family family) {
        return family == Family.IPV4 ? "127.0.0.6/32" : "::6/128";
    }

    private static String hostCidr(String server, Family family) {
        return server + (family == Family.IPV4 ? "/32" : "/128");
    }

    private static List<String> split(String list) {
        List<String> items = new ArrayList<>();
        for (String item : list.split(",", -1)) {
            if (!item.isEmpty()) {
                items.add(item);
            }
        }
        return items;
    }

    private void both(String table, String chain, String... spec) {
        bothRule(Rule.append(table, chain, spec));
    }

    private void bothRule(Rule rule) {
        v4.add(rule);
        v6.add(rule);
    }

    private void perFamily(Function<Family, Rule> rule) {
        v4.add(rule.apply(Family.IPV4));
        v6.add(rule.apply(Family.IPV6));
    }

    private void add(Family family, Rule rule) {
        (family == Family.IPV4 ? v4 : v6).add(rule);
    }
}
