package io.istiocni.rules.nft;

import java.util.List;

/**
 * Istio's nftables tables and chains (nftables.md §2.2 and §3): three {@code inet} tables it owns alone, each with
 * its chains in the fixed declaration order, base chains with their hook and numeric priority.
 */
public final class NftTables {

    public static final String FAMILY = "inet";
    public static final String NAT = "istio-proxy-nat";
    public static final String MANGLE = "istio-proxy-mangle";
    public static final String RAW = "istio-proxy-raw";
    /** The tables in transaction order (nftables.md 2.1). */
    public static final List<String> ALL = List.of(NAT, MANGLE, RAW);

    public static final String PREROUTING = "prerouting";
    public static final String OUTPUT = "output";
    public static final String ISTIO_INBOUND = "istio-inbound";
    public static final String ISTIO_REDIRECT = "istio-redirect";
    public static final String ISTIO_IN_REDIRECT = "istio-in-redirect";
    public static final String ISTIO_OUTPUT = "istio-output";
    public static final String ISTIO_OUTPUT_DNS = "istio-output-dns";
    public static final String ISTIO_DIVERT = "istio-divert";
    public static final String ISTIO_TPROXY = "istio-tproxy";
    public static final String ISTIO_DROP = "istio-drop";

    /** A chain as declared: its name and, for a base chain, the {@code { type … ; }} part. */
    public record Chain(String name, String baseSpec) {
        public boolean isBase() {
            return baseSpec != null;
        }

        /** The text after {@code add chain inet <table> }. */
        public String declaration() {
            return baseSpec == null ? name : name + " " + baseSpec;
        }
    }

    private static final List<Chain> NAT_CHAINS = List.of(
            base(PREROUTING, "nat", "prerouting", -100), base(OUTPUT, "nat", "output", -100),
            regular(ISTIO_INBOUND), regular(ISTIO_REDIRECT), regular(ISTIO_IN_REDIRECT), regular(ISTIO_OUTPUT),
            regular(ISTIO_OUTPUT_DNS));
    // mangle output is a route chain: a changed mark re-routes the packet
    private static final List<Chain> MANGLE_CHAINS = List.of(
            base(PREROUTING, "filter", "prerouting", -150), base(OUTPUT, "route", "output", -150),
            regular(ISTIO_DIVERT), regular(ISTIO_TPROXY), regular(ISTIO_INBOUND), regular(ISTIO_DROP));
    // raw runs at -300, before conntrack, which the zone rules need
    private static final List<Chain> RAW_CHAINS = List.of(
            base(PREROUTING, "filter", "prerouting", -300), base(OUTPUT, "filter", "output", -300),
            regular(ISTIO_INBOUND), regular(ISTIO_OUTPUT_DNS));

    private NftTables() {
    }

    /** The chains a table may declare, in declaration order. */
    public static List<Chain> chains(String table) {
        return switch (table) {
            case NAT -> NAT_CHAINS;
            case MANGLE -> MANGLE_CHAINS;
            case RAW -> RAW_CHAINS;
            default -> throw new IllegalArgumentException("not an Istio nftables table: " + table);
        };
    }

    private static Chain base(String name, String type, String hook, int priority) {
        return new Chain(name, "{ type " + type + " hook " + hook + " priority " + priority + " ; }");
    }

    private static Chain regular(String name) {
        return new Chain(name, null);
    }
}
