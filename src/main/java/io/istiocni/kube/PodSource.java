package io.istiocni.kube;

/** Where the CNI plugin gets a pod from (the API server in production, anything in tests). */
@FunctionalInterface
public interface PodSource {

    /**
     * The pod as the API server's JSON text (parse it with {@link io.istiocni.pod.PodManifests#parse(String)}).
     *
     * @throws PodFetchException when the pod could not be had; its message is the text to report
     */
    String getPodJson(String namespace, String name) throws PodFetchException;
}
