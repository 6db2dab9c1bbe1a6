package io.istiocni.redirect;

import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.netns.NetworkNamespaceFile;
import io.istiocni.netns.OwnerUserNamespace;
import io.istiocni.pod.PodPlan;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * The edge step of the one pod pipeline: applies (or verifies) capture rules in a network namespace, from inside the
 * user namespace that owns it where that is asked for, falling back to ours when the owner cannot be told, with the
 * backend chosen for the run. The plugin's ADD and CHECK, repair in place and the iptables mode all go through here;
 * the xtables lock follows from the request ({@link io.istiocni.iptables.ApplyOptions#cniMode} or a user namespace:
 * the namespace's own, see {@code RuleApplier}).
 */
public final class CaptureStep {

    /** What the step tells its caller on the way; each caller logs it in its own way. */
    public interface Notices {

        /** The owner of {@code netns} could not be told ({@code reason}): the commands run in our user namespace. */
        void ownerUnknown(String netns, String reason);

        /** {@code netns} is owned by another user namespace: the commands run in it. */
        default void ownerEntered(String netns) {
        }
    }

    /** How the owning user namespace is looked up (replaceable in tests); null when it is ours. */
    @FunctionalInterface
    public interface OwnerLookup {
        OwnerUserNamespace of(String netns) throws IOException;
    }

    private final CaptureBackend backend;
    private final Notices notices;
    private final OwnerLookup owners;

    public CaptureStep(CaptureBackend backend, Notices notices) {
        this(backend, notices, OwnerUserNamespace::of);
    }

    public CaptureStep(CaptureBackend backend, Notices notices, OwnerLookup owners) {
        this.backend = Objects.requireNonNull(backend);
        this.notices = Objects.requireNonNull(notices);
        this.owners = Objects.requireNonNull(owners);
    }

    /** The standard line for {@link Notices#ownerUnknown} (the plugin's and repair's log). */
    public static String ownerUnknownMessage(String netns, String reason) {
        return "cannot tell the user namespace owning " + netns + ": " + reason
                + "; running iptables in the host's user namespace";
    }

    public CaptureBackend backend() {
        return backend;
    }

    /**
     * A pod's plan into its network namespace (plugin ADD, repair in place): the namespace must open, the rules are
     * written from inside the pod's user namespace when the plan says so.
     *
     * @throws ApplyException (one line) naming the namespace or the failing command
     */
    public ApplyOutcome apply(PodPlan.Capture plan, String netns) {
        mustOpen(netns);
        return apply(ApplyRequest.forPod(plan.rules(), plan.settings(), netns), policyOf(plan));
    }

    /** As {@link #apply(PodPlan.Capture, String)}, changing nothing: what is missing or different (plugin CHECK). */
    public Optional<String> verify(PodPlan.Capture plan, String netns) {
        mustOpen(netns);
        return verify(ApplyRequest.forPod(plan.rules(), plan.settings(), netns), policyOf(plan));
    }

    /** Any request (the iptables mode's flags), in the user namespace the policy gives. */
    public ApplyOutcome apply(ApplyRequest request, UserNamespacePolicy policy) {
        try (OwnerUserNamespace owner = ownerOf(request, policy)) {
            return backend.apply(owner == null ? request : request.inUserNamespace(owner.path()));
        }
    }

    public Optional<String> verify(ApplyRequest request, UserNamespacePolicy policy) {
        try (OwnerUserNamespace owner = ownerOf(request, policy)) {
            return backend.verify(owner == null ? request : request.inUserNamespace(owner.path()));
        }
    }

    private static UserNamespacePolicy policyOf(PodPlan.Capture plan) {
        // kubelet asks the runtime for a user namespace only for hostUsers: false; any other pod shares the host's
        return plan.ownUserNamespace() ? UserNamespacePolicy.OWNER_OR_HOST : UserNamespacePolicy.HOST;
    }

    private OwnerUserNamespace ownerOf(ApplyRequest request, UserNamespacePolicy policy) {
        String netns = request.networkNamespace();
        if (policy == UserNamespacePolicy.HOST || netns == null || !backend.entersOwnerUserNamespace()) {
            return null;
        }
        try {
            OwnerUserNamespace owner = owners.of(netns);
            if (owner != null) {
                notices.ownerEntered(netns);
            }
            return owner;
        } catch (IOException | RuntimeException e) {
            notices.ownerUnknown(netns, String.valueOf(e.getMessage()));
            return null;
        }
    }

    private static void mustOpen(String netns) {
        try (FileChannel ignored = FileChannel.open(Path.of(netns), StandardOpenOption.READ)) {
            // opened: it exists and is readable
        } catch (IOException | RuntimeException e) {
            throw new ApplyException("failed to open netns \"" + netns + "\": " + e.getMessage());
        }
        // a regular file or a directory opens too, and would fail much later inside nsenter naming neither
        if (!NetworkNamespaceFile.isNetworkNamespace(netns)) {
            throw new ApplyException("failed to open netns \"" + netns + "\": not a network namespace");
        }
    }
}
