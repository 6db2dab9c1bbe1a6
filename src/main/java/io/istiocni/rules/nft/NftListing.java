package io.istiocni.rules.nft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * nft's text listing ({@code nft list table …}, {@code nft list ruleset}, {@code nft list chains}) read back into
 * tables, chains, base-chain headers and rule lines, normalised as nftables.md §8 step 4 says: counter values and
 * rule handles dropped, blank lines ignored. Comparing two listings made by the same {@code nft} binary compares
 * what the kernel holds, whatever spelling loaded it (nft's own normalisation cancels out).
 *
 * @param tables keyed by {@code "<family> <name>"}, e.g. {@code "inet istio-proxy-nat"}
 */
public record NftListing(Map<String, Map<String, Chain>> tables) {

    private static final Pattern COUNTER = Pattern.compile("counter packets \\d+ bytes \\d+");
    private static final Pattern HANDLE = Pattern.compile("\\s+# handle \\d+$");

    /** A chain: its {@code type … hook … priority …; policy …;} line (null for a regular chain) and its rules. */
    public record Chain(String header, List<String> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    public NftListing {
        Map<String, Map<String, Chain>> copy = new LinkedHashMap<>();
        tables.forEach((k, v) -> copy.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        tables = java.util.Collections.unmodifiableMap(copy);
    }

    /** @throws IllegalArgumentException when the text is not an nft listing */
    public static NftListing parse(String text) {
        Map<String, Map<String, Chain>> tables = new LinkedHashMap<>();
        Map<String, Chain> table = null;
        String chain = null;
        String header = null;
        List<String> rules = new ArrayList<>();
        int depth = 0; // 0 outside, 1 in a table, 2 in a chain, 3 in another block (set, map, …) of a table
        for (String raw : text.split("\n")) {
            String line = HANDLE.matcher(raw.strip()).replaceAll("");
            if (line.isEmpty()) {
                continue;
            }
            if (depth == 0) {
                String[] words = line.split("\\s+");
                if (words.length != 4 || !words[0].equals("table") || !words[3].equals("{")) {
                    throw new IllegalArgumentException("not an nft listing: unexpected line \"" + line + "\"");
                }
                table = tables.computeIfAbsent(words[1] + " " + words[2], k -> new LinkedHashMap<>());
                depth = 1;
            } else if (depth == 1) {
                if (line.equals("}")) {
                    depth = 0;
                } else if (line.startsWith("chain ") && line.endsWith("{")) {
                    chain = line.substring(6, line.length() - 1).strip();
                    header = null;
                    rules = new ArrayList<>();
                    depth = 2;
                } else if (line.endsWith("{")) {
                    depth = 3;
                }
            } else if (depth == 2) {
                if (line.equals("}")) {
                    table.put(chain, new Chain(header, rules));
                    depth = 1;
                } else if (header == null && rules.isEmpty() && line.startsWith("type ") && line.contains(" hook ")) {
                    header = line;
                } else {
                    rules.add(COUNTER.matcher(line).replaceAll("counter"));
                }
            } else if (line.equals("}")) {
                depth = 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("not an nft listing: unterminated block");
        }
        return new NftListing(tables);
    }

    /** The listing without tables that have no chain (nft lists an empty table, which holds nothing). */
    public NftListing withoutEmptyTables() {
        Map<String, Map<String, Chain>> kept = new LinkedHashMap<>();
        tables.forEach((k, v) -> {
            if (!v.isEmpty()) {
                kept.put(k, v);
            }
        });
        return new NftListing(kept);
    }

    /**
     * nftables.md §8 step 5: every chain of {@code expected} exists here with the same header and the same rules in
     * the same order; a chain here that {@code expected} does not have must hold no rule (flush residue). Tables not
     * in {@code expected} are not looked at.
     *
     * @return the first difference (table, chain and rule named), or empty when this state is as expected
     */
    public Optional<String> differenceFrom(NftListing expected) {
        for (Map.Entry<String, Map<String, Chain>> t : expected.tables.entrySet()) {
            Map<String, Chain> live = tables.get(t.getKey());
            String where = "table " + t.getKey();
            if (live == null) {
                return Optional.of(where + " missing");
            }
            for (Map.Entry<String, Chain> c : t.getValue().entrySet()) {
                Chain have = live.get(c.getKey());
                Chain want = c.getValue();
                String chainAt = where + " chain " + c.getKey();
                if (have == null) {
                    return Optional.of(chainAt + " missing");
                }
                if (!java.util.Objects.equals(have.header(), want.header())) {
                    return Optional.of(chainAt + ": have \"" + have.header() + "\", want \"" + want.header() + "\"");
                }
                int n = Math.max(have.rules().size(), want.rules().size());
                for (int i = 0; i < n; i++) {
                    String h = i < have.rules().size() ? have.rules().get(i) : null;
                    String w = i < want.rules().size() ? want.rules().get(i) : null;
                    if (!java.util.Objects.equals(h, w)) {
                        return Optional.of(chainAt + " rule " + (i + 1) + ": have " + quoted(h) + ", want "
                                + quoted(w));
                    }
                }
            }
            for (Map.Entry<String, Chain> c : live.entrySet()) {
                if (!t.getValue().containsKey(c.getKey()) && !c.getValue().rules().isEmpty()) {
                    return Optional.of(where + " chain " + c.getKey() + ": not planned but has "
                            + c.getValue().rules().size() + " rule(s), first \"" + c.getValue().rules().getFirst()
                            + "\"");
                }
            }
        }
        return Optional.empty();
    }

    /** The chains here whose names start with {@code prefix}, as {@code "<family> <table> <chain>"}. */
    public List<String> chainsNamed(String prefix) {
        List<String> found = new ArrayList<>();
        tables.forEach((table, chains) -> chains.keySet().stream().filter(c -> c.startsWith(prefix))
                .forEach(c -> found.add(table + " " + c)));
        return found;
    }

    private static String quoted(String rule) {
        return rule == null ? "no rule" : "\"" + rule + "\"";
    }
}
