package io.istiocni.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The JDK 25 AOT cache is recorded from one training run, so this hidden mode runs, in one process and without
 * touching the machine, what the short-lived modes other than the plugin do on their hot path: the iptables mode's
 * flag and pod dry runs, the user-namespace owner lookup, a validation check. The plugin has a cache of its own
 * ({@link PluginTraining}). Run by {@code src/main/launcher/aot-train.sh} at build time.
 */
@Command(name = "aot-training", hidden = true, description = "Build-time AOT cache training run.")
public class AotTrainingCommand implements Callable<Integer> {

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("istio-cni-aot");
        try {
            Map<String, String> env = Map.of("ENABLE_INBOUND_IPV6", "true", "DNS_SERVERS_V4", "10.96.0.10",
                    "DNS_SERVERS_V6", "fd00::a");
            IptablesCommand.run(List.of("--dry-run", "-u", "1337", "-g", "1337", "-m", "REDIRECT", "-i", "*", "-x",
                    "10.1.0.0/16", "-b", "*", "-d", "15090,15021,15020", "--redirect-dns"), env, sink, sink);
            // The validation check (fails quickly: nothing redirects here), on free ports of this machine.
            IptablesCommand.run(List.of("--run-validation", "--skip-rule-apply", "--probe-timeout", "300ms", "-p",
                    Integer.toString(freePort()), "-z", Integer.toString(freePort())), Map.of(), sink, sink);
            // The user-namespace owner lookup (foreign calls), on our own namespace: read-only.
            try (var ignored = io.istiocni.netns.OwnerUserNamespace.of("/proc/self/ns/net")) {
                // ours: null
            } catch (IOException e) {
                // not on Linux's /proc: nothing to train
            }
            Path pod = dir.resolve("pod.json");
            Files.writeString(pod, PluginTraining.SIDECAR_POD);
            IptablesCommand.run(List.of("--pod", pod.toString(), "--dry-run"), env, sink, sink);

            return 0;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
