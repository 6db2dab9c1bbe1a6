package io.istiocni.pod;

/** Label, annotation, container and environment names the plugin reads from a pod (case-sensitive). */
public final class PodKeys {

    public static final String ISTIO_PROXY = "istio-proxy";
    public static final String ISTIO_INIT = "istio-init";

    public static final String INJECT = "sidecar.istio.io/inject";
    public static final String STATUS = "sidecar.istio.io/status";
    public static final String INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";
    public static final String INCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges";
    public static final String EXCLUDE_OUTBOUND_IP_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
    public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
    public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
    public static final String INCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/includeOutboundPorts";
    public static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
    public static final String EXCLUDE_INTERFACES = "traffic.sidecar.istio.io/excludeInterfaces";
    public static final String REROUTE_VIRTUAL_INTERFACES = "istio.io/reroute-virtual-interfaces";
    public static final String KUBEVIRT_INTERFACES = "traffic.sidecar.istio.io/kubevirtInterfaces";

    public static final String ENV_DISABLE_ENVOY = "DISABLE_ENVOY";
    public static final String ENV_DNS_CAPTURE = "ISTIO_META_DNS_CAPTURE";
    public static final String ENV_INVALID_DROP = "INVALID_DROP";
    public static final String ENV_DUAL_STACK = "ISTIO_DUAL_STACK";

    /** Process environment of the plugin (or of {@code istio-cni iptables --pod}). */
    public static final String ENV_OWNER_GROUPS = "ISTIO_OUTBOUND_OWNER_GROUPS";
    public static final String ENV_OWNER_GROUPS_EXCLUDE = "ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE";
    public static final String ENV_IPV4_LOOPBACK_CIDR = "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR";

    private PodKeys() {
    }
}
