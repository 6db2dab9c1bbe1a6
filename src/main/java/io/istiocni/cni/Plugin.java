package io.istiocni.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.istiocni.version.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CNI protocol of plugin mode (plugin.md 2, 3, 6): environment and stdin checks in the order of 2.2, the
 * commands, version negotiation, the own-namespace check, and the single JSON object (result or error) on stdout.
 * ADD and CHECK hand the pod to a {@link PodHandler}.
 *
 * <p>stdout carries exactly one JSON object (the result of ADD or an error object), one line for VERSION, or
 * nothing. Nothing here writes to stderr except the two lines printed when {@code CNI_COMMAND} is missing.
 */
public final class Plugin {

    /** The second line of the "no CNI_COMMAND" text. */
    static final String PROTOCOL_LINE =
            "CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0";

    private Plugin() {
    }

    /**
     * Runs one CNI invocation.
     *
     * @param env     the process environment ({@code CNI_COMMAND}, ...)
     * @param stdin   the network configuration (not read by VERSION)
     * @param stdout  receives the result or error object, nothing else
     * @param stderr  receives only the "no CNI_COMMAND" text
     * @param handler the ADD/CHECK logic
     * @param nsCheck the own-namespace check (3.7)
     * @return the exit status: 0 on success, 1 after printing an error object
     */
    public static int run(Map<String, String> env, InputStream stdin, PrintStream stdout, PrintStream stderr,
            PodHandler handler, NamespaceIdentity nsCheck) {
        String command = CniEnvironment.get(env, CniEnvironment.COMMAND);
        Invocation call = new Invocation(env, stdin, stdout, handler, nsCheck, command);
        try {
            if (command.isEmpty()) {
                stderr.println("CNI plugin istio-cni " + Version.current());
                stderr.println(PROTOCOL_LINE);
                stderr.flush();
                return 0;
            }
            call.dispatch();
            return 0;
        } catch (CniException e) {
            return call.fail(e);
        } catch (InProcessHandover.Requested e) {
            throw e; // PluginMain starts the second process
        } catch (RuntimeException | Error e) {
            String what = command.equals("ADD") ? "cmdAdd" : command.equals("CHECK") ? "cmdCheck"
                    : command.equals("DEL") ? "cmdDel" : "CNI_COMMAND " + command;
            return call.fail(CniException.internal("istio-cni panicked during " + what + ": " + GoText.describe(e),
                    e));
        }
    }

    /** The error object of plugin.md 6: all four fields, Go's indented layout. */
    static String errorJson(String cniVersion, CniException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cniVersion", cniVersion);
        m.put("code", e.code());
        m.put("msg", e.msg());
        m.put("details", e.details());
        return Json.pretty(m);
    }

    /** The state of one invocation. */
    private static final class Invocation {

        private final Map<String, String> env;
        private final InputStream stdin;
        private final PrintStream stdout;
        private final PodHandler handler;
        private final NamespaceIdentity nsCheck;
        private final String command;
        /** The configuration's version once read and supported; the error object's version. */
        private String errorVersion = CniVersions.LATEST;

        Invocation(Map<String, String> env, InputStream stdin, PrintStream stdout, PodHandler handler,
                NamespaceIdentity nsCheck, String command) {
            this.env = env;
            this.stdin = stdin;
            this.stdout = stdout;
            this.handler = handler;
            this.nsCheck = nsCheck;
            this.command = command;
        }

        void dispatch() throws CniException {
            CniEnvironment.checkRequired(env, command);
            if (CniEnvironment.required(CniEnvironment.CONTAINER_ID, command)) {
                CniEnvironment.checkContainerId(CniEnvironment.get(env, CniEnvironment.CONTAINER_ID));
            }
            if (CniEnvironment.required(CniEnvironment.IFNAME, command)) {
                CniEnvironment.checkInterfaceName(CniEnvironment.get(env, CniEnvironment.IFNAME));
            }
            if (command.equals("VERSION")) {
                print(CniVersions.VERSION_LINE + "\n");
                return;
            }
            JsonNode config = readConfig();
            switch (command) {
                case "ADD" -> add(config);
                case "DEL" -> {
                    CniVersions.checkSupported(CniVersions.decode(config));
                    checkOwnNamespace();
                }
                case "CHECK" -> check(config);
                case "STATUS" -> status(config);
                case "GC" -> CniVersions.checkAtLeast(CniVersions.decode(config), "1.1.0", command);
                default -> throw new CniException(CniException.INVALID_ENVIRONMENT,
                        "unknown CNI_COMMAND: " + command, "");
            }
        }

        /** Steps 3-4 of 2.2: read stdin, a JSON object with a valid name. */
        private JsonNode readConfig() throws CniException {
            byte[] data;
            try {
                data = stdin.readAllBytes();
            } catch (IOException e) {
                throw new CniException(CniException.IO_FAILURE, "error reading from stdin: " + GoText.describe(e),
                        "", e);
            }
            JsonNode config;
            try {
                config = Json.parse(data);
            } catch (IllegalArgumentException e) {
                throw new CniException(CniException.DECODING_FAILURE,
                        "error unmarshall network config: " + e.getMessage(), "");
            }
            if (!config.isObject()) {
                throw new CniException(CniException.DECODING_FAILURE, "error unmarshall network config: "
                        + "json: cannot unmarshal " + Json.kind(config) + " into Go value of type struct", "");
            }
            String version = CniVersions.readableSupported(config);
            if (version != null) {
                errorVersion = version;
            }
            JsonNode name = Json.field(config, "name");
            if (name != null && !name.isTextual()) {
                throw new CniException(CniException.DECODING_FAILURE, "error unmarshall network config: "
                        + Json.typeError(name, "", "name", "string"), "");
            }
            String text = name == null ? "" : name.textValue();
            if (text.isEmpty()) {
                throw new CniException(CniException.INVALID_NETWORK_CONFIG, "missing network name", "");
            }
            if (!CniEnvironment.isValidName(text)) {
                throw new CniException(CniException.INVALID_NETWORK_CONFIG,
                        "invalid characters found in network name", text);
            }
            return config;
        }

        private void add(JsonNode config) throws CniException {
            String version = CniVersions.decode(config);
            CniVersions.checkSupported(version);
            checkOwnNamespace();
            AddRequest request = request(config);
            handler.add(request);
            print(request.prevResult() == null ? CniResult.emptyJson(version)
                    : request.prevResult().toJson(version));
        }

        private void check(JsonNode config) throws CniException {
            CniVersions.checkAtLeast(CniVersions.decode(config), "0.4.0", "CHECK");
            handler.check(request(config));
        }

        /**
         * The version rules of GC, then whether an ADD could succeed now: a configuration whose Istio fields fail
         * ADD's parsing, or a missing or unusable kubeconfig, is error 50 (the runtime reports the node's network
         * as not ready until it is fixed).
         */
        private void status(JsonNode config) throws CniException {
            CniVersions.checkAtLeast(CniVersions.decode(config), "1.1.0", "STATUS");
            NetConf conf;
            try {
                conf = NetConf.parse(config);
            } catch (CniException e) {
                throw AddReadiness.notAvailable(e.msg());
            }
            handler.status(conf);
        }

        /** Steps 1-2 of section 7: the Istio fields, {@code prevResult}, {@code CNI_ARGS}, in this order. */
        private AddRequest request(JsonNode config) throws CniException {
            NetConf conf = NetConf.parse(config);
            CniResult prev = conf.prevResult() == null ? null : CniResult.parse(conf.prevResult(), conf.cniVersion());
            CniArgs args = CniArgs.load(CniEnvironment.get(env, CniEnvironment.ARGS));
            return new AddRequest(conf, prev, args.podName(), args.podNamespace(),
                    CniEnvironment.get(env, CniEnvironment.NETNS), CniEnvironment.get(env, CniEnvironment.CONTAINER_ID),
                    CniEnvironment.get(env, CniEnvironment.IFNAME), args, env);
        }

        /** 3.7: unless {@code CNI_NETNS_OVERRIDE} is true (any case) or 1. */
        private void checkOwnNamespace() throws CniException {
            String override = CniEnvironment.get(env, CniEnvironment.NETNS_OVERRIDE);
            if (override.toUpperCase(Locale.ROOT).equals("TRUE") || override.equals("1")) {
                return;
            }
            if (nsCheck.isOwnNamespace(CniEnvironment.get(env, CniEnvironment.NETNS))) {
                throw new CniException(CniException.INVALID_NETNS,
                        "plugin's netns and netns from CNI_NETNS should not be the same", "");
            }
        }

        int fail(CniException e) {
            if (handler != null) {
                try {
                    handler.failed(command, e);
                } catch (RuntimeException ignored) {
                    // logging must not change the outcome
                }
            }
            print(errorJson(errorVersion, e));
            return 1;
        }

        private void print(String text) {
            stdout.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            stdout.flush();
        }
    }
}
