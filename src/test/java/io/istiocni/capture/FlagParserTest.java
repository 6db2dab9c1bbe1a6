package io.istiocni.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagParserTest {

    private final FlagParser parser = new FlagParser(IptablesFlags.ALL);

    private FlagParser.Parsed parse(Map<String, String> env, String... args) {
        return parser.parse(List.of(args), env);
    }

    @Test
    void longAndShortFormsAllSetTheValue() {
        assertEquals("80", parse(Map.of(), "--istio-inbound-ports", "80").get(IptablesFlags.INBOUND_PORTS));
        assertEquals("80", parse(Map.of(), "--istio-inbound-ports=80").get(IptablesFlags.INBOUND_PORTS));
        assertEquals("80", parse(Map.of(), "-b", "80").get(IptablesFlags.INBOUND_PORTS));
        assertEquals("80", parse(Map.of(), "-b80").get(IptablesFlags.INBOUND_PORTS));
        assertEquals("80", parse(Map.of(), "-b=80").get(IptablesFlags.INBOUND_PORTS));
        assertEquals("", parse(Map.of(), "--istio-inbound-ports=").get(IptablesFlags.INBOUND_PORTS));
    }

    @Test
    void aValueMayStartWithADash() {
        assertEquals("-x", parse(Map.of(), "-b", "-x").get(IptablesFlags.INBOUND_PORTS));
    }

    @Test
    void lastOccurrenceWins() {
        assertEquals("2", parse(Map.of(), "-u", "1", "--proxy-uid=2").get(IptablesFlags.PROXY_UID));
    }

    @Test
    void booleanNeverTakesTheNextWord() {
        FlagParser.Parsed parsed = parse(Map.of(), "--redirect-dns", "false");
        assertTrue(parsed.isTrue(IptablesFlags.REDIRECT_DNS));
        assertEquals(List.of("false"), parsed.positionals());
        assertFalse(parse(Map.of(), "--redirect-dns=False").isTrue(IptablesFlags.REDIRECT_DNS));
        assertTrue(parse(Map.of(), "--redirect-dns=T").isTrue(IptablesFlags.REDIRECT_DNS));
    }

    @Test
    void groupedShorthandsTakeBooleansThenAValue() {
        FlagParser.Parsed parsed = parse(Map.of(), "-nu", "7");
        assertTrue(parsed.isTrue(IptablesFlags.DRY_RUN));
        assertEquals("7", parsed.get(IptablesFlags.PROXY_UID));
        assertEquals("7", parse(Map.of(), "-nu7").get(IptablesFlags.PROXY_UID));
    }

    @Test
    void doubleDashEndsTheFlags() {
        FlagParser.Parsed parsed = parse(Map.of(), "--", "-n");
        assertFalse(parsed.isTrue(IptablesFlags.DRY_RUN));
        assertEquals(List.of("-n"), parsed.positionals());
    }

    @Test
    void environmentIsBelowTheCommandLineAndTheSecondVariableWins() {
        assertEquals("3", parse(Map.of("PROXY_UID", "3")).get(IptablesFlags.PROXY_UID));
        assertEquals("4", parse(Map.of("PROXY_UID", "3"), "-u", "4").get(IptablesFlags.PROXY_UID));
        assertFalse(parse(Map.of("REDIRECT_DNS", "true", "ISTIO_META_DNS_CAPTURE", "false"))
                .isTrue(IptablesFlags.REDIRECT_DNS));
        assertTrue(parse(Map.of("REDIRECT_DNS", "false", "ISTIO_META_DNS_CAPTURE", "true"))
                .isTrue(IptablesFlags.REDIRECT_DNS));
        assertFalse(parse(Map.of("INVALID_DROP", "true"), "--drop-invalid=false").isTrue(IptablesFlags.DROP_INVALID));
    }

    @Test
    void unparsableEnvironmentValuesAreIgnoredAndEmptyStringsApply() {
        assertTrue(parse(Map.of("REDIRECT_DNS", "true", "ISTIO_META_DNS_CAPTURE", "yes"))
                .isTrue(IptablesFlags.REDIRECT_DNS));
        assertEquals("5s", parse(Map.of("PROBE_TIMEOUT", "soon")).get(IptablesFlags.PROBE_TIMEOUT));
        assertEquals("", parse(Map.of("INBOUND_CAPTURE_PORT", "")).get(IptablesFlags.INBOUND_CAPTURE_PORT));
    }

    @Test
    void envoyPortIsNotReadFromTheEnvironment() {
        assertEquals("15001", parse(Map.of("ENVOY_PORT", "9")).get(IptablesFlags.ENVOY_PORT));
    }

    @Test
    void probePortHasAnAlias() {
        assertEquals("9", parse(Map.of(), "--probe-port", "9").get(IptablesFlags.PROBE_PORT));
    }

    @Test
    void istioLoggingFlagsAreAccepted() {
        parse(Map.of(), "--log_output_level=default:info", "--log_as_json", "--log_caller", "x");
    }

    @Test
    void helpIsRecognised() {
        assertTrue(parse(Map.of(), "-h").help());
        assertTrue(parse(Map.of(), "--help").help());
        assertTrue(parser.usage("x").contains("--istio-inbound-ports"));
    }

    @Test
    void badInputIsAUsageErrorNamingTheFlag() {
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--nope")).getMessage().contains("--nope"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "-y")).getMessage().contains("'y'"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "-u")).getMessage().contains("-u"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--redirect-dns=maybe")).getMessage()
                .contains("maybe"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--probe-timeout", "10"))
                .getMessage().contains("--probe-timeout"));
    }
}
