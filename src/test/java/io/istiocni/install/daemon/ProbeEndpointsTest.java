package io.istiocni.install.daemon;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.daemon.DaemonPorts;
import io.istiocni.daemon.InstallState;
import io.istiocni.daemon.ProbeServers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The HTTP side in the booted application: SmallRye Health behind /readyz and /healthz, Micrometer behind /metrics. */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProbeEndpointsTest {

    @Inject
    InstallState state;

    @Inject
    InstallMetrics metrics;

    @Inject
    ProbeServers servers;

    @Inject
    InstallDaemon daemon;

    static int healthPort = -1;
    static int metricsPort = -1;

    void started() throws IOException {
        if (healthPort < 0) {
            healthPort = servers.startHealth(freePort());
            metricsPort = servers.startMetrics(freePort());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    @Order(1)
    void readinessFollowsTheInstallState() throws IOException {
        started();
        state.setReady(false);
        given().port(healthPort).get("/readyz").then().statusCode(503);
        state.setReady(true);
        given().port(healthPort).get("/readyz").then().statusCode(200).body(containsString("UP"));
        state.setReady(false); // the installation was lost
        given().port(healthPort).get("/readyz").then().statusCode(503).body(containsString("DOWN"));
    }

    @Test
    @Order(2)
    void livenessIsUpAndOnlyTheSpecPathsExist() throws IOException {
        started();
        given().port(healthPort).get("/healthz").then().statusCode(200);
        given().port(healthPort).get("/q/health/ready").then().statusCode(404);
        given().port(healthPort).get("/metrics").then().statusCode(404);
        given().port(metricsPort).get("/readyz").then().statusCode(404);
    }

    @Test
    @Order(3)
    void metricsHaveIstiosNames() throws IOException {
        started();
        state.setReady(true);
        metrics.success();
        metrics.failure(Installer.Step.COPY_BINARIES);
        given().port(metricsPort).get("/metrics").then().statusCode(200)
                .body(sample("istio_cni_installs_total", "SUCCESS", "1.0"))
                .body(sample("istio_cni_installs_total", "COPY_BINARIES_FAILURE", "1.0"))
                .body(sample("istio_cni_installs_total", "CREATE_KUBECONFIG_FAILURE", "0.0"))
                .body(sample("istio_cni_installs_total", "CREATE_CNI_CONFIG_FAILURE", "0.0"))
                .body(containsString("# TYPE istio_cni_installs_total counter"))
                .body(containsString("# TYPE istio_cni_install_ready gauge"))
                .body(containsString("\nistio_cni_install_ready 1.0\n"))
                .body(not(containsString("_total_total")));
        state.setReady(false);
        given().port(metricsPort).get("/metrics").then().body(containsString("istio_cni_install_ready 0.0"));
    }

    /** One Prometheus text sample with a {@code result} label (the client may write a trailing comma in the braces). */
    static org.hamcrest.Matcher<String> sample(String name, String result, String value) {
        return org.hamcrest.Matchers.matchesRegex("(?s).*\\n" + name + "\\{result=\"" + result + "\",?\\} "
                + java.util.regex.Pattern.quote(value) + "\\n.*");
    }

    @Test
    @Order(4)
    void busyPortIsNotFatal() throws IOException {
        started();
        try (ServerSocket taken = new ServerSocket(0)) { // another process's port (not one of this Vert.x instance's)
            assertEquals(-1, servers.startMetrics(taken.getLocalPort()));
        }
    }

    @Test
    @Order(5)
    void daemonBecomesReadyAndCleansUpOnShutdown() throws Exception {
        AtomicInteger cleanups = new AtomicInteger();
        CountDownLatch waiting = new CountDownLatch(1);
        Installer fine = new Installer() {
            @Override
            public void installOnce() {
            }

            @Override
            public Watch watch() {
                return new Watch() {
                    @Override
                    public boolean awaitChange(Duration timeout) throws InterruptedException {
                        waiting.countDown();
                        return new CountDownLatch(1).await(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
                cleanups.incrementAndGet();
            }
        };
        int port = freePort();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.run(new DaemonPorts(port, -1), fine);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(waiting.await(5, TimeUnit.SECONDS));
        given().port(port).get("/readyz").then().statusCode(200);

        long start = System.nanoTime();
        assertTrue(daemon.shutdown());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "prompt shutdown");
        assertEquals(0, exit.get(5, TimeUnit.SECONDS));
        assertEquals(1, cleanups.get());
        assertFalse(state.isReady());
        assertFalse(daemon.shutdown(), "only once");
        assertEquals(1, cleanups.get());
    }
}
