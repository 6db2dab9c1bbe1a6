package io.istiocni.netns;

import io.istiocni.testing.Await;
import io.istiocni.testing.HostCapabilities;
import java.io.IOException;
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

    /** Host uid/gid that the user namespace of {@link #createInOwnUserNamespace()} maps its 0 to (65536 ids). */
    public static final int USERNS_BASE_ID = 200000;

    private final String name;
    private Process holder;
    private Process userHolder;

    private ScratchNamespace(String name) {
        this.name = name;
    }

    /**
     * A namespace as a runtime makes it for a pod with {@code hostUsers: false}: created by a process in a new user
     * namespace (ids 0..65535 mapped to {@link #USERNS_BASE_ID}...), so that user namespace owns it; pinned at
     * {@link #path()} like any other. The process stays until {@link #stopHolder()} or {@link #close()}.
     */
    public static ScratchNamespace createInOwnUserNamespace() {
        HostCapabilities.requireUserNamespaceTools();
        String name = "itx-userns-" + Long.toHexString(RANDOM.nextLong() & 0xffff_ffffL);
        ScratchNamespace ns = new ScratchNamespace(name);
        try {
            // as runtimes do it: the user namespace gets its id map first, then its root makes the network namespace
            // (made before the map, its /proc/net files would belong to the host's root)
            ns.userHolder = new ProcessBuilder("unshare", "--user", "sleep", "600")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long userPid = ns.userHolder.pid();
            awaitNotSame("/proc/self/ns/user", "/proc/" + userPid + "/ns/user", ns.userHolder);
            String map = "0 " + USERNS_BASE_ID + " 65536\n";
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/" + userPid + "/uid_map"), map);
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/" + userPid + "/gid_map"), map);
            ns.holder = new ProcessBuilder("nsenter", "--user=/proc/" + userPid + "/ns/user", "--", "unshare", "--net",
                    "sleep", "600")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long pid = ns.holder.pid();
            awaitNotSame("/proc/self/ns/net", "/proc/" + pid + "/ns/net", ns.holder);
            userNamespacesWork = true;
            java.nio.file.Files.createDirectories(java.nio.file.Path.of("/var/run/netns"));
            java.nio.file.Files.createFile(java.nio.file.Path.of(ns.path()));
            CommandRunner.Result bind = HOST.run("mount", "--bind", "/proc/" + pid + "/ns/net", ns.path());
            if (!bind.ok()) {
                throw new IllegalStateException("cannot pin the namespace: " + bind.diagnostic());
            }
            ns.check("ip", "link", "set", "lo", "up");
            return ns;
        } catch (IOException | RuntimeException e) {
            ns.close();
            if (!userNamespacesWork) {
                // a sandbox that forbids user namespaces, or maps too few ids to give one 65536 of them: the tests
                // that need one cannot run here (they are skipped, not passed, whatever CI says)
                HostCapabilities.userNamespacesRefused("no user namespace with an id map here: " + e);
            }
            throw new IllegalStateException("cannot make a namespace owned by a user namespace: " + e, e);
        }
    }

    /** Set once a user namespace with an id map and its network namespace were made on this machine. */
    private static volatile boolean userNamespacesWork;

    private static void awaitNotSame(String own, String theirs, Process process) {
        Await.until("unshare made its namespace (" + theirs + ")", () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("unshare ended without making its namespace (" + theirs + ")");
            }
            try {
                return !java.nio.file.Files.isSameFile(java.nio.file.Path.of(own), java.nio.file.Path.of(theirs));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** {@code /proc/<pid>/ns/user} of the process that made the namespace (only while it runs). */
    public String holderUserNamespace() {
        return "/proc/" + holder.pid() + "/ns/user";
    }

    /** Ends the process that made the namespace: it lives on only through its pinned file. */
    public void stopHolder() throws InterruptedException {
        for (Process p : new Process[] {holder, userHolder}) {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    /**
     * Root with a working {@code ip netns} and {@code nsenter}: skips the calling test without them, or fails it
     * with {@code CI=true} as root ({@link HostCapabilities}).
     */
    public static void assumeAvailable() {
        HostCapabilities.requireNetworkNamespaces();
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
        if (holder != null || userHolder != null) {
            try {
                stopHolder();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            HOST.run("rm", "-f", path()); // when pinning failed half-way
        }
    }
}
