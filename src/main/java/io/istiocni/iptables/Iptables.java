package io.istiocni.iptables;

import io.istiocni.log.EdgeLog;
import io.istiocni.netns.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the commands of one {@link IptablesVariant} the way capture.md 8.2 says: write commands ({@code B} and
 * {@code B-restore}) of legacy 1.6.2+ get {@code --wait=30}; with a private lock file (CNI mode) legacy 1.8.6+ gets
 * {@code XTABLES_LOCKFILE}, and older legacy releases, which do not read it, run in a private mount namespace where
 * the lock file is bind-mounted over {@code /run/xtables.lock} and {@code /dev/null} over {@code /etc/nsswitch.conf}
 * (Istio's sandbox); {@code B-save} gets none of this.
 *
 * <p>If the private mount namespace is refused (some SELinux policies refuse making the mounts private), the sandbox
 * is made again with slave propagation, as Istio falls back (istio/istio#59406): the bind mounts stay in the new
 * namespace either way, slave only lets the host's later mounts show in it. If that is refused too (no
 * {@code unshare}, a seccomp policy refusing the mount namespace), a warning is logged and the commands run as they
 * are, holding the node-wide lock, as Istio does. The mode that worked is kept for the later commands.
 */
public final class Iptables {

    static final String WAIT = "--wait=30";

    private static final EdgeLog LOG = EdgeLog.of(Iptables.class);
    /**
     * Run by {@code sh -c} in the new mount namespace: {@code $1} is the lock file, the command follows. A lock or
     * nsswitch mount that fails is reported on stderr with a marker and the command runs anyway.
     */
    static final String SANDBOX_SCRIPT = "PATH=\"$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"; "
            + "lock=$1; shift; "
            + "[ -e /run/xtables.lock ] || : >/run/xtables.lock 2>/dev/null; "
            + "mount --bind \"$lock\" /run/xtables.lock 2>/dev/null || echo \"" + SandboxMarker.NO_LOCK + "\" >&2; "
            + "[ ! -e /etc/nsswitch.conf ] || mount --bind /dev/null /etc/nsswitch.conf 2>/dev/null; "
            + "exec \"$@\"";

    /** Markers the sandbox leaves on stderr. */
    static final class SandboxMarker {
        static final String NO_LOCK = "istio-cni sandbox: cannot bind the lock file";
        static final String UNSHARE = "unshare: ";

        private SandboxMarker() {
        }
    }

    private final CommandRunner runner;
    private final IptablesVariant variant;
    private final Map<String, String> writeEnv;
    /** The mount propagations tried for the sandbox, in order. */
    static final List<String> PROPAGATIONS = List.of("private", "slave");

    /** The lock file to bind-mount in a private mount namespace (old legacy in CNI mode), or null. */
    private String sandboxLock;
    /** Index in {@link #PROPAGATIONS} of the sandbox's mount propagation. */
    private int propagation;

    /**
     * @param lockFile the file to lock instead of {@code /run/xtables.lock} (the namespace path in CNI mode), or null
     */
    public Iptables(CommandRunner runner, IptablesVariant variant, String lockFile) {
        this.runner = runner;
        this.variant = variant;
        this.writeEnv = lockFile != null && variant.takesLockfileEnv() ? Map.of("XTABLES_LOCKFILE", lockFile)
                : Map.of();
        this.sandboxLock = lockFile != null && variant.takesWait() && !variant.takesLockfileEnv() ? lockFile : null;
    }

    public IptablesVariant variant() {
        return variant;
    }

    /** {@code B-save}. */
    public CommandRunner.Result save() {
        return runner.run(List.of(variant.saveBinary()));
    }

    /** {@code B [--wait=30] args…}. */
    public CommandRunner.Result run(List<String> args) {
        return write(command(args), null);
    }

    /** {@code B-restore [--wait=30] --noflush} with {@code input} on stdin. */
    public CommandRunner.Result restore(String input) {
        return write(restoreCommand(), input);
    }

    private CommandRunner.Result write(List<String> argv, String stdin) {
        String lock = sandboxLock;
        if (lock == null) {
            return runner.run(argv, writeEnv, stdin);
        }
        CommandRunner.Result r = runner.run(sandboxed(lock, argv, PROPAGATIONS.get(propagation)), writeEnv, stdin);
        while (sandboxRefused(r)) {
            // the mount namespace (or its propagation) was refused: nothing ran
            String refused = PROPAGATIONS.get(propagation);
            if (propagation + 1 < PROPAGATIONS.size()) {
                propagation++;
                LOG.warn("cannot make a mount namespace with {0} propagation for {1} "
                        + "({2}): trying {3}", refused, variant, r.diagnostic(), PROPAGATIONS.get(propagation));
                r = runner.run(sandboxed(lock, argv, PROPAGATIONS.get(propagation)), writeEnv, stdin);
                continue;
            }
            // no sandbox at all: run it as it is from now on
            LOG.warn("cannot make a private mount namespace for {0} ({1}): using the "
                    + "node-wide xtables lock", variant, r.diagnostic());
            sandboxLock = null;
            return runner.run(argv, writeEnv, stdin);
        }
        if (r.stderr().contains(SandboxMarker.NO_LOCK)) {
            LOG.warn("cannot bind {0} over /run/xtables.lock: {1} used the node-wide "
                    + "lock", lock, variant);
            String rest = r.stderr().lines().filter(l -> !l.equals(SandboxMarker.NO_LOCK))
                    .reduce((a, b) -> a + "\n" + b).map(t -> t + "\n").orElse("");
            return new CommandRunner.Result(r.exitCode(), r.stdout(), rest);
        }
        return r;
    }

    /** The mount namespace was refused, or {@code unshare} is missing: nothing ran. */
    private static boolean sandboxRefused(CommandRunner.Result r) {
        return !r.ok() && (r.stderr().startsWith(SandboxMarker.UNSHARE)
                || r.exitCode() == CommandRunner.EXIT_NOT_STARTED && r.stderr().contains("unshare"));
    }

    /** {@code unshare --mount --propagation private -- sh -c SCRIPT sh LOCK argv…}. */
    static List<String> sandboxed(String lockFile, List<String> argv) {
        return sandboxed(lockFile, argv, PROPAGATIONS.get(0));
    }

    /** {@code unshare --mount --propagation PROPAGATION -- sh -c SCRIPT sh LOCK argv…}. */
    static List<String> sandboxed(String lockFile, List<String> argv, String propagation) {
        List<String> wrapped = new ArrayList<>(argv.size() + 10);
        wrapped.addAll(List.of("unshare", "--mount", "--propagation", propagation, "--", "sh", "-c", SANDBOX_SCRIPT,
                "sh", lockFile));
        wrapped.addAll(argv);
        return wrapped;
    }

    /** The full {@code B} command line for {@code args}. */
    public List<String> command(List<String> args) {
        List<String> argv = new ArrayList<>(args.size() + 2);
        argv.add(variant.binary());
        if (variant.takesWait()) {
            argv.add(WAIT);
        }
        argv.addAll(args);
        return argv;
    }

    public List<String> restoreCommand() {
        List<String> argv = new ArrayList<>(3);
        argv.add(variant.restoreBinary());
        if (variant.takesWait()) {
            argv.add(WAIT);
        }
        argv.add("--noflush");
        return argv;
    }
}
