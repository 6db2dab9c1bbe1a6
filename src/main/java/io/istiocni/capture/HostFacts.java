package io.istiocni.capture;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/** What settings resolution needs to know about the machine; looked up lazily, only when a setting needs it. */
public interface HostFacts {

    /** The UID of a local user ({@code ENVOY_USER}), if the user database has it. */
    OptionalLong uidOf(String userName);

    /** Whether IPv6 rules are needed, from the addresses of the namespace the rules go into (capture.md 3.2). */
    boolean ipv6FromLocalAddresses(boolean dualStack);

    /** The {@code nameserver} values of {@code /etc/resolv.conf}, in file order. */
    List<String> resolvConfNameservers() throws IOException;
}
