package io.istiocni.install.daemon;

import io.istiocni.daemon.InstallState;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The install loop (install.md 8, 11): pass, watch, check, become ready, wait for a change, repeat, until
 * {@link #stop()}.
 *
 * <ul>
 *   <li>Throttle (Istio's): a pass less than 5 s after the previous one first waits until 1 s after it; more than 5
 *       such quick passes in a row log a warning that another component keeps reverting the configuration.</li>
 *   <li>A failed pass (11): not ready, one clear error line (the same message repeated at most every 30 s), the
 *       failure counted, then a retry on the next watched change or after a back-off of 1, 2, 4, 5, 5... s
 *       (never more than 5 s), reset by the next success. Nothing here ever ends the process.</li>
 * </ul>
 */
public final class InstallLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    static final Duration QUICK_WINDOW = Duration.ofSeconds(5);
    static final Duration THROTTLE = Duration.ofSeconds(1);
    static final int QUICK_PASSES_WARN = 5;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    static final Duration LOG_REPEAT = Duration.ofSeconds(30);
    /** While installed, the installation is re-checked this often even without an event (a safety net). */
    static final Duration RECHECK = Duration.ofSeconds(30);

    /** Sleeping, replaceable in tests. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Installer installer;
    private final InstallState state;
    private final InstallMetrics metrics;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean waiting;
    private volatile Thread runner;

    private String lastError;
    private long lastErrorLogged;

    public InstallLoop(Installer installer, InstallState state, InstallMetrics metrics) {
        this(installer, state, metrics, System::nanoTime, d -> TimeUnit.NANOSECONDS.sleep(d.toNanos()));
    }

    /** With a clock and a sleeper of the caller's (tests). */
    public InstallLoop(Installer installer, InstallState state, InstallMetrics metrics, LongSupplier nanoClock,
            Sleeper sleeper) {
        this.installer = installer;
        this.state = state;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        try {
            loop();
        } catch (InterruptedException e) {
            LOG.debug("install loop interrupted");
        } finally {
            state.setReady(false);
            finished.countDown();
        }
    }

    /**
     * Asks the loop to end: at once if it is waiting, otherwise after the current pass; a pass still running after
     * {@code passGrace} (blocked waiting for a config, say) is interrupted.
     *
     * @return true if the loop has ended within {@code passGrace} plus one more second
     */
    public boolean stop(Duration passGrace) throws InterruptedException {
        stopping = true;
        Thread t = runner;
        if (t == null) {
            return true; // never started
        }
        if (waiting || installer.isWaiting()) {
            t.interrupt();
        }
        if (finished.await(passGrace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        t.interrupt();
        return finished.await(1, TimeUnit.SECONDS);
    }

    private void loop() throws InterruptedException {
        long lastPass = 0;
        boolean passed = false;
        int quickPasses = 0;
        Duration backoff = FIRST_BACKOFF;
        while (!stopping) {
            if (passed) {
                long since = nanoClock.getAsLong() - lastPass;
                if (since < QUICK_WINDOW.toNanos()) {
                    long wait = THROTTLE.toNanos() - since;
                    if (wait > 0) {
                        pause(Duration.ofNanos(wait));
                    }
                    if (++quickPasses > QUICK_PASSES_WARN) {
                        LOG.warn(revertedWarning(quickPasses, installer.configFileName()));
                    }
                } else {
                    quickPasses = 0;
                }
                if (stopping) {
                    return;
                }
            }
            lastPass = nanoClock.getAsLong();
            passed = true;
            try {
                installer.installOnce();
            } catch (Installer.InstallException e) {
                metrics.failure(e.step());
                failed(e.step().failureResult() + ": " + e.getMessage());
                awaitRetry(backoff);
                backoff = next(backoff);
                continue;
            } catch (RuntimeException e) {
                failed("install pass failed: " + e);
                awaitRetry(backoff);
                backoff = next(backoff);
                continue;
            }
            Installer.Watch watch;
            try {
                watch = installer.watch();
            } catch (IOException | RuntimeException e) {
                failed("cannot watch the installation for changes: " + e.getMessage());
                awaitRetry(backoff);
                backoff = next(backoff);
                continue;
            }
            try (watch) {
                if (!installer.stillInstalled()) {
                    state.setReady(false);
                    LOG.info("installation not valid right after the pass, installing again");
                    continue;
                }
                backoff = FIRST_BACKOFF;
                lastError = null;
                if (!state.setReady(true)) {
                    LOG.info("CNI plugin installed: ready");
                }
                metrics.success();
                while (!stopping && !waitForChange(watch, RECHECK)) {
                    if (!installer.stillInstalled()) {
                        break;
                    }
                }
                if (stopping) {
                    return;
                }
                state.setReady(false);
                LOG.info("change detected: checking and repairing the installation");
            }
        }
    }

    /** The warning for a config that keeps being reverted; with Cilium's hint when the file names Cilium. */
    static String revertedWarning(int quickPasses, String configFileName) {
        return "the CNI configuration was reverted " + quickPasses + " times in a row within "
                + QUICK_WINDOW.toSeconds() + " s: another component keeps reverting it"
                + (configFileName.contains("cilium") ? "; ensure `cni.exclusive=false` in the Cilium configuration"
                        : "");
    }

    private void failed(String message) {
        state.setReady(false);
        long now = nanoClock.getAsLong();
        if (!message.equals(lastError) || now - lastErrorLogged >= LOG_REPEAT.toNanos()) {
            LOG.errorf("%s (retrying, not ready)", message);
            lastError = message;
            lastErrorLogged = now;
        } else {
            LOG.debugf("%s (retrying, not ready)", message);
        }
    }

    /** After a failure: retry on the next watched change or after {@code backoff}, whichever comes first. */
    private void awaitRetry(Duration backoff) throws InterruptedException {
        if (stopping) {
            return;
        }
        Installer.Watch watch;
        try {
            watch = installer.watch();
        } catch (IOException | RuntimeException e) {
            pause(backoff);
            return;
        }
        try (watch) {
            waitForChange(watch, backoff);
        }
    }

    private boolean waitForChange(Installer.Watch watch, Duration timeout) throws InterruptedException {
        waiting = true;
        try {
            if (stopping) {
                return false;
            }
            return watch.awaitChange(timeout);
        } finally {
            waiting = false;
        }
    }

    private void pause(Duration d) throws InterruptedException {
        waiting = true;
        try {
            if (!stopping) {
                sleeper.sleep(d);
            }
        } finally {
            waiting = false;
        }
    }

    private static Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }
}
