package io.istiocni.pod;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Cidr;
import io.istiocni.rules.GoQuote;
import io.istiocni.rules.InterceptionMode;
import io.istiocni.rules.ValueChecks;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The capture settings a pod asks for (plugin.md 7.8, capture.md 12.3), validated, still as the values of the
 * equivalent {@code istio-iptables} flags (verbatim annotation text, except the extended inbound exclusions).
 * {@link #toCaptureSettings} adds the plugin defaults, the process environment and the IP family.
 *
 * @param interceptionMode        {@code -m}
 * @param proxyUid                {@code -u}: {@code runAsUser} of istio-proxy when set and not 0, else 1337
 * @param proxyGid                {@code -g}: {@code runAsGroup} of istio-proxy when set and not 0, else 1337
 * @param includeOutboundIpRanges {@code -i}: {@code "*"}, empty, or a CIDR list
 * @param excludeOutboundIpRanges {@code -x}
 * @param inboundPorts            {@code -b}: {@code "*"}, empty, or a port list
 * @param inboundExcludePorts     {@code -d}: the annotation (default 15020) extended with 15020,15021,15090
 * @param outboundExcludePorts    {@code -o}: the annotation, default {@code 15020}
 * @param outboundPorts           {@code -q}
 * @param excludeInterfaces       {@code -c}
 * @param kubeVirtInterfaces      {@code -k}: reroute-virtual-interfaces, else kubevirtInterfaces
 * @param dnsCapture              {@code --redirect-dns} and {@code --capture-all-dns} (env ISTIO_META_DNS_CAPTURE)
 * @param dropInvalid             {@code --drop-invalid} (env INVALID_DROP)
 * @param dualStack               {@code --dual-stack} (env ISTIO_DUAL_STACK); decides the IPv6 rule of 7.9
 * @param warnings                one line each, e.g. an istio-proxy boolean env value that does not parse
 */
public record PodSettings(
        InterceptionMode interceptionMode,
        String proxyUid,
        String proxyGid,
        String includeOutboundIpRanges,
        String excludeOutboundIpRanges,
        String inboundPorts,
        String inboundExcludePorts,
        String outboundExcludePorts,
        String outboundPorts,
        String excludeInterfaces,
        String kubeVirtInterfaces,
        boolean dnsCapture,
        boolean dropInvalid,
        boolean dualStack,
        List<String> warnings) {

    public static final String DEFAULT_PROXY_ID = "1337";
    /** The status port Istio's plugin assumes; excluded outbound by default and always excluded inbound. */
    public static final String STATUS_PORT = "15020";
    static final String INBOUND_EXCLUDE_EXTENSION = "15020,15021,15090";

    public PodSettings {
        warnings = List.copyOf(warnings);
    }

    /**
     * Validates the pod's traffic annotations in Istio's order and derives the settings. Does not apply the
     * skip rules of plugin.md 7.7: use {@link PodCapture#decide} (an {@code interceptionMode} of {@code NONE} is
     * an error here, as in Istio).
     *
     * @throws PodAnnotationException for the first invalid annotation
     */
    public static PodSettings derive(PodManifest pod) {
        Map<String, String> a = pod.annotations();

        InterceptionMode mode = InterceptionMode.REDIRECT;
        String modeValue = a.get(PodKeys.INTERCEPTION_MODE);
        if (modeValue != null) {
            mode = switch (modeValue) {
                case "REDIRECT" -> InterceptionMode.REDIRECT;
                case "TPROXY" -> InterceptionMode.TPROXY;
                default -> throw new PodAnnotationException("redirectMode", PodKeys.INTERCEPTION_MODE, modeValue,
                        "interceptionMode invalid: " + modeValue);
            };
        }

        String include = a.getOrDefault(PodKeys.INCLUDE_OUTBOUND_IP_RANGES, "*");
        if (!include.equals("*")) {
            String why = cidrListError(include);
            if (why != null) {
                throw new PodAnnotationException("includeIPCidrs", PodKeys.INCLUDE_OUTBOUND_IP_RANGES, include,
                        "IPRanges invalid: " + why);
            }
        }
        String exclude = a.getOrDefault(PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, "");
        String excludeWhy = cidrListError(exclude);
        if (excludeWhy != null) {
            throw new PodAnnotationException("excludeIPCidrs", PodKeys.EXCLUDE_OUTBOUND_IP_RANGES, exclude,
                    excludeWhy);
        }

        String inboundExclude = checkedPorts(a, "excludeInboundPorts", PodKeys.EXCLUDE_INBOUND_PORTS, STATUS_PORT,
                false);
        String inboundInclude = checkedPorts(a, "includeInboundPorts", PodKeys.INCLUDE_INBOUND_PORTS, "*", true);
        String outboundExclude = checkedPorts(a, "excludeOutboundPorts", PodKeys.EXCLUDE_OUTBOUND_PORTS,
                STATUS_PORT, false);
        String outboundInclude = checkedPorts(a, "includeOutboundPorts", PodKeys.INCLUDE_OUTBOUND_PORTS, "", false);

        String excludeInterfaces = checkedInterfaces(a, "excludeInterfaces", PodKeys.EXCLUDE_INTERFACES);
        String virtualInterfaces = a.containsKey(PodKeys.REROUTE_VIRTUAL_INTERFACES)
                ? checkedInterfaces(a, "reroute-virtual-interfaces", PodKeys.REROUTE_VIRTUAL_INTERFACES)
                : checkedInterfaces(a, "kubevirtInterfaces", PodKeys.KUBEVIRT_INTERFACES);

        ProxyInfo proxy = ProxyInfo.of(pod).orElse(null);
        Map<String, String> env = proxy == null ? Map.of() : proxy.env();
        List<String> warnings = new ArrayList<>();
        boolean dns = envBool(env, PodKeys.ENV_DNS_CAPTURE, warnings);
        boolean dropInvalid = envBool(env, PodKeys.ENV_INVALID_DROP, warnings);
        boolean dualStack = envBool(env, PodKeys.ENV_DUAL_STACK, warnings);

        return new PodSettings(mode,
                proxyId(proxy == null ? null : proxy.runAsUser()),
                proxyId(proxy == null ? null : proxy.runAsGroup()),
                include, exclude, inboundInclude, extendInboundExcludes(inboundExclude), outboundExclude,
                outboundInclude, excludeInterfaces, virtualInterfaces, dns, dropInvalid, dualStack, warnings);
    }

    /**
     * The full settings for the rule generator: the plugin's fixed values (ports 15001/15006/15008, mark 1337,
     * table 133, capture-all DNS so no server list), the pod's settings, and from {@code processEnv} the owner
     * groups and IPv4 loopback CIDR (unchecked, as the plugin does).
     *
     * @param processEnv  the plugin's (or CLI's) environment; only the {@code ISTIO_OUTBOUND_*} entries are read
     * @param ipv6Enabled whether IPv6 rules are produced (see {@link PodCapture#ipv6FromPodIps})
     */
    public CaptureSettings toCaptureSettings(Map<String, String> processEnv, boolean ipv6Enabled) {
        Map<String, String> env = processEnv == null ? Map.of() : processEnv;
        String groups = env.get(PodKeys.ENV_OWNER_GROUPS);
        List<String> ownerGroupsInclude = groups == null || groups.equals("*") ? null : ValueChecks.splitList(groups);
        List<String> ownerGroupsExclude = ValueChecks.splitList(env.get(PodKeys.ENV_OWNER_GROUPS_EXCLUDE));
        String loopback = env.get(PodKeys.ENV_IPV4_LOOPBACK_CIDR);
        if (loopback == null || loopback.isEmpty()) {
            loopback = CaptureSettings.DEFAULT_IPV4_LOOPBACK_CIDR;
        }
        boolean includeAll = includeOutboundIpRanges.equals("*");
        return new CaptureSettings(
                CaptureSettings.DEFAULT_ENVOY_PORT,
                CaptureSettings.DEFAULT_INBOUND_CAPTURE_PORT,
                CaptureSettings.DEFAULT_INBOUND_TUNNEL_PORT,
                List.of(proxyUid),
                List.of(proxyGid),
                interceptionMode,
                inboundPorts.isBlank() ? "" : inboundPorts, // " " passes the annotation check; it means none
                ValueChecks.splitList(inboundExcludePorts),
                includeAll,
                includeAll ? List.of() : cidrs(includeOutboundIpRanges),
                cidrs(excludeOutboundIpRanges),
                ValueChecks.splitList(outboundPorts),
                ValueChecks.splitList(outboundExcludePorts),
                ValueChecks.splitList(excludeInterfaces),
                ValueChecks.splitList(kubeVirtInterfaces),
                CaptureSettings.DEFAULT_TPROXY_MARK,
                CaptureSettings.DEFAULT_TPROXY_ROUTE_TABLE,
                dnsCapture,
                dnsCapture,
                dropInvalid,
                dualStack,
                List.of(),
                List.of(),
                ownerGroupsInclude,
                ownerGroupsExclude,
                loopback,
                ipv6Enabled);
    }

    /**
     * The inbound exclusion list of capture.md 12.3: trim, append a comma unless empty or already ending with
     * one, append {@code 15020,15021,15090}, drop repeated items (first kept).
     */
    static String extendInboundExcludes(String value) {
        String v = value.strip();
        if (!v.isEmpty() && !v.endsWith(",")) {
            v += ",";
        }
        v += INBOUND_EXCLUDE_EXTENSION;
        Set<String> seen = new LinkedHashSet<>();
        for (String item : v.split(",", -1)) {
            seen.add(item);
        }
        return String.join(",", seen);
    }

    private static List<Cidr> cidrs(String list) {
        List<Cidr> out = new ArrayList<>();
        for (String item : ValueChecks.splitList(list)) {
            out.add(Cidr.parse(item));
        }
        return out;
    }

    /** Istio's validateCIDRList: every item (untrimmed, empty ones included) must be a CIDR; "" is valid. */
    private static String cidrListError(String value) {
        if (value.isEmpty()) {
            return null;
        }
        for (String item : value.split(",", -1)) {
            try {
                Cidr.parse(item);
            } catch (IllegalArgumentException e) {
                return "failed parsing cidr '" + item + "': " + e.getMessage();
            }
        }
        return null;
    }

    private static String checkedPorts(Map<String, String> a, String name, String key, String dflt,
            boolean wildcard) {
        String value = a.get(key);
        if (value == null) {
            return dflt;
        }
        if (wildcard && value.equals("*")) {
            return value;
        }
        String trimmed = value.strip();
        if (!trimmed.isEmpty()) {
            for (String item : trimmed.split(",", -1)) {
                String port = item.strip();
                if (ValueChecks.isPort(port)) {
                    continue;
                }
                String why;
                if (port.equals("*")) {
                    why = "\"*\" (all ports) is not supported by this annotation";
                } else if (!port.isEmpty() && port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    why = "strconv.ParseUint: parsing " + GoQuote.quote(port) + ": value out of range";
                } else {
                    why = "strconv.ParseUint: parsing " + GoQuote.quote(port) + ": invalid syntax";
                }
                throw new PodAnnotationException(name, key, value, "portList " + GoQuote.quote(value)
                        + " invalid: failed parsing port " + GoQuote.quote(item) + ": " + why);
            }
        }
        return value;
    }

    private static String checkedInterfaces(Map<String, String> a, String name, String key) {
        String value = a.get(key);
        if (value == null) {
            return "";
        }
        if (!value.isEmpty()) {
            for (String item : value.split(",", -1)) {
                if (!ValueChecks.isInterfaceName(item.strip())) {
                    throw new PodAnnotationException(name, key, value, "interface name " + GoQuote.quote(item)
                            + " invalid: want 1 to 15 characters, a letter followed by letters, digits, '_', '.'"
                            + " or '-'");
                }
            }
        }
        return value;
    }

    private static boolean envBool(Map<String, String> env, String variable, List<String> warnings) {
        String value = env.get(variable);
        if (value == null) {
            return false;
        }
        Boolean b = ValueChecks.parseGoBool(value);
        if (b == null) {
            warnings.add("istio-proxy env " + variable + "=" + GoQuote.quote(value)
                    + " is not a boolean; treated as false");
            return false;
        }
        return b;
    }

    private static String proxyId(Long id) {
        return id == null || id == 0 ? DEFAULT_PROXY_ID : Long.toString(id);
    }
}
