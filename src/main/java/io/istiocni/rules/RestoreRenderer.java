package io.istiocni.rules;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/** Renders one family's rule list as {@code iptables-restore} input, the way Istio does (capture.md 5.2). */
public final class RestoreRenderer {

    private static final Set<String> BUILT_IN =
            Set.of("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "ACCEPT", "RETURN", "DROP");

    private RestoreRenderer() {
    }

    public static boolean isBuiltIn(String chain) {
        return BUILT_IN.contains(chain);
    }

    public static String render(List<Rule> rules) {
        TreeMap<String, List<Rule>> byTable = new TreeMap<>();
        for (Rule rule : rules) {
            byTable.computeIfAbsent(rule.table(), t -> new ArrayList<>()).add(rule);
        }
        StringBuilder out = new StringBuilder();
        byTable.forEach((table, tableRules) -> {
            out.append("* ").append(table).append('\n');
            for (String chain : declaredChains(tableRules)) {
                out.append("-N ").append(chain).append('\n');
            }
            for (Rule rule : tableRules) {
                out.append(rule.restoreLine()).append('\n');
            }
            out.append("COMMIT\n");
        });
        return out.toString();
    }

    /** User chains of one table: each rule's own chain in order of appearance, then chains only jumped to. */
    public static Set<String> declaredChains(List<Rule> tableRules) {
        Set<String> chains = new LinkedHashSet<>();
        for (Rule rule : tableRules) {
            if (!isBuiltIn(rule.chain())) {
                chains.add(rule.chain());
            }
        }
        for (Rule rule : tableRules) {
            String target = rule.jumpTarget();
            if (target != null && !isBuiltIn(target)) {
                chains.add(target);
            }
        }
        return chains;
    }
}
