package io.istiocni.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a CNI configuration list the way a container runtime does (libcni): each plugin exec'd from
 * {@code CNI_PATH} by its {@code type}, with the CNI environment variables, its configuration on stdin (the list's
 * {@code cniVersion} and {@code name} copied in, the previous plugin's result as {@code prevResult}); DEL in
 * reverse order with the last ADD result.
 */
final class CniRuntime {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Directory holding {@code istio-cni} (a link to the program under test); searched before Debian's plugins. */
    private final Path pluginDir;
    private final JsonNode conflist;

    CniRuntime(Path pluginDir, JsonNode conflist) {
        this.pluginDir = pluginDir;
        this.conflist = conflist;
    }

    /** A directory with {@code istio-cni} linked to the executable under test. */
    static Path pluginDirWithIstioCni(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path link = dir.resolve("istio-cni");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, ItSupport.executable().toAbsolutePath());
        return dir;
    }

    String cniPath() {
        return pluginDir + ":/usr/lib/cni:/opt/cni/bin";
    }

    Map<String, String> env(String command, String containerId, String netns, String cniArgs) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", cniPath());
        if (cniArgs != null) {
            env.put("CNI_ARGS", cniArgs);
        }
        return env;
    }

    /** One plugin's configuration as the runtime hands it over. */
    ObjectNode pluginConfig(JsonNode plugin, JsonNode prevResult) {
        ObjectNode conf = plugin.deepCopy();
        conf.put("cniVersion", conflist.get("cniVersion").asText());
        conf.put("name", conflist.get("name").asText());
        if (prevResult != null) {
            conf.set("prevResult", prevResult);
        }
        return conf;
    }

    /** Execs one plugin binary. */
    static ItSupport.Result exec(Path binary, Map<String, String> env, String stdin) {
        return ItSupport.run(List.of(binary.toString()), env, stdin, Duration.ofSeconds(120));
    }

    Path binary(String type) {
        for (String dir : cniPath().split(":")) {
            Path p = Path.of(dir, type);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("plugin " + type + " not found in " + cniPath());
    }

    /** The outcome of running the list: the last result, or the failing plugin's error. */
    record ChainResult(JsonNode result, String failedPlugin, ItSupport.Result failure, List<ItSupport.Result> runs) {
        boolean ok() {
            return failure == null;
        }
    }

    ChainResult add(String containerId, String netns, String cniArgs) {
        JsonNode prev = null;
        List<ItSupport.Result> runs = new ArrayList<>();
        for (JsonNode plugin : conflist.get("plugins")) {
            String type = plugin.get("type").asText();
            ItSupport.Result r = exec(binary(type), env("ADD", containerId, netns, cniArgs),
                    pluginConfig(plugin, prev).toString());
            runs.add(r);
            if (r.exit() != 0) {
                return new ChainResult(null, type, r, runs);
            }
            try {
                prev = JSON.readTree(r.stdout());
            } catch (IOException e) {
                throw new AssertionError(type + " ADD printed no JSON result:\n" + r.describe(), e);
            }
        }
        return new ChainResult(prev, null, null, runs);
    }

    ChainResult del(String containerId, String netns, String cniArgs, JsonNode lastResult) {
        List<JsonNode> plugins = new ArrayList<>();
        conflist.get("plugins").forEach(plugins::add);
        List<ItSupport.Result> runs = new ArrayList<>();
        for (int i = plugins.size() - 1; i >= 0; i--) {
            String type = plugins.get(i).get("type").asText();
            ItSupport.Result r = exec(binary(type), env("DEL", containerId, netns, cniArgs),
                    pluginConfig(plugins.get(i), lastResult).toString());
            runs.add(r);
            if (r.exit() != 0) {
                return new ChainResult(null, type, r, runs);
            }
        }
        return new ChainResult(null, null, null, runs);
    }
}
