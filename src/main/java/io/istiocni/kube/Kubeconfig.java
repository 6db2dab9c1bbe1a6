package io.istiocni.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * What the CNI plugin needs from a kubeconfig (plugin.md 7.3): the API server URL and how to trust and authenticate
 * to it. {@link #load(Path)} reads the file, follows {@code current-context} to its cluster and user, and decodes
 * every certificate and key, so a broken file fails here and nothing is left to fail later. It contacts nothing.
 *
 * <p>Read with Jackson's tree model only (no data binding), so it works unchanged in a native image.
 *
 * @param server API server base URL, without a trailing slash ({@code https://10.96.0.1:443})
 * @param certificateAuthorities CAs to trust ({@code certificate-authority-data} or {@code certificate-authority});
 *        empty: the JDK's default trust store (or none needed: insecure or plain http)
 * @param insecureSkipTlsVerify {@code insecure-skip-tls-verify: true}: any server certificate, no host name check
 * @param token bearer token ({@code token}, else the trimmed content of {@code tokenFile}); null when none
 * @param clientCertificates client certificate chain ({@code client-certificate(-data)}); empty when none
 * @param clientKey the client certificate's private key ({@code client-key(-data)}); null when none
 */
public record Kubeconfig(URI server, List<X509Certificate> certificateAuthorities, boolean insecureSkipTlsVerify,
        String token, List<X509Certificate> clientCertificates, PrivateKey clientKey) {

    /** Made on first use: a kubeconfig is YAML (JSON only when it starts with a brace). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
    }

    public Kubeconfig {
        String url = server.toString();
        if (url.endsWith("/")) {
            server = URI.create(url.replaceAll("/+$", ""));
        }
        certificateAuthorities = List.copyOf(certificateAuthorities);
        clientCertificates = List.copyOf(clientCertificates);
        if (clientCertificates.isEmpty() != (clientKey == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and a key its certificate");
        }
    }

    /** True for an {@code https} server. */
    public boolean https() {
        return "https".equalsIgnoreCase(server.getScheme());
    }

    /** The token is not shown. */
    @Override
    public String toString() {
        return "Kubeconfig[server=" + server + ", certificateAuthorities=" + certificateAuthorities.size()
                + ", insecureSkipTlsVerify=" + insecureSkipTlsVerify
                + ", token=" + (token == null ? "none" : "<redacted>")
                + ", clientCertificate=" + (clientKey == null ? "none" : clientKey.getAlgorithm()) + "]";
    }

    /**
     * Reads the kubeconfig file. Relative file names inside it ({@code certificate-authority}, {@code tokenFile},
     * {@code client-certificate}, {@code client-key}) are relative to the file's directory, as in client-go.
     */
    public static Kubeconfig load(Path file) throws KubeconfigException {
        String prefix = "kubeconfig " + file + ": ";
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KubeconfigException(prefix + "no such file");
        } catch (AccessDeniedException e) {
            throw new KubeconfigException(prefix + "permission denied");
        } catch (IOException e) {
            throw new KubeconfigException(prefix + "cannot read: " + message(e));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new KubeconfigException(prefix + "not UTF-8 text");
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, dir, prefix);
    }

    /** Parses kubeconfig text; relative file names are resolved against {@code baseDir}. */
    public static Kubeconfig parse(String text, Path baseDir) throws KubeconfigException {
        return parse(text, baseDir, "kubeconfig: ");
    }

    private static Kubeconfig parse(String text, Path baseDir, String prefix) throws KubeconfigException {
        try {
            return new Reader(baseDir).read(tree(text));
        } catch (IllegalArgumentException e) {
            throw new KubeconfigException(prefix + e.getMessage());
        }
    }

    private static JsonNode tree(String text) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        JsonNode root;
        try {
            root = (body.stripLeading().startsWith("{") ? Json.MAPPER : Yaml.MAPPER).readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid YAML: " + io.istiocni.json.ParseErrors.describe(e));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new IllegalArgumentException("empty file");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("not a kubeconfig: the document is " + describe(root)
                    + ", not a mapping");
        }
        return root;
    }

    /** Walks the tree: context, cluster, user. */
    private record Reader(Path baseDir) {

        Kubeconfig read(JsonNode root) {
            JsonNode contexts = list(root, "contexts");
            JsonNode clusters = list(root, "clusters");
            JsonNode users = list(root, "users");
            String current = string(root, "current-context", "current-context");

            JsonNode cluster;
            String clusterName;
            JsonNode user;
            String userName;
            JsonNode context = null;
            if (!current.isEmpty()) {
                context = named(contexts, "contexts", current);
                if (context == null) {
                    throw new IllegalArgumentException("context " + quote(current) + " (current-context) not found");
                }
            } else if (contexts.size() == 1) {
                context = contexts.get(0);
            } else if (contexts.size() > 1) {
                throw new IllegalArgumentException("no current-context and " + contexts.size() + " contexts");
            }
            if (context != null) {
                String ctxName = string(context, "name", "contexts[].name");
                JsonNode body = object(context, "context", "context " + quote(ctxName));
                clusterName = string(body, "cluster", "context " + quote(ctxName) + " cluster");
                userName = string(body, "user", "context " + quote(ctxName) + " user");
                if (clusterName.isEmpty()) {
                    throw new IllegalArgumentException("context " + quote(ctxName) + " names no cluster");
                }
                cluster = named(clusters, "clusters", clusterName);
                if (cluster == null) {
                    throw new IllegalArgumentException("cluster " + quote(clusterName) + " (of context "
                            + quote(ctxName) + ") not found");
                }
                user = null;
                if (!userName.isEmpty()) {
                    user = named(users, "users", userName);
                    if (user == null) {
                        throw new IllegalArgumentException("user " + quote(userName) + " (of context "
                                + quote(ctxName) + ") not found");
                    }
                }
            } else {
                if (clusters.isEmpty()) {
                    throw new IllegalArgumentException("no cluster defined");
                }
                if (clusters.size() > 1) {
                    throw new IllegalArgumentException("no context and " + clusters.size() + " clusters");
                }
                if (users.size() > 1) {
                    throw new IllegalArgumentException("no context and " + users.size() + " users");
                }
                cluster = clusters.get(0);
                clusterName = string(cluster, "name", "clusters[0].name");
                user = users.isEmpty() ? null : users.get(0);
                userName = user == null ? "" : string(user, "name", "users[0].name");
            }
            return build(clusterName, object(cluster, "cluster", "cluster " + quote(clusterName)), userName,
                    user == null ? null : object(user, "user", "user " + quote(userName)));
        }

        private Kubeconfig build(String clusterName, JsonNode cluster, String userName, JsonNode user) {
            String where = "cluster " + quote(clusterName);
            URI server = server(string(cluster, "server", where + " server"), where);

            boolean insecure = bool(cluster, "insecure-skip-tls-verify", where + " insecure-skip-tls-verify");
            byte[] caPem = dataOrFile(cluster, "certificate-authority-data", "certificate-authority", where);
            if (insecure && caPem != null) {
                throw new IllegalArgumentException(where + ": certificate-authority with insecure-skip-tls-verify"
                        + " is not allowed");
            }
            List<X509Certificate> cas = caPem == null ? List.of()
                    : certificates(caPem, where + " certificate-authority");

            String token = null;
            List<X509Certificate> clientCerts = List.of();
            PrivateKey clientKey = null;
            if (user != null) {
                String uwhere = "user " + quote(userName);
                // stripped: a service-account token file ending in a newline, copied as is, must still work
                token = string(user, "token", uwhere + " token").strip();
                if (token.isEmpty()) {
                    String tokenFile = string(user, "tokenFile", uwhere + " tokenFile");
                    token = tokenFile.isEmpty() ? null
                            : new String(readFile(tokenFile, uwhere + " tokenFile"), StandardCharsets.UTF_8).strip();
                }
                if (token != null) {
                    for (int i = 0; i < token.length(); i++) {
                        char c = token.charAt(i);
                        if (c < 0x21 || c > 0x7e) {
                            throw new IllegalArgumentException(uwhere + ": the token contains invalid characters");
                        }
                    }
                    if (token.isEmpty()) {
                        token = null;
                    }
                }
                byte[] certPem = dataOrFile(user, "client-certificate-data", "client-certificate", uwhere);
                byte[] keyPem = dataOrFile(user, "client-key-data", "client-key", uwhere);
                if (certPem != null && keyPem == null) {
                    throw new IllegalArgumentException(uwhere + ": client-certificate without client-key");
                }
                if (keyPem != null && certPem == null) {
                    throw new IllegalArgumentException(uwhere + ": client-key without client-certificate");
                }
                if (certPem != null) {
                    clientCerts = certificates(certPem, uwhere + " client-certificate");
                    try {
                        clientKey = Pem.privateKey(keyPem);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(uwhere + " client-key: " + e.getMessage());
                    }
                }
                if (token == null && clientKey == null && (present(user, "exec") || present(user, "auth-provider"))) {
                    throw new IllegalArgumentException(uwhere + ": exec and auth-provider credentials are not"
                            + " supported (use a token or a client certificate)");
                }
            }
            return new Kubeconfig(server, cas, insecure, token, clientCerts, clientKey);
        }

        private static URI server(String text, String where) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException(where + " has no server");
            }
            String s = text.contains("://") ? text : "https://" + text;
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            URI uri;
            try {
                uri = new URI(s);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(where + ": invalid server URL " + quote(text) + ": "
                        + e.getReason());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new IllegalArgumentException(where + ": invalid server URL " + quote(text)
                        + ": the scheme must be https or http");
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException(where + ": invalid server URL " + quote(text) + ": no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException(where + ": invalid server URL " + quote(text)
                        + ": a query or fragment is not allowed");
            }
            return uri;
        }

        private static List<X509Certificate> certificates(byte[] pem, String what) {
            try {
                return Pem.certificates(pem);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage());
            }
        }

        /** The decoded {@code <x>-data} field, else the content of the named file, else null. */
        private byte[] dataOrFile(JsonNode parent, String dataField, String fileField, String where) {
            String data = string(parent, dataField, where + " " + dataField);
            if (!data.isEmpty()) {
                try {
                    return Base64.getDecoder().decode(data.replaceAll("\\s+", ""));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + " " + dataField + ": invalid base64: " + e.getMessage());
                }
            }
            String file = string(parent, fileField, where + " " + fileField);
            return file.isEmpty() ? null : readFile(file, where + " " + fileField);
        }

        private byte[] readFile(String name, String what) {
            Path path = baseDir == null ? Path.of(name) : baseDir.resolve(name);
            try {
                return Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(what + " " + path + ": no such file");
            } catch (AccessDeniedException e) {
                throw new IllegalArgumentException(what + " " + path + ": permission denied");
            } catch (IOException e) {
                throw new IllegalArgumentException(what + " " + path + ": cannot read: " + message(e));
            }
        }

        private static JsonNode named(JsonNode list, String listName, String name) {
            for (int i = 0; i < list.size(); i++) {
                if (name.equals(string(list.get(i), "name", listName + "[" + i + "].name"))) {
                    return list.get(i);
                }
            }
            return null;
        }
    }

    private static JsonNode list(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(field + " is " + describe(n) + ", not a list");
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isObject()) {
                throw new IllegalArgumentException(field + "[" + i + "] is " + describe(n.get(i))
                        + ", not a mapping");
            }
        }
        return n;
    }

    private static JsonNode object(JsonNode parent, String field, String what) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(what + " is " + describe(n) + ", not a mapping");
        }
        return n;
    }

    /** A scalar as text (YAML may type {@code token: 12345} as a number), "" when absent. */
    private static String string(JsonNode parent, String field, String what) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isValueNode()) {
            throw new IllegalArgumentException(what + " is " + describe(n) + ", not a string");
        }
        return n.asText();
    }

    private static boolean bool(JsonNode parent, String field, String what) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual() && (n.textValue().equals("true") || n.textValue().equals("false"))) {
            return n.textValue().equals("true");
        }
        throw new IllegalArgumentException(what + " is " + describe(n) + ", not a boolean");
    }

    private static boolean present(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        return n != null && !n.isNull();
    }

    private static String describe(JsonNode n) {
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isNumber()) {
            return "a number";
        }
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\r\n]+\\s*", " ").strip();
    }
}
