package io.istiocni.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Fetches a pod from the API server (plugin.md 7.6): {@code GET
 * /api/v1/namespaces/<ns>/pods/<name>} with the kubeconfig's credentials, up to 30 attempts 1 second apart, each
 * bounded to 2 seconds (connect and response, difference D8), every failure retried. The first failure is logged as
 * a warning, later ones at debug; after the last one the fetch fails with its text.
 *
 * <p>Creating a fetcher contacts nothing and does no TLS work: the TLS context is made on the first fetch, so a
 * plugin run that never fetches pays nothing for it.
 */
public final class PodFetcher implements PodSource, AutoCloseable {

    public static final int DEFAULT_ATTEMPTS = 30;
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

    /** Only an API error's Status body is parsed: made on first use, not on every pod's ADD. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final int MAX_DETAIL = 256;

    private final Kubeconfig config;
    private final FetchLog log;
    private final int attempts;
    private final Duration interval;
    private final Duration attemptTimeout;

    private SSLContext sslContext;

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
        String lastMessage = null;
        int lastStatus = 0;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                sleep(interval);
            }
            long deadline = System.nanoTime() + attemptTimeout.toNanos();
            try {
                HttpURLConnection connection = open(uri, deadline);
                Thread watchdog = abortAt(connection, deadline);
                try {
                    int status = connection.getResponseCode();
                    if (status == 200) {
                        return readBody(connection.getInputStream());
                    }
                    lastStatus = status;
                    InputStream error = connection.getErrorStream();
                    lastMessage = apiError(status, error == null ? "" : readBody(error), name);
                } finally {
                    watchdog.interrupt();
                    connection.disconnect();
                }
            } catch (SocketTimeoutException e) {
                lastStatus = 0;
                lastMessage = "Get \"" + uri + "\": " + (String.valueOf(e.getMessage()).contains("connect")
                        ? "dial tcp " + hostPort(uri) + ": i/o timeout (connect took more than "
                                + format(attemptTimeout) + ")"
                        : "no response within " + format(attemptTimeout));
            } catch (IOException | RuntimeException e) {
                lastStatus = 0;
                lastMessage = "Get \"" + uri + "\": " + (System.nanoTime() - deadline >= 0
                        ? "no response within " + format(attemptTimeout) // closed by the watchdog
                        : transportError(e, uri));
            }
            if (attempt < attempts) {
                log.log(attempt == 1 ? Level.WARNING : Level.DEBUG, "failed to get pod " + namespace + "/" + name
                        + " (attempt " + attempt + " of " + attempts + ", retrying): " + lastMessage);
            }
        }
        throw new PodFetchException(lastMessage, lastStatus);
    }

    /** Nothing to release: each attempt opens and closes its own connection. */
    @Override
    public void close() {
    }

    /**
     * One connection, bounded by {@code deadline} for the connect and the response together. The JDK's
     * {@code HttpURLConnection} is used rather than {@code java.net.http.HttpClient}, whose set-up (selector
     * thread, executor, default TLS context) costs the plugin about 200 ms of start-up per pod.
     */
    private HttpURLConnection open(URI uri, long deadline) throws IOException, PodFetchException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        if (connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls().getSocketFactory());
            if (config.insecureSkipTlsVerify()) {
                https.setHostnameVerifier((host, session) -> true);
            }
        }
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("Accept", "application/json");
        connection.setRequestProperty("User-Agent", "istio-cni");
        if (config.token() != null) {
            connection.setRequestProperty("Authorization", "Bearer " + config.token());
        }
        connection.setConnectTimeout(remainingMillis(deadline));
        connection.setReadTimeout(remainingMillis(deadline));
        connection.connect();
        return connection;
    }

    /**
     * The read timeout bounds each read, not the whole response: a server that trickles bytes could hold an attempt
     * past its bound. This daemon thread closes the connection at the deadline unless interrupted first.
     */
    private static Thread abortAt(HttpURLConnection connection, long deadline) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                connection.disconnect();
            } catch (InterruptedException e) {
                // the attempt finished in time
            }
        }, "istio-cni-fetch-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    private static int remainingMillis(long deadline) {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(ms, Integer.MAX_VALUE));
    }

    private static String readBody(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private synchronized SSLContext tls() throws PodFetchException {
        if (sslContext == null) {
            try {
                sslContext = KubeTls.context(config);
            } catch (GeneralSecurityException e) {
                throw new PodFetchException("cannot set up TLS for " + config.server() + ": "
                        + oneLine(String.valueOf(e.getMessage())), 0);
            }
        }
        return sslContext;
    }

    /**
     * The text of an API error: the {@code message} of the Status the server sent, else client-go's generic text
     * for the status code.
     */
    static String apiError(int status, String body, String name) {
        if (body != null && !body.isBlank()) {
            try {
                JsonNode tree = Json.MAPPER.readTree(body);
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

    /** A transport failure as one line, worded like Go's: {@code dial tcp 10.96.0.1:443: connect: connection refused}. */
    private static String transportError(Throwable t, URI uri) {
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
        if (t instanceof UnknownHostException) {
            return "dial tcp: lookup " + uri.getHost() + ": no such host";
        }
        if (tls) {
            return "tls: " + oneLine(deepest == null ? t.getClass().getSimpleName() : deepest);
        }
        if (connect) {
            return "dial tcp " + hostPort(uri) + ": connect: "
                    + (deepest == null ? "failed" : lowerFirst(oneLine(deepest)));
        }
        return oneLine(deepest == null ? t.getClass().getSimpleName() : deepest);
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
