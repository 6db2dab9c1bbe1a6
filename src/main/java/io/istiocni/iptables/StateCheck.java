package io.istiocni.iptables;

import io.istiocni.rules.RestoreRenderer;
import io.istiocni.rules.Rule;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Compares a family's {@code iptables-save} dump with its planned rules (capture.md 8.3). */
final class StateCheck {

    /**
     * @param residue            the dump has any rule, or any {@code ISTIO*} chain
     * @param delta              the planned rules are not (exactly) in place
     * @param istioChainsPresent the dump has an {@code ISTIO*} chain (so loading the rules would clash with it)
     * @param difference         the first difference found, for messages (null when there is none)
     */
    record FamilyState(boolean residue, boolean delta, boolean istioChainsPresent, String difference) {
    }

    private StateCheck() {
    }

    /**
     * @param dump       the parsed {@code B-save} output, or null when {@code B-save} failed (no residue)
     * @param planned    this family's planned rules
     * @param ruleExists whether {@code B -t TABLE -C CHAIN spec…} finds a planned rule; only asked when the
     *                   structure (chains, rule counts) already matches
     */
    static FamilyState assess(SaveDump dump, List<Rule> planned, Predicate<Rule> ruleExists) {
        if (dump == null || !(dump.hasAnyRule() || dump.hasIstioChain())) {
            return new FamilyState(false, !planned.isEmpty(), false, planned.isEmpty() ? null : "no rules in place");
        }
        String difference = structuralDifference(dump, planned);
        if (difference == null) {
            for (Rule rule : planned) {
                if (!ruleExists.test(rule)) {
                    difference = rule.table() + " rule not found: " + rule.restoreLine();
                    break;
                }
            }
        }
        return new FamilyState(true, difference != null, dump.hasIstioChain(), difference);
    }

    /** The first difference in chains or rule counts, or null. */
    static String structuralDifference(SaveDump dump, List<Rule> planned) {
        Map<String, List<Rule>> byTable = new LinkedHashMap<>();
        for (Rule rule : planned) {
            byTable.computeIfAbsent(rule.table(), t -> new java.util.ArrayList<>()).add(rule);
        }
        for (Map.Entry<String, List<Rule>> entry : byTable.entrySet()) {
            String table = entry.getKey();
            List<Rule> rules = entry.getValue();
            Map<String, Integer> wanted = new LinkedHashMap<>();
            for (String chain : usedChains(rules)) {
                wanted.put(chain, 0);
            }
            for (Rule rule : rules) {
                wanted.merge(rule.chain(), 1, Integer::sum);
            }
            for (Map.Entry<String, Integer> w : wanted.entrySet()) {
                String chain = w.getKey();
                SaveDump.Chain found = dump.chain(table, chain);
                if (found == null) {
                    return table + " chain " + chain + " is missing";
                }
                if (RestoreRenderer.isBuiltIn(chain) && found.rules().isEmpty()) {
                    return table + " chain " + chain + " has no rules";
                }
                if (SaveDump.isIstioChain(chain) && found.rules().size() != w.getValue()) {
                    return table + " chain " + chain + " has " + found.rules().size() + " rules, "
                            + w.getValue() + " wanted";
                }
            }
        }
        for (String table : dump.tableNames()) {
            Set<String> wanted = usedChains(byTable.getOrDefault(table, List.of()));
            for (String chain : dump.chains(table).keySet()) {
                if (SaveDump.isIstioChain(chain) && !wanted.contains(chain)) {
                    return table + " chain " + chain + " is not wanted";
                }
            }
        }
        return null;
    }

    /** Chains the rules of one table use: each rule's own chain, then the user chains they jump to. */
    static Set<String> usedChains(List<Rule> tableRules) {
        Set<String> chains = new LinkedHashSet<>();
        for (Rule rule : tableRules) {
            chains.add(rule.chain());
        }
        chains.addAll(RestoreRenderer.declaredChains(tableRules));
        return chains;
    }
}
