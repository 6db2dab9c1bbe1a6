package io.istiocni.netns;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A throw-away named network namespace ({@code ip netns add itx-apply-<random>}) for tests; {@link #close()} deletes
 * it. Commands for checks run through {@code ip netns exec}, independently of the code under test.
 */
public final class ScratchNamespace implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final CommandRunner HOST = new ProcessCommandRunner();

    private final String name;

    private ScratchNamespace(String name) {
        this.name = name;
    }

    /** Skips the calling test unless it runs as root with a working {@code ip netns}. */
    public static void assumeAvailable() {
        CommandRunner.Result id = HOST.run("id", "-u");
        assumeTrue(id.ok() && id.stdout().strip().equals("0"), "needs root");
        assumeTrue(HOST.run("ip", "netns", "list").ok(), "needs ip netns");
        assumeTrue(HOST.run("nsenter", "--version").ok(), "needs nsenter");
    }

    public static ScratchNamespace create() {
        String name = "itx-apply-" + Long.toHexString(RANDOM.nextLong() & 0xffff_ffff_ffffL);
        CommandRunner.Result r = HOST.run("ip", "netns", "add", name);
        if (!r.ok()) {
            throw new IllegalStateException("ip netns add " + name + " failed: " + r.diagnostic());
        }
        ScratchNamespace ns = new ScratchNamespace(name);
        ns.check("ip", "link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** The namespace file, as {@code --network-namespace} and the CNI runtime name it. */
    public String path() {
        return "/var/run/netns/" + name;
    }

    /** Runs a command inside the namespace with {@code ip netns exec}. */
    public CommandRunner.Result exec(String... argv) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", name));
        command.addAll(List.of(argv));
        return HOST.run(command, Map.of(), null);
    }

    /** Like {@link #exec} but fails the test when the command fails; returns its stdout. */
    public String check(String... argv) {
        CommandRunner.Result r = exec(argv);
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", argv) + " failed in " + name + ": exit " + r.exitCode()
                    + ": " + r.diagnostic());
        }
        return r.stdout();
    }

    @Override
    public void close() {
        HOST.run("ip", "netns", "delete", name);
    }
}
