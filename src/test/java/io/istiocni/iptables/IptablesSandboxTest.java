package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.netns.CommandRunner;
import io.istiocni.netns.ProcessCommandRunner;
import io.istiocni.netns.ScratchNamespace;
import io.istiocni.rules.Family;
import io.istiocni.testing.HostCapabilities;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pod-private xtables lock of CNI mode (capture.md 8.2): {@code XTABLES_LOCKFILE} for legacy 1.8.6+, a private
 * mount namespace with the lock file bind-mounted (and nsswitch hidden) for older legacy releases.
 */
class IptablesSandboxTest {

    static final IptablesVariant LEGACY_189 =
            new IptablesVariant(Family.IPV4, "iptables-legacy", false, new IptablesVersion(1, 8, 9), false);
    static final IptablesVariant LEGACY_184 =
            new IptablesVariant(Family.IPV4, "iptables-legacy", false, new IptablesVersion(1, 8, 4), false);
    static final IptablesVariant LEGACY_161 =
            new IptablesVariant(Family.IPV4, "iptables-legacy", false, new IptablesVersion(1, 6, 1), false);
    static final IptablesVariant NFT =
            new IptablesVariant(Family.IPV4, "iptables-nft", true, new IptablesVersion(1, 8, 9), false);
    static final String NS = "/var/run/netns/cni-1234";

    private static FakeRunner ok() {
        return new FakeRunner(new CommandRunner.Result(0, "", ""));
    }

    @Test
    void newLegacyGetsTheLockFileVariableAndNoSandbox() {
        FakeRunner runner = ok();
        new Iptables(runner, LEGACY_189, NS).run(List.of("-t", "nat", "-N", "X"));
        new Iptables(runner, LEGACY_189, NS).restore("*nat\nCOMMIT\n");
        assertEquals(List.of("iptables-legacy --wait=30 -t nat -N X", "iptables-legacy-restore --wait=30 --noflush"),
                runner.lines());
        runner.calls.forEach(c -> assertEquals(Map.of("XTABLES_LOCKFILE", NS), c.env()));
    }

    @Test
    void oldLegacyRunsInAPrivateMountNamespaceWithTheLockBound() {
        FakeRunner runner = ok();
        Iptables ipt = new Iptables(runner, LEGACY_184, NS);
        ipt.run(List.of("-t", "nat", "-N", "X"));
        ipt.restore("*nat\nCOMMIT\n");
        assertEquals(2, runner.calls.size());
        assertEquals(Iptables.sandboxed(NS, List.of("iptables-legacy", "--wait=30", "-t", "nat", "-N", "X")),
                runner.calls.get(0).argv());
        assertEquals(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c"),
                runner.calls.get(1).argv().subList(0, 7));
        assertEquals(List.of("sh", NS, "iptables-legacy-restore", "--wait=30", "--noflush"),
                runner.calls.get(1).argv().subList(8, 13));
        assertEquals("*nat\nCOMMIT\n", runner.calls.get(1).stdin());
        runner.calls.forEach(c -> assertEquals(Map.of(), c.env()));
        // saves never lock
        ipt.save();
        assertEquals(List.of("iptables-legacy-save"), runner.calls.get(2).argv());
    }

    @Test
    void noPrivateLockWithoutALockFileForNftOrForLegacyThatDoesNotLock() {
        for (var c : List.of(new Object[] {LEGACY_184, null}, new Object[] {NFT, NS}, new Object[] {LEGACY_161, NS})) {
            FakeRunner runner = ok();
            new Iptables(runner, (IptablesVariant) c[0], (String) c[1]).run(List.of("-L"));
            assertFalse(runner.calls.get(0).argv().contains("unshare"), runner.lines().toString());
            assertEquals(Map.of(), runner.calls.get(0).env());
        }
    }

    private static String sandboxed(String propagation, String... argv) {
        return String.join(" ", Iptables.sandboxed(NS, List.of(argv), propagation));
    }

    /** Both propagations refused: the node-wide lock, decided once. */
    @Test
    void aRefusedMountNamespaceFallsBackToTheNodeWideLockOnce() {
        FakeRunner runner = ok();
        String priv = sandboxed("private", "iptables-legacy", "--wait=30", "-L");
        String slave = sandboxed("slave", "iptables-legacy", "--wait=30", "-L");
        runner.answer(priv, 1, "", "unshare: unshare failed: Operation not permitted\n");
        runner.answer(slave, 1, "", "unshare: unshare failed: Operation not permitted\n");
        Iptables ipt = new Iptables(runner, LEGACY_184, NS);
        CommandRunner.Result r = ipt.run(List.of("-L"));
        assertTrue(r.ok());
        ipt.run(List.of("-S"));
        assertEquals(List.of(priv, slave, "iptables-legacy --wait=30 -L", "iptables-legacy --wait=30 -S"),
                runner.lines());
    }

    /**
     * istio/istio#59406: where private propagation is refused (an SELinux policy refusing to remount / private), the
     * sandbox is made with slave propagation, still with the pod's lock, and that mode is kept for later commands.
     */
    @Test
    void aRefusedPrivatePropagationFallsBackToSlaveBeforeTheNodeWideLock() {
        FakeRunner runner = ok();
        String priv = sandboxed("private", "iptables-legacy", "--wait=30", "-L");
        runner.answer(priv, 1, "", "unshare: cannot change root filesystem propagation: Permission denied\n");
        Iptables ipt = new Iptables(runner, LEGACY_184, NS);
        assertTrue(ipt.run(List.of("-L")).ok());
        ipt.restore("*nat\nCOMMIT\n");
        assertEquals(List.of(priv, sandboxed("slave", "iptables-legacy", "--wait=30", "-L"),
                sandboxed("slave", "iptables-legacy-restore", "--wait=30", "--noflush")), runner.lines());
        assertEquals("*nat\nCOMMIT\n", runner.calls.get(2).stdin());
        runner.calls.forEach(c -> assertEquals(Map.of(), c.env()));
    }

    /** A failure of the command itself inside the sandbox is its own result, not a refused sandbox. */
    @Test
    void aFailingCommandInTheSandboxIsNotRetried() {
        FakeRunner runner = ok();
        String priv = sandboxed("private", "iptables-legacy", "--wait=30", "-L");
        runner.answer(priv, 4, "", "iptables: No chain/target/match by that name.\n");
        CommandRunner.Result r = new Iptables(runner, LEGACY_184, NS).run(List.of("-L"));
        assertEquals(4, r.exitCode());
        assertEquals(List.of(priv), runner.lines());
    }

    @Test
    void aLockThatCannotBeBoundIsReportedAndTheMarkerRemoved() {
        FakeRunner runner = ok();
        String sandboxed = String.join(" ", Iptables.sandboxed(NS, List.of("iptables-legacy", "--wait=30", "-L")));
        runner.answer(sandboxed, 0, "out\n", Iptables.SandboxMarker.NO_LOCK + "\nwarning: x\n");
        CommandRunner.Result r = new Iptables(runner, LEGACY_184, NS).run(List.of("-L"));
        assertEquals(new CommandRunner.Result(0, "out\n", "warning: x\n"), r);
    }

    /** On real namespaces: the sandbox holds the pod's lock, not the node's, and hides nsswitch.conf. */
    @Test
    void theSandboxTakesThePodsLockWhileTheNodesIsHeld() throws Exception {
        ScratchNamespace.assumeAvailable();
        HostCapabilities.requireIptables();
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            ProcessCommandRunner runner = new ProcessCommandRunner(ns.path());
            CommandRunner.Result lock = runner.run(Iptables.sandboxed(ns.path(),
                    List.of("stat", "-L", "-c", "%i", "/run/xtables.lock")), Map.of(), null);
            assertTrue(lock.ok(), lock.diagnostic());
            assertEquals(String.valueOf(Files.getAttribute(Path.of(ns.path()), "unix:ino")), lock.stdout().strip());
            CommandRunner.Result nsswitch = runner.run(Iptables.sandboxed(ns.path(),
                    List.of("wc", "-c", "/etc/nsswitch.conf")), Map.of(), null);
            assertTrue(nsswitch.ok(), nsswitch.diagnostic());
            assertTrue(nsswitch.stdout().startsWith("0 "), nsswitch.stdout());
            // with slave propagation (Istio's fallback) the lock is the pod's too
            CommandRunner.Result slave = runner.run(Iptables.sandboxed(ns.path(),
                    List.of("stat", "-L", "-c", "%i", "/run/xtables.lock"), "slave"), Map.of(), null);
            assertTrue(slave.ok(), slave.diagnostic());
            assertEquals(lock.stdout(), slave.stdout());
            assertFalse(Files.isSameFile(Path.of("/run/xtables.lock"), Path.of(ns.path())),
                    "the bind mount stays in the sandbox");
            // the host's own files are untouched
            assertTrue(Files.size(Path.of("/etc/nsswitch.conf")) > 0);

            // someone on the node holds the node-wide lock: the pod's commands do not wait for it
            Process holder = new ProcessBuilder("flock", "/run/xtables.lock", "sh", "-c", "echo locked; cat").start();
            try {
                assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(
                        holder.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).readLine());
                long t0 = System.nanoTime();
                CommandRunner.Result r = new Iptables(runner, LEGACY_184, ns.path())
                        .run(List.of("-t", "nat", "-N", "ISTIO_SANDBOX_TEST"));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(r.ok(), r.diagnostic());
                assertTrue(ms < 10_000, "waited " + ms + " ms for the node-wide lock");
            } finally {
                try (OutputStream in = holder.getOutputStream()) {
                    in.flush(); // closing cat's stdin ends it and releases the lock
                }
                holder.waitFor(10, TimeUnit.SECONDS);
                holder.destroyForcibly();
            }
            assertTrue(ns.check("iptables-legacy-save", "-t", "nat").contains(":ISTIO_SANDBOX_TEST"));
        }
    }
}
