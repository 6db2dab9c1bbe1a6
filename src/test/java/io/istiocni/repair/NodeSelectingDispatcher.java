package io.istiocni.repair;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's CRUD mock evaluates field selectors only on {@code metadata.name}/{@code metadata.namespace}; any other
 * field (here {@code spec.nodeName}) matches nothing. This dispatcher in front of it records every request path as
 * sent and evaluates {@code spec.nodeName=X} as the API server does, by turning it into the label selector
 * {@code test.istio-cni/node=X} on the label that {@link TestPods} gives every pod equal to its
 * {@code spec.nodeName}: the mock then filters lists and watch events by node as a real API server would.
 * Likewise a merge patch of labels on {@code pods/status}, which the API server applies and the mock drops, is
 * passed to the pod itself.
 */
public final class NodeSelectingDispatcher extends Dispatcher {

    public static final String NODE_LABEL = "test.istio-cni/node";

    public final List<String> paths = new CopyOnWriteArrayList<>();
    /** Fault injection: this many of the next pod list/watch requests are answered 500. */
    public final java.util.concurrent.atomic.AtomicInteger failPodListsAndWatches =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Dispatcher delegate;

    public NodeSelectingDispatcher(Dispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        paths.add(path);
        if (path.startsWith("/api/v1/pods?") && failPodListsAndWatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new MockResponse().setResponseCode(500)
                    .setBody("{\"kind\":\"Status\",\"code\":500,\"message\":\"injected: apiserver unavailable\"}");
        }
        String rewritten = rewrite(path);
        if (request.method() == io.fabric8.mockwebserver.dsl.HttpMethod.PATCH && rewritten.matches(
                "/api/v1/namespaces/[^/]+/pods/[^/?]+/status")) {
            // the real API server applies metadata changes sent to pods/status; the mock keeps only .status there
            rewritten = rewritten.substring(0, rewritten.length() - "/status".length());
        }
        if (!rewritten.equals(path)) {
            request = new RecordedRequest(request.getHttpVersion(), request.method(), rewritten, request.getHeaders(),
                    request.getBody());
        }
        return delegate.dispatch(request);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    static String rewrite(String path) {
        int q = path.indexOf('?');
        if (q < 0 || !path.contains("spec.nodeName")) {
            return path;
        }
        List<String> params = new ArrayList<>();
        List<String> extraLabels = new ArrayList<>();
        String labelSelector = null;
        for (String param : path.substring(q + 1).split("&")) {
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
            if (name.equals("fieldSelector")) {
                List<String> kept = new ArrayList<>();
                for (String f : value.split(",")) {
                    if (f.startsWith("spec.nodeName=")) {
                        extraLabels.add(NODE_LABEL + "=" + f.substring("spec.nodeName=".length()));
                    } else {
                        kept.add(f);
                    }
                }
                if (!kept.isEmpty()) {
                    params.add("fieldSelector=" + URLEncoder.encode(String.join(",", kept), StandardCharsets.UTF_8));
                }
            } else if (name.equals("labelSelector")) {
                labelSelector = value;
            } else {
                params.add(param);
            }
        }
        List<String> labels = new ArrayList<>(extraLabels);
        if (labelSelector != null && !labelSelector.isEmpty()) {
            labels.add(labelSelector);
        }
        if (!labels.isEmpty()) {
            params.add("labelSelector=" + URLEncoder.encode(String.join(",", labels), StandardCharsets.UTF_8));
        }
        return path.substring(0, q + 1) + String.join("&", params);
    }
}
