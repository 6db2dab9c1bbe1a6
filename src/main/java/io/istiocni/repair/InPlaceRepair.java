package io.istiocni.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.istiocni.iptables.ApplyException;
import io.istiocni.iptables.ApplyOutcome;
import io.istiocni.iptables.ApplyRequest;
import io.istiocni.iptables.RuleApplier;
import io.istiocni.netns.OwnerUserNamespace;
import io.istiocni.pod.PodCapture;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.pod.PodSettings;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Repair in place (repair.md 5.3 steps 2-4): the pod's network namespace from the host's procfs, its capture
 * settings derived exactly as the plugin derives them (PodSettings), the rules generated and applied in that
 * namespace with the plugin's apply code (RuleApplier, CNI mode).
 */
public final class InPlaceRepair {

    /** Where the namespace is looked up: the pod IP to a namespace path (replaceable in tests). */
    @FunctionalInterface
    public interface NetnsLookup {
        Path find(String podIp) throws NetnsFinder.NotFoundException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NetnsLookup netns;
    private final RuleApplier applier;
    private final Map<String, String> env;

    public InPlaceRepair(NetnsLookup netns, RuleApplier applier, Map<String, String> env) {
        this.netns = netns;
        this.applier = applier;
        this.env = env;
    }

    /**
     * The production wiring: procfs at {@code HOST_PROC_PATH} and the runtime's pinned namespaces
     * ({@code HOST_NETNS_PATH}), tools as processes, the daemon's environment.
     */
    public static InPlaceRepair forHost(String hostProcPath) {
        return new InPlaceRepair(new NetnsFinder(Path.of(hostProcPath), NetnsFinder.pinnedDirs(System.getenv()))::find,
                new RuleApplier(), System.getenv());
    }

    /** A failed repair; the message is the one of repair.md 5.3. */
    public static final class RepairException extends Exception {
        RepairException(String message) {
            super(message);
        }
    }

    /** @return the namespace the rules were applied in, and whether they were already there */
    public record Result(Path netns, ApplyOutcome outcome) {
    }

    public Result repair(Pod pod) throws RepairException {
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        Path ns;
        try {
            ns = netns.find(podIp);
        } catch (NetnsFinder.NotFoundException e) {
            throw new RepairException(e.getMessage());
        }
        PodManifest manifest;
        PodSettings podSettings;
        try {
            JsonNode tree = JSON.valueToTree(pod);
            manifest = PodManifests.fromTree(tree);
            podSettings = PodSettings.derive(manifest);
        } catch (IllegalArgumentException e) { // PodAnnotationException included
            throw new RepairException("setup redirect: " + e.getMessage());
        }
        boolean ipv6 = PodCapture.ipv6FromPodIps(manifest.podAddresses(), podSettings.dualStack())
                .orElseThrow(() -> new RepairException("setup redirect: " + PodCapture.NO_VALID_ADDRESS));
        CaptureSettings settings = podSettings.toCaptureSettings(env, ipv6);
        ApplyRequest request = new ApplyRequest(RuleGenerator.generate(settings), settings, ns.toString(), true,
                false, false, false, "");
        // as the plugin does (plugin.md 7.9 step 4): a pod with its own user namespace gets its rules from inside it
        try (OwnerUserNamespace owner = manifest.hostUsers() ? null : OwnerUserNamespace.of(ns.toString())) {
            ApplyOutcome outcome = applier.apply(owner == null ? request : request.inUserNamespace(owner.path()));
            return new Result(ns, outcome);
        } catch (IOException e) {
            throw new RepairException("program redirection: " + e.getMessage());
        } catch (ApplyException e) {
            throw new RepairException("program redirection: " + e.getMessage());
        }
    }
}
