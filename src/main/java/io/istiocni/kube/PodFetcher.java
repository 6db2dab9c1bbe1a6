package io.istiocni.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Fetches a pod from the API server with the JDK's HTTP client (plugin.md 7.6): {@code GET
 * /api/v1/namespaces/<ns>/pods/<name>} with the kubeconfig's credentials, up to 30 attempts 1 second apart, each
 * bounded to 2 seconds (connect and response, difference D8), every failure retried. The first failure is logged as
 * a warning, later ones at debug; after the last one the fetch fails with its text.
 *
 * <p>Creating a fetcher contacts nothing and does no TLS work: the HTTP client (with a two-thread daemon executor)
 * and the TLS context are made on the first fetch, so a plugin run that never fetches pays nothing for them.
 */
public final class PodFetcher implements PodSource, AutoCloseable {

    public static final int DEFAULT_ATTEMPTS = 30;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DETAIL = 256;

    private final Kubeconfig config;
    private final FetchLog log;
    private final int attempts;
    private final Duration interval;
    private final Duration attemptTimeout;

    private HttpClient client;
    private ThreadPoolExecutor executor;

    /** Istio's bounds: 30 attempts, 1 s apart, 2 s each. */
    public PodFetcher(Kubeconfig config, FetchLog log) {
        this(config, log, DEFAULT_ATTEMPTS, DEFAULT_INTERVAL, DEFAULT_ATTEMPT_TIMEOUT);
    }

    public PodFetcher(Kubeconfig config, FetchLog log, int attempts, Duration interval, Duration attemptTimeout) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        if (interval.isNegative() || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
            throw new IllegalArgumentException("invalid interval or attempt timeout");
        }
        this.config = config;
        this.log = log == null ? FetchLog.NONE : log;
        this.attempts = attempts;
        this.interval = interval;
        this.attemptTimeout = attemptTimeout;
    }

    @Override
    public String getPodJson(String namespace, String name) throws PodFetchException {
        if (namespace == null || namespace.isEmpty() || name == null || name.isEmpty()) {
            throw new PodFetchException("resource name may not be empty", 0);
        }
        URI uri = URI.create(config.server() + "/api/v1/namespaces/" + segment(namespace) + "/pods/" + segment(name));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(attemptTimeout)
                .header("Accept", "application/json")
                .header("User-Agent", "istio-cni");
        if (config.token() != null) {
            builder.header("Authorization", "Bearer " + config.token());
        }
        HttpRequest request = builder.build();
        HttpClient http = client();

        String lastMessage = null;
        int lastStatus = 0;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                sleep(interval);
            }
            long deadline = System.nanoTime() + attemptTimeout.toNanos();
            CompletableFuture<HttpResponse<String>> future;
            try {
                future = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            } catch (RuntimeException e) {
                throw new PodFetchException("Get \"" + uri + "\": " + oneLine(String.valueOf(e.getMessage())), 0);
            }
            try {
                HttpResponse<String> response = future.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (response.statusCode() == 200) {
                    return response.body();
                }
                lastStatus = response.statusCode();
                lastMessage = apiError(response.statusCode(), response.body(), name);
            } catch (TimeoutException e) {
                future.cancel(true);
                lastStatus = 0;
                lastMessage = "Get \"" + uri + "\": no response within " + format(attemptTimeout);
            } catch (ExecutionException e) {
                lastStatus = 0;
                lastMessage = "Get \"" + uri + "\": " + transportError(e.getCause(), uri, deadline);
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new PodFetchException("interrupted while fetching pod " + namespace + "/" + name, 0);
            }
            if (attempt < attempts) {
                log.log(attempt == 1 ? Level.WARNING : Level.DEBUG, "failed to get pod " + namespace + "/" + name
                        + " (attempt " + attempt + " of " + attempts + ", retrying): " + lastMessage);
            }
        }
        throw new PodFetchException(lastMessage, lastStatus);
    }

    /** Stops the HTTP client and its threads (they are daemon threads: a plugin process may also just exit). */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.shutdownNow();
            executor.shutdownNow();
            client = null;
        }
    }

    private synchronized HttpClient client() throws PodFetchException {
        if (client == null) {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(attemptTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .proxy(HttpClient.Builder.NO_PROXY);
            if (config.https()) {
                try {
                    builder.sslContext(KubeTls.context(config));
                } catch (GeneralSecurityException e) {
                    throw new PodFetchException("cannot set up TLS for " + config.server() + ": "
                            + oneLine(String.valueOf(e.getMessage())), 0);
                }
            }
            ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    r -> {
                        Thread t = new Thread(r, "istio-cni-http");
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            executor = pool;
            client = builder.executor(pool).build();
        }
        return client;
    }

    /**
     * The text of an API error: the {@code message} of the Status the server sent, else client-go's generic text
     * for the status code.
     */
    static String apiError(int status, String body, String name) {
        if (body != null && !body.isBlank()) {
            try {
                JsonNode tree = JSON.readTree(body);
                if (tree != null && tree.isObject()) {
                    JsonNode kind = tree.get("kind");
                    JsonNode message = tree.get("message");
                    if ((kind == null || "Status".equals(kind.asText())) && message != null && message.isTextual()
                            && !message.textValue().isEmpty()) {
                        return message.textValue();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not JSON: fall through to the generic text
            }
        }
        String generic = switch (status) {
            case 400 -> "the server rejected our request for an unknown reason";
            case 401 -> "Unauthorized";
            case 403 -> "forbidden: the server does not allow access to the requested resource";
            case 404 -> "the server could not find the requested resource";
            case 405 -> "the server does not allow this method on the requested resource";
            case 409 -> "the server reported a conflict";
            case 429 -> "the server has received too many requests and has asked us to try again later";
            case 500 -> "an error on the server (\"" + detail(body) + "\") has prevented the request from succeeding";
            case 503 -> "the server is currently unable to handle the request";
            case 504 -> "the server was unable to return a response in the time allotted, but may still be"
                    + " processing the request";
            default -> "the server responded with the status code " + status + " but did not return more information";
        };
        return generic + " (get pods " + name + ")";
    }

    /**
     * A transport failure as one line. The JDK's client reports a failed connect without its reason (a bare
     * {@code ConnectException}); then one plain TCP connect, within what is left of the attempt, finds it, and the
     * text reads like Go's: {@code dial tcp 10.96.0.1:443: connect: connection refused}.
     */
    private String transportError(Throwable t, URI uri, long deadline) {
        if (t instanceof HttpConnectTimeoutException) {
            return "dial tcp " + hostPort(uri) + ": i/o timeout (connect took more than " + format(attemptTimeout)
                    + ")";
        }
        if (t instanceof HttpTimeoutException) {
            return "no response within " + format(attemptTimeout);
        }
        String deepest = null;
        boolean connect = false;
        boolean tls = false;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            connect |= c instanceof ConnectException;
            tls |= c instanceof SSLException;
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                deepest = c.getMessage();
            }
        }
        if (tls) {
            return "tls: " + oneLine(deepest == null ? t.getClass().getSimpleName() : deepest);
        }
        if (connect) {
            return deepest == null ? probeConnect(uri, deadline)
                    : "dial tcp " + hostPort(uri) + ": connect: " + lowerFirst(oneLine(deepest));
        }
        return oneLine(deepest == null ? t.getClass().getSimpleName() : deepest);
    }

    private String probeConnect(URI uri, long deadline) {
        String hostPort = hostPort(uri);
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms < 1) {
            return "dial tcp " + hostPort + ": connect failed";
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port(uri)), (int) Math.min(ms, Integer.MAX_VALUE));
            return "dial tcp " + hostPort + ": connect failed";
        } catch (UnknownHostException e) {
            return "dial tcp: lookup " + host + ": no such host";
        } catch (SocketTimeoutException e) {
            return "dial tcp " + hostPort + ": i/o timeout";
        } catch (IOException | RuntimeException e) {
            return "dial tcp " + hostPort + ": connect: "
                    + (e.getMessage() == null ? "failed" : lowerFirst(oneLine(e.getMessage())));
        }
    }

    private static String hostPort(URI uri) {
        return uri.getHost() + ":" + port(uri);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String lowerFirst(String s) {
        // "Connection refused" -> "connection refused", as Go says it; keeps "HTTP ..." and the like
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }

    /** Percent-encodes one path segment (everything but RFC 3986 unreserved characters). */
    static String segment(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static void sleep(Duration d) throws PodFetchException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodFetchException("interrupted while waiting to retry the pod fetch", 0);
        }
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String detail(String body) {
        String s = body == null ? "" : oneLine(body);
        return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "..." : s;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\r\n]+\\s*", " ").strip();
    }
}
