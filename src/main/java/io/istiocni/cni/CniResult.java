package io.istiocni.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.cni.CniVersions.Family;
import io.istiocni.rules.IpAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CNI result: the {@code prevResult} ADD and CHECK receive, and what ADD prints (plugin.md 5). Read with the
 * version-family rules of the CNI library (5.1, 5.2) into the 1.x shape, and written back in the configuration's
 * version as the library converts it (5.3): fields that version does not define dropped, unknown fields dropped,
 * {@code ips[].version} recomputed for 0.3.x/0.4.0, an empty {@code dns} omitted for 1.x only, zero
 * {@code interface}/{@code table}/{@code scope} kept. Addresses are printed the way Go prints them.
 */
public final class CniResult {

    /** One entry of {@code interfaces} (0.3.0 and later; {@code mtu}, {@code socketPath}, {@code pciID} in 1.x). */
    public record Interface(String name, String mac, long mtu, String sandbox, String socketPath, String pciId) {
    }

    /** One entry of {@code ips}; {@code iface} is the index into {@code interfaces}, null when absent. */
    public record IpConfig(Long iface, IpNet address, IpAddress gateway) {
    }

    /** One route; {@code mtu}, {@code advmss}, {@code priority}, {@code table}, {@code scope} exist in 1.x only. */
    public record Route(IpNet dst, IpAddress gw, long mtu, long advmss, long priority, Long table, Long scope) {
    }

    /** The {@code dns} object. */
    public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {

        static final Dns EMPTY = new Dns(List.of(), "", List.of(), List.of());

        public boolean isEmpty() {
            return nameservers.isEmpty() && domain.isEmpty() && search.isEmpty() && options.isEmpty();
        }
    }

    /** An address with its prefix length; the host bits are kept ({@code 10.0.0.2/24}). */
    public record IpNet(IpAddress ip, int prefix) {

        /** Go's {@code IPNet.String()}: IPv4-mapped addresses print as IPv4 with the prefix shortened by 96. */
        @Override
        public String toString() {
            if (ip.family() == io.istiocni.rules.Family.IPV6 && ip.isIpv4Mapped()) {
                return goText(ip) + "/" + Math.max(0, prefix - 96);
            }
            return goText(ip) + "/" + prefix;
        }
    }

    private static final List<String> FAMILY_02 = List.of("", "0.1.0", "0.2.0");
    private static final List<String> FAMILY_04 = List.of("0.3.0", "0.3.1", "0.4.0");
    private static final List<String> FAMILY_1 = List.of("1.0.0", "1.1.0");

    private final String cniVersion;
    private final List<Interface> interfaces;
    private final List<IpConfig> ips;
    private final List<Route> routes;
    private final Dns dns;

    private CniResult(String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<Route> routes,
            Dns dns) {
        this.cniVersion = cniVersion;
        this.interfaces = List.copyOf(interfaces);
        this.ips = List.copyOf(ips);
        this.routes = List.copyOf(routes);
        this.dns = dns;
    }

    /**
     * Reads {@code prevResult} for a configuration of version {@code confVersion} (a supported version).
     *
     * @throws CniException 999 {@code could not parse prevResult: <reason>} when it is not an object, a field is
     *                      malformed, or its {@code cniVersion} is not of the configuration's family
     */
    public static CniResult parse(JsonNode prevResult, String confVersion) throws CniException {
        try {
            return read(prevResult, CniVersions.family(confVersion));
        } catch (IllegalArgumentException e) {
            throw CniException.internal("could not parse prevResult: " + e.getMessage());
        }
    }

    /** The previous plugin's {@code cniVersion} ("" when absent, possible for 0.1.0/0.2.0). */
    public String cniVersion() {
        return cniVersion;
    }

    public List<Interface> interfaces() {
        return interfaces;
    }

    public List<IpConfig> ips() {
        return ips;
    }

    public List<Route> routes() {
        return routes;
    }

    public Dns dns() {
        return dns;
    }

    /** The addresses of {@code ips[].address} (or {@code ip4.ip}, {@code ip6.ip}), in order, without prefixes. */
    public List<IpAddress> addresses() {
        List<IpAddress> out = new ArrayList<>(ips.size());
        for (IpConfig ip : ips) {
            out.add(ip.address().ip());
        }
        return out;
    }

    /**
     * This result as ADD prints it for a configuration of {@code version}: Go's indented layout, no trailing newline.
     *
     * @throws CniException 999 {@code cannot convert: no valid IP addresses} for 0.1.0/0.2.0 without any address
     */
    public String toJson(String version) throws CniException {
        return Json.pretty(render(version, interfaces, ips, routes, dns));
    }

    /**
     * The result ADD prints without a {@code prevResult}: {@code {"cniVersion": v}} for 1.x,
     * {@code {"cniVersion": v, "dns": {}}} for 0.3.x/0.4.0.
     *
     * @throws CniException 999 {@code cannot convert: no valid IP addresses} for 0.1.0/0.2.0
     */
    public static String emptyJson(String version) throws CniException {
        return Json.pretty(render(version, List.of(), List.of(), List.of(), Dns.EMPTY));
    }

    // ---- reading --------------------------------------------------------------------------------------------

    private static CniResult read(JsonNode prev, Family family) {
        if (!prev.isObject()) {
            throw new IllegalArgumentException("json: cannot unmarshal " + Json.kind(prev)
                    + " into Go value of type Result");
        }
        String version = string(prev, "cniVersion", "Result", "cniVersion");
        List<Interface> interfaces = new ArrayList<>();
        List<IpConfig> ips = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        List<String> accepted;
        if (family == Family.V02) {
            accepted = FAMILY_02;
            readIpConfig02(prev, "ip4", ips, routes);
            readIpConfig02(prev, "ip6", ips, routes);
        } else {
            accepted = family == Family.V04 ? FAMILY_04 : FAMILY_1;
            boolean v1 = family == Family.V1;
            JsonNode list = array(prev, "interfaces", "Result", "interfaces", "[]*Interface");
            for (int i = 0; list != null && i < list.size(); i++) {
                JsonNode n = element(list, i, "Result", "interfaces", "Interface");
                if (n == null) {
                    continue;
                }
                String path = "interfaces.";
                interfaces.add(new Interface(string(n, "name", "Interface", path + "name"),
                        string(n, "mac", "Interface", path + "mac"),
                        v1 ? integer(n, "mtu", "Interface", path + "mtu", 0L) : 0L,
                        string(n, "sandbox", "Interface", path + "sandbox"),
                        v1 ? string(n, "socketPath", "Interface", path + "socketPath") : "",
                        v1 ? string(n, "pciID", "Interface", path + "pciID") : ""));
            }
            list = array(prev, "ips", "Result", "ips", "[]*IPConfig");
            for (int i = 0; list != null && i < list.size(); i++) {
                JsonNode n = element(list, i, "Result", "ips", "IPConfig");
                if (n == null) {
                    continue;
                }
                if (!v1) {
                    string(n, "version", "ipConfig", "ips.version");
                }
                Long iface = integer(n, "interface", "ipConfig", "ips.interface", null);
                IpNet address = cidr(n, "address", "ipConfig", "ips.address");
                IpAddress gateway = ip(n, "gateway", "ipConfig", "ips.gateway");
                ips.add(new IpConfig(iface, address, gateway));
            }
            readRoutes(prev, "routes", "Result", "routes", v1, routes);
        }
        Dns dns = readDns(prev);
        if (!accepted.contains(version)) {
            throw new IllegalArgumentException("result type supports " + GoText.list(accepted)
                    + " but unmarshalled CNIVersion is " + GoText.quote(version));
        }
        return new CniResult(version, interfaces, ips, routes, dns);
    }

    private static void readIpConfig02(JsonNode prev, String key, List<IpConfig> ips, List<Route> routes) {
        JsonNode n = Json.field(prev, key);
        if (n == null) {
            return;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(Json.typeError(n, "Result", key, "types020.IPConfig"));
        }
        IpNet address = cidr(n, "ip", "ipConfig", key + ".ip");
        IpAddress gateway = ip(n, "gateway", "ipConfig", key + ".gateway");
        ips.add(new IpConfig(null, address, gateway));
        readRoutes(n, "routes", "ipConfig", key + ".routes", false, routes);
    }

    private static void readRoutes(JsonNode parent, String key, String struct, String path, boolean keepAll,
            List<Route> out) {
        JsonNode list = array(parent, key, struct, path, "[]types.Route");
        for (int i = 0; list != null && i < list.size(); i++) {
            JsonNode n = element(list, i, struct, path, "types.Route");
            if (n == null) {
                continue;
            }
            String p = path + ".";
            IpNet dst = cidr(n, "dst", "route", p + "dst");
            IpAddress gw = ip(n, "gw", "route", p + "gw");
            // the route type is shared by every version, so its fields are type-checked in every family
            long mtu = integer(n, "mtu", "route", p + "mtu", 0L);
            long advmss = integer(n, "advmss", "route", p + "advmss", 0L);
            long priority = integer(n, "priority", "route", p + "priority", 0L);
            Long table = integer(n, "table", "route", p + "table", null);
            Long scope = integer(n, "scope", "route", p + "scope", null);
            out.add(keepAll ? new Route(dst, gw, mtu, advmss, priority, table, scope)
                    : new Route(dst, gw, 0, 0, 0, null, null));
        }
    }

    private static Dns readDns(JsonNode prev) {
        JsonNode n = Json.field(prev, "dns");
        if (n == null) {
            return Dns.EMPTY;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(Json.typeError(n, "Result", "dns", "types.DNS"));
        }
        return new Dns(strings(n, "nameservers", "DNS", "dns.nameservers"), string(n, "domain", "DNS", "dns.domain"),
                strings(n, "search", "DNS", "dns.search"), strings(n, "options", "DNS", "dns.options"));
    }

    private static JsonNode array(JsonNode parent, String key, String struct, String path, String goType) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, goType));
        }
        return n;
    }

    /** An object element of a list; null for a null element (skipped). */
    private static JsonNode element(JsonNode list, int i, String struct, String path, String goType) {
        JsonNode n = list.get(i);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, goType));
        }
        return n;
    }

    private static String string(JsonNode parent, String key, String struct, String path) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            return "";
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, "string"));
        }
        return n.textValue();
    }

    private static List<String> strings(JsonNode parent, String key, String struct, String path) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, "[]string"));
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (e.isNull()) {
                out.add("");
            } else if (!e.isTextual()) {
                throw new IllegalArgumentException(Json.typeError(e, struct, path, "string"));
            } else {
                out.add(e.textValue());
            }
        }
        return out;
    }

    /**
     * A Go {@code int}. Istio re-encodes {@code prevResult} through a generic map before decoding it, so a number is
     * accepted when its float64 value is integral (1.0 is 1).
     */
    private static Long integer(JsonNode parent, String key, String struct, String path, Long absent) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            return absent;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, "int"));
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        double d = n.doubleValue();
        if (!n.isIntegralNumber() && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
            return (long) d;
        }
        throw new IllegalArgumentException(Json.typeError(n, struct, path, "int"));
    }

    /** An address with prefix length ({@code net.ParseCIDR}); required. */
    private static IpNet cidr(JsonNode parent, String key, String struct, String path) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            throw new IllegalArgumentException(path + ": missing address");
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, "types.IPNet"));
        }
        IpNet net = parseCidr(n.textValue());
        if (net == null) {
            throw new IllegalArgumentException("invalid CIDR address: " + n.textValue());
        }
        return net;
    }

    /** An IP address ({@code net.IP}); absent, null or "" is null. */
    private static IpAddress ip(JsonNode parent, String key, String struct, String path) {
        JsonNode n = Json.field(parent, key);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(Json.typeError(n, struct, path, "net.IP"));
        }
        if (n.textValue().isEmpty()) {
            return null;
        }
        IpAddress a = IpAddress.parse(n.textValue());
        if (a == null) {
            throw new IllegalArgumentException("invalid IP address: " + n.textValue());
        }
        return a;
    }

    /** Go's {@code net.ParseCIDR}: address (no zone), {@code /}, decimal prefix length within the family's bits. */
    static IpNet parseCidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            return null;
        }
        IpAddress ip = IpAddress.parse(s.substring(0, slash));
        if (ip == null) {
            return null;
        }
        String mask = s.substring(slash + 1);
        if (mask.isEmpty()) {
            return null;
        }
        int bits = ip.family() == io.istiocni.rules.Family.IPV4 ? 32 : 128;
        int n = 0;
        for (int i = 0; i < mask.length(); i++) {
            char c = mask.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
            if (n > bits) {
                return null;
            }
        }
        return new IpNet(ip, n);
    }

    /** Go's {@code net.IP.String()}: IPv4 and IPv4-mapped addresses as a dotted quad. */
    static String goText(IpAddress ip) {
        if (ip.family() == io.istiocni.rules.Family.IPV6 && ip.isIpv4Mapped()) {
            byte[] b = ip.bytes();
            return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        return ip.canonical();
    }

    // ---- writing --------------------------------------------------------------------------------------------

    private static Map<String, Object> render(String version, List<Interface> interfaces, List<IpConfig> ips,
            List<Route> routes, Dns dns) throws CniException {
        return switch (CniVersions.family(version)) {
            case V1 -> render1(version, interfaces, ips, routes, dns);
            case V04 -> render04(version, interfaces, ips, routes, dns);
            case V02 -> render02(version, ips, routes, dns);
        };
    }

    /** 1.x: keys of every object in alphabetical order, as Istio prints them. */
    private static Map<String, Object> render1(String version, List<Interface> interfaces, List<IpConfig> ips,
            List<Route> routes, Dns dns) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cniVersion", version);
        if (!dns.isEmpty()) {
            Map<String, Object> d = new LinkedHashMap<>();
            putNonEmpty(d, "domain", dns.domain());
            putNonEmpty(d, "nameservers", dns.nameservers());
            putNonEmpty(d, "options", dns.options());
            putNonEmpty(d, "search", dns.search());
            out.put("dns", d);
        }
        if (!interfaces.isEmpty()) {
            List<Object> list = new ArrayList<>(interfaces.size());
            for (Interface i : interfaces) {
                Map<String, Object> m = new LinkedHashMap<>();
                putNonEmpty(m, "mac", i.mac());
                if (i.mtu() != 0) {
                    m.put("mtu", i.mtu());
                }
                m.put("name", i.name());
                putNonEmpty(m, "pciID", i.pciId());
                putNonEmpty(m, "sandbox", i.sandbox());
                putNonEmpty(m, "socketPath", i.socketPath());
                list.add(m);
            }
            out.put("interfaces", list);
        }
        if (!ips.isEmpty()) {
            List<Object> list = new ArrayList<>(ips.size());
            for (IpConfig ip : ips) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("address", ip.address().toString());
                if (ip.gateway() != null) {
                    m.put("gateway", goText(ip.gateway()));
                }
                if (ip.iface() != null) {
                    m.put("interface", ip.iface());
                }
                list.add(m);
            }
            out.put("ips", list);
        }
        if (!routes.isEmpty()) {
            List<Object> list = new ArrayList<>(routes.size());
            for (Route r : routes) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (r.advmss() != 0) {
                    m.put("advmss", r.advmss());
                }
                m.put("dst", r.dst().toString());
                if (r.gw() != null) {
                    m.put("gw", goText(r.gw()));
                }
                if (r.mtu() != 0) {
                    m.put("mtu", r.mtu());
                }
                if (r.priority() != 0) {
                    m.put("priority", r.priority());
                }
                if (r.scope() != null) {
                    m.put("scope", r.scope());
                }
                if (r.table() != null) {
                    m.put("table", r.table());
                }
                list.add(m);
            }
            out.put("routes", list);
        }
        return out;
    }

    /** 0.3.0/0.3.1/0.4.0: {@code version} from each address, routes reduced to dst/gw, {@code dns} always. */
    private static Map<String, Object> render04(String version, List<Interface> interfaces, List<IpConfig> ips,
            List<Route> routes, Dns dns) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cniVersion", version);
        if (!interfaces.isEmpty()) {
            List<Object> list = new ArrayList<>(interfaces.size());
            for (Interface i : interfaces) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", i.name());
                putNonEmpty(m, "mac", i.mac());
                putNonEmpty(m, "sandbox", i.sandbox());
                list.add(m);
            }
            out.put("interfaces", list);
        }
        if (!ips.isEmpty()) {
            List<Object> list = new ArrayList<>(ips.size());
            for (IpConfig ip : ips) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("version", isIpv4(ip.address().ip()) ? "4" : "6");
                if (ip.iface() != null) {
                    m.put("interface", ip.iface());
                }
                m.put("address", ip.address().toString());
                if (ip.gateway() != null) {
                    m.put("gateway", goText(ip.gateway()));
                }
                list.add(m);
            }
            out.put("ips", list);
        }
        if (!routes.isEmpty()) {
            List<Object> list = new ArrayList<>(routes.size());
            for (Route r : routes) {
                list.add(route0(r));
            }
            out.put("routes", list);
        }
        out.put("dns", dns0(dns));
        return out;
    }

    /** 0.1.0/0.2.0: the first IPv4 and the first IPv6 address, each with the routes of its family. */
    private static Map<String, Object> render02(String version, List<IpConfig> ips, List<Route> routes, Dns dns)
            throws CniException {
        IpConfig ip4 = null;
        IpConfig ip6 = null;
        for (IpConfig ip : ips) {
            if (isIpv4(ip.address().ip())) {
                if (ip4 == null) {
                    ip4 = ip;
                }
            } else if (ip6 == null) {
                ip6 = ip;
            }
            if (ip4 != null && ip6 != null) {
                break;
            }
        }
        if (ip4 == null && ip6 == null) {
            throw CniException.internal("cannot convert: no valid IP addresses");
        }
        List<Object> routes4 = new ArrayList<>();
        List<Object> routes6 = new ArrayList<>();
        for (Route r : routes) {
            boolean is4 = isIpv4(r.dst().ip());
            if (is4 && ip4 != null) {
                routes4.add(route0(r));
            } else if (!is4 && ip6 != null) {
                routes6.add(route0(r));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cniVersion", version);
        if (ip4 != null) {
            out.put("ip4", ipConfig02(ip4, routes4));
        }
        if (ip6 != null) {
            out.put("ip6", ipConfig02(ip6, routes6));
        }
        out.put("dns", dns0(dns));
        return out;
    }

    private static Map<String, Object> ipConfig02(IpConfig ip, List<Object> routes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ip", ip.address().toString());
        if (ip.gateway() != null) {
            m.put("gateway", goText(ip.gateway()));
        }
        if (!routes.isEmpty()) {
            m.put("routes", routes);
        }
        return m;
    }

    private static Map<String, Object> route0(Route r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dst", r.dst().toString());
        if (r.gw() != null) {
            m.put("gw", goText(r.gw()));
        }
        return m;
    }

    private static Map<String, Object> dns0(Dns dns) {
        Map<String, Object> d = new LinkedHashMap<>();
        putNonEmpty(d, "nameservers", dns.nameservers());
        putNonEmpty(d, "domain", dns.domain());
        putNonEmpty(d, "search", dns.search());
        putNonEmpty(d, "options", dns.options());
        return d;
    }

    private static void putNonEmpty(Map<String, Object> m, String key, String value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static void putNonEmpty(Map<String, Object> m, String key, List<String> value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    /** Go's {@code To4() != nil}: IPv4, or IPv4-mapped IPv6. */
    private static boolean isIpv4(IpAddress ip) {
        return ip.effectiveFamily() == io.istiocni.rules.Family.IPV4;
    }
}
