package io.istiocni.redirect;

/** Which user namespace the commands of {@link CaptureStep} run in (plugin.md 7.9 step 4, capture.md 8.2). */
public enum UserNamespacePolicy {

    /** Ours: the pod shares the host's user namespace, or no network namespace is named. */
    HOST,

    /**
     * The one owning the network namespace when it is not ours (so the kernel takes the owner matches and uid 1337
     * is the pod's); ours when that cannot be told, said through {@link CaptureStep.Notices#ownerUnknown} (Istio
     * goes on the same way when nsenter is missing).
     */
    OWNER_OR_HOST
}
