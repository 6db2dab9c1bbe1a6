package io.istiocni.iptables;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tables {@code filter}, {@code nat}, {@code mangle} and {@code raw} of an {@code iptables-save} dump: per table
 * its chains in dump order, each with its policy and its rules (capture.md 8.3 looks at nothing else).
 */
final class SaveDump {

    static final Set<String> TABLES = Set.of("filter", "nat", "mangle", "raw");
    static final String ISTIO_PREFIX = "ISTIO";

    /**
     * @param policy {@code ACCEPT}/{@code DROP} for a built-in chain, {@code -} for a user chain
     * @param rules  each rule as dumped, without the leading {@code -A CHAIN}
     */
    record Chain(String name, String policy, List<String> rules) {
        boolean builtIn() {
            return !policy.equals("-");
        }
    }

    private final Map<String, Map<String, Chain>> tables;

    private SaveDump(Map<String, Map<String, Chain>> tables) {
        this.tables = tables;
    }

    static SaveDump parse(String text) {
        Map<String, Map<String, Chain>> tables = new LinkedHashMap<>();
        Map<String, Chain> current = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("*")) {
                String table = line.substring(1).strip();
                current = TABLES.contains(table) ? tables.computeIfAbsent(table, t -> new LinkedHashMap<>()) : null;
            } else if (current == null || line.isEmpty() || line.startsWith("#")) {
                continue;
            } else if (line.equals("COMMIT")) {
                current = null;
            } else if (line.startsWith(":")) {
                String[] words = line.substring(1).split("\\s+");
                String policy = words.length > 1 ? words[1] : "-";
                current.putIfAbsent(words[0], new Chain(words[0], policy, new ArrayList<>()));
            } else if (line.startsWith("-A ")) {
                String rest = line.substring(3).strip();
                int space = rest.indexOf(' ');
                String chain = space < 0 ? rest : rest.substring(0, space);
                String rule = space < 0 ? "" : rest.substring(space + 1).strip();
                current.computeIfAbsent(chain, c -> new Chain(c, "-", new ArrayList<>())).rules().add(rule);
            }
        }
        Map<String, Map<String, Chain>> frozen = new LinkedHashMap<>();
        tables.forEach((name, chains) -> {
            Map<String, Chain> copy = new LinkedHashMap<>();
            chains.forEach((c, chain) -> copy.put(c, new Chain(c, chain.policy(), List.copyOf(chain.rules()))));
            frozen.put(name, Collections.unmodifiableMap(copy));
        });
        return new SaveDump(Collections.unmodifiableMap(frozen));
    }

    /** Table names in dump order. */
    Set<String> tableNames() {
        return tables.keySet();
    }

    /** The chains of a table in dump order (empty when the table is not in the dump). */
    Map<String, Chain> chains(String table) {
        return tables.getOrDefault(table, Map.of());
    }

    Chain chain(String table, String chain) {
        return chains(table).get(chain);
    }

    boolean hasAnyRule() {
        return tables.values().stream().flatMap(t -> t.values().stream()).anyMatch(c -> !c.rules().isEmpty());
    }

    boolean hasIstioChain() {
        return tables.values().stream().flatMap(t -> t.keySet().stream()).anyMatch(SaveDump::isIstioChain);
    }

    static boolean isIstioChain(String name) {
        return name.startsWith(ISTIO_PREFIX);
    }

    /** The chain a dumped rule jumps or goes to ({@code -j X} / {@code -g X}), or null. */
    static String target(String rule) {
        List<String> words = words(rule);
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("-j") || words.get(i).equals("-g")) {
                return words.get(i + 1);
            }
        }
        return null;
    }

    /** Splits a dumped rule into words; double-quoted words (comments) may hold spaces and backslash escapes. */
    static List<String> words(String rule) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean quoted = false;
        for (int i = 0; i < rule.length(); i++) {
            char c = rule.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < rule.length()) {
                    word.append(rule.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    word.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
