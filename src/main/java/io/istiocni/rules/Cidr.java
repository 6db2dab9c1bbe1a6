package io.istiocni.rules;

/**
 * A CIDR as the user wrote it, with the family and loopback-ness of its address.
 * The text is written into rules unchanged (iptables masks host bits itself).
 */
public record Cidr(String text, Family family, boolean loopback) {

    /** Parses {@code address/prefix} strictly; never resolves names. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        String address = text.substring(0, slash);
        String prefix = text.substring(slash + 1);
        IpAddress ip = IpAddress.parse(address);
        if (ip == null) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)
                || (prefix.length() > 1 && prefix.charAt(0) == '0')) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        int bits = Integer.parseInt(prefix);
        if (bits > (ip.family() == Family.IPV4 ? 32 : 128)) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        return new Cidr(text, ip.family(), ip.isLoopback());
    }

    public int prefixLength() {
        return Integer.parseInt(text.substring(text.indexOf('/') + 1));
    }
}
