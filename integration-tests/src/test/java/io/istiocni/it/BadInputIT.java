package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid ports, CIDRs, mode, uid, flags and booleans: exit 1, exactly one non-empty stderr line naming the
 * flag or the value, nothing on stdout, and (when applying into a namespace) nothing applied.
 */
class BadInputIT {

    /**
     * @param args the bad arguments (added to a valid base command line)
     * @param env extra environment
     * @param names any of these in the error line counts as naming what was wrong
     */
    record Bad(String label, List<String> args, Map<String, String> env, List<String> names) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Bad> bad() {
        return Stream.of(
                new Bad("-p 70000", List.of("-p", "70000"), Map.of(), List.of("envoy-port", "70000")),
                new Bad("-b 80,x", List.of("-b", "80,x"), Map.of(), List.of("istio-inbound-ports", "80,x", "x")),
                new Bad("-i 10.0.0.0/33", List.of("-i", "10.0.0.0/33"), Map.of(),
                        List.of("istio-service-cidr", "10.0.0.0/33", "OUTBOUND_IP_RANGES_INCLUDE")),
                new Bad("-x *", List.of("-x", "*"), Map.of(),
                        List.of("istio-service-exclude-cidr", "OUTBOUND_IP_RANGES_EXCLUDE", "*")),
                new Bad("-m FOO", List.of("-m", "FOO"), Map.of(),
                        List.of("istio-inbound-interception-mode", "FOO")),
                new Bad("-u abc", List.of("-u", "abc"), Map.of(), List.of("proxy-uid", "abc")),
                new Bad("--no-such-flag", List.of("--no-such-flag"), Map.of(), List.of("no-such-flag")),
                new Bad("--redirect-dns=maybe", List.of("--redirect-dns=maybe"), Map.of(),
                        List.of("redirect-dns", "maybe")),
                new Bad("FORCE_IPTABLES_BINARY=bogus", List.of(), Map.of("FORCE_IPTABLES_BINARY", "bogus"),
                        List.of("FORCE_IPTABLES_BINARY", "force-iptables-binary", "bogus")));
    }

    static Stream<Arguments> badInNamespace() {
        List<Arguments> out = new ArrayList<>();
        bad().forEach(b -> {
            for (Variant v : Variant.values()) {
                out.add(Arguments.of(b, v));
            }
        });
        return out.stream();
    }

    static Map<String, String> env(Bad b, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("ENABLE_INBOUND_IPV6", "false"));
        env.putAll(more);
        env.putAll(b.env());
        return ItSupport.cleanEnv(env);
    }

    static void assertRejected(Bad b, Result r) {
        assertEquals(1, r.exit(), () -> b + ": exit code\n" + r.describe());
        assertEquals("", r.stdout(), () -> b + ": stdout must be empty\n" + r.describe());
        List<String> lines = r.stderrLines();
        assertEquals(1, lines.size(), () -> b + ": expected exactly one non-empty line on stderr\n" + r.describe());
        String line = lines.get(0);
        boolean named = b.names().stream().anyMatch(n -> n.length() > 1 ? line.contains(n)
                : Pattern.compile("(?<![A-Za-z0-9_.-])" + Pattern.quote(n) + "(?![A-Za-z0-9_.-])").matcher(line).find());
        assertTrue(named, () -> b + ": the error line should name one of " + b.names() + ": " + line);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void dryRunRejects(Bad b) {
        List<String> args = new ArrayList<>(List.of("iptables", "--dry-run", "-u", "1337", "-g", "1337"));
        args.addAll(b.args());
        assertRejected(b, ItSupport.istioCni(env(b, Map.of()), args));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("badInNamespace")
    void applyRejectsAndAppliesNothing(Bad b, Variant v) {
        ItSupport.requireNamespaceTools();
        try (Netns ns = Netns.create()) {
            String before = ns.canonicalState(Variant.NFT) + ns.canonicalState(Variant.LEGACY)
                    + ns.execOk("ip", "rule", "show").stdout() + ns.execOk("ip", "addr", "show", "dev", "lo").stdout();
            List<String> args = new ArrayList<>(List.of("iptables", "--network-namespace", ns.path(),
                    "-u", "1337", "-g", "1337", "-b", "*", "-i", "*"));
            args.addAll(b.args());
            Map<String, String> more = b.env().containsKey("FORCE_IPTABLES_BINARY") ? Map.of()
                    : Map.of("FORCE_IPTABLES_BINARY", v.force);
            assertRejected(b, ItSupport.istioCni(env(b, more), args));
            String after = ns.canonicalState(Variant.NFT) + ns.canonicalState(Variant.LEGACY)
                    + ns.execOk("ip", "rule", "show").stdout() + ns.execOk("ip", "addr", "show", "dev", "lo").stdout();
            assertEquals(before, after, b + ": something was applied");
        }
    }
}
