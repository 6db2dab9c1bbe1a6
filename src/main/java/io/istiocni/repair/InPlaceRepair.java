package io.istiocni.repair;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.pod.AddressFamily;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.pod.PodPlan;
import io.istiocni.redirect.CaptureBackends;
import io.istiocni.redirect.CaptureStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Repair in place (repair.md 5.3 steps 2-4) through the one pod pipeline, as the plugin does it: the pod's network
 * namespace from the host's procfs, the pod read with the plugin's reader ({@link PodManifests#parse} over its JSON),
 * the plugin's plan ({@link PodPlan}: a pod the plugin would leave alone is left alone, the pod's warnings are
 * returned for the log, the family from its {@code status.podIPs}) applied by the plugin's {@link CaptureStep} (its
 * own user namespace for {@code hostUsers: false}, the host's when the owner cannot be told, said as a warning).
 */
public final class InPlaceRepair {

    /** Where the namespace is looked up: the pod IP to a namespace path (replaceable in tests). */
    @FunctionalInterface
    public interface NetnsLookup {
        Path find(String podIp) throws NetnsFinder.NotFoundException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NetnsLookup netns;
    private final CaptureBackends backends;
    private final CaptureStep.OwnerLookup owners;
    private final Map<String, String> env;

    public InPlaceRepair(NetnsLookup netns, CaptureBackends backends, Map<String, String> env) {
        this(netns, backends, io.istiocni.netns.OwnerUserNamespace::of, env);
    }

    /** @param owners how the user namespace owning a pod's network namespace is found (tests: a failing one) */
    public InPlaceRepair(NetnsLookup netns, CaptureBackends backends, CaptureStep.OwnerLookup owners,
            Map<String, String> env) {
        this.netns = netns;
        this.backends = backends;
        this.owners = owners;
        this.env = env;
    }

    /**
     * The production wiring: procfs at {@code HOST_PROC_PATH} and the runtime's pinned namespaces
     * ({@code HOST_NETNS_PATH}), tools as processes, the daemon's environment.
     */
    public static InPlaceRepair forHost(String hostProcPath, List<Path> pinnedNetnsDirs) {
        return new InPlaceRepair(new NetnsFinder(Path.of(hostProcPath), pinnedNetnsDirs)::find,
                CaptureBackends.processes(), System.getenv());
    }

    /** A failed repair; the message is the one of repair.md 5.3. */
    public static final class RepairException extends Exception {
        RepairException(String message) {
            super(message);
        }
    }

    /** What a repair did. */
    public sealed interface Result permits Repaired, LeftAlone {
    }

    /**
     * The rules were applied in {@code netns}, or found already there.
     *
     * @param warnings one line each for the log: the pod's own (as the plugin logs them) and the user-namespace
     *                 fallback when it happened
     */
    public record Repaired(Path netns, ApplyOutcome outcome, List<String> warnings) implements Result {
        public Repaired {
            warnings = List.copyOf(warnings);
        }
    }

    /** The plugin would leave this pod alone (plugin.md 7.7): so does repair; {@code reason} is its one line. */
    public record LeftAlone(String reason) implements Result {
    }

    public Result repair(Pod pod) throws RepairException {
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        Path ns;
        try {
            ns = netns.find(podIp);
        } catch (NetnsFinder.NotFoundException e) {
            throw new RepairException(e.getMessage());
        }
        PodPlan plan;
        try {
            PodManifest manifest = manifestOf(pod);
            plan = PodPlan.of(manifest, env, AddressFamily.ofPodAddresses(manifest.podAddresses()));
        } catch (IllegalArgumentException e) { // PodAnnotationException, AddressFamily.UndecidedException
            throw new RepairException("setup redirect: " + e.getMessage());
        }
        if (plan instanceof PodPlan.Skip skip) {
            return new LeftAlone(skip.message());
        }
        PodPlan.Capture capture = (PodPlan.Capture) plan;
        List<String> warnings = new ArrayList<>(capture.warnings());
        CaptureStep.Notices notices = (path, reason) -> warnings.add(CaptureStep.ownerUnknownMessage(path, reason));
        try {
            // NATIVE_NFTABLES=true is refused by the settings today (repair.md 2): the iptables backend
            CaptureStep step = new CaptureStep(backends.select(false), notices, owners);
            ApplyOutcome outcome = step.apply(capture, ns.toString());
            return new Repaired(ns, outcome, warnings);
        } catch (ApplyException e) {
            throw new RepairException("program redirection: " + e.getMessage());
        }
    }

    /**
     * The pod as the plugin reads it: its JSON (as the API server sends it) through {@link PodManifests#parse}.
     *
     * @throws IllegalArgumentException (one line) when it is not a valid pod
     */
    static PodManifest manifestOf(Pod pod) {
        try {
            return PodManifests.parse(JSON.writeValueAsString(pod));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read the pod: " + e.getOriginalMessage());
        }
    }
}
