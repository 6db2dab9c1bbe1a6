package io.istiocni.rules.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** nftables.md §8 steps 4–6 on listings as nft 1.0.6 prints them. */
class NftListingTest {

    static final String LISTED = """
            table inet istio-proxy-nat {
            \tchain output {
            \t\ttype nat hook output priority -100; policy accept;
            \t\tcounter packets 12 bytes 720 jump istio-output
            \t}

            \tchain istio-output {
            \t\toifname "lo" ip saddr 127.0.0.6 counter packets 0 bytes 0 return # handle 7
            \t\tip daddr 127.0.0.1 counter packets 3 bytes 180 return
            \t}
            }
            """;

    private static NftListing expected() {
        return NftListing.parse(LISTED.replaceAll("packets \\d+ bytes \\d+", "packets 0 bytes 0"));
    }

    @Test
    void countersAndHandlesAreDropped() {
        NftListing listing = NftListing.parse(LISTED);
        NftListing.Chain output = listing.tables().get("inet istio-proxy-nat").get("output");
        assertEquals("type nat hook output priority -100; policy accept;", output.header());
        assertEquals(List.of("counter jump istio-output"), output.rules());
        assertEquals(List.of("oifname \"lo\" ip saddr 127.0.0.6 counter return", "ip daddr 127.0.0.1 counter return"),
                listing.tables().get("inet istio-proxy-nat").get("istio-output").rules());
        assertEquals(Optional.empty(), listing.differenceFrom(expected()));
    }

    @Test
    void aMissingTableChainOrRuleIsNamed() {
        assertEquals(Optional.of("table inet istio-proxy-nat missing"),
                NftListing.parse("").differenceFrom(expected()));
        NftListing noChain = NftListing.parse(LISTED.replace("chain istio-output", "chain istio-other"));
        assertEquals(Optional.of("table inet istio-proxy-nat chain istio-output missing"),
                noChain.differenceFrom(expected()));
        NftListing oneRuleLess = NftListing.parse(LISTED.replace(
                "\t\tip daddr 127.0.0.1 counter packets 3 bytes 180 return\n", ""));
        assertEquals(Optional.of("table inet istio-proxy-nat chain istio-output rule 2: have no rule, want"
                + " \"ip daddr 127.0.0.1 counter return\""), oneRuleLess.differenceFrom(expected()));
        NftListing changed = NftListing.parse(LISTED.replace("ip daddr 127.0.0.1 counter", "ip daddr 127.0.0.2 counter"));
        assertEquals(Optional.of("table inet istio-proxy-nat chain istio-output rule 2: have"
                + " \"ip daddr 127.0.0.2 counter return\", want \"ip daddr 127.0.0.1 counter return\""),
                changed.differenceFrom(expected()));
        NftListing otherHook = NftListing.parse(LISTED.replace("priority -100", "priority 100"));
        assertTrue(otherHook.differenceFrom(expected()).orElseThrow().startsWith(
                "table inet istio-proxy-nat chain output: have \"type nat hook output priority 100;"));
    }

    @Test
    void anEmptyExtraChainPassesButOneWithRulesDoesNot() {
        String extra = LISTED.replace("\n}\n", "\n\tchain istio-output-dns {\n\t}\n}\n");
        assertEquals(Optional.empty(), NftListing.parse(extra).differenceFrom(expected()));
        String full = LISTED.replace("\n}\n", "\n\tchain istio-output-dns {\n\t\tudp dport 53 counter packets 1 bytes 2"
                + " redirect to :15053\n\t}\n}\n");
        assertEquals(Optional.of("table inet istio-proxy-nat chain istio-output-dns: not planned but has 1 rule(s),"
                + " first \"udp dport 53 counter redirect to :15053\""), NftListing.parse(full).differenceFrom(expected()));
    }

    @Test
    void tablesOutsideThePlanAreNotLookedAtAndEmptyTablesDropOut() {
        String withOther = LISTED + "table ip nat {\n\tchain ISTIO_OUTPUT {\n\t}\n\tset s {\n\t\ttype ipv4_addr\n"
                + "\t\telements = { 10.0.0.1 }\n\t}\n}\ntable inet empty {\n}\n";
        NftListing listing = NftListing.parse(withOther);
        assertEquals(Optional.empty(), listing.differenceFrom(expected()));
        assertEquals(List.of("ip nat ISTIO_OUTPUT"), listing.chainsNamed("ISTIO"));
        assertEquals(List.of("inet istio-proxy-nat", "ip nat"),
                List.copyOf(listing.withoutEmptyTables().tables().keySet()));
    }

    @Test
    void textThatIsNoListingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NftListing.parse("Error: syntax error\n"));
        assertThrows(IllegalArgumentException.class, () -> NftListing.parse("table inet x {\n\tchain y {\n"));
    }
}
