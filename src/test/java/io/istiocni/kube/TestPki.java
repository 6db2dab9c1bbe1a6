package io.istiocni.kube;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Keys and self-signed certificates for the tests, made once per JVM with the JDK's keytool, and their PEM forms
 * (PKCS#8, and PKCS#1 / SEC1 converted here).
 */
final class TestPki {

    static final char[] PASSWORD = "changeit".toCharArray();

    /** A key with its self-signed certificate. */
    record Identity(String alias, PrivateKey key, X509Certificate cert) {

        String certPem() {
            try {
                return pem("CERTIFICATE", cert.getEncoded());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String pkcs8Pem() {
            return pem("PRIVATE KEY", key.getEncoded());
        }

        /** RSA: PKCS#1; EC: SEC1 with the named curve in [0] (as openssl writes it). */
        String traditionalPem() {
            List<byte[]> info = Der.children(key.getEncoded()); // version, algorithm, key
            byte[] inner = Der.content(info.get(2));
            if (key.getAlgorithm().equals("RSA")) {
                return pem("RSA PRIVATE KEY", inner);
            }
            byte[] curve = Der.children(info.get(1)).get(1);
            List<byte[]> sec1 = new ArrayList<>(Der.children(inner)); // version, key, [0]?, [1]?
            sec1.removeIf(f -> (f[0] & 0xff) == 0xa0);
            sec1.add(2, Der.tlv(0xa0, curve));
            return pem("EC PRIVATE KEY", Der.tlv(0x30, sec1.toArray(new byte[0][])));
        }
    }

    private static Path dir;
    private static Identity server;
    private static Identity clientRsa;
    private static Identity clientEc;

    private TestPki() {
    }

    /** RSA, CN=localhost, SAN IP 127.0.0.1 and DNS localhost: the test API servers' certificate. */
    static synchronized Identity server() {
        if (server == null) {
            server = generate("server", "RSA", "CN=localhost", "san=ip:127.0.0.1,dns:localhost");
        }
        return server;
    }

    /** RSA client certificate, CN=istio-cni (no SAN). */
    static synchronized Identity clientRsa() {
        if (clientRsa == null) {
            clientRsa = generate("client-rsa", "RSA", "CN=istio-cni", null);
        }
        return clientRsa;
    }

    /** EC P-256 client certificate, CN=istio-cni-ec (no SAN: as a server certificate it matches no host). */
    static synchronized Identity clientEc() {
        if (clientEc == null) {
            clientEc = generate("client-ec", "EC", "CN=istio-cni-ec", null);
        }
        return clientEc;
    }

    /** A TLS context serving {@code id} and trusting {@code trusted} (for client certificates). */
    static SSLContext serverContext(Identity id, Identity... trusted) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", id.key(), PASSWORD, new Certificate[] {id.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            ts.setCertificateEntry("t" + i, trusted[i].cert());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), trusted.length == 0 ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Identity generate(String alias, String alg, String dname, String ext) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("kube-pki");
                Path d = dir;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
            }
            Path store = dir.resolve(alias + ".p12");
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", alias, "-keyalg", alg, "-dname", dname, "-validity", "3",
                    "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
            if (alg.equals("RSA")) {
                cmd.addAll(List.of("-keysize", "2048"));
            } else {
                cmd.addAll(List.of("-groupname", "secp256r1"));
            }
            if (ext != null) {
                cmd.addAll(List.of("-ext", ext));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, PASSWORD);
            }
            return new Identity(alias, (PrivateKey) ks.getKey(alias, PASSWORD),
                    (X509Certificate) ks.getCertificate(alias));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** Just enough DER for the conversions above. */
    static final class Der {

        private Der() {
        }

        /** The elements inside a constructed TLV. */
        static List<byte[]> children(byte[] tlv) {
            int[] h = header(tlv, 0);
            List<byte[]> out = new ArrayList<>();
            int pos = h[0];
            while (pos < h[0] + h[1]) {
                int[] c = header(tlv, pos);
                out.add(Arrays.copyOfRange(tlv, pos, c[0] + c[1]));
                pos = c[0] + c[1];
            }
            return out;
        }

        static byte[] content(byte[] tlv) {
            int[] h = header(tlv, 0);
            return Arrays.copyOfRange(tlv, h[0], h[0] + h[1]);
        }

        static byte[] tlv(int tag, byte[]... parts) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                body.writeBytes(p);
            }
            int len = body.size();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            if (len < 0x80) {
                out.write(len);
            } else if (len < 0x100) {
                out.write(0x81);
                out.write(len);
            } else {
                out.write(0x82);
                out.write(len >> 8);
                out.write(len);
            }
            out.writeBytes(body.toByteArray());
            return out.toByteArray();
        }

        /** {content start, content length} of the TLV at pos. */
        private static int[] header(byte[] d, int pos) {
            int p = pos + 1;
            int len = d[p++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (d[p++] & 0xff);
                }
            }
            return new int[] {p, len};
        }
    }
}
