package io.istiocni.kube;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * PEM certificates and private keys as kubeconfigs carry them, read with the JDK only. Private keys may be PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}); the latter two are
 * wrapped into PKCS#8 DER here, which is what the JDK's key factories read. Errors are
 * {@link IllegalArgumentException}s with a one-line message (the caller adds which field it was).
 */
final class Pem {

    /** One {@code -----BEGIN type-----} ... {@code -----END type-----} block, decoded. */
    record Block(String type, byte[] der, boolean hasHeaders) {
    }

    // algorithm OIDs (DER content bytes)
    private static final byte[] OID_RSA = HexFormat.of().parseHex("2a864886f70d010101");
    private static final byte[] OID_RSA_PSS = HexFormat.of().parseHex("2a864886f70d01010a");
    private static final byte[] OID_EC = HexFormat.of().parseHex("2a8648ce3d0201");
    private static final byte[] OID_ED25519 = HexFormat.of().parseHex("2b6570");
    private static final byte[] OID_ED448 = HexFormat.of().parseHex("2b6571");

    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int OCTET_STRING = 0x04;
    private static final int NULL = 0x05;
    private static final int OID = 0x06;
    private static final int CONTEXT_0 = 0xa0;

    private Pem() {
    }

    /** Every PEM block in the text, in order; text outside blocks is ignored (as Go's pem.Decode does). */
    static List<Block> blocks(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        List<Block> out = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        int i = 0;
        while (i < lines.length) {
            String line = lines[i].strip();
            if (!(line.startsWith("-----BEGIN ") && line.endsWith("-----") && line.length() > 16)) {
                i++;
                continue;
            }
            String type = line.substring(11, line.length() - 5);
            String end = "-----END " + type + "-----";
            StringBuilder b64 = new StringBuilder();
            boolean headers = false;
            boolean closed = false;
            for (i++; i < lines.length; i++) {
                String l = lines[i].strip();
                if (l.equals(end)) {
                    closed = true;
                    i++;
                    break;
                }
                if (l.startsWith("-----")) {
                    break;
                }
                if (l.indexOf(':') >= 0) {
                    headers = true; // RFC 1421 headers such as Proc-Type (legacy encrypted keys)
                } else {
                    b64.append(l);
                }
            }
            if (!closed) {
                throw new IllegalArgumentException("PEM block " + type + " has no END line");
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block " + type + " is not valid base64: " + e.getMessage());
            }
            out.add(new Block(type, der, headers));
        }
        return out;
    }

    /** The certificates of every {@code CERTIFICATE} block (other blocks are skipped); at least one. */
    static List<X509Certificate> certificates(byte[] data) {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory factory = null;
        for (Block block : blocks(data)) {
            if (!block.type().equals("CERTIFICATE")) {
                continue;
            }
            try {
                if (factory == null) {
                    factory = CertificateFactory.getInstance("X.509");
                }
                certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("invalid certificate (number " + (certs.size() + 1) + "): "
                        + oneLine(e));
            }
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate found");
        }
        return List.copyOf(certs);
    }

    /** The first private key block (a block type ending in {@code PRIVATE KEY}; other blocks are skipped). */
    static PrivateKey privateKey(byte[] data) {
        for (Block block : blocks(data)) {
            String type = block.type();
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            if (block.hasHeaders()) {
                throw new IllegalArgumentException("encrypted PEM private keys are not supported");
            }
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(block.der());
                case "RSA PRIVATE KEY" -> generate("RSA", wrapPkcs1(block.der()), "RSA PRIVATE KEY");
                case "EC PRIVATE KEY" -> generate("EC", wrapSec1(block.der()), "EC PRIVATE KEY");
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new IllegalArgumentException("encrypted PEM private keys are not supported");
                default -> throw new IllegalArgumentException("unsupported private key type " + type);
            };
        }
        throw new IllegalArgumentException("no PEM private key found");
    }

    private static PrivateKey pkcs8(byte[] der) {
        byte[] oid;
        try {
            Der seq = Der.read(der, 0, SEQUENCE);
            Der version = Der.read(der, seq.start, INTEGER);
            Der algorithm = Der.read(der, version.end, SEQUENCE);
            Der algOid = Der.read(der, algorithm.start, OID);
            oid = Arrays.copyOfRange(der, algOid.start, algOid.end);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid PRIVATE KEY: " + e.getMessage());
        }
        String algorithm;
        if (Arrays.equals(oid, OID_RSA)) {
            algorithm = "RSA";
        } else if (Arrays.equals(oid, OID_RSA_PSS)) {
            algorithm = "RSASSA-PSS";
        } else if (Arrays.equals(oid, OID_EC)) {
            algorithm = "EC";
        } else if (Arrays.equals(oid, OID_ED25519)) {
            algorithm = "Ed25519";
        } else if (Arrays.equals(oid, OID_ED448)) {
            algorithm = "Ed448";
        } else {
            throw new IllegalArgumentException("unsupported private key algorithm " + dotted(oid));
        }
        return generate(algorithm, der, "PRIVATE KEY");
    }

    private static PrivateKey generate(String algorithm, byte[] pkcs8, String what) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid " + what + " (" + algorithm + "): " + oneLine(e));
        }
    }

    /** PKCS#1 RSAPrivateKey to PKCS#8 PrivateKeyInfo. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        try {
            Der.read(pkcs1, 0, SEQUENCE).requireWhole(pkcs1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid RSA PRIVATE KEY: " + e.getMessage());
        }
        byte[] algorithm = Der.encode(SEQUENCE, Der.encode(OID, OID_RSA), Der.encode(NULL));
        return privateKeyInfo(algorithm, pkcs1);
    }

    /** SEC1 ECPrivateKey (with its curve in the [0] parameters) to PKCS#8 PrivateKeyInfo. */
    static byte[] wrapSec1(byte[] sec1) {
        byte[] curve = null;
        try {
            Der seq = Der.read(sec1, 0, SEQUENCE);
            seq.requireWhole(sec1);
            Der version = Der.read(sec1, seq.start, INTEGER);
            Der key = Der.read(sec1, version.end, OCTET_STRING);
            int pos = key.end;
            while (pos < seq.end) {
                Der field = Der.read(sec1, pos, -1);
                if (field.tag == CONTEXT_0) {
                    Der oid = Der.read(sec1, field.start, OID);
                    curve = Arrays.copyOfRange(sec1, oid.headerStart, oid.end);
                }
                pos = field.end;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid EC PRIVATE KEY: " + e.getMessage());
        }
        if (curve == null) {
            throw new IllegalArgumentException("invalid EC PRIVATE KEY: no named curve in its parameters");
        }
        byte[] algorithm = Der.encode(SEQUENCE, Der.encode(OID, OID_EC), curve);
        return privateKeyInfo(algorithm, sec1);
    }

    private static byte[] privateKeyInfo(byte[] algorithm, byte[] key) {
        return Der.encode(SEQUENCE, Der.encode(INTEGER, new byte[] {0}), algorithm, Der.encode(OCTET_STRING, key));
    }

    static String dotted(byte[] oid) {
        StringBuilder sb = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (byte b : oid) {
            value = (value << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (first) {
                    long top = Math.min(value / 40, 2);
                    sb.append(top).append('.').append(value - top * 40);
                    first = false;
                } else {
                    sb.append('.').append(value);
                }
                value = 0;
            }
        }
        return sb.toString();
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*[\r\n]+\\s*", " ").strip();
    }

    /** One DER element: tag, header start, content start and end (exclusive). */
    private record Der(int tag, int headerStart, int start, int end) {

        static Der read(byte[] data, int pos, int expectedTag) {
            if (pos + 2 > data.length) {
                throw new IllegalArgumentException("truncated DER data");
            }
            int tag = data[pos] & 0xff;
            if (expectedTag >= 0 && tag != expectedTag) {
                throw new IllegalArgumentException(String.format("unexpected DER tag 0x%02x (expected 0x%02x)", tag,
                        expectedTag));
            }
            int p = pos + 1;
            int len = data[p++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3 || p + n > data.length) {
                    throw new IllegalArgumentException("bad DER length");
                }
                len = 0;
                for (int k = 0; k < n; k++) {
                    len = (len << 8) | (data[p++] & 0xff);
                }
            }
            if (p + len > data.length) {
                throw new IllegalArgumentException("truncated DER data");
            }
            return new Der(tag, pos, p, p + len);
        }

        void requireWhole(byte[] data) {
            if (headerStart != 0 || end != data.length) {
                throw new IllegalArgumentException("trailing data after the DER structure");
            }
        }

        static byte[] encode(int tag, byte[]... parts) {
            int len = 0;
            for (byte[] p : parts) {
                len += p.length;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
            out.write(tag);
            if (len < 0x80) {
                out.write(len);
            } else if (len < 0x100) {
                out.write(0x81);
                out.write(len);
            } else if (len < 0x10000) {
                out.write(0x82);
                out.write(len >> 8);
                out.write(len);
            } else {
                out.write(0x83);
                out.write(len >> 16);
                out.write(len >> 8);
                out.write(len);
            }
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }
}
