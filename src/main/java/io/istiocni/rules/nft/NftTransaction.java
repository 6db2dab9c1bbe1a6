package io.istiocni.rules.nft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The planned rules in generation order and their rendering as the transaction {@code nft -f -} reads
 * (nftables.md §2): per table that got a rule, in the order nat, mangle, raw: add table, flush table, the chains
 * that got a rule, then the rules, with each insert resolved against the rules before it (2.3).
 */
public final class NftTransaction {

    private final List<NftRule> rules;

    public NftTransaction(List<NftRule> rules) {
        this.rules = List.copyOf(rules);
        for (NftRule rule : this.rules) {
            NftTables.chains(rule.table()); // an unknown table is a programming error
        }
    }

    public List<NftRule> rules() {
        return rules;
    }

    /** The tables that get at least one rule, in transaction order. */
    public List<String> tables() {
        Set<String> used = rules.stream().map(NftRule::table).collect(Collectors.toSet());
        return NftTables.ALL.stream().filter(used::contains).toList();
    }

    /** The chains of {@code table} that get at least one rule, in declaration order. */
    public List<NftTables.Chain> chains(String table) {
        Set<String> used = rules.stream().filter(r -> r.table().equals(table)).map(NftRule::chain)
                .collect(Collectors.toSet());
        return NftTables.chains(table).stream().filter(c -> used.contains(c.name())).toList();
    }

    /** The transaction text: one operation per line, each ending in a newline. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (String table : tables()) {
            String prefix = NftTables.FAMILY + " " + table;
            sb.append("add table ").append(prefix).append('\n');
            sb.append("flush table ").append(prefix).append('\n');
            for (NftTables.Chain chain : chains(table)) {
                sb.append("add chain ").append(prefix).append(' ').append(chain.declaration()).append('\n');
            }
            Map<String, Integer> sizes = new LinkedHashMap<>();
            for (NftRule rule : rules) {
                if (!rule.table().equals(table)) {
                    continue;
                }
                int size = sizes.merge(rule.chain(), 1, Integer::sum) - 1;
                // nft accepts "insert … index p" only when the chain already holds a rule at p
                if (rule.isInsert() && size > rule.insertAt()) {
                    sb.append("insert rule ").append(prefix).append(' ').append(rule.chain()).append(" index ")
                            .append(rule.insertAt()).append(' ').append(rule.body()).append('\n');
                } else {
                    sb.append("add rule ").append(prefix).append(' ').append(rule.chain()).append(' ')
                            .append(rule.body()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /**
     * The cleanup transaction (nftables.md 2.5): every Istio table deleted, whatever exists ({@code add} first so
     * that {@code delete} never fails on a missing table).
     */
    public static String cleanup() {
        StringBuilder sb = new StringBuilder();
        for (String table : NftTables.ALL) {
            sb.append("add table ").append(NftTables.FAMILY).append(' ').append(table).append('\n');
            sb.append("delete table ").append(NftTables.FAMILY).append(' ').append(table).append('\n');
        }
        return sb.toString();
    }
}
