package io.istiocni.pod;

import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.RuleGenerator;
import io.istiocni.rules.RuleSet;
import java.util.List;
import java.util.Map;

/**
 * The pure part of the one pod pipeline (plugin.md 7.7-7.9, capture.md 12), shared by the plugin's ADD and CHECK,
 * repair in place and {@code iptables --pod}: the pod, the process environment and the way the IP family is told
 * give either "leave the pod alone" or the settings, the rules, the pod's warnings and whether the rules are written
 * from inside the pod's own user namespace. Applying a plan is the edge step {@code redirect.CaptureStep}.
 *
 * <pre>{@code
 * switch (PodPlan.of(pod, env, AddressFamily.ofPodAddresses(addresses))) {   // PodAnnotationException,
 *     case PodPlan.Skip skip -> ...                                           // AddressFamily.UndecidedException
 *     case PodPlan.Capture capture -> ...   // log capture.warnings(), then CaptureStep.apply(capture, netns)
 * }
 * }</pre>
 */
public sealed interface PodPlan permits PodPlan.Skip, PodPlan.Capture {

    /** Leave the pod alone: success, no rules; {@code message} is the one line for the log (plugin.md 7.7). */
    record Skip(PodCapture.SkipReason reason, String message) implements PodPlan {
    }

    /**
     * Capture the pod's traffic.
     *
     * @param warnings         one line each, for the caller's log (e.g. an istio-proxy boolean that does not parse)
     * @param ownUserNamespace the pod asked for a user namespace of its own ({@code spec.hostUsers: false}): the rules
     *                         are written from inside the user namespace that owns its network namespace, so that
     *                         the kernel takes its owner matches and uid 1337 is the pod's (plugin.md 7.9 step 4)
     */
    record Capture(CaptureSettings settings, RuleSet rules, List<String> warnings, boolean ownUserNamespace)
            implements PodPlan {

        public Capture {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The skip checks of plugin.md 7.7 in order, then the pod's settings (7.8), the IP family (7.9, asked only for a
     * pod that is captured), the process environment's part ({@link PodSettings#toCaptureSettings}) and the rules.
     *
     * @param processEnv the plugin's (or CLI's, or daemon's) environment
     * @throws PodAnnotationException           for the first invalid traffic annotation of a pod that is not skipped
     * @throws AddressFamily.UndecidedException when {@code family} cannot tell (or what {@code family} throws)
     */
    static PodPlan of(PodManifest pod, Map<String, String> processEnv, AddressFamily family) {
        PodCapture.Decision decision = PodCapture.decide(pod);
        if (decision instanceof PodCapture.Skip skip) {
            return new Skip(skip.reason(), skip.message());
        }
        PodSettings podSettings = ((PodCapture.Capture) decision).settings();
        CaptureSettings settings = podSettings.toCaptureSettings(processEnv, family.ipv6(podSettings.dualStack()));
        return new Capture(settings, RuleGenerator.generate(settings), podSettings.warnings(), !pod.hostUsers());
    }
}
