package io.istiocni.pod;

import io.istiocni.rules.IpAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a Kubernetes Pod that the CNI plugin (and {@code istio-cni iptables --pod}) looks at
 * (plugin.md 7.7–7.9, capture.md 12). Maps keep the document's order; a key present with an empty (or null)
 * value maps to {@code ""}, so presence is {@code containsKey}. Never null: strings default to {@code ""},
 * collections to empty ones; only {@code podIP} and the security-context ids may be null.
 *
 * @param podIP     {@code status.podIP}, or null when absent
 * @param podIPs    the {@code ip} fields of {@code status.podIPs}, in order
 * @param hostUsers {@code spec.hostUsers} (true when absent, as in Kubernetes): false asks the runtime for a user
 *                  namespace of the pod's own
 */
public record PodManifest(
        String name,
        String namespace,
        Map<String, String> labels,
        Map<String, String> annotations,
        boolean hostNetwork,
        List<Container> initContainers,
        List<Container> containers,
        String podIP,
        List<String> podIPs,
        boolean hostUsers) {

    public PodManifest {
        name = name == null ? "" : name;
        namespace = namespace == null ? "" : namespace;
        labels = orderedCopy(labels);
        annotations = orderedCopy(annotations);
        initContainers = initContainers == null ? List.of() : List.copyOf(initContainers);
        containers = containers == null ? List.of() : List.copyOf(containers);
        podIPs = podIPs == null ? List.of() : List.copyOf(podIPs);
    }

    /**
     * One container.
     *
     * @param env        environment entries in document order: name to literal {@code value}; an entry using
     *                   {@code valueFrom} (or without a value) maps to {@code ""}; a repeated name keeps the
     *                   value of its last entry
     * @param runAsUser  {@code securityContext.runAsUser}, null when not set
     * @param runAsGroup {@code securityContext.runAsGroup}, null when not set
     */
    public record Container(String name, List<String> args, Map<String, String> env, Long runAsUser,
            Long runAsGroup) {

        public Container {
            name = name == null ? "" : name;
            args = args == null ? List.of() : List.copyOf(args);
            env = orderedCopy(env);
        }

        public Optional<String> envValue(String variable) {
            return Optional.ofNullable(env.get(variable));
        }
    }

    /** {@code spec.initContainers} followed by {@code spec.containers}. */
    public List<Container> allContainers() {
        List<Container> all = new ArrayList<>(initContainers);
        all.addAll(containers);
        return all;
    }

    public Optional<String> annotation(String key) {
        return Optional.ofNullable(annotations.get(key));
    }

    public Optional<String> label(String key) {
        return Optional.ofNullable(labels.get(key));
    }

    /**
     * The pod's addresses: {@code status.podIPs} when it has entries, else {@code status.podIP}. Items that are
     * not IP address literals are dropped.
     */
    public List<IpAddress> podAddresses() {
        List<String> texts = !podIPs.isEmpty() ? podIPs : podIP == null ? List.of() : List.of(podIP);
        List<IpAddress> out = new ArrayList<>();
        for (String text : texts) {
            IpAddress ip = text == null ? null : IpAddress.parse(text);
            if (ip != null) {
                out.add(ip);
            }
        }
        return out;
    }

    private static Map<String, String> orderedCopy(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, v == null ? "" : v));
        return Collections.unmodifiableMap(copy);
    }
}
