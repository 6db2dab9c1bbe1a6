package io.istiocni.pod;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds pods for the unit tests: an injected sidecar pod unless told otherwise. */
final class TestPods {

    private TestPods() {
    }

    static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    static PodManifest.Container container(String name) {
        return new PodManifest.Container(name, List.of(), Map.of(), null, null);
    }

    static PodManifest.Container proxy(Map<String, String> env, Long uid, Long gid, String... args) {
        return new PodManifest.Container(PodKeys.ISTIO_PROXY, List.of(args), env, uid, gid);
    }

    /** An injected pod (status annotation present) with the extra annotations and the given proxy env. */
    static PodManifest injected(Map<String, String> annotations, Map<String, String> proxyEnv) {
        Map<String, String> a = map(PodKeys.STATUS, "{}");
        a.putAll(annotations);
        return new PodManifest("web", "default", Map.of(), a, false, List.of(),
                List.of(container("app"), proxy(proxyEnv, null, null)), "10.0.0.2", List.of("10.0.0.2"), true);
    }

    static PodManifest injected(String... annotationKeyValues) {
        return injected(map(annotationKeyValues), Map.of());
    }

    static PodManifest withContainers(Map<String, String> labels, Map<String, String> annotations, boolean hostNetwork,
            List<PodManifest.Container> init, List<PodManifest.Container> containers) {
        return new PodManifest("web", "default", labels, annotations, hostNetwork, init, containers, "10.0.0.2",
                List.of(), true);
    }
}
