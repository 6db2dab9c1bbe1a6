package io.istiocni.kube;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.conformance.Fixtures;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigTest {

    @TempDir
    Path dir;

    /** What Istio's installer writes (install.md 5.2), with our CA. */
    static String installerKubeconfig(String server, String caPem, String token) {
        return """
                apiVersion: v1
                clusters:
                - cluster:
                    certificate-authority-data: %s
                    server: %s
                  name: local
                contexts:
                - context:
                    cluster: local
                    user: istio-cni
                  name: istio-cni-context
                current-context: istio-cni-context
                kind: Config
                users:
                - name: istio-cni
                  user:
                    token: %s
                """.formatted(TestPki.base64(caPem), server, token);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private KubeconfigException fails(String yaml) throws IOException {
        Path p = write("bad-kubeconfig", yaml);
        KubeconfigException e = assertThrows(KubeconfigException.class, () -> Kubeconfig.load(p));
        assertTrue(e.getMessage().startsWith("kubeconfig " + p + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void installerStyle() throws Exception {
        TestPki.Identity ca = TestPki.server();
        Path p = write("istio-cni-kubeconfig", installerKubeconfig("https://10.96.0.1:443", ca.certPem(), "tok.en-1"));
        Kubeconfig k = Kubeconfig.load(p);
        assertEquals(URI.create("https://10.96.0.1:443"), k.server());
        assertTrue(k.https());
        assertEquals(List.of(ca.cert()), k.certificateAuthorities());
        assertFalse(k.insecureSkipTlsVerify());
        assertEquals("tok.en-1", k.token());
        assertTrue(k.clientCertificates().isEmpty());
        assertNull(k.clientKey());
        assertFalse(k.toString().contains("tok.en-1"), k.toString());
    }

    @Test
    void installerFixtureKubeconfigs() throws Exception {
        Path base = Fixtures.dir("install");
        Path tls = base.resolve("kubeconfig-tls/expected/istio-cni-kubeconfig");
        Path skip = base.resolve("kubeconfig-skip-tls/expected/istio-cni-kubeconfig");
        Kubeconfig k = Kubeconfig.load(tls);
        assertEquals(URI.create("https://10.96.0.1:443"), k.server());
        assertEquals(1, k.certificateAuthorities().size());
        assertEquals("CN=kubernetes", k.certificateAuthorities().get(0).getSubjectX500Principal().getName());
        assertEquals("service_account_token_string", k.token());
        Kubeconfig s = Kubeconfig.load(skip);
        assertTrue(s.insecureSkipTlsVerify());
        assertTrue(s.certificateAuthorities().isEmpty());
        assertEquals("service_account_token_string", s.token());
    }

    @Test
    void insecureSkipTlsVerifyAndJson() throws Exception {
        Path p = write("k.json", """
                {"apiVersion":"v1","kind":"Config","current-context":"c",
                 "clusters":[{"name":"local",
                   "cluster":{"server":"https://[fd00::1]:6443/","insecure-skip-tls-verify":true}}],
                 "contexts":[{"name":"c","context":{"cluster":"local","user":"u"}}],
                 "users":[{"name":"u","user":{"token":"abc"}}]}
                """);
        Kubeconfig k = Kubeconfig.load(p);
        assertEquals(URI.create("https://[fd00::1]:6443"), k.server());
        assertTrue(k.insecureSkipTlsVerify());
        assertTrue(k.certificateAuthorities().isEmpty());
        assertEquals("abc", k.token());
    }

    @Test
    void caFileTokenFileAndClientCertFilesRelativeToTheKubeconfig() throws Exception {
        TestPki.Identity ca = TestPki.server();
        TestPki.Identity client = TestPki.clientRsa();
        Files.createDirectories(dir.resolve("pki"));
        write("pki/ca.crt", ca.certPem());
        write("pki/client.crt", client.certPem());
        write("pki/client.key", client.pkcs8Pem());
        write("token", "  file-token\n");
        Path p = write("kubeconfig", """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c1
                  cluster:
                    server: https://127.0.0.1:6443
                    certificate-authority: pki/ca.crt
                users:
                - name: u1
                  user:
                    tokenFile: token
                    client-certificate: pki/client.crt
                    client-key: %s
                contexts:
                - name: ctx
                  context: {cluster: c1, user: u1}
                current-context: ctx
                """.formatted(dir.resolve("pki/client.key")));
        Kubeconfig k = Kubeconfig.load(p);
        assertEquals(List.of(ca.cert()), k.certificateAuthorities());
        assertEquals("file-token", k.token());
        assertEquals(List.of(client.cert()), k.clientCertificates());
        assertArrayEquals(client.key().getEncoded(), k.clientKey().getEncoded());
    }

    @Test
    void tokenWinsOverTokenFile() throws Exception {
        Path p = write("kubeconfig", """
                clusters: [{name: c, cluster: {server: "http://127.0.0.1:8080"}}]
                users: [{name: u, user: {token: direct, tokenFile: /nonexistent/token}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """);
        Kubeconfig k = Kubeconfig.load(p);
        assertEquals("direct", k.token());
        assertFalse(k.https());
    }

    @Test
    void clientKeyForms() throws Exception {
        TestPki.Identity rsa = TestPki.clientRsa();
        TestPki.Identity ec = TestPki.clientEc();
        String[][] forms = {
            {rsa.certPem(), rsa.pkcs8Pem(), "RSA"},
            {rsa.certPem(), rsa.traditionalPem(), "RSA"},
            {ec.certPem(), ec.pkcs8Pem(), "EC"},
            {ec.certPem(), ec.traditionalPem(), "EC"},
        };
        for (String[] f : forms) {
            Path p = write("kubeconfig", withClientData(f[0], f[1]));
            Kubeconfig k = Kubeconfig.load(p);
            PrivateKey key = k.clientKey();
            assertEquals(f[2], key.getAlgorithm());
            TestPki.Identity id = f[2].equals("RSA") ? rsa : ec;
            // the key really is the certificate's: a signature made with it verifies with the certificate
            String alg = f[2].equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(new byte[] {1, 2, 3});
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(id.cert());
            verifier.update(new byte[] {1, 2, 3});
            assertTrue(verifier.verify(sig), f[1].lines().findFirst().orElseThrow());
        }
        assertTrue(TestPki.clientRsa().traditionalPem().startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertTrue(TestPki.clientEc().traditionalPem().startsWith("-----BEGIN EC PRIVATE KEY-----"));
    }

    /** Keys written by openssl itself ({@code genrsa -traditional}, {@code ecparam -genkey} with its parameters). */
    @Test
    void opensslTraditionalKeys() {
        PrivateKey rsa = Pem.privateKey(OPENSSL_RSA.getBytes(StandardCharsets.US_ASCII));
        assertTrue(((RSAPrivateCrtKey) rsa).getModulus().toString(16).toUpperCase()
                .startsWith("ABCCFBDF72601B62CE3BB6662F8CE344EF01AF08D76524F93063"));
        PrivateKey ec = Pem.privateKey(OPENSSL_EC.getBytes(StandardCharsets.US_ASCII));
        assertEquals(new BigInteger("168b8146cc1836b61a8de669659490c900b3a1a03c803a167a45f434c8225011", 16),
                ((ECPrivateKey) ec).getS());
        assertEquals(256, ((ECPrivateKey) ec).getParams().getCurve().getField().getFieldSize());
    }

    private static String withClientData(String certPem, String keyPem) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: https://127.0.0.1:6443
                    insecure-skip-tls-verify: true
                users:
                - name: admin
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: admin@local
                  context:
                    cluster: local
                    user: admin
                current-context: admin@local
                """.formatted(TestPki.base64(certPem), TestPki.base64(keyPem));
    }

    @Test
    void noContextFallsBackToTheOnlyClusterAndUser() throws Exception {
        Path p = write("kubeconfig", """
                clusters:
                - name: only
                  cluster:
                    server: 127.0.0.1:6443
                    insecure-skip-tls-verify: "true"
                users:
                - name: me
                  user:
                    token: 12345
                """);
        Kubeconfig k = Kubeconfig.load(p);
        assertEquals(URI.create("https://127.0.0.1:6443"), k.server());
        assertTrue(k.insecureSkipTlsVerify());
        assertEquals("12345", k.token());

        // no users at all: anonymous
        Kubeconfig anon = Kubeconfig.load(write("anon", """
                clusters: [{name: only, cluster: {server: "http://localhost:8080"}}]
                """));
        assertNull(anon.token());
        // one context and no current-context: that context
        Kubeconfig one = Kubeconfig.load(write("one", """
                clusters: [{name: a, cluster: {server: "http://a:1"}}, {name: b, cluster: {server: "http://b:2"}}]
                users: [{name: ua, user: {token: ta}}, {name: ub, user: {token: tb}}]
                contexts: [{name: only, context: {cluster: b, user: ub}}]
                """));
        assertEquals(URI.create("http://b:2"), one.server());
        assertEquals("tb", one.token());
    }

    @Test
    void errors() throws Exception {
        Path missing = dir.resolve("nope");
        KubeconfigException e = assertThrows(KubeconfigException.class, () -> Kubeconfig.load(missing));
        assertEquals("kubeconfig " + missing + ": no such file", e.getMessage());

        assertTrue(fails("").getMessage().endsWith(": empty file"));
        assertTrue(fails("clusters: [\n  - {name: x\n").getMessage().contains(": not valid YAML: "));
        assertTrue(fails("- a\n- b\n").getMessage()
                .endsWith("not a kubeconfig: the document is a list, not a mapping"));
        assertTrue(fails("just text").getMessage().contains("not a kubeconfig: the document is a string"));
        assertTrue(fails("clusters: {}\n").getMessage().endsWith("clusters is a mapping, not a list"));
        assertTrue(fails("apiVersion: v1\nkind: Config\n").getMessage().endsWith(": no cluster defined"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                contexts: [{name: c, context: {cluster: local, user: u}}]
                current-context: other
                """).getMessage().endsWith("context \"other\" (current-context) not found"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                contexts: [{name: c, context: {cluster: remote, user: u}}]
                current-context: c
                """).getMessage().endsWith("cluster \"remote\" (of context \"c\") not found"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                contexts: [{name: c, context: {cluster: local, user: u}}]
                current-context: c
                """).getMessage().endsWith("user \"u\" (of context \"c\") not found"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {certificate-authority-data: ""}}]
                """).getMessage().endsWith("cluster \"local\" has no server"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "ftp://x:1"}}]
                """).getMessage().contains("invalid server URL \"ftp://x:1\": the scheme must be https or http"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", certificate-authority-data: "%%%%"}}]
                """).getMessage().contains("cluster \"local\" certificate-authority-data: invalid base64"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", certificate-authority-data: "%s"}}]
                """.formatted(TestPki.base64("hello"))).getMessage()
                .endsWith("cluster \"local\" certificate-authority: no PEM certificate found"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", certificate-authority-data: "%s"}}]
                """.formatted(TestPki.base64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")))
                .getMessage().contains("cluster \"local\" certificate-authority: invalid certificate (number 1)"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", certificate-authority: ca.pem}}]
                """).getMessage().endsWith("cluster \"local\" certificate-authority " + dir.resolve("ca.pem")
                        + ": no such file"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", insecure-skip-tls-verify: true,
                            certificate-authority-data: "%s"}}]
                """.formatted(TestPki.base64(TestPki.server().certPem()))).getMessage()
                .endsWith("certificate-authority with insecure-skip-tls-verify is not allowed"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1", insecure-skip-tls-verify: maybe}}]
                """).getMessage().endsWith("insecure-skip-tls-verify is a string, not a boolean"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                users: [{name: u, user: {tokenFile: missing-token}}]
                """).getMessage().endsWith("user \"u\" tokenFile " + dir.resolve("missing-token") + ": no such file"));
        assertTrue(fails("""
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                users: [{name: u, user: {token: "a b"}}]
                """).getMessage().endsWith("user \"u\": the token contains invalid characters"));
        TestPki.Identity rsa = TestPki.clientRsa();
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())))
                .getMessage().endsWith("user \"u\": client-certificate without client-key"));
        assertTrue(fails(userBlock("client-key-data: " + TestPki.base64(rsa.pkcs8Pem())))
                .getMessage().endsWith("user \"u\": client-key without client-certificate"));
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())
                + ", client-key-data: " + TestPki.base64(rsa.certPem())))
                .getMessage().endsWith("user \"u\" client-key: no PEM private key found"));
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())
                + ", client-key-data: " + TestPki.base64(
                        "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n")))
                .getMessage().contains("user \"u\" client-key: invalid RSA PRIVATE KEY"));
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())
                + ", client-key-data: " + TestPki.base64(
                        "-----BEGIN EC PRIVATE KEY-----\nMAkCAQEEBAECAwQ=\n-----END EC PRIVATE KEY-----\n")))
                .getMessage().endsWith("user \"u\" client-key: invalid EC PRIVATE KEY: no named curve in its"
                        + " parameters"));
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())
                + ", client-key-data: " + TestPki.base64(
                        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQA=\n-----END ENCRYPTED PRIVATE KEY-----\n")))
                .getMessage().endsWith("user \"u\" client-key: encrypted PEM private keys are not supported"));
        assertTrue(fails(userBlock("client-certificate-data: " + TestPki.base64(rsa.certPem())
                + ", client-key-data: " + TestPki.base64(
                        "-----BEGIN PRIVATE KEY-----\nMAMC!!!\n-----END PRIVATE KEY-----\n")))
                .getMessage().contains("user \"u\" client-key: PEM block PRIVATE KEY is not valid base64"));
        assertTrue(fails(userBlock("exec: {command: aws}")).getMessage()
                .endsWith("exec and auth-provider credentials are not supported"
                        + " (use a token or a client certificate)"));
    }

    private static String userBlock(String userFields) {
        return """
                clusters: [{name: local, cluster: {server: "https://x:1"}}]
                users: [{name: u, user: {%s}}]
                contexts: [{name: c, context: {cluster: local, user: u}}]
                current-context: c
                """.formatted(userFields);
    }

    static final String OPENSSL_RSA = """
            -----BEGIN RSA PRIVATE KEY-----
            MIICXAIBAAKBgQCrzPvfcmAbYs47tmYvjONE7wGvCNdlJPkwY/kfJIMxdZ9+49PB
            BtdHd8whLZnFJXjOrpqDTNfag68c/WXYGmIO+dIBTSPQ71lKAli2sWqvkRVy0KGV
            5j4iNscdR8DWbJ7dLnJcOtOWklxLCT++BoB6DTIAI1ihlABoSB5KbPOwJQIDAQAB
            AoGAY3UDy1O3d6M3qTHq7lQtrdZ/rwj7ST6iU/VMX08P9C4X66mRCQogzur3ba2s
            e4k56s0B/kkaHRJm6e14bCa55OXgnZBrolTBg2wkQZVsfIqqMtuUfNvzSBwtaU5y
            97mEJCv+AMSdYnOZ/AuBOSnOUWLt2wVt+A8lg2AUXQYfQgECQQDkWfYrMxpmOJkL
            mmd4l1/yHGaObA9dxqYbwTtNeriEvHQ3sYD1Q4nf9TCUkoHxWtQ5gGtFATnP5Azq
            MFSiQmShAkEAwJopn9BApAmq6CvE6flFzWd0IY49FyKFGMyuUdrDUvtIjEpIznD9
            jIGAfq5x2mucet/v6RqPU2q+7BZpIVQZBQJBAL0wD3TBFRklwR7M4PcXKyWzBADx
            ZFXEVDDgihpqF1/ZpsvRo08QkrVbNdGSBFiLcRLm43i7SEOF5HFOc4AvU6ECQA9u
            irU+V1+NUr9FeoKQsXISvvBNWEG5R1bEV5dBYvMMJTTwYsL/tKEEY0pDKeYpRyFl
            PfC8aw1w+RkrdoLwHQ0CQBKyTuMjimi63HDMJpVCQhVdtVbo8ED8PyWq4pw5//jl
            I8OW2Eu1fGIvvMJ7vpde65zu5yXBoRsuP4WIdCX19zU=
            -----END RSA PRIVATE KEY-----
            """;

    static final String OPENSSL_EC = """
            -----BEGIN EC PARAMETERS-----
            BggqhkjOPQMBBw==
            -----END EC PARAMETERS-----
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIBaLgUbMGDa2Go3maWWUkMkAs6GgPIA6FnpF9DTIIlARoAoGCCqGSM49
            AwEHoUQDQgAEHgFi5qiWI/CapQFqJtuBDqDdUEqwSCUoSy0GrI6tHoeTvaiF08PX
            XQ7cQcXcWCJW29okA/fUsKd67ybpXoSfzQ==
            -----END EC PRIVATE KEY-----
            """;
}
