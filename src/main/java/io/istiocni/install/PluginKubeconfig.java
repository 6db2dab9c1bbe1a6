package io.istiocni.install;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The kubeconfig the plugin uses to reach the API server (install.md 5.2), rendered as Istio's text: keys sorted, one
 * cluster {@code local}, one user {@code istio-cni}, one context {@code istio-cni-context}.
 */
public final class PluginKubeconfig {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./+=\\[\\]:@%~-]*");
    private static final Pattern SPECIAL = Pattern.compile(
            "(?i)(|~|null|true|false|yes|no|on|off|y|n|[-+]?\\.?[0-9].*|[-+]?\\.(inf|nan)|\\.nan)");

    private PluginKubeconfig() {
    }

    /**
     * The server URL {@code <protocol>://<host>:<port>}, an IPv6 host in brackets.
     *
     * @throws InstallException when {@code KUBERNETES_SERVICE_HOST} or {@code KUBERNETES_SERVICE_PORT} is not set
     */
    public static String server(InstallSettings s) {
        if (s.kubernetesServiceHost().isEmpty()) {
            throw new InstallException("KUBERNETES_SERVICE_HOST not set. Is this not running within a pod?");
        }
        if (s.kubernetesServicePort().isEmpty()) {
            throw new InstallException("KUBERNETES_SERVICE_PORT not set. Is this not running within a pod?");
        }
        String host = s.kubernetesServiceHost();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return s.kubernetesServiceProtocol() + "://" + host + ":" + s.kubernetesServicePort();
    }

    /**
     * The kubeconfig text.
     *
     * @param token  the content of {@code <SERVICE_ACCOUNT_PATH>/token}, used as is; null when it could not be read
     * @param caCert the content of {@code KUBE_CA_FILE}; not used with {@code SKIP_TLS_VERIFY}, else null when it could
     *               not be read
     * @throws InstallException (one line naming the variable or file) when an input is missing
     */
    public static String render(InstallSettings s, String token, byte[] caCert) {
        String server = server(s);
        if (token == null) {
            throw new InstallException("no service account: cannot read the token " + s.tokenPath());
        }
        if (!s.skipTlsVerify() && caCert == null) {
            throw new InstallException("cannot read the Kubernetes CA file " + s.kubeCaFile());
        }
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: v1\n");
        y.append("clusters:\n");
        y.append("- cluster:\n");
        if (s.skipTlsVerify()) {
            y.append("    insecure-skip-tls-verify: true\n");
        } else {
            y.append("    certificate-authority-data: ").append(Base64.getEncoder().encodeToString(caCert)).append('\n');
        }
        y.append("    server: ").append(scalar(server)).append('\n');
        y.append("  name: local\n");
        y.append("contexts:\n");
        y.append("- context:\n");
        y.append("    cluster: local\n");
        y.append("    user: istio-cni\n");
        y.append("  name: istio-cni-context\n");
        y.append("current-context: istio-cni-context\n");
        y.append("kind: Config\n");
        y.append("users:\n");
        y.append("- name: istio-cni\n");
        y.append("  user:\n");
        y.append("    token: ").append(scalar(token)).append('\n');
        return y.toString();
    }

    /** {@link #render(InstallSettings, String, byte[])} with the CA as text. */
    public static String render(InstallSettings s, String token, String caCertPem) {
        return render(s, token, caCertPem == null ? null : caCertPem.getBytes(StandardCharsets.UTF_8));
    }

    /** The kubeconfig text with the token and the CA replaced, for logging. */
    public static String redacted(String kubeconfig) {
        return kubeconfig.replaceAll("(?m)^(\\s*token: ).*$", "$1<redacted>")
                .replaceAll("(?m)^(\\s*certificate-authority-data: ).*$", "$1<redacted>");
    }

    /** A YAML scalar: plain when it reads back as the same string, else double-quoted with escapes. */
    static String scalar(String v) {
        if (PLAIN.matcher(v).matches() && !SPECIAL.matcher(v).matches() && !v.startsWith("-")
                && !v.startsWith("[") && !v.startsWith("%") && !v.startsWith("@") && !v.startsWith(":")
                && !v.endsWith(":") && !v.contains(": ")) {
            return v;
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\ufeff') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
