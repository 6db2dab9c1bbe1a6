package io.istiocni.cni.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.cni.AddRequest;
import io.istiocni.cni.CniArgs;
import io.istiocni.cni.CniException;
import io.istiocni.cni.CniResult;
import io.istiocni.cni.Json;
import io.istiocni.cni.NetConf;
import io.istiocni.rules.Family;
import io.istiocni.rules.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod set-up protocol between the CNI plugin and the node agent, version 1: one HTTP/1.1 request per
 * connection on the Unix socket {@code <cni_agent_run_dir>/pod.sock} (beside {@code log.sock}), {@code POST
 * /v1/pod}, body a JSON object, answer a JSON object; then the connection is closed.
 *
 * <p>Request: {@code {"version":1, "command":"ADD"|"CHECK", "netns", "containerId", "ifName", "cniArgs" (CNI_ARGS
 * as given, with K8S_POD_UID), "addresses" (the prevResult's addresses, absent without a prevResult), "conf": {the
 * resolved istio-cni fields: cniVersion, name, plugin_log_level, exclude_namespaces, pod_namespace,
 * native_nftables, kubeconfig}, "env": {the ISTIO_OUTBOUND_* variables of the plugin's environment},
 * "timeoutMillis"}}. The agent re-parses it with the plugin's own parsers, so it sees the request exactly as the
 * in-process path does; the rules come from the API server's pod, never from the request beyond the pod's identity
 * and addresses.
 *
 * <p>Answer: {@code {"version":1, "result":"ok"}}; {@code {"result":"error", "code", "msg", "details"}} (the CNI
 * error the plugin prints as its own); {@code {"result":"not-mine", "reason"}} (the agent cannot do this pod, e.g.
 * it cannot see the namespace path: the plugin does the work itself); {@code {"result":"busy"}} (HTTP 503: all
 * request slots taken; the plugin does the work itself). Anything else, a transport failure, or no answer in time:
 * the plugin does the work itself (applying is idempotent).
 */
public final class PodSetupProtocol {

    public static final int VERSION = 1;
    public static final String SOCKET_FILE = "pod.sock";
    public static final String PATH = "/v1/pod";
    /** The largest request body the agent reads (a real one is well under 4 KiB). */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** The largest answer the plugin reads. */
    public static final int MAX_ANSWER_BYTES = 64 * 1024;

    /** The plugin environment variables the settings take (plugin.md 7.8: {@code PodSettings.toCaptureSettings}). */
    static final List<String> FORWARDED_ENV = List.of("ISTIO_OUTBOUND_OWNER_GROUPS",
            "ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR");

    private PodSetupProtocol() {
    }

    /** The agent's answer, as the plugin acts on it. */
    public sealed interface Answer {
    }

    /** The agent set the pod up (or checked it). */
    public record Done() implements Answer {
    }

    /** The agent failed the pod with this CNI error: the plugin reports it as its own. */
    public record Failed(CniException error) implements Answer {
    }

    /** The agent did nothing (not mine, busy, no agent, transport failure): the plugin does the work itself. */
    public record Declined(String reason) implements Answer {
    }

    /** The request body for {@code command} ({@code ADD} or {@code CHECK}). */
    public static byte[] request(String command, AddRequest request, long timeoutMillis) {
        NetConf conf = request.conf();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("cniVersion", conf.cniVersion());
        c.put("name", conf.name());
        c.put("plugin_log_level", conf.logLevel());
        c.put("exclude_namespaces", conf.excludeNamespaces());
        c.put("pod_namespace", conf.podNamespace());
        c.put("native_nftables", conf.nativeNftables());
        c.put("kubeconfig", conf.kubeconfigPath());
        Map<String, Object> env = new LinkedHashMap<>();
        for (String name : FORWARDED_ENV) {
            String value = request.env() == null ? null : request.env().get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("command", command);
        m.put("netns", request.netns());
        m.put("containerId", request.containerId());
        m.put("ifName", request.ifName());
        m.put("cniArgs", request.env() == null ? "" : request.env().getOrDefault("CNI_ARGS", ""));
        if (request.hasPrevResult()) {
            List<Object> addresses = new ArrayList<>();
            for (IpAddress a : request.prevResultAddresses()) {
                addresses.add(a.canonical());
            }
            m.put("addresses", addresses);
        }
        m.put("conf", c);
        m.put("env", env);
        m.put("timeoutMillis", timeoutMillis);
        return Json.compact(m).getBytes(StandardCharsets.UTF_8);
    }

    /** A request as the agent reads it. */
    public record PodRequest(String command, AddRequest request, long timeoutMillis) {
    }

    /**
     * Reads a request body with the plugin's own parsers (configuration, prevResult, CNI_ARGS).
     *
     * @throws IllegalArgumentException (one line) when it is not a version-1 request
     * @throws CniException             what the plugin would report for the same input
     */
    public static PodRequest readRequest(byte[] body) throws CniException {
        JsonNode root;
        root = Json.parse(body);
        if (!root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (root.path("version").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("unsupported version " + root.path("version"));
        }
        String command = text(root, "command");
        if (!command.equals("ADD") && !command.equals("CHECK")) {
            throw new IllegalArgumentException("unknown command \"" + command + "\"");
        }
        JsonNode c = root.get("conf");
        if (c == null || !c.isObject()) {
            throw new IllegalArgumentException("no conf object");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("cniVersion", text(c, "cniVersion"));
        config.put("name", text(c, "name"));
        config.put("type", "istio-cni");
        config.put("plugin_log_level", text(c, "plugin_log_level"));
        List<Object> exclude = new ArrayList<>();
        c.path("exclude_namespaces").forEach(n -> exclude.add(n.asText()));
        config.put("exclude_namespaces", exclude);
        config.put("pod_namespace", text(c, "pod_namespace"));
        config.put("native_nftables", c.path("native_nftables").asBoolean(false));
        config.put("kubernetes", Map.of("kubeconfig", text(c, "kubeconfig")));
        String cniVersion = text(c, "cniVersion");
        JsonNode addresses = root.get("addresses");
        if (addresses != null && addresses.isArray()) {
            List<Object> ips = new ArrayList<>();
            for (JsonNode a : addresses) {
                IpAddress ip = IpAddress.parse(a.asText());
                ips.add(Map.of("address", ip.canonical() + (ip.family() == Family.IPV4 ? "/32" : "/128")));
            }
            Map<String, Object> prev = new LinkedHashMap<>();
            prev.put("cniVersion", cniVersion);
            prev.put("ips", ips);
            config.put("prevResult", prev);
        }
        JsonNode tree = Json.parse(Json.compact(config).getBytes(StandardCharsets.UTF_8));
        NetConf conf = NetConf.parse(tree);
        CniResult prev = conf.prevResult() == null ? null : CniResult.parse(conf.prevResult(), conf.cniVersion());
        String cniArgs = text(root, "cniArgs");
        CniArgs args = CniArgs.load(cniArgs);
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = root.get("env");
        for (String name : FORWARDED_ENV) {
            if (e != null && e.hasNonNull(name)) {
                env.put(name, e.get(name).asText());
            }
        }
        env.put("CNI_ARGS", cniArgs);
        AddRequest request = new AddRequest(conf, prev, args.podName(), args.podNamespace(), text(root, "netns"),
                text(root, "containerId"), text(root, "ifName"), args, Map.copyOf(env));
        return new PodRequest(command, request, root.path("timeoutMillis").asLong(0));
    }

    public static byte[] done() {
        return Json.compact(Map.of("version", VERSION, "result", "ok")).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] failed(CniException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("result", "error");
        m.put("code", e.code());
        m.put("msg", e.msg());
        m.put("details", e.details());
        return Json.compact(m).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] declined(String result, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("result", result);
        m.put("reason", reason);
        return Json.compact(m).getBytes(StandardCharsets.UTF_8);
    }

    /** The plugin's reading of an answer body; anything it does not understand is a {@link Declined}. */
    public static Answer readAnswer(byte[] body) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (IllegalArgumentException e) {
            return new Declined("unreadable answer: " + e.getMessage());
        }
        if (!root.isObject() || root.path("version").asInt(-1) != VERSION) {
            return new Declined("answer of another protocol version");
        }
        String result = text(root, "result");
        return switch (result) {
            case "ok" -> new Done();
            case "error" -> {
                JsonNode code = root.get("code");
                if (code == null || !code.canConvertToInt()) {
                    yield new Declined("error answer without a code");
                }
                yield new Failed(new CniException(code.asInt(), text(root, "msg"), text(root, "details")));
            }
            default -> new Declined(result + (root.hasNonNull("reason") ? ": " + text(root, "reason") : ""));
        };
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }
}
