package io.istiocni.iptables;

import io.istiocni.netns.CommandRunner;
import io.istiocni.rules.CaptureSettings;
import io.istiocni.rules.Family;
import java.util.ArrayList;
import java.util.List;

/**
 * What capture.md 9 adds after the rules: the {@code ::6} address on {@code lo} (IPv6), and in TPROXY mode with
 * inbound capture the policy rule {@code fwmark M lookup R} and the local default route in table {@code R}.
 *
 * <p>Two improvements over Istio: {@link #setUp} is idempotent (Istio fails when the policy rule already exists,
 * so a second run on a TPROXY pod fails; here an identical rule is left alone, and the kernel would otherwise
 * happily add a duplicate), and {@link #tearDown} (for {@code --cleanup-only}) removes what {@link #setUp} adds,
 * where Istio leaves the address, the rule and the route behind. Shared by the iptables and the nftables backend.
 */
public final class PolicyRouting {

    static final String PASSTHROUGH_V6 = "::6/128";

    private final boolean ipv6;
    private final boolean tproxyRouting;
    private final String mark;
    private final String table;

    private PolicyRouting(boolean ipv6, boolean tproxyRouting, String mark, String table) {
        this.ipv6 = ipv6;
        this.tproxyRouting = tproxyRouting;
        this.mark = mark;
        this.table = table;
    }

    /** @throws ApplyException when TPROXY routing is needed and the mark or table is not a decimal integer */
    public static PolicyRouting of(CaptureSettings settings) {
        boolean tproxyRouting = settings.tproxy() && !settings.inboundPorts().isEmpty();
        String mark = settings.tproxyMark();
        String table = settings.tproxyRouteTable();
        if (tproxyRouting) {
            requireNumber("tproxy mark", mark);
            requireNumber("tproxy route table", table);
        }
        return new PolicyRouting(settings.ipv6Enabled(), tproxyRouting, mark, table);
    }

    private static void requireNumber(String what, String value) {
        try {
            long v = Long.parseLong(value);
            if (v < 0 || v > 0xffff_ffffL || !value.chars().allMatch(Character::isDigit)) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new ApplyException("failed to parse " + what + " \"" + value + "\": not a decimal integer");
        }
    }

    private List<Family> families() {
        return ipv6 ? List.of(Family.IPV4, Family.IPV6) : List.of(Family.IPV4);
    }

    public void setUp(CommandRunner runner) {
        if (ipv6) {
            require(runner, List.of("ip", "-6", "addr", "add", PASSTHROUGH_V6, "dev", "lo"), true);
        }
        if (!tproxyRouting) {
            return;
        }
        for (Family family : families()) {
            if (!ruleExists(runner, family)) {
                require(runner, ruleCommand(family, "add"), false);
            }
        }
        for (Family family : families()) {
            require(runner, routeCommand(family, "add"), true);
        }
    }

    public void tearDown(CommandRunner runner) {
        if (tproxyRouting) {
            for (Family family : families()) {
                // a re-run under Istio's own tool may have added the same rule more than once
                for (int i = 0; i < 64 && ruleExists(runner, family); i++) {
                    if (!runner.run(ruleCommand(family, "del")).ok()) {
                        break;
                    }
                }
                runner.run(routeCommand(family, "del"));
            }
        }
        if (ipv6) {
            runner.run("ip", "-6", "addr", "del", PASSTHROUGH_V6, "dev", "lo");
        }
    }

    private List<String> ruleCommand(Family family, String operation) {
        return List.of("ip", flag(family), "rule", operation, "fwmark", mark, "lookup", table);
    }

    private List<String> routeCommand(Family family, String operation) {
        return List.of("ip", flag(family), "route", operation, "local",
                family == Family.IPV4 ? "0.0.0.0/0" : "::/0", "dev", "lo", "table", table);
    }

    private boolean ruleExists(CommandRunner runner, Family family) {
        CommandRunner.Result shown = runner.run("ip", "-N", flag(family), "rule", "show");
        if (!shown.ok()) {
            // an ip without -N (numeric output) prints table names; hasRule accepts the standard ones
            shown = runner.run("ip", flag(family), "rule", "show");
        }
        if (!shown.ok()) {
            throw new ApplyException(String.join(" ", "ip", flag(family), "rule", "show") + " failed (exit status "
                    + shown.exitCode() + "): " + shown.diagnostic());
        }
        return hasRule(shown.stdout(), Long.parseLong(mark), Long.parseLong(table));
    }

    /**
     * Whether {@code ip rule show} output has exactly the rule {@code from all fwmark M lookup R} (any preference;
     * a masked fwmark or any further selector makes a different rule).
     */
    static boolean hasRule(String ipRuleShow, long mark, long table) {
        for (String line : ipRuleShow.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            List<String> words = new ArrayList<>(List.of(line.substring(colon + 1).trim().split("\\s+")));
            if (words.size() == 6 && words.get(0).equals("from") && words.get(1).equals("all")
                    && words.get(2).equals("fwmark") && words.get(4).equals("lookup")
                    && number(words.get(3)) == mark && tableMatches(words.get(5), table)) {
                return true;
            }
        }
        return false;
    }

    private static boolean tableMatches(String shown, long table) {
        return switch (shown) {
            case "local" -> table == 255;
            case "main" -> table == 254;
            case "default" -> table == 253;
            default -> number(shown) == table;
        };
    }

    private static long number(String text) {
        try {
            return Long.decode(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void require(CommandRunner runner, List<String> command, boolean existsIsFine) {
        CommandRunner.Result result = runner.run(command);
        if (result.ok()) {
            return;
        }
        String stderr = result.stderr();
        if (existsIsFine && (stderr.contains("File exists") || stderr.contains("already assigned"))) {
            return;
        }
        throw new ApplyException(String.join(" ", command) + " failed (exit status " + result.exitCode() + ")"
                + (result.diagnostic().isEmpty() ? "" : ": " + result.diagnostic()));
    }

    private static String flag(Family family) {
        return family == Family.IPV4 ? "-4" : "-6";
    }
}
