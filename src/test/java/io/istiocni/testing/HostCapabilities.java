package io.istiocni.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, commands, files), checked in one place with one policy: a test whose
 * requirement is missing is skipped, with the reason printed, except where it must not be. With {@code CI=true} and
 * running as root, a command or file the test command installs ({@code scripts/test.sh}, through
 * {@code scripts/lib/env.sh}) is expected to be there, so its absence fails the test instead of passing it silently as
 * skipped. The one exception is a kernel (or sandbox) that refuses user namespaces: nothing the test command can
 * install changes that, so it stays a skip ({@link #userNamespacesRefused}).
 */
public final class HostCapabilities {

    private static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;

    private HostCapabilities() {
    }

    public static boolean isRoot() {
        return ROOT;
    }

    /** CI=true and root: missing test-command prerequisites are failures. */
    public static boolean strict() {
        return ROOT && "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the test (reason printed) unless it runs as root. */
    public static void requireRoot(String why) {
        if (!ROOT) {
            skip("needs root: " + why);
        }
    }

    /** Root plus what scratch network namespaces need: {@code ip netns} and {@code nsenter}. */
    public static void requireNetworkNamespaces() {
        requireRoot("creates network namespaces");
        requireCommand("ip", "netns", "list");
        requireCommand("nsenter", "--version");
    }

    /** Root plus {@link #requireNetworkNamespaces()} plus {@code unshare}, for namespaces owned by a user namespace. */
    public static void requireUserNamespaceTools() {
        requireNetworkNamespaces();
        requireCommand("unshare", "--version");
    }

    /** Both iptables variants (nft and legacy) with their save/restore programs, for IPv4 and IPv6. */
    public static void requireIptables() {
        for (String family : List.of("iptables", "ip6tables")) {
            for (String variant : List.of("nft", "legacy")) {
                requireCommand(family + "-" + variant, "--version");
                requireCommand(family + "-" + variant + "-save", "--version");
                requireCommand(family + "-" + variant + "-restore", "--version");
            }
        }
    }

    /** The CNI plugins that scripts/lib/env.sh installs (Debian's containernetworking-plugins) under /usr/lib/cni. */
    public static void requireCniPlugins(String... types) {
        for (String type : types) {
            requireFile(Path.of("/usr/lib/cni", type));
        }
    }

    /** The command must run and exit 0 (it is looked up on the PATH and in /usr/sbin, /sbin). */
    public static void requireCommand(String... probe) {
        String problem = probe(probe);
        if (problem != null) {
            missing("`" + String.join(" ", probe) + "` " + problem);
        }
    }

    /** A prerequisite the test checks itself (e.g. a set of programs): missing is a failure under {@link #strict()}. */
    public static void require(boolean present, String what) {
        if (!present) {
            missing(what);
        }
    }

    public static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            missing(file + " does not exist");
        }
    }

    /**
     * The kernel or the sandbox refused to make a user namespace (with an id map): always a skip, whatever
     * {@code CI} says, with the reason printed.
     */
    public static void userNamespacesRefused(String reason) {
        skip("user namespaces refused here: " + reason);
    }

    private static void missing(String what) {
        if (strict()) {
            Assertions.fail("missing capability with CI=true as root: " + what
                    + " (scripts/test.sh installs it through scripts/lib/env.sh; install it or fix env.sh)");
        }
        skip("missing capability: " + what);
    }

    private static void skip(String reason) {
        System.out.println("[skipped] " + reason);
        Assumptions.abort(reason);
    }

    /** The program file: {@code name} itself when it has a '/', else the first executable on PATH, /usr/sbin, /sbin. */
    public static Path locate(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name)) ? Path.of(name) : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** null when the command exits 0, else what went wrong. */
    private static String probe(String... argv) {
        Path program = locate(argv[0]);
        if (program == null) {
            return "not found (PATH, /usr/sbin, /sbin)";
        }
        List<String> command = new ArrayList<>(List.of(argv));
        command.set(0, program.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "did not finish within 30 s";
            }
            return p.exitValue() == 0 ? null : "failed with exit code " + p.exitValue();
        } catch (IOException e) {
            return "cannot be run (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
