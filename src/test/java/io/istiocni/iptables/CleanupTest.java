package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istiocni.rules.Rule;
import io.istiocni.rules.RuleGenerator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupTest {

    private static List<String> cmd(String line) {
        return Arrays.asList(line.split(" "));
    }

    @Test
    void plannedCleanupOfTheBasicExample() {
        List<Rule> planned = RuleGenerator.generate(TestSettings.basic()).ipv4();
        List<List<String>> expected = List.of(
                cmd("-t nat -D ISTIO_OUTPUT -j ISTIO_REDIRECT"),
                cmd("-t nat -D ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT"),
                cmd("-t nat -D ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT"),
                cmd("-t nat -D OUTPUT -j ISTIO_OUTPUT"),
                cmd("-t nat -D ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT"),
                cmd("-t nat -D PREROUTING -p tcp -j ISTIO_INBOUND"),
                cmd("-t nat -F ISTIO_OUTPUT"),
                cmd("-t nat -F ISTIO_REDIRECT"),
                cmd("-t nat -F ISTIO_IN_REDIRECT"),
                cmd("-t nat -F ISTIO_INBOUND"),
                cmd("-t nat -X ISTIO_OUTPUT"),
                cmd("-t nat -X ISTIO_REDIRECT"),
                cmd("-t nat -X ISTIO_IN_REDIRECT"),
                cmd("-t nat -X ISTIO_INBOUND"));
        assertEquals(expected, Cleanup.forPlannedRules(planned));
    }

    @Test
    void insertsAreDeletedWithoutPositionAndTablesKeptApart() {
        List<Rule> planned = List.of(
                Rule.append("mangle", "ISTIO_DIVERT", "-j", "MARK", "--set-mark", "1337"),
                Rule.append("mangle", "ISTIO_INBOUND", "-p", "tcp", "-j", "ISTIO_DIVERT"),
                Rule.append("mangle", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND"),
                Rule.append("raw", "ISTIO_INBOUND", "-p", "udp", "--sport", "53", "-j", "CT", "--zone", "1"),
                Rule.insert("nat", "PREROUTING", 1, "-i", "veth1", "-j", "RETURN"),
                Rule.insert("mangle", "ISTIO_INBOUND", 1, "-p", "tcp", "-m", "mark", "--mark", "1337", "-j", "RETURN"));
        assertEquals(List.of(
                cmd("-t nat -D PREROUTING -i veth1 -j RETURN"),
                cmd("-t mangle -D PREROUTING -p tcp -j ISTIO_INBOUND"),
                cmd("-t mangle -D ISTIO_INBOUND -p tcp -j ISTIO_DIVERT"),
                cmd("-t mangle -F ISTIO_INBOUND"),
                cmd("-t raw -F ISTIO_INBOUND"),
                cmd("-t mangle -F ISTIO_DIVERT"),
                cmd("-t mangle -X ISTIO_INBOUND"),
                cmd("-t raw -X ISTIO_INBOUND"),
                cmd("-t mangle -X ISTIO_DIVERT")), Cleanup.forPlannedRules(planned));
    }

    @Test
    void residueSweepRemovesIstioChainsAndJumpsToThemOnly() {
        SaveDump dump = SaveDump.parse("""
                *nat
                :PREROUTING ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :USERCHAIN - [0:0]
                :ISTIO_OLD - [0:0]
                :ISTIO_INBOUND - [0:0]
                -A PREROUTING -s 192.0.2.0/24 -j RETURN
                -A PREROUTING -p tcp -j ISTIO_INBOUND
                -A PREROUTING -m comment --comment "-j ISTIO_INBOUND" -j RETURN
                -A PREROUTING -p tcp -g ISTIO_OLD
                -A OUTPUT -d 192.0.2.1/32 -j RETURN
                -A USERCHAIN -j ISTIO_OLD
                -A ISTIO_INBOUND -p tcp -j ISTIO_OLD
                COMMIT
                *filter
                :INPUT ACCEPT [0:0]
                -A INPUT -j ACCEPT
                COMMIT
                """);
        assertEquals(List.of(
                cmd("-t nat -D PREROUTING 4"),
                cmd("-t nat -D PREROUTING 2"),
                cmd("-t nat -D USERCHAIN 1"),
                cmd("-t nat -F ISTIO_OLD"),
                cmd("-t nat -F ISTIO_INBOUND"),
                cmd("-t nat -X ISTIO_OLD"),
                cmd("-t nat -X ISTIO_INBOUND")), Cleanup.forIstioResidue(dump));
    }

    @Test
    void guardrailsInsertAndDeleteTheSameSixRules() {
        assertEquals(cmd("-t filter -I INPUT 1 -p tcp -j DROP"), RuleApplier.guardrails("-I").getFirst());
        assertEquals(cmd("-t filter -D OUTPUT -p udp -j DROP"), RuleApplier.guardrails("-D").getLast());
        assertEquals(6, RuleApplier.guardrails("-I").size());
    }
}
