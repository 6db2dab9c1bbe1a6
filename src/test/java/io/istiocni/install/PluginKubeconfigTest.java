package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginKubeconfigTest {

    static InstallSettings s(Map<String, String> env) {
        return InstallSettings.from(env, List.of());
    }

    @Test
    void serverUrl() {
        assertEquals("https://10.0.0.1:443", PluginKubeconfig.server(s(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1",
                "KUBERNETES_SERVICE_PORT", "443"))));
        assertEquals("https://[fd00::1]:6443", PluginKubeconfig.server(s(Map.of("KUBERNETES_SERVICE_HOST",
                "fd00::1", "KUBERNETES_SERVICE_PORT", "6443"))));
        assertEquals("http://api.local:80", PluginKubeconfig.server(s(Map.of("KUBERNETES_SERVICE_HOST", "api.local",
                "KUBERNETES_SERVICE_PORT", "80", "KUBERNETES_SERVICE_PROTOCOL", "http"))));
    }

    @Test
    void missingInputs() {
        InstallSettings ok = s(Map.of("KUBERNETES_SERVICE_HOST", "h", "KUBERNETES_SERVICE_PORT", "1",
                "SERVICE_ACCOUNT_PATH", "/sa"));
        InstallException e = assertThrows(InstallException.class, () -> PluginKubeconfig.render(ok, null, "ca"));
        assertTrue(e.getMessage().contains("/sa/token"), e.getMessage());
        e = assertThrows(InstallException.class, () -> PluginKubeconfig.render(ok, "t", (String) null));
        assertTrue(e.getMessage().contains("/sa/ca.crt"), e.getMessage());
        InstallSettings skip = s(Map.of("KUBERNETES_SERVICE_HOST", "h", "KUBERNETES_SERVICE_PORT", "1",
                "SKIP_TLS_VERIFY", "true"));
        assertTrue(PluginKubeconfig.render(skip, "t", (String) null).contains("insecure-skip-tls-verify: true"));
        assertThrows(InstallException.class, () -> PluginKubeconfig.render(s(Map.of("KUBERNETES_SERVICE_PORT",
                "1")), "t", "ca"));
    }

    @Test
    void awkwardTokensRoundTripThroughYaml() throws Exception {
        InstallSettings st = s(Map.of("KUBERNETES_SERVICE_HOST", "fd00::1", "KUBERNETES_SERVICE_PORT", "443",
                "SKIP_TLS_VERIFY", "true"));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (String token : List.of("eyJhbGciOi.J9-_x.y", "true", "123", "a: b", "tok\n", "#x", "- x", "\"q\"",
                "", "null", "0x1F", "1e3")) {
            JsonNode tree = yaml.readTree(PluginKubeconfig.render(st, token, (String) null));
            assertEquals(token, tree.at("/users/0/user/token").textValue(), token);
            assertEquals("https://[fd00::1]:443", tree.at("/clusters/0/cluster/server").textValue());
        }
    }

    @Test
    void redaction() {
        InstallSettings st = s(Map.of("KUBERNETES_SERVICE_HOST", "h", "KUBERNETES_SERVICE_PORT", "1"));
        String r = PluginKubeconfig.redacted(PluginKubeconfig.render(st, "secret-token", "CA-PEM"));
        assertFalse(r.contains("secret-token"));
        assertFalse(r.contains(java.util.Base64.getEncoder().encodeToString("CA-PEM".getBytes())));
        assertTrue(r.contains("token: <redacted>"));
    }
}
