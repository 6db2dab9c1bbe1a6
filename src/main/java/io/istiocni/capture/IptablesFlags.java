package io.istiocni.capture;

import static io.istiocni.capture.FlagSpec.bool;
import static io.istiocni.capture.FlagSpec.string;

import java.util.List;

/** The flags of Istio's {@code istio-iptables} (capture.md 1.3), plus our {@code --pod}, with their environment twins. */
public final class IptablesFlags {

    public static final String ENVOY_PORT = "envoy-port";
    public static final String INBOUND_CAPTURE_PORT = "inbound-capture-port";
    public static final String INBOUND_TUNNEL_PORT = "inbound-tunnel-port";
    public static final String PROXY_UID = "proxy-uid";
    public static final String PROXY_GID = "proxy-gid";
    public static final String INTERCEPTION_MODE = "istio-inbound-interception-mode";
    public static final String INBOUND_PORTS = "istio-inbound-ports";
    public static final String LOCAL_EXCLUDE_PORTS = "istio-local-exclude-ports";
    public static final String EXCLUDE_INTERFACES = "istio-exclude-interfaces";
    public static final String SERVICE_CIDR = "istio-service-cidr";
    public static final String SERVICE_EXCLUDE_CIDR = "istio-service-exclude-cidr";
    public static final String OUTBOUND_PORTS = "istio-outbound-ports";
    public static final String LOCAL_OUTBOUND_PORTS_EXCLUDE = "istio-local-outbound-ports-exclude";
    public static final String KUBE_VIRT_INTERFACES = "kube-virt-interfaces";
    public static final String TPROXY_MARK = "istio-inbound-tproxy-mark";
    public static final String TPROXY_ROUTE_TABLE = "istio-inbound-tproxy-route-table";
    public static final String DRY_RUN = "dry-run";
    public static final String PROBE_PORT = "iptables-probe-port";
    public static final String PROBE_TIMEOUT = "probe-timeout";
    public static final String SKIP_RULE_APPLY = "skip-rule-apply";
    public static final String RUN_VALIDATION = "run-validation";
    public static final String REDIRECT_DNS = "redirect-dns";
    public static final String CAPTURE_ALL_DNS = "capture-all-dns";
    public static final String DROP_INVALID = "drop-invalid";
    public static final String DUAL_STACK = "dual-stack";
    public static final String NETWORK_NAMESPACE = "network-namespace";
    public static final String CNI_MODE = "cni-mode";
    public static final String RECONCILE = "reconcile";
    public static final String CLEANUP_ONLY = "cleanup-only";
    public static final String FORCE_APPLY = "force-apply";
    public static final String NATIVE_NFTABLES = "native-nftables";
    public static final String FORCE_IPTABLES_BINARY = "force-iptables-binary";
    public static final String POD = "pod";

    public static final List<FlagSpec> ALL = List.of(
            string(ENVOY_PORT, 'p', null, "15001", "port to which all outbound TCP traffic is redirected"),
            string(INBOUND_CAPTURE_PORT, 'z', "INBOUND_CAPTURE_PORT", "15006",
                    "port to which captured inbound TCP traffic is redirected"),
            string(INBOUND_TUNNEL_PORT, 'e', "INBOUND_TUNNEL_PORT", "15008",
                    "Envoy's tunnel port, never captured inbound"),
            string(PROXY_UID, 'u', "PROXY_UID", "", "comma-separated UIDs whose traffic is not redirected"),
            string(PROXY_GID, 'g', "PROXY_GID", "", "comma-separated GIDs whose traffic is not redirected"),
            string(INTERCEPTION_MODE, 'm', "ISTIO_INBOUND_INTERCEPTION_MODE", "",
                    "inbound interception mode: REDIRECT or TPROXY"),
            string(INBOUND_PORTS, 'b', "ISTIO_INBOUND_PORTS", "",
                    "comma-separated inbound ports to capture; * for all"),
            string(LOCAL_EXCLUDE_PORTS, 'd', "ISTIO_LOCAL_EXCLUDE_PORTS", "",
                    "comma-separated inbound ports not captured (with -b *)"),
            string(EXCLUDE_INTERFACES, 'c', "ISTIO_EXCLUDE_INTERFACES", "",
                    "comma-separated interfaces never captured"),
            string(SERVICE_CIDR, 'i', "ISTIO_SERVICE_CIDR", "",
                    "comma-separated outbound CIDRs to capture; * for all"),
            string(SERVICE_EXCLUDE_CIDR, 'x', "ISTIO_SERVICE_EXCLUDE_CIDR", "",
                    "comma-separated outbound CIDRs never captured"),
            string(OUTBOUND_PORTS, 'q', "ISTIO_OUTBOUND_PORTS", "",
                    "comma-separated outbound TCP ports always captured"),
            string(LOCAL_OUTBOUND_PORTS_EXCLUDE, 'o', "ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE", "",
                    "comma-separated outbound ports never captured"),
            string(KUBE_VIRT_INTERFACES, 'k', "KUBE_VIRT_INTERFACES", "",
                    "comma-separated interfaces whose inbound traffic is treated as outbound"),
            string(TPROXY_MARK, 't', "ISTIO_INBOUND_TPROXY_MARK", "1337", "TPROXY packet mark"),
            string(TPROXY_ROUTE_TABLE, 'r', "ISTIO_INBOUND_TPROXY_ROUTE_TABLE", "133", "TPROXY routing table"),
            new FlagSpec(DRY_RUN, 'n', List.of(), List.of("DRY_RUN"), FlagSpec.Type.BOOL, "false",
                    "print the rules instead of applying them"),
            new FlagSpec(PROBE_PORT, '\0', List.of("probe-port"), List.of("IPTABLES_PROBE_PORT"),
                    FlagSpec.Type.UINT16, "15002", "validation: port the probe connects to"),
            new FlagSpec(PROBE_TIMEOUT, '\0', List.of(), List.of("PROBE_TIMEOUT"), FlagSpec.Type.DURATION, "5s",
                    "validation: how long to wait"),
            bool(SKIP_RULE_APPLY, List.of("SKIP_RULE_APPLY"), "do not compute or apply any rule"),
            bool(RUN_VALIDATION, List.of("RUN_VALIDATION"), "check that traffic redirection works"),
            bool(REDIRECT_DNS, List.of("REDIRECT_DNS", "ISTIO_META_DNS_CAPTURE"), "capture DNS to the agent"),
            bool(CAPTURE_ALL_DNS, List.of("CAPTURE_ALL_DNS"), "with --redirect-dns, capture DNS to any address"),
            bool(DROP_INVALID, List.of("DROP_INVALID", "INVALID_DROP"), "drop packets in INVALID conntrack state"),
            bool(DUAL_STACK, List.of("DUAL_STACK", "ISTIO_DUAL_STACK"), "IPv6 rules when any address is IPv6"),
            string(NETWORK_NAMESPACE, '\0', "NETWORK_NAMESPACE", "",
                    "network namespace path the rules go into (default: the current one)"),
            bool(CNI_MODE, List.of("CNI_MODE"), "running from the CNI plugin (pod-scoped xtables lock)"),
            bool(RECONCILE, List.of("RECONCILE"), "replace existing rules that differ"),
            bool(CLEANUP_ONLY, List.of("CLEANUP_ONLY"), "only remove the rules this configuration creates"),
            bool(FORCE_APPLY, List.of("FORCE_APPLY"), "apply even if the rules seem to be in place"),
            bool(NATIVE_NFTABLES, List.of("NATIVE_NFTABLES"), "program native nftables instead of iptables"),
            string(FORCE_IPTABLES_BINARY, '\0', "FORCE_IPTABLES_BINARY", "",
                    "legacy or nft: skip iptables variant detection"),
            string(POD, '\0', null, "", "derive the settings from this Pod manifest (YAML or JSON, - for stdin)"),
            // Istio's logging flags, passed by the injected istio-validation container; accepted for compatibility.
            string("log_output_level", '\0', null, "", "logging scopes and levels (accepted, ignored)"),
            bool("log_as_json", List.of(), "log as JSON (accepted, ignored)"),
            string("log_caller", '\0', null, "", "(accepted, ignored)"),
            string("log_stacktrace_level", '\0', null, "", "(accepted, ignored)"),
            string("log_target", '\0', null, "", "(accepted, ignored)"),
            string("log_rotate", '\0', null, "", "(accepted, ignored)"),
            string("log_rotate_max_age", '\0', null, "", "(accepted, ignored)"),
            string("log_rotate_max_backups", '\0', null, "", "(accepted, ignored)"),
            string("log_rotate_max_size", '\0', null, "", "(accepted, ignored)"),
            string("vklog", '\0', null, "", "(accepted, ignored)"));

    private IptablesFlags() {
    }
}
