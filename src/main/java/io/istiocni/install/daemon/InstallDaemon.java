package io.istiocni.install.daemon;

import io.istiocni.daemon.DaemonPorts;
import io.istiocni.daemon.InstallState;
import io.istiocni.daemon.ProbeServers;
import io.istiocni.version.Version;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The running daemon (install.md 4, 10): starts the metrics and health listeners, runs the {@link InstallLoop} on
 * the calling thread, and on shutdown (SIGTERM/SIGINT reach it as Quarkus's {@link ShutdownEvent}, fired from the
 * JVM shutdown hook, which waits for the observer to return) turns readiness off, stops the loop and runs the
 * installer's cleanup before the JVM halts.
 */
@Singleton
public class InstallDaemon {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    /** How long a running pass may finish before it is interrupted (cleanup must end well within 30 s, aim 2 s). */
    static final Duration PASS_GRACE = Duration.ofMillis(1500);

    @Inject
    InstallState state;

    @Inject
    InstallMetrics metrics;

    @Inject
    ProbeServers servers;

    private final Object lock = new Object();
    private PluginLogSocket logSocket;
    private InstallLoop loop;
    private Installer installer;
    private boolean shutdown;
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private volatile boolean cleanupFailed;

    /**
     * Runs the daemon until shutdown. Returns only after the cleanup (0, or 1 if a cleanup step failed); with a
     * signal the JVM normally halts first (status 143, or 1 forced when the cleanup failed).
     */
    public int run(DaemonPorts ports, Installer installer) throws InterruptedException {
        return run(ports, installer, null, () -> { });
    }

    /**
     * install.md 4 steps 3-8: the metrics server, the plugin log socket in {@code runDir} (none when null), the health
     * server (not ready), then {@code beforeLoop} (the repair controller, step 7), then the loop.
     */
    public int run(DaemonPorts ports, Installer installer, Path runDir, Runnable beforeLoop)
            throws InterruptedException {
        state.setReady(false);
        servers.startMetrics(ports.monitoring());
        if (runDir != null) {
            PluginLogSocket socket = PluginLogSocket.start(runDir, PluginLogSocket::toDaemonLog);
            synchronized (lock) {
                logSocket = socket;
            }
        }
        servers.startHealth(ports.health());
        beforeLoop.run();
        InstallLoop l = new InstallLoop(installer, state, metrics);
        synchronized (lock) {
            if (shutdown) {
                return 0;
            }
            this.installer = installer;
            this.loop = l;
        }
        l.run();
        cleanedUp.await(); // the loop ends only through shutdown(), which cleans up
        return cleanupFailed ? 1 : 0;
    }

    /** install.md 4 step 2: the first line, before the settings are logged. */
    public static void logStart(DaemonPorts ports) {
        LOG.infof("istio-cni %s install: health port %d, monitoring port %d", version(), ports.health(),
                ports.monitoring());
    }

    void onShutdown(@Observes ShutdownEvent event) {
        if (shutdown() && cleanupFailed) {
            LOG.error("cleanup failed: exiting with status 1");
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    /**
     * install.md 10: not ready, stop the loop (waiting at most {@link #PASS_GRACE} for a running pass), clean up once,
     * close the listeners. Idempotent.
     *
     * @return true if this call did the cleanup
     */
    public boolean shutdown() {
        InstallLoop l;
        Installer inst;
        synchronized (lock) {
            if (shutdown) {
                return false;
            }
            shutdown = true;
            l = loop;
            inst = installer;
        }
        state.setReady(false);
        closeLogSocket();
        if (l == null) {
            servers.stop();
            cleanedUp.countDown();
            return false; // not running as the install daemon (or stopped before the loop began)
        }
        LOG.info("termination requested: cleaning up");
        try {
            if (!l.stop(PASS_GRACE)) {
                LOG.warn("the install pass did not end in time; cleaning up anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long start = System.nanoTime();
        try {
            inst.cleanUp();
            LOG.infof("cleanup done in %d ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (Exception e) {
            cleanupFailed = true;
            LOG.errorf("cleanup failed: %s", e.getMessage() != null ? e.getMessage() : e.toString());
        } finally {
            servers.stop();
            cleanedUp.countDown();
        }
        return true;
    }

    private void closeLogSocket() {
        PluginLogSocket socket;
        synchronized (lock) {
            socket = logSocket;
            logSocket = null;
        }
        if (socket != null) {
            socket.close();
        }
    }

    public boolean cleanupFailed() {
        return cleanupFailed;
    }

    private static String version() {
        try {
            return Version.current();
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }
}
