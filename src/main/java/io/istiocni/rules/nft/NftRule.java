package io.istiocni.rules.nft;

import java.util.Objects;

/**
 * One nftables rule of the plan (nftables.md §4): the table and chain it belongs to, its body (the words after
 * the chain, as Istio writes them) and, for the few rules that Istio inserts, the 0-based position it asks for.
 *
 * @param insertAt the position of an insert ({@code -I … 1} is 0), or {@link #APPEND} for an ordinary add
 */
public record NftRule(String table, String chain, String body, int insertAt) {

    public static final int APPEND = -1;

    public NftRule {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(body, "body");
        if (insertAt < APPEND) {
            throw new IllegalArgumentException("insert position " + insertAt);
        }
    }

    public boolean isInsert() {
        return insertAt != APPEND;
    }

    /** The chain this rule jumps to ({@code jump X} at its end), or null. */
    public String jumpTarget() {
        int at = body.lastIndexOf(" jump ");
        if (at >= 0 && body.indexOf(' ', at + 6) < 0) {
            return body.substring(at + 6);
        }
        return body.startsWith("jump ") && body.indexOf(' ', 5) < 0 ? body.substring(5) : null;
    }
}
