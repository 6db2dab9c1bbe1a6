package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STATUS (CNI 1.1.0) through the real readiness check: error 50 exactly when an ADD could not succeed now because
 * the kubeconfig in the run directory is missing, unusable or carries no credentials; success otherwise, whether or
 * not a node agent serves its log socket.
 */
class AddReadinessTest {

    @TempDir
    Path runDir;

    /** ADD and CHECK are never called by STATUS; the readiness check is the interface's own. */
    private static final PodHandler HANDLER = new PodHandler() {
        @Override
        public void add(AddRequest request) {
            throw new AssertionError("ADD called by STATUS");
        }

        @Override
        public void check(AddRequest request) {
            throw new AssertionError("CHECK called by STATUS");
        }
    };

    private static String kubeconfig(String server, String user) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: %s
                    insecure-skip-tls-verify: true
                users:
                - name: istio-cni
                  user:
                %s
                contexts:
                - name: istio-cni-context
                  context:
                    cluster: local
                    user: istio-cni
                current-context: istio-cni-context
                """.formatted(server, user);
    }

    private record Answer(int status, String stdout) {
    }

    private Answer status() {
        String config = "{\"cniVersion\": \"1.1.0\", \"name\": \"k8s-pod-network\", \"type\": \"istio-cni\", "
                + "\"cni_agent_run_dir\": \"" + runDir + "\"}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Plugin.run(Map.of("CNI_COMMAND", "STATUS", "CNI_PATH", "/opt/cni/bin"),
                new ByteArrayInputStream(config.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
                HANDLER, path -> false);
        return new Answer(status, out.toString(StandardCharsets.UTF_8));
    }

    private void assertReady() {
        Answer a = status();
        assertEquals(0, a.status(), a.stdout());
        assertEquals("", a.stdout());
    }

    private void assertNotAvailable(String detailsPart) throws IOException {
        Answer a = status();
        assertEquals(1, a.status(), a.stdout());
        var error = PluginRun.MAPPER.readTree(a.stdout());
        assertEquals(50, error.get("code").intValue(), a.stdout());
        assertEquals("plugin not available", error.get("msg").textValue());
        assertEquals("1.1.0", error.get("cniVersion").textValue());
        assertTrue(error.get("details").textValue().contains(detailsPart), a.stdout());
    }

    private void write(String text) throws IOException {
        Files.writeString(runDir.resolve("istio-cni-kubeconfig"), text);
    }

    @Test
    void noKubeconfigYet() throws IOException {
        assertNotAvailable("failed to createNewK8sClient: kubeconfig " + runDir.resolve("istio-cni-kubeconfig")
                + ": no such file");
    }

    @Test
    void unparsableKubeconfig() throws IOException {
        write("clusters: [");
        assertNotAvailable("not valid YAML");
    }

    @Test
    void kubeconfigWithoutServer() throws IOException {
        write(kubeconfig("\"\"", "    token: t"));
        assertNotAvailable("has no server");
    }

    @Test
    void kubeconfigWithoutCredentials() throws IOException {
        write(kubeconfig("https://10.96.0.1:443", "    username: nobody"));
        assertNotAvailable("names no credentials");
    }

    @Test
    void emptyTokenIsNoCredential() throws IOException {
        write(kubeconfig("https://10.96.0.1:443", "    token: \"\""));
        assertNotAvailable("names no credentials");
    }

    @Test
    void tokenFileThatIsGone() throws IOException {
        write(kubeconfig("https://10.96.0.1:443", "    tokenFile: " + runDir.resolve("token")));
        assertNotAvailable("tokenFile");
        Files.writeString(runDir.resolve("token"), "abc\n");
        assertReady();
    }

    /** What the node agent writes: ready, with no agent serving its log socket (an upgrade in progress). */
    @Test
    void tokenKubeconfigIsReadyWithoutTheAgent() throws IOException {
        write(kubeconfig("https://10.96.0.1:443", "    token: abc"));
        assertReady();
        Files.writeString(runDir.resolve("log.sock"), ""); // a stale socket file of a stopped agent
        assertReady();
    }

    @Test
    void readinessFollowsTheFile() throws IOException {
        assertNotAvailable("no such file");
        write(kubeconfig("https://10.96.0.1:443", "    token: abc"));
        assertReady();
        Files.delete(runDir.resolve("istio-cni-kubeconfig"));
        assertNotAvailable("no such file");
    }
}
