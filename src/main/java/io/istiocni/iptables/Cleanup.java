package io.istiocni.iptables;

import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.Rule;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The iptables commands (arguments after the binary) that remove rules (capture.md 8.4). */
final class Cleanup {

    private Cleanup() {
    }

    /**
     * The cleanup for the rules this configuration creates: walking them in reverse, delete each rule that is in a
     * built-in chain or jumps to an {@code ISTIO*} chain; then flush, and then delete, every user chain in order of
     * first appearance in that walk (its own chain, then the chain it jumps to).
     *
     * <p>All flushes come before all chain deletions: a chain can only be deleted once no rule refers to it, and
     * the order of first appearance does not guarantee that every referring chain has been flushed already.
     * Nothing else is touched: user rules in built-in chains and other chains stay as they are.
     */
    static List<List<String>> forPlannedRules(List<Rule> planned) {
        List<List<String>> commands = new ArrayList<>();
        Set<List<String>> chains = new LinkedHashSet<>();
        for (Rule rule : planned.reversed()) {
            String target = rule.jumpTarget();
            if (RestoreRenderer.isBuiltIn(rule.chain()) || (target != null && SaveDump.isIstioChain(target))) {
                commands.add(withTable(rule.table(), rule.commandWords("-D", false)));
            }
            if (!RestoreRenderer.isBuiltIn(rule.chain())) {
                chains.add(List.of(rule.table(), rule.chain()));
            }
            if (target != null && !RestoreRenderer.isBuiltIn(target)) {
                chains.add(List.of(rule.table(), target));
            }
        }
        chains.forEach(c -> commands.add(List.of("-t", c.get(0), "-F", c.get(1))));
        chains.forEach(c -> commands.add(List.of("-t", c.get(0), "-X", c.get(1))));
        return commands;
    }

    /**
     * Removes whatever Istio state the dump still shows (used when reconciling, after {@link #forPlannedRules}, so
     * that chains of an older, different configuration cannot make the restore fail): per table, every rule in a
     * non-{@code ISTIO*} chain that jumps or goes to an {@code ISTIO*} chain (deleted by number, last first), then
     * every {@code ISTIO*} chain is flushed, then deleted.
     */
    static List<List<String>> forIstioResidue(SaveDump dump) {
        List<List<String>> commands = new ArrayList<>();
        for (String table : dump.tableNames()) {
            Map<String, SaveDump.Chain> chains = dump.chains(table);
            List<String> istioChains = new ArrayList<>();
            for (SaveDump.Chain chain : chains.values()) {
                if (SaveDump.isIstioChain(chain.name())) {
                    istioChains.add(chain.name());
                    continue;
                }
                for (int i = chain.rules().size() - 1; i >= 0; i--) {
                    String target = SaveDump.target(chain.rules().get(i));
                    if (target != null && SaveDump.isIstioChain(target)) {
                        commands.add(List.of("-t", table, "-D", chain.name(), Integer.toString(i + 1)));
                    }
                }
            }
            istioChains.forEach(c -> commands.add(List.of("-t", table, "-F", c)));
            istioChains.forEach(c -> commands.add(List.of("-t", table, "-X", c)));
        }
        return commands;
    }

    private static List<String> withTable(String table, List<String> words) {
        List<String> command = new ArrayList<>(words.size() + 2);
        command.add("-t");
        command.add(table);
        command.addAll(words);
        return command;
    }
}
