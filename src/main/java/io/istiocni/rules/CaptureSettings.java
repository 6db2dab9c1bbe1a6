package io.istiocni.rules;

import java.util.List;

/**
 * Everything the rule generator needs, already validated and derived (capture.md sections 1–3).
 * List items are kept verbatim: each one is copied into the rule it produces.
 *
 * @param inboundPorts        {@code -b}: {@code "*"}, or the raw comma list; empty means no inbound capture
 * @param includeAllCidrs     {@code -i '*'}: capture outbound traffic to every destination
 * @param includeCidrs        {@code -i} items (both families; the generator picks per family)
 * @param ownerGroupsInclude  {@code ISTIO_OUTBOUND_OWNER_GROUPS} items; null means {@code *} (all groups)
 * @param ipv4LoopbackCidr    {@code L} of IPv4 rules
 * @param ipv6Enabled         whether the IPv6 list is produced (detected or from {@code ENABLE_INBOUND_IPV6})
 */
public record CaptureSettings(
        String envoyPort,
        String inboundCapturePort,
        String inboundTunnelPort,
        List<String> proxyUids,
        List<String> proxyGids,
        InterceptionMode interceptionMode,
        String inboundPorts,
        List<String> inboundExcludePorts,
        boolean includeAllCidrs,
        List<Cidr> includeCidrs,
        List<Cidr> excludeCidrs,
        List<String> outboundPorts,
        List<String> outboundExcludePorts,
        List<String> excludeInterfaces,
        List<String> kubeVirtInterfaces,
        String tproxyMark,
        String tproxyRouteTable,
        boolean redirectDns,
        boolean captureAllDns,
        boolean dropInvalid,
        boolean dualStack,
        List<String> dnsServersV4,
        List<String> dnsServersV6,
        List<String> ownerGroupsInclude,
        List<String> ownerGroupsExclude,
        String ipv4LoopbackCidr,
        boolean ipv6Enabled) {

    public static final String DEFAULT_ENVOY_PORT = "15001";
    public static final String DEFAULT_INBOUND_CAPTURE_PORT = "15006";
    public static final String DEFAULT_INBOUND_TUNNEL_PORT = "15008";
    public static final String DEFAULT_TPROXY_MARK = "1337";
    public static final String DEFAULT_TPROXY_ROUTE_TABLE = "133";
    public static final String DEFAULT_IPV4_LOOPBACK_CIDR = "127.0.0.1/32";
    public static final String DNS_AGENT_PORT = "15053";

    public CaptureSettings {
        proxyUids = List.copyOf(proxyUids);
        proxyGids = List.copyOf(proxyGids);
        inboundExcludePorts = List.copyOf(inboundExcludePorts);
        includeCidrs = List.copyOf(includeCidrs);
        excludeCidrs = List.copyOf(excludeCidrs);
        outboundPorts = List.copyOf(outboundPorts);
        outboundExcludePorts = List.copyOf(outboundExcludePorts);
        excludeInterfaces = List.copyOf(excludeInterfaces);
        kubeVirtInterfaces = List.copyOf(kubeVirtInterfaces);
        dnsServersV4 = List.copyOf(dnsServersV4);
        dnsServersV6 = List.copyOf(dnsServersV6);
        ownerGroupsInclude = ownerGroupsInclude == null ? null : List.copyOf(ownerGroupsInclude);
        ownerGroupsExclude = List.copyOf(ownerGroupsExclude);
    }

    public boolean tproxy() {
        return interceptionMode == InterceptionMode.TPROXY;
    }

    /** DNS capture is effectively on (capture.md 3.6). */
    public boolean dnsCaptureOn() {
        return redirectDns && (captureAllDns || !dnsServersV4.isEmpty() || !dnsServersV6.isEmpty());
    }

    public List<String> dnsServers(Family family) {
        return family == Family.IPV4 ? dnsServersV4 : dnsServersV6;
    }

    /** The loopback destination {@code L} for a family. */
    public String loopbackCidr(Family family) {
        return family == Family.IPV4 ? ipv4LoopbackCidr : "::1/128";
    }
}
