package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.Rule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateCheckTest {

    private static final List<Rule> PLANNED = List.of(
            Rule.append("nat", "ISTIO_INBOUND", "-p", "tcp", "--dport", "15008", "-j", "RETURN"),
            Rule.append("nat", "ISTIO_IN_REDIRECT", "-p", "tcp", "-j", "REDIRECT", "--to-ports", "15006"),
            Rule.append("nat", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND"),
            Rule.append("nat", "ISTIO_INBOUND", "-p", "tcp", "-j", "ISTIO_IN_REDIRECT"),
            Rule.insert("nat", "ISTIO_INBOUND", 1, "-p", "tcp", "--dport", "9999", "-j", "RETURN"));

    private static final String IN_PLACE = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :ISTIO_INBOUND - [0:0]
            :ISTIO_IN_REDIRECT - [0:0]
            -A PREROUTING -p tcp -j ISTIO_INBOUND
            -A OUTPUT -d 192.0.2.1/32 -j RETURN
            -A ISTIO_INBOUND -p tcp -m tcp --dport 9999 -j RETURN
            -A ISTIO_INBOUND -p tcp -m tcp --dport 15008 -j RETURN
            -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
            -A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
            COMMIT
            """;

    private static StateCheck.FamilyState assess(String dump, List<Rule> checked) {
        return StateCheck.assess(dump == null ? null : SaveDump.parse(dump), PLANNED, checked::add);
    }

    @Test
    void emptyOrUnreadableDumpHasNoResidue() {
        List<Rule> checked = new ArrayList<>();
        assertEquals(new StateCheck.FamilyState(false, true, false, "no rules in place"), assess("", checked));
        assertEquals(new StateCheck.FamilyState(false, true, false, "no rules in place"), assess(null, checked));
        assertEquals(new StateCheck.FamilyState(false, false, false, null),
                StateCheck.assess(SaveDump.parse(""), List.of(), r -> true));
        // tables that exist but hold nothing are no residue either
        assertFalse(assess("*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", checked).residue());
        assertTrue(checked.isEmpty());
    }

    @Test
    void rulesInPlaceAreCheckedOneByOneWithoutPosition() {
        List<Rule> checked = new ArrayList<>();
        StateCheck.FamilyState state = assess(IN_PLACE, checked);
        assertEquals(new StateCheck.FamilyState(true, false, true, null), state);
        assertEquals(PLANNED, checked);
    }

    @Test
    void ruleNotFoundByCheckIsADelta() {
        StateCheck.FamilyState state = StateCheck.assess(SaveDump.parse(IN_PLACE), PLANNED,
                r -> !r.spec().contains("15008"));
        assertTrue(state.delta());
        assertEquals("nat rule not found: -A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN", state.difference());
    }

    @Test
    void userRulesAloneAreResidueButNotIstioRules() {
        StateCheck.FamilyState state = assess("*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 192.0.2.1/32 -j RETURN\nCOMMIT\n",
                new ArrayList<>());
        assertEquals(new StateCheck.FamilyState(true, true, false, "nat chain ISTIO_INBOUND is missing"), state);
    }

    @Test
    void structuralDifferences() {
        assertEquals("nat chain ISTIO_INBOUND has 2 rules, 3 wanted",
                StateCheck.structuralDifference(SaveDump.parse(IN_PLACE.replace("-A ISTIO_INBOUND -p tcp -m tcp --dport 9999 -j RETURN\n", "")), PLANNED));
        assertEquals("nat chain PREROUTING has no rules",
                StateCheck.structuralDifference(SaveDump.parse(IN_PLACE.replace("-A PREROUTING -p tcp -j ISTIO_INBOUND\n", "")), PLANNED));
        assertEquals("nat chain ISTIO_OUTPUT is not wanted",
                StateCheck.structuralDifference(SaveDump.parse(IN_PLACE.replace(":ISTIO_IN_REDIRECT - [0:0]\n", ":ISTIO_IN_REDIRECT - [0:0]\n:ISTIO_OUTPUT - [0:0]\n")), PLANNED));
        assertEquals("mangle chain ISTIO_DIVERT is not wanted",
                StateCheck.structuralDifference(SaveDump.parse(IN_PLACE + "*mangle\n:ISTIO_DIVERT - [0:0]\nCOMMIT\n"), PLANNED));
        assertEquals("nat chain ISTIO_IN_REDIRECT is missing",
                StateCheck.structuralDifference(SaveDump.parse("*nat\n:PREROUTING ACCEPT [0:0]\n:ISTIO_INBOUND - [0:0]\n"
                                + "-A PREROUTING -p tcp -j ISTIO_INBOUND\n-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT\nCOMMIT\n"),
                        List.of(PLANNED.get(2), PLANNED.get(3))));
        assertEquals(null, StateCheck.structuralDifference(SaveDump.parse(IN_PLACE), PLANNED));
    }
}
