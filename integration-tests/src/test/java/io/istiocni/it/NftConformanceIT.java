package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.conformance.Fixtures;
import io.istiocni.it.ItSupport.Result;
import io.istiocni.rules.nft.NftListing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of shared/conformance/nft judged by meaning, as its README says: Istio's golden and our
 * {@code iptables --native-nftables --dry-run} output each loaded with {@code nft -f} into a fresh namespace, the
 * {@code nft list ruleset} listings compared with counters ignored. Our output is also loaded twice (idempotence).
 */
class NftConformanceIT {

    /** Owner names nft resolves at load time; names this machine lacks get one made-up id in both inputs. */
    private static final Pattern OWNER_NAME = Pattern.compile("\\b(skgid|skuid)( != | )([A-Za-z_][A-Za-z0-9_.-]*)");

    static Path dir() {
        return Fixtures.dir("nft");
    }

    static List<String> cases() {
        return ItSupport.caseNames(dir(), ".golden");
    }

    @Test
    void fixturesArePresent() {
        assertTrue(cases().size() >= 9, "expected the published nft cases in " + dir() + ", found " + cases());
    }

    static Result runCase(String name) {
        Map<String, String> env = ItSupport.cleanEnv(
                ItSupport.parseEnvFile(ItSupport.read(dir().resolve(name + ".env"))));
        List<String> args = new ArrayList<>(List.of("iptables", "--native-nftables", "--dry-run"));
        args.addAll(ItSupport.parseArgsFile(ItSupport.read(dir().resolve(name + ".args"))));
        return ItSupport.istioCni(env, args);
    }

    static String withKnownOwners(String transaction, Map<String, String> madeUp) {
        Matcher m = OWNER_NAME.matcher(transaction);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String owner = m.group(3);
            boolean known = ItSupport.run("getent", m.group(1).equals("skgid") ? "group" : "passwd", owner).exit() == 0;
            String id = known ? owner : madeUp.computeIfAbsent(owner, k -> String.valueOf(424200 + madeUp.size()));
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + m.group(2) + id));
        }
        return m.appendTail(sb).toString();
    }

    static NftListing loaded(String transaction, int times) {
        try (Netns ns = Netns.create()) {
            for (int i = 0; i < times; i++) {
                ns.execOkWithInput(transaction, "nft", "-f", "-");
            }
            return NftListing.parse(ns.execOk("nft", "list", "ruleset").stdout()).withoutEmptyTables();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ourTransactionLoadsToTheSameRulesetAsIstios(String name) {
        ItSupport.requireNftTools();
        Result ours = runCase(name);
        assertEquals(0, ours.exit(), ours::describe);
        assertFalse(ours.stdout().isEmpty(), ours::describe);
        Map<String, String> madeUp = new HashMap<>();
        String golden = withKnownOwners(ItSupport.read(dir().resolve(name + ".golden")), madeUp);
        String mine = withKnownOwners(ours.stdout(), madeUp);
        NftListing expected = loaded(golden, 1);
        assertFalse(expected.tables().isEmpty(), "the golden loads to nothing?");
        assertEquals(expected, loaded(mine, 1), "nft list ruleset differs for " + name);
        assertEquals(expected, loaded(mine, 2), "loading our transaction twice must give the same ruleset");
    }
}
