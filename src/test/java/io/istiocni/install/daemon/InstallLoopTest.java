package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.testing.Await;
import io.istiocni.daemon.InstallState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The loop's mechanics with a scripted installer and a fake clock: nothing really sleeps. */
class InstallLoopTest {

    final AtomicLong nanos = new AtomicLong();
    final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    final InstallState state = new InstallState();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InstallMetrics metrics = new InstallMetrics(registry, state);

    /** Fails the first {@code failures} passes, then succeeds; the first wait while installed sees a change, the second blocks. */
    final class Scripted implements Installer {
        final int failures;
        final AtomicInteger passes = new AtomicInteger();
        final AtomicInteger waitsWhileInstalled = new AtomicInteger();
        final CountDownLatch blockedInstalled = new CountDownLatch(1);
        final List<Boolean> readyAtPass = new CopyOnWriteArrayList<>();

        Scripted(int failures) {
            this.failures = failures;
        }

        @Override
        public void installOnce() throws InstallException {
            readyAtPass.add(state.isReady());
            if (passes.incrementAndGet() <= failures) {
                throw new InstallException(Step.CREATE_KUBECONFIG, "/sa/token: no such file");
            }
        }

        @Override
        public Watch watch() throws IOException {
            if (passes.get() <= failures) {
                throw new IOException("conf dir missing"); // the retry then sleeps its back-off
            }
            return new Watch() {
                @Override
                public boolean awaitChange(Duration timeout) throws InterruptedException {
                    assertEquals(InstallLoop.RECHECK, timeout);
                    if (waitsWhileInstalled.incrementAndGet() == 1) {
                        return true; // the primary CNI rewrote its config
                    }
                    blockedInstalled.countDown();
                    new CountDownLatch(1).await(); // until interrupted by stop()
                    return false;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public boolean stillInstalled() {
            return true;
        }

        @Override
        public void cleanUp() {
        }
    }

    InstallLoop loop(Installer installer) {
        return new InstallLoop(installer, state, metrics, nanos::get, d -> {
            sleeps.add(d);
            nanos.addAndGet(d.toNanos());
        });
    }

    double count(String result) {
        return registry.get(InstallMetrics.INSTALLS).tag("result", result).counter().count();
    }

    @Test
    void failuresBackOffUpToFiveSecondsThenReadyChangeReinstallsAndStopEndsTheLoop() throws Exception {
        Scripted installer = new Scripted(5);
        InstallLoop loop = loop(installer);
        Thread t = Thread.ofPlatform().start(loop);
        assertTrue(installer.blockedInstalled.await(Await.TIMEOUT.toSeconds(), TimeUnit.SECONDS));

        // back-off 1, 2, 4, 5, 5 s after the failures; then the throttle's 1 s before the pass after the change
        assertEquals(List.of(secs(1), secs(2), secs(4), secs(5), secs(5), secs(1)), sleeps);
        assertEquals(7, installer.passes.get());
        assertEquals(5.0, count("CREATE_KUBECONFIG_FAILURE"));
        assertEquals(2.0, count("SUCCESS"));
        assertEquals(0.0, count("COPY_BINARIES_FAILURE"));
        assertTrue(state.isReady());
        assertEquals(1.0, registry.get(InstallMetrics.READY).gauge().value());
        // not ready during any pass: failing ones, and the one after the change was seen
        assertFalse(installer.readyAtPass.contains(true));

        assertTrue(loop.stop(Duration.ofSeconds(2)), "a waiting loop stops at once");
        t.join(Await.TIMEOUT);
        assertFalse(t.isAlive());
        assertFalse(state.isReady());
        assertEquals(0.0, registry.get(InstallMetrics.READY).gauge().value());
    }

    @Test
    void aWatchedChangeWakesARetryEarly() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        List<Duration> waits = new CopyOnWriteArrayList<>();
        Installer failing = new Installer() {
            @Override
            public void installOnce() throws InstallException {
                passes.incrementAndGet();
                throw new InstallException(Step.CREATE_CNI_CONFIG, "/etc/cni/net.d/10-x.conflist: not JSON");
            }

            @Override
            public Watch watch() {
                return new Watch() {
                    @Override
                    public boolean awaitChange(Duration timeout) {
                        waits.add(timeout);
                        nanos.addAndGet(Duration.ofMillis(100).toNanos()); // a change 100 ms later
                        return true;
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public boolean stillInstalled() {
                return false;
            }

            @Override
            public void cleanUp() {
            }
        };
        InstallLoop loop = loop(failing);
        Thread t = Thread.ofPlatform().start(loop);
        Await.until("four failed passes", () -> passes.get() >= 4);
        loop.stop(Duration.ofSeconds(2));
        t.join(Await.TIMEOUT);
        assertFalse(t.isAlive());
        // the change ends each wait after 100 ms; the throttle then waits the rest of the second since the last pass
        assertEquals(secs(1), waits.get(0));
        assertEquals(secs(2), waits.get(1));
        assertTrue(sleeps.size() >= 3);
        assertEquals(Duration.ofMillis(900), sleeps.get(0));
        assertTrue(count("CREATE_CNI_CONFIG_FAILURE") >= 4);
        assertFalse(state.isReady());
    }

    @Test
    void theRevertedWarningNamesCiliumWhenTheInstallerWritesIntoItsFile() {
        assertEquals("the CNI configuration was reverted 6 times in a row within 5 s: another component keeps"
                + " reverting it", InstallLoop.revertedWarning(6, " 10-calico.conflist"));
        assertTrue(InstallLoop.revertedWarning(6, " 05-cilium.conflist")
                .endsWith("; ensure `cni.exclusive=false` in the Cilium configuration"));
        Scripted installer = new Scripted(0);
        assertEquals("", installer.configFileName(), "nothing known before the installer says");
    }

    @Test
    void stopBeforeStartIsImmediate() throws Exception {
        InstallLoop loop = loop(new Scripted(0));
        assertTrue(loop.stop(Duration.ofMillis(10)));
    }

    static Duration secs(long s) {
        return Duration.ofSeconds(s);
    }
}
