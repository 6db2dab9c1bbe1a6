package io.istiocni.rules;

import java.util.Arrays;

/**
 * A strictly parsed IP address literal. Unlike {@link java.net.InetAddress}, an IPv4-mapped IPv6 literal
 * ({@code ::ffff:10.0.0.1}) stays IPv6 unless asked, zones and leading zeros in IPv4 octets are rejected,
 * and no name is ever resolved.
 */
public record IpAddress(Family family, byte[] bytes) {

    /** Returns the parsed address, or null when {@code text} is not an IPv4 or IPv6 literal. */
    public static IpAddress parse(String text) {
        if (text.indexOf(':') >= 0) {
            byte[] b = parseIpv6(text);
            return b == null ? null : new IpAddress(Family.IPV6, b);
        }
        byte[] b = parseIpv4(text);
        return b == null ? null : new IpAddress(Family.IPV4, b);
    }

    public boolean isIpv4Mapped() {
        if (family != Family.IPV6) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /** The family as Go's {@code To4() != nil} sees it: IPv4-mapped IPv6 counts as IPv4. */
    public Family effectiveFamily() {
        return isIpv4Mapped() ? Family.IPV4 : family;
    }

    public boolean isLoopback() {
        if (family == Family.IPV4 || isIpv4Mapped()) {
            return bytes[family == Family.IPV4 ? 0 : 12] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[15] == 1;
    }

    public boolean isLinkLocal() {
        if (family == Family.IPV4 || isIpv4Mapped()) {
            int o = family == Family.IPV4 ? 0 : 12;
            return (bytes[o] & 0xff) == 169 && (bytes[o + 1] & 0xff) == 254;
        }
        boolean unicast = (bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xc0) == 0x80;
        boolean multicast = (bytes[0] & 0xff) == 0xff && (bytes[1] & 0x0f) == 0x02;
        return unicast || multicast;
    }

    /** Canonical text (dotted quad, or RFC 5952 IPv6 with a mapped tail as Go prints it). */
    public String canonical() {
        if (family == Family.IPV4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        if (isIpv4Mapped()) {
            return "::ffff:" + (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "."
                    + (bytes[15] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String text) {
        if (text.indexOf('%') >= 0) {
            return null;
        }
        byte[] tail = null;
        String body = text;
        int lastColon = text.lastIndexOf(':');
        if (text.indexOf('.', lastColon) >= 0) {
            tail = parseIpv4(text.substring(lastColon + 1));
            if (tail == null) {
                return null;
            }
            body = text.substring(0, lastColon + 1);
            if (body.endsWith("::")) {
                // keep "::" as is
            } else {
                body = body.substring(0, body.length() - 1);
            }
        }
        int maxGroups = tail == null ? 8 : 6;
        int gap = body.indexOf("::");
        if (gap >= 0 && body.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head;
        int[] rest;
        if (gap >= 0) {
            head = groups(body.substring(0, gap));
            rest = groups(body.substring(gap + 2));
            if (head == null || rest == null || head.length + rest.length > maxGroups - 1) {
                return null;
            }
        } else {
            head = groups(body);
            rest = new int[0];
            if (head == null || head.length != maxGroups) {
                return null;
            }
        }
        int[] all = new int[maxGroups];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, maxGroups - rest.length, rest.length);
        byte[] out = new byte[16];
        for (int i = 0; i < maxGroups; i++) {
            out[2 * i] = (byte) (all[i] >> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        if (tail != null) {
            System.arraycopy(tail, 0, out, 12, 4);
        }
        return out;
    }

    private static int[] groups(String s) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            for (int k = 0; k < p.length(); k++) {
                if (Character.digit(p.charAt(k), 16) < 0) {
                    return null;
                }
            }
            out[i] = Integer.parseInt(p, 16);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && other.family == family && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return family.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return canonical();
    }
}
