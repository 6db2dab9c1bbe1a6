package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.InterceptionMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRoutingTest {

    private static final String RULES = """
            0:\tfrom all lookup 255
            32765:\tfrom all fwmark 0x539 lookup 133
            32766:\tfrom all lookup 254
            32767:\tfrom all lookup 253
            """;

    @Test
    void findsExactlyTheFwmarkRule() {
        assertTrue(PolicyRouting.hasRule(RULES, 1337, 133));
        assertFalse(PolicyRouting.hasRule(RULES, 1338, 133));
        assertFalse(PolicyRouting.hasRule(RULES, 1337, 134));
        assertFalse(PolicyRouting.hasRule("32765:\tfrom all fwmark 0x539/0xffff lookup 133\n", 1337, 133));
        assertFalse(PolicyRouting.hasRule("32765:\tfrom 10.0.0.0/8 fwmark 0x539 lookup 133\n", 1337, 133));
        assertTrue(PolicyRouting.hasRule("100:\tfrom all fwmark 0x7 lookup main\n", 7, 254));
        assertFalse(PolicyRouting.hasRule("", 1337, 133));
    }

    @Test
    void tproxyMarkAndTableMustBeDecimal() {
        ApplyException e = assertThrows(ApplyException.class, () -> PolicyRouting.of(tproxy("0x539", "133")));
        assertEquals("failed to parse tproxy mark \"0x539\": not a decimal integer", e.getMessage());
        assertThrows(ApplyException.class, () -> PolicyRouting.of(tproxy("1337", "main")));
        // without TPROXY routing the values do not matter
        PolicyRouting.of(TestSettings.basic());
    }

    @Test
    void setUpAddsOnlyWhatIsMissingAndTearDownRemovesIt() {
        FakeRunner r = new FakeRunner(new CommandRunner.Result(0, "", ""));
        r.answer("ip -N -4 rule show", 0, RULES);
        r.answer("ip -4 route add local 0.0.0.0/0 dev lo table 133", 2, "", "RTNETLINK answers: File exists");
        PolicyRouting routing = PolicyRouting.of(tproxy("1337", "133"));
        routing.setUp(r);
        assertEquals(List.of("ip -N -4 rule show", "ip -4 route add local 0.0.0.0/0 dev lo table 133"), r.lines());

        FakeRunner fresh = new FakeRunner(new CommandRunner.Result(0, "", ""));
        routing.setUp(fresh);
        assertEquals(List.of("ip -N -4 rule show", "ip -4 rule add fwmark 1337 lookup 133",
                "ip -4 route add local 0.0.0.0/0 dev lo table 133"), fresh.lines());

        FakeRunner failing = new FakeRunner(new CommandRunner.Result(2, "", "RTNETLINK answers: Operation not permitted"));
        failing.answer("ip -N -4 rule show", 0, "");
        ApplyException e = assertThrows(ApplyException.class, () -> routing.setUp(failing));
        assertEquals("ip -4 rule add fwmark 1337 lookup 133 failed (exit status 2): "
                + "RTNETLINK answers: Operation not permitted", e.getMessage());

        FakeRunner teardown = new FakeRunner(new CommandRunner.Result(2, "", "No such file or directory"));
        teardown.answer("ip -N -4 rule show", 0, "");
        routing.tearDown(teardown);
        assertEquals(List.of("ip -N -4 rule show", "ip -4 route del local 0.0.0.0/0 dev lo table 133"),
                teardown.lines());
    }

    private static CaptureSettings tproxy(String mark, String table) {
        CaptureSettings b = TestSettings.basic();
        return new CaptureSettings(b.envoyPort(), b.inboundCapturePort(), b.inboundTunnelPort(), b.proxyUids(),
                b.proxyGids(), InterceptionMode.TPROXY, "*", b.inboundExcludePorts(), true, List.of(), List.of(),
                List.of(), b.outboundExcludePorts(), List.of(), List.of(), mark, table, false, false, false, false,
                List.of(), List.of(), null, List.of(), "127.0.0.1/32", false);
    }
}
