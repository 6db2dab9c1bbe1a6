package io.istiocni.capture;

import static io.istiocni.capture.IptablesFlags.*;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Cidr;
import io.istiocni.rules.Family;
import io.istiocni.rules.InterceptionMode;
import io.istiocni.rules.IpAddress;
import io.istiocni.rules.ValueChecks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Turns parsed flags and the environment into a {@link CaptureRun}: the derivations and configuration checks of
 * capture.md section 3, all before anything is applied. Pure apart from the lazily consulted {@link HostFacts}.
 */
public final class CaptureConfig {

    static final int MAX_OWNER_GROUPS = 64;

    private CaptureConfig() {
    }

    public static CaptureRun resolve(FlagParser.Parsed flags, Map<String, String> env, HostFacts host) {
        boolean skipRuleApply = flags.isTrue(SKIP_RULE_APPLY);
        String forceBinary = flags.get(FORCE_IPTABLES_BINARY);
        if (!forceBinary.isEmpty() && !forceBinary.equals("legacy") && !forceBinary.equals("nft")) {
            throw new UsageException("invalid value for FORCE_IPTABLES_BINARY (--force-iptables-binary): \""
                    + forceBinary + "\": must be legacy or nft");
        }
        checkPort(flags, ENVOY_PORT, "-p");
        checkPort(flags, INBOUND_CAPTURE_PORT, "-z");
        checkPort(flags, INBOUND_TUNNEL_PORT, "-e");
        String mode = flags.get(INTERCEPTION_MODE);
        if (!mode.isEmpty() && !mode.equals("REDIRECT") && !mode.equals("TPROXY")) {
            throw new UsageException("invalid value for --istio-inbound-interception-mode (-m): \"" + mode
                    + "\": must be REDIRECT or TPROXY");
        }
        String inboundPorts = flags.get(INBOUND_PORTS);
        if (!inboundPorts.equals("*")) {
            checkItems(flags, INBOUND_PORTS, "-b", s -> ValueChecks.isPortOrRange(s.strip()), "a port or port range");
        }
        checkItems(flags, LOCAL_EXCLUDE_PORTS, "-d", s -> ValueChecks.isPortOrRange(s.strip()), "a port or port range");
        checkItems(flags, OUTBOUND_PORTS, "-q", s -> ValueChecks.isPortOrRange(s.strip()), "a port or port range");
        checkItems(flags, LOCAL_OUTBOUND_PORTS_EXCLUDE, "-o", s -> ValueChecks.isPortOrRange(s.strip()),
                "a port or port range");
        checkItems(flags, PROXY_UID, "-u", s -> ValueChecks.isOwnerId(s.strip()), "a numeric UID");
        checkItems(flags, PROXY_GID, "-g", s -> ValueChecks.isOwnerId(s.strip()), "a numeric GID");
        checkItems(flags, EXCLUDE_INTERFACES, "-c", s -> ValueChecks.isInterfaceName(s.strip()), "an interface name");
        checkItems(flags, KUBE_VIRT_INTERFACES, "-k", s -> ValueChecks.isInterfaceName(s.strip()),
                "an interface name");
        for (String[] flag : new String[][] {{TPROXY_MARK, "-t"}, {TPROXY_ROUTE_TABLE, "-r"}}) {
            if (!ValueChecks.isUint32(flags.get(flag[0]))) {
                throw new UsageException("invalid value for --" + flag[0] + " (" + flag[1] + "): \""
                        + flags.get(flag[0]) + "\": must be a decimal integer");
            }
        }
        int probePort = Integer.parseInt(flags.get(PROBE_PORT));
        var probeTimeout = GoDuration.parse(flags.get(PROBE_TIMEOUT));

        CaptureSettings settings = null;
        boolean fromPod = !flags.get(POD).isEmpty();
        if (!skipRuleApply && !fromPod) {
            settings = settings(flags, env, host);
        }
        return new CaptureRun(settings, skipRuleApply, flags.isTrue(DRY_RUN), flags.isTrue(RUN_VALIDATION),
                emptyToNull(flags.get(NETWORK_NAMESPACE)), flags.isTrue(CNI_MODE), flags.isTrue(RECONCILE),
                flags.isTrue(CLEANUP_ONLY), flags.isTrue(FORCE_APPLY), forceBinary, probePort, probeTimeout,
                Integer.parseInt(flags.get(ENVOY_PORT)), Integer.parseInt(flags.get(INBOUND_CAPTURE_PORT)),
                flags.isTrue(NATIVE_NFTABLES));
    }

    /** The ENABLE_INBOUND_IPV6 hook when it is set (capture.md section 2), else null. */
    static Boolean forcedIpv6(Map<String, String> env) {
        String forced = env.get("ENABLE_INBOUND_IPV6");
        if (forced == null) {
            return null;
        }
        Boolean value = ValueChecks.parseGoBool(forced);
        if (value == null) {
            throw new UsageException("invalid value for ENABLE_INBOUND_IPV6: \"" + forced + "\": must be true or false");
        }
        return value;
    }

    private static CaptureSettings settings(FlagParser.Parsed flags, Map<String, String> env, HostFacts host) {
        List<String> ownerInclude = ownerGroupsInclude(env);
        List<String> ownerExclude = ValueChecks.splitList(env.getOrDefault("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", ""));
        String loopback = loopbackCidr(env);

        List<Cidr> excludeCidrs = parseCidrs(flags.get(SERVICE_EXCLUDE_CIDR), SERVICE_EXCLUDE_CIDR, "-x");
        String includeCidrValue = flags.get(SERVICE_CIDR);
        boolean includeAll = includeCidrValue.equals("*");
        List<Cidr> includeCidrs = includeAll ? List.of() : parseCidrs(includeCidrValue, SERVICE_CIDR, "-i");

        List<String> uids = ValueChecks.splitList(flags.get(PROXY_UID));
        if (uids.isEmpty()) {
            String user = env.getOrDefault("ENVOY_USER", "istio-proxy");
            uids = List.of(Long.toString(host.uidOf(user).orElse(1337L)));
        }
        List<String> gids = ValueChecks.splitList(flags.get(PROXY_GID));
        if (gids.isEmpty()) {
            gids = uids;
        }

        boolean dualStack = flags.isTrue(DUAL_STACK);
        boolean ipv6 = ipv6Enabled(env, host, dualStack);

        boolean redirectDns = flags.isTrue(REDIRECT_DNS);
        boolean captureAllDns = flags.isTrue(CAPTURE_ALL_DNS);
        List<String> dnsV4 = new ArrayList<>();
        List<String> dnsV6 = new ArrayList<>();
        if (env.containsKey("DNS_SERVERS_V4") || env.containsKey("DNS_SERVERS_V6")) {
            dnsV4 = dnsServerHook(env, "DNS_SERVERS_V4", Family.IPV4);
            dnsV6 = dnsServerHook(env, "DNS_SERVERS_V6", Family.IPV6);
        } else if (redirectDns && !captureAllDns) {
            readResolvConf(host, dnsV4, dnsV6);
        }
        if (!ipv6) {
            dnsV6 = List.of();
        }

        String mode = flags.get(INTERCEPTION_MODE);
        return new CaptureSettings(
                flags.get(ENVOY_PORT),
                flags.get(INBOUND_CAPTURE_PORT),
                flags.get(INBOUND_TUNNEL_PORT),
                uids,
                gids,
                mode.equals("TPROXY") ? InterceptionMode.TPROXY : InterceptionMode.REDIRECT,
                flags.get(INBOUND_PORTS),
                ValueChecks.splitList(flags.get(LOCAL_EXCLUDE_PORTS)),
                includeAll,
                includeCidrs,
                excludeCidrs,
                ValueChecks.splitList(flags.get(OUTBOUND_PORTS)),
                ValueChecks.splitList(flags.get(LOCAL_OUTBOUND_PORTS_EXCLUDE)),
                ValueChecks.splitList(flags.get(EXCLUDE_INTERFACES)),
                ValueChecks.splitList(flags.get(KUBE_VIRT_INTERFACES)),
                flags.get(TPROXY_MARK),
                flags.get(TPROXY_ROUTE_TABLE),
                redirectDns,
                captureAllDns,
                flags.isTrue(DROP_INVALID),
                dualStack,
                dnsV4,
                dnsV6,
                ownerInclude,
                ownerExclude,
                loopback,
                ipv6);
    }

    /** {@code ISTIO_OUTBOUND_OWNER_GROUPS}: null for {@code *} (the default), else the groups (maybe none). */
    static List<String> ownerGroupsInclude(Map<String, String> env) {
        String value = env.get("ISTIO_OUTBOUND_OWNER_GROUPS");
        if (value == null || value.strip().equals("*")) {
            return null;
        }
        List<String> groups = ValueChecks.splitList(value);
        if (groups.size() > MAX_OWNER_GROUPS) {
            throw new UsageException("invalid value for ISTIO_OUTBOUND_OWNER_GROUPS: " + groups.size()
                    + " groups given, at most " + MAX_OWNER_GROUPS + " are allowed");
        }
        return groups;
    }

    static String loopbackCidr(Map<String, String> env) {
        String value = env.getOrDefault("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", CaptureSettings.DEFAULT_IPV4_LOOPBACK_CIDR);
        String problem = null;
        try {
            Cidr cidr = Cidr.parse(value);
            if (cidr.family() != Family.IPV4) {
                problem = "not an IPv4 CIDR";
            } else if (!cidr.loopback()) {
                problem = "not a loopback CIDR (127.0.0.0/8)";
            } else if (cidr.prefixLength() < 8) {
                problem = "prefix length must be between 8 and 32";
            }
        } catch (IllegalArgumentException e) {
            problem = "not a CIDR";
        }
        if (problem != null) {
            throw new UsageException("invalid value for ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: \"" + value + "\": " + problem);
        }
        return value;
    }

    private static boolean ipv6Enabled(Map<String, String> env, HostFacts host, boolean dualStack) {
        Boolean forced = forcedIpv6(env);
        return forced != null ? forced : host.ipv6FromLocalAddresses(dualStack);
    }

    private static List<String> dnsServerHook(Map<String, String> env, String name, Family family) {
        List<String> servers = ValueChecks.splitList(env.getOrDefault(name, ""));
        for (String server : servers) {
            IpAddress ip = IpAddress.parse(server);
            if (ip == null || ip.family() != family) {
                throw new UsageException("invalid value for " + name + ": \"" + server + "\" is not an "
                        + (family == Family.IPV4 ? "IPv4" : "IPv6") + " address");
            }
        }
        return servers;
    }

    private static void readResolvConf(HostFacts host, List<String> v4, List<String> v6) {
        List<String> nameservers;
        try {
            nameservers = host.resolvConfNameservers();
        } catch (IOException e) {
            throw new UsageException("failed to read /etc/resolv.conf for DNS capture: " + e.getMessage());
        }
        for (String server : nameservers) {
            IpAddress ip = IpAddress.parse(server);
            if (ip == null) {
                continue;
            }
            if (ip.effectiveFamily() == Family.IPV4) {
                v4.add(ip.isIpv4Mapped() ? server.substring(server.lastIndexOf(':') + 1) : ip.canonical());
            } else {
                v6.add(ip.canonical());
            }
        }
    }

    private static List<Cidr> parseCidrs(String value, String flag, String shorthand) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String item : ValueChecks.splitList(value)) {
            if (item.equals("*") && flag.equals(SERVICE_EXCLUDE_CIDR)) {
                throw new UsageException("invalid value for OUTBOUND_IP_RANGES_EXCLUDE (--istio-service-exclude-cidr,"
                        + " -x): \"*\" is not allowed, list the CIDRs to exclude");
            }
            if (item.equals("*")) {
                throw new UsageException("invalid value for --" + flag + " (" + shorthand + "): \"" + value
                        + "\": * must be the whole value");
            }
            try {
                cidrs.add(Cidr.parse(item));
            } catch (IllegalArgumentException e) {
                throw new UsageException("invalid value for --" + flag + " (" + shorthand + "): \"" + item
                        + "\" is not a CIDR (address/prefix)");
            }
        }
        return cidrs;
    }

    private static void checkPort(FlagParser.Parsed flags, String flag, String shorthand) {
        if (!ValueChecks.isPort(flags.get(flag))) {
            throw new UsageException("invalid value for --" + flag + " (" + shorthand + "): \"" + flags.get(flag)
                    + "\": must be a port number 0-65535");
        }
    }

    private static void checkItems(FlagParser.Parsed flags, String flag, String shorthand, Predicate<String> valid,
            String what) {
        for (String item : ValueChecks.splitList(flags.get(flag))) {
            if (!valid.test(item)) {
                throw new UsageException("invalid value for --" + flag + " (" + shorthand + "): \"" + item
                        + "\" is not " + what);
            }
        }
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }
}
