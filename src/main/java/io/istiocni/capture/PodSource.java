package io.istiocni.capture;

import io.istiocni.pod.AddressFamily;
import io.istiocni.pod.PodCapture;
import io.istiocni.pod.PodManifest;
import io.istiocni.pod.PodManifests;
import io.istiocni.pod.PodPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@code --pod FILE}: the plan the CNI plugin would make for that pod (capture.md 12, {@link PodPlan}), so an
 * operator can preview or apply exactly what the plugin would.
 */
final class PodSource {

    /** Flags that say what to do with the rules; every other capture flag comes from the pod and is refused. */
    private static final Set<String> COMBINABLE = Set.of(IptablesFlags.POD, IptablesFlags.DRY_RUN,
            IptablesFlags.NETWORK_NAMESPACE, IptablesFlags.RECONCILE, IptablesFlags.CLEANUP_ONLY,
            IptablesFlags.FORCE_APPLY, IptablesFlags.FORCE_IPTABLES_BINARY, IptablesFlags.CNI_MODE,
            IptablesFlags.NATIVE_NFTABLES);

    private PodSource() {
    }

    /** The pod's plan, or null when the plugin would leave this pod alone (said on {@code err}). */
    static PodPlan.Capture plan(FlagParser.Parsed flags, Map<String, String> env, HostFacts host, InputStream stdin,
            PrintStream err) {
        for (String flag : flags.explicit()) {
            if (!COMBINABLE.contains(flag) && !flag.startsWith("log_") && !flag.equals("vklog")) {
                throw new UsageException("--" + flag + " cannot be combined with --pod: the pod manifest provides the"
                        + " capture settings");
            }
        }
        String file = flags.get(IptablesFlags.POD);
        PodManifest pod;
        try {
            String text = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            PodManifests.Chosen chosen = PodManifests.parseManifestFile(text);
            pod = chosen.pod();
            if (chosen.note() != null) {
                err.println("--pod " + file + ": " + chosen.note());
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("--pod " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException("--pod " + file + ": cannot read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--pod " + file + ": " + e.getMessage());
        }
        PodPlan plan;
        try {
            plan = PodPlan.of(pod, env, family(flags, env, host, pod));
        } catch (AddressFamily.UndecidedException e) {
            throw new UsageException("pod " + pod.namespace() + "/" + pod.name() + ": " + e.getMessage()
                    + " in status.podIPs");
        } catch (IllegalArgumentException e) { // PodAnnotationException
            throw new UsageException("pod " + pod.namespace() + "/" + pod.name() + ": " + e.getMessage());
        }
        if (plan instanceof PodPlan.Skip skip) {
            err.println("pod " + pod.namespace() + "/" + pod.name()
                    + " would be left alone by the CNI plugin, no rules: " + skip.message());
            return null;
        }
        PodPlan.Capture capture = (PodPlan.Capture) plan;
        capture.warnings().forEach(w -> err.println("warning: " + w));
        return capture;
    }

    /**
     * capture.md 3.2 and 12: {@code ENABLE_INBOUND_IPV6} when set; in a dry run the manifest's addresses (the plugin's
     * rule); otherwise the addresses of the namespace the rules go into.
     */
    private static AddressFamily family(FlagParser.Parsed flags, Map<String, String> env, HostFacts host,
            PodManifest pod) {
        Boolean forced = CaptureConfig.forcedIpv6(env);
        if (forced != null) {
            return AddressFamily.forced(forced);
        }
        if (flags.isTrue(IptablesFlags.DRY_RUN) && !pod.podAddresses().isEmpty()) {
            return AddressFamily.ofPodAddresses(pod.podAddresses());
        }
        return host::ipv6FromLocalAddresses;
    }
}
