package io.istiocni.kube;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The TLS context for a kubeconfig: its CAs (or the JDK's), or trust-all when insecure; its client certificate. */
final class KubeTls {

    private static final char[] NO_PASSWORD = new char[0];

    private KubeTls() {
    }

    static SSLContext context(Kubeconfig config) throws GeneralSecurityException {
        TrustManager[] trust;
        if (config.insecureSkipTlsVerify()) {
            trust = new TrustManager[] {TrustAll.INSTANCE};
        } else if (!config.certificateAuthorities().isEmpty()) {
            KeyStore store = emptyStore();
            List<X509Certificate> cas = config.certificateAuthorities();
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            trust = tmf.getTrustManagers();
        } else {
            trust = null; // the JDK's default trust store
        }
        KeyManager[] keys = null;
        if (config.clientKey() != null) {
            KeyStore store = emptyStore();
            store.setKeyEntry("client", config.clientKey(), NO_PASSWORD,
                    config.clientCertificates().toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, NO_PASSWORD);
            keys = kmf.getKeyManagers();
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, trust, null);
        return context;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        return store;
    }

    /**
     * {@code insecure-skip-tls-verify}: accepts any server certificate. Being an {@link X509ExtendedTrustManager},
     * the JDK does not add its own host name check either.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {

        static final TrustAll INSTANCE = new TrustAll();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
