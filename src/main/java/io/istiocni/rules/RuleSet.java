package io.istiocni.rules;

import java.util.List;

/** The generated rules, one ordered list per family; the IPv6 list is empty when IPv6 is disabled. */
public record RuleSet(List<Rule> ipv4, List<Rule> ipv6) {
    public RuleSet {
        ipv4 = List.copyOf(ipv4);
        ipv6 = List.copyOf(ipv6);
    }

    public List<Rule> forFamily(Family family) {
        return family == Family.IPV4 ? ipv4 : ipv6;
    }
}
