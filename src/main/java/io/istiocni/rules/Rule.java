package io.istiocni.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * One iptables rule: appended ({@code -A CHAIN spec}) or inserted at a position ({@code -I CHAIN N spec}).
 * {@code spec} holds the match and target words after the chain (and position), exactly as Istio writes them.
 */
public record Rule(String table, String chain, int insertPosition, List<String> spec) {

    public Rule {
        spec = List.copyOf(spec);
    }

    public static Rule append(String table, String chain, String... spec) {
        return new Rule(table, chain, 0, List.of(spec));
    }

    public static Rule insert(String table, String chain, int position, String... spec) {
        return new Rule(table, chain, position, List.of(spec));
    }

    public boolean isInsert() {
        return insertPosition > 0;
    }

    /** The chain this rule jumps to ({@code -j X} as its last two words), or null. */
    public String jumpTarget() {
        int n = spec.size();
        return n >= 2 && spec.get(n - 2).equals("-j") ? spec.get(n - 1) : null;
    }

    /** The rule as an iptables-restore line: {@code -A CHAIN spec…} or {@code -I CHAIN N spec…}. */
    public String restoreLine() {
        return String.join(" ", commandWords(isInsert() ? "-I" : "-A", true));
    }

    /** Words for an iptables command on this rule (after {@code -t TABLE}): {@code -C}/{@code -D} drop the position. */
    public List<String> commandWords(String operation, boolean withPosition) {
        List<String> words = new ArrayList<>(spec.size() + 3);
        words.add(operation);
        words.add(chain);
        if (withPosition && isInsert()) {
            words.add(Integer.toString(insertPosition));
        }
        words.addAll(spec);
        return words;
    }
}
