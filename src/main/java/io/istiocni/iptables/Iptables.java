package io.istiocni.iptables;

import io.istiocni.netns.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the commands of one {@link IptablesVariant} the way capture.md 8.2 says: write commands ({@code B} and
 * {@code B-restore}) of legacy 1.6.2+ get {@code --wait=30}; with a private lock file (CNI mode, legacy 1.8.6+)
 * they get {@code XTABLES_LOCKFILE}; {@code B-save} gets neither.
 */
public final class Iptables {

    static final String WAIT = "--wait=30";

    private final CommandRunner runner;
    private final IptablesVariant variant;
    private final Map<String, String> writeEnv;

    /**
     * @param lockFile the file to lock instead of {@code /run/xtables.lock} (the namespace path in CNI mode), or null
     */
    public Iptables(CommandRunner runner, IptablesVariant variant, String lockFile) {
        this.runner = runner;
        this.variant = variant;
        this.writeEnv = lockFile != null && variant.takesLockfileEnv() ? Map.of("XTABLES_LOCKFILE", lockFile) : Map.of();
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
        return runner.run(command(args), writeEnv, null);
    }

    /** {@code B-restore [--wait=30] --noflush} with {@code input} on stdin. */
    public CommandRunner.Result restore(String input) {
        return runner.run(restoreCommand(), writeEnv, input);
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
