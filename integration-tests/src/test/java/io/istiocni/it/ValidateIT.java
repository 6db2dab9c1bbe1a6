package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.it.ItSupport.Result;
import io.istiocni.it.ItSupport.Variant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code istio-cni validate} (validation.md) as the {@code istio-validation} init container runs it: inside a scratch
 * "pod" namespace, under the proxy's UID/GID 1337, with and without the rules the plugin would have applied.
 */
class ValidateIT {

    static final String MESSAGE = """
            iptables validation failed; workload is not ready for Istio.
            When using Istio CNI, this can occur if a pod is scheduled before the node is ready.

            If installed with 'cni.repair.deletePods=true', this pod should automatically be deleted and retry.
            Otherwise, this pod will need to be manually removed so that it is scheduled on a node with \
            istio-cni running, allowing iptables rules to be established.
            """;

    /** The arguments of Istio's injected istio-validation container (after the program name). */
    static final List<String> INJECTED = List.of("-p", "15001", "-z", "15006", "-u", "1337", "-g", "1337", "-m",
            "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info",
            "--run-validation", "--skip-rule-apply");

    @BeforeEach
    void root() {
        ItSupport.requireTrafficTools();
    }

    /** A pod-like namespace: loopback up and one address on a veth (both ends inside it). */
    static Netns pod(String address) {
        Netns ns = Netns.create();
        try {
            ItSupport.runOk("ip", "-n", ns.name(), "link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
            List<String> add = new ArrayList<>(List.of("ip", "-n", ns.name(), "addr", "add", address, "dev", "eth0"));
            if (address.contains(":")) {
                add.add("nodad");
            }
            ItSupport.runOk(add, null);
            ItSupport.runOk("ip", "-n", ns.name(), "link", "set", "eth0", "up");
            return ns;
        } catch (RuntimeException | AssertionError e) {
            ns.close();
            throw e;
        }
    }

    /** The plugin's rules for a pod whose proxy runs as 1337, applied from outside with the given variant. */
    static void applyRules(Netns ns, Variant v, boolean ipv6) {
        Map<String, String> env = ItSupport.cleanEnv(Map.of("ENABLE_INBOUND_IPV6", String.valueOf(ipv6),
                "FORCE_IPTABLES_BINARY", v.force));
        Result r = ItSupport.istioCni(env, "iptables", "--network-namespace", ns.path(), "-u", "1337", "-g", "1337",
                "-b", "*", "-i", "*");
        assertEquals(0, r.exit(), () -> "apply failed\n" + r.describe());
    }

    record Timed(Result result, long millis) {
    }

    /** Runs the program inside the namespace as uid/gid (uid < 0: root) and times it. */
    static Timed runIn(Netns ns, int uid, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        cmd.addAll(Netns.asUser(uid, uid));
        cmd.add(ItSupport.executable().toString());
        cmd.addAll(Arrays.asList(args));
        long start = System.nanoTime();
        Result r = ItSupport.run(cmd, ItSupport.cleanEnv(Map.of()), null, Duration.ofSeconds(60));
        return new Timed(r, (System.nanoTime() - start) / 1_000_000);
    }

    static String[] injected(String mode) {
        List<String> args = new ArrayList<>();
        args.add(mode);
        args.addAll(INJECTED);
        return args.toArray(String[]::new);
    }

    static void assertPassed(Timed t, String what) {
        assertEquals(0, t.result().exit(), () -> what + "\n" + t.result().describe());
        assertTrue(t.result().stderr().contains("Validation passed, iptables rules established\n"),
                () -> what + "\n" + t.result().describe());
        assertTrue(t.millis() < 4000, () -> what + ": took " + t.millis() + " ms\n" + t.result().describe());
        assertEquals("", t.result().stdout(), what);
    }

    static void assertFailedAtTimeout(Timed t, long timeoutMillis, String what) {
        assertEquals(126, t.result().exit(), () -> what + "\n" + t.result().describe());
        assertTrue(t.result().stderr().endsWith("error: validation timeout\n" + MESSAGE),
                () -> what + ": no timeout message at the end of stderr\n" + t.result().describe());
        assertTrue(t.millis() >= timeoutMillis && t.millis() < timeoutMillis + 4000,
                () -> what + ": took " + t.millis() + " ms with a " + timeoutMillis + " ms timeout\n"
                        + t.result().describe());
        assertEquals("", t.result().stdout(), what);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void passesUnderTheProxyUidWithTheRules(Variant v) {
        try (Netns ns = pod("10.251." + (v.ordinal() + 1) + ".2/24")) {
            applyRules(ns, v, false);
            Timed validate = runIn(ns, 1337, injected("validate"));
            assertPassed(validate, "validate with " + v.force + " rules");
            Timed iptables = runIn(ns, 1337, injected("iptables"));
            assertPassed(iptables, "iptables --run-validation --skip-rule-apply with " + v.force + " rules");
            System.out.printf("ValidateIT: %s: validate passed in %d ms, iptables --run-validation in %d ms%n",
                    v.force, validate.millis(), iptables.millis());

            // Root is not the proxy: its probe is not redirected (rule 1 of ISTIO_OUTPUT), so the check fails.
            Timed asRoot = runIn(ns, -1, "validate", "--probe-timeout", "1s");
            assertFailedAtTimeout(asRoot, 1000, "validate as root with " + v.force + " rules");
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void failsWithinTheTimeoutWithoutRules(Variant v) {
        try (Netns ns = pod("10.252." + (v.ordinal() + 1) + ".2/24")) {
            // the namespace has no rules of either variant: the variant only names the run
            Timed t = runIn(ns, 1337, "validate", "-p", "15001", "-z", "15006", "-u", "1337", "--probe-timeout", "2s",
                    "--log_output_level=default:info");
            assertFailedAtTimeout(t, 2000, "validate without rules (" + v.force + " case)");
            assertTrue(t.result().stderr().contains("127.0.0.6:15002 failed: Connection refused"),
                    t.result()::describe);
            System.out.printf("ValidateIT: %s: validate without rules exited 126 after %d ms (timeout 2 s)%n",
                    v.force, t.millis());
        }
    }

    @Test
    void ipv6OnlyPodProbesFromLoopbackSix() {
        try (Netns ns = pod("fd00:253::2/64")) {
            Timed before = runIn(ns, 1337, "validate", "--probe-timeout", "1s");
            assertFailedAtTimeout(before, 1000, "IPv6 pod without rules");
            assertTrue(before.result().stderr().contains("probing [::6]:15002 from ::1"), before.result()::describe);
            applyRules(ns, Variant.NFT, true);
            assertPassed(runIn(ns, 1337, injected("validate")), "IPv6 pod with rules");
        }
    }

    @Test
    void runValidationAfterTheRuleStep() {
        try (Netns ns = pod("10.254.1.2/24")) {
            // as istio-init would: apply (root, NET_ADMIN) then validate; root is the "proxy" here, so it passes
            Timed t = runIn(ns, -1, "iptables", "-u", "0", "-g", "0", "-b", "*", "-i", "*", "--run-validation");
            assertEquals(0, t.result().exit(), t.result()::describe);
            assertTrue(t.result().stderr().contains("rules applied in the current network namespace"),
                    t.result()::describe);
            assertTrue(t.result().stderr().contains("Validation passed, iptables rules established"),
                    t.result()::describe);
        }
    }

    @Test
    void neitherPortBindableFailsAtOnce() {
        try (Netns ns = pod("10.254.2.2/24")) {
            // a listener of another user (no SO_REUSEPORT sharing across users) holds both ports
            ns.startServer(-1, -1, "squatter", "tcp:15001@127.0.0.1", "tcp:15006@127.0.0.1");
            Timed t = runIn(ns, 1337, "validate", "--probe-timeout", "10s");
            assertEquals(126, t.result().exit(), t.result()::describe);
            assertTrue(t.result().stderr().endsWith("error: no listener available: 127.0.0.1:15001,127.0.0.1:15006\n"
                    + MESSAGE), t.result()::describe);
            assertTrue(t.millis() < 5000, () -> "took " + t.millis() + " ms");
        }
    }
}
