package io.istiocni.daemon;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The daemon's two HTTP listeners (install.md 9.1, 9.3): {@code /readyz} and {@code /healthz} on the health port
 * (8000), {@code /metrics} on {@code MONITORING_PORT} (15014; none when 0 or negative).
 *
 * <p>Why not Quarkus's own HTTP server ({@code quarkus.http.port}, {@code quarkus.smallrye-health.*},
 * the management interface): its ports are fixed when Quarkus boots, before picocli has read
 * {@code --health-port}/{@code --monitoring-port}; a port that cannot be bound makes the boot fail, where the spec
 * wants "log and carry on without it"; the management interface cannot be switched off at run time for
 * {@code MONITORING_PORT=0}; and its paths live under a root path ({@code /q/...}). So the Quarkus listener is
 * switched off ({@code quarkus.http.host-enabled=false}) and these two small Vert.x servers (on Quarkus's Vert.x
 * instance) answer exactly the spec's paths, the answers still coming from SmallRye Health (the
 * {@link HealthChecks} beans, JSON body of SmallRye's format) and from Quarkus Micrometer's Prometheus registry.
 */
@Singleton
public class ProbeServers {

    private static final Logger LOG = Logger.getLogger("cni-agent");
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    @Inject
    Vertx vertx;

    @Inject
    SmallRyeHealthReporter health;

    @Inject
    PrometheusMeterRegistry prometheus;

    private final List<HttpServer> servers = new ArrayList<>();

    /** Starts the health listener; a bind failure is logged, not fatal. @return the bound port, or -1 */
    public int startHealth(int port) {
        return start("health", port, this::health);
    }

    /** Starts the metrics listener unless {@code port <= 0}; a bind failure is logged, not fatal. @return the bound port, or -1 */
    public int startMetrics(int port) {
        if (port <= 0) {
            LOG.infof("metrics server disabled (monitoring port %d)", port);
            return -1;
        }
        return start("metrics", port, this::metrics);
    }

    private int start(String what, int port, io.vertx.core.Handler<HttpServerRequest> handler) {
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(handler)
                    .listen(port, "0.0.0.0").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            synchronized (servers) {
                servers.add(server);
            }
            LOG.infof("%s server listening on port %d", what, server.actualPort());
            return server.actualPort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.errorf("cannot serve %s on port %d, carrying on without it: %s", what, port, cause.getMessage());
            return -1;
        }
    }

    private void health(HttpServerRequest req) {
        if (!isGet(req)) {
            return;
        }
        Uni<SmallRyeHealth> answer = switch (req.path()) {
            case "/readyz" -> health.getReadinessAsync();
            case "/healthz" -> health.getLivenessAsync();
            default -> null;
        };
        if (answer == null) {
            req.response().setStatusCode(404).end();
            return;
        }
        answer.subscribe().with(
                h -> req.response().setStatusCode(h.isDown() ? 503 : 200)
                        .putHeader("Content-Type", "application/json; charset=utf-8")
                        .end(h.getPayload().toString()),
                err -> req.response().setStatusCode(503).end(String.valueOf(err.getMessage())));
    }

    private void metrics(HttpServerRequest req) {
        if (!isGet(req)) {
            return;
        }
        if (!req.path().equals("/metrics")) {
            req.response().setStatusCode(404).end();
            return;
        }
        req.response().setStatusCode(200).putHeader("Content-Type", PROMETHEUS_TEXT).end(prometheus.scrape());
    }

    private static boolean isGet(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
            return true;
        }
        req.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
        return false;
    }

    /** Closes both listeners (shutdown, after readiness has turned false). */
    public void stop() {
        List<HttpServer> copy;
        synchronized (servers) {
            copy = new ArrayList<>(servers);
            servers.clear();
        }
        for (HttpServer s : copy) {
            try {
                s.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debugf("closing a probe server: %s", e);
            }
        }
    }
}
