package io.istiocni.pod;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What Istio's plugin extracts from the {@code istio-proxy} container(s), the way its {@code ExtractPodInfo}
 * does: every container of that name (init containers first) is visited; env entries are merged (later wins),
 * the proxy type is the second arg when the first is {@code proxy}, and a security-context id that is set
 * replaces an earlier one.
 */
record ProxyInfo(Map<String, String> env, String proxyType, Long runAsUser, Long runAsGroup) {

    static Optional<ProxyInfo> of(PodManifest pod) {
        boolean found = false;
        Map<String, String> env = new LinkedHashMap<>();
        String proxyType = null;
        Long uid = null;
        Long gid = null;
        for (PodManifest.Container c : pod.allContainers()) {
            if (!c.name().equals(PodKeys.ISTIO_PROXY)) {
                continue;
            }
            found = true;
            env.putAll(c.env());
            if (c.args().size() >= 2 && c.args().get(0).equals("proxy")) {
                proxyType = c.args().get(1);
            }
            if (c.runAsUser() != null) {
                uid = c.runAsUser();
            }
            if (c.runAsGroup() != null) {
                gid = c.runAsGroup();
            }
        }
        return found ? Optional.of(new ProxyInfo(Collections.unmodifiableMap(env), proxyType, uid, gid))
                : Optional.empty();
    }
}
