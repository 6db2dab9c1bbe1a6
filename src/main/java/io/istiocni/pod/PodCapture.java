package io.istiocni.pod;

import io.istiocni.rules.Family;
import io.istiocni.rules.GoQuote;
import io.istiocni.rules.IpAddress;
import io.istiocni.rules.ValueChecks;
import java.util.List;
import java.util.Optional;

/**
 * Decides what the CNI plugin (and {@code istio-cni iptables --pod}) does with a pod: leave it alone
 * (plugin.md 7.7, with differences D1 and D2) or capture its traffic with the settings of 7.8.
 *
 * <p>Callers go through {@link PodPlan}, which runs this decision, the settings, the IP family and the rules in one
 * step.
 */
public final class PodCapture {

    /** The error when no usable address decides the IP family (plugin.md 7.9, capture.md 3.2). */
    public static final String NO_VALID_ADDRESS = "no valid local IP address found";

    private PodCapture() {
    }

    /** Why a pod is left alone, in the order the checks run (plugin.md 7.7). */
    public enum SkipReason {
        HOST_NETWORK,
        ISTIO_INIT_CONTAINER,
        ENVOY_DISABLED,
        NO_ISTIO_PROXY,
        NOT_A_SIDECAR,
        INJECTION_DISABLED,
        NOT_INJECTED,
        INTERCEPTION_MODE_NONE
    }

    /** The outcome of {@link #decide}. */
    public sealed interface Decision permits Skip, Capture {
    }

    /** Leave the pod alone: success, no rules. {@code message} is a one-line explanation for the log. */
    public record Skip(SkipReason reason, String message) implements Decision {
    }

    /** Program the pod's rules with these settings. */
    public record Capture(PodSettings settings) implements Decision {
    }

    /**
     * Runs the checks of plugin.md 7.7 in order, then validates the annotations and derives the settings.
     *
     * @throws PodAnnotationException for the first invalid traffic annotation of a pod that is not skipped
     */
    public static Decision decide(PodManifest pod) {
        if (pod.hostNetwork()) {
            return new Skip(SkipReason.HOST_NETWORK, "pod has hostNetwork");
        }
        for (PodManifest.Container c : pod.allContainers()) {
            if (c.name().equals(PodKeys.ISTIO_INIT)) {
                return new Skip(SkipReason.ISTIO_INIT_CONTAINER,
                        "pod has an istio-init container (it sets up its own rules)");
            }
        }
        Optional<ProxyInfo> proxy = ProxyInfo.of(pod);
        String disable = proxy.map(p -> p.env().get(PodKeys.ENV_DISABLE_ENVOY)).orElse(null);
        if (disable != null && Boolean.TRUE.equals(ValueChecks.parseGoBool(disable))) {
            return new Skip(SkipReason.ENVOY_DISABLED,
                    "istio-proxy has DISABLE_ENVOY=" + GoQuote.quote(disable) + " (proxyless)");
        }
        if (proxy.isEmpty()) {
            return new Skip(SkipReason.NO_ISTIO_PROXY, "pod has no istio-proxy container");
        }
        String proxyType = proxy.get().proxyType();
        if (proxyType != null && !proxyType.equals("sidecar")) {
            return new Skip(SkipReason.NOT_A_SIDECAR,
                    "istio-proxy is not a sidecar (proxy type " + GoQuote.quote(proxyType) + ")");
        }
        String injectSource;
        String inject;
        if (pod.labels().containsKey(PodKeys.INJECT)) {
            injectSource = "label";
            inject = pod.labels().get(PodKeys.INJECT);
        } else {
            injectSource = "annotation";
            inject = pod.annotations().get(PodKeys.INJECT);
        }
        if (inject != null && !inject.isEmpty() && Boolean.FALSE.equals(ValueChecks.parseGoBool(inject))) {
            return new Skip(SkipReason.INJECTION_DISABLED, "sidecar injection is disabled (" + injectSource + " "
                    + PodKeys.INJECT + "=" + GoQuote.quote(inject) + ")");
        }
        if (!pod.annotations().containsKey(PodKeys.STATUS)) {
            return new Skip(SkipReason.NOT_INJECTED,
                    "pod has no " + PodKeys.STATUS + " annotation (no sidecar was injected)");
        }
        if ("NONE".equals(pod.annotations().get(PodKeys.INTERCEPTION_MODE))) {
            return new Skip(SkipReason.INTERCEPTION_MODE_NONE, PodKeys.INTERCEPTION_MODE + " is NONE");
        }
        return new Capture(PodSettings.derive(pod));
    }

    /**
     * The IP family rule of plugin.md 7.9 over the pod's addresses: loopback and link-local addresses are
     * ignored and IPv4-mapped IPv6 addresses count as IPv4; without dual stack IPv6 rules are produced only when
     * there is no IPv4 address but an IPv6 one, with dual stack whenever there is an IPv6 address.
     *
     * @return whether IPv6 is enabled, or empty when no usable address remains ({@link #NO_VALID_ADDRESS})
     */
    public static Optional<Boolean> ipv6FromPodIps(List<IpAddress> podIps, boolean dualStack) {
        boolean v4 = false;
        boolean v6 = false;
        for (IpAddress ip : podIps) {
            if (ip == null || ip.isLoopback() || ip.isLinkLocal()) {
                continue;
            }
            if (ip.effectiveFamily() == Family.IPV4) {
                v4 = true;
            } else {
                v6 = true;
            }
        }
        if (!v4 && !v6) {
            return Optional.empty();
        }
        return Optional.of(dualStack ? v6 : !v4);
    }
}
