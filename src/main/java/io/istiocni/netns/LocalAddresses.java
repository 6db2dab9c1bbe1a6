package io.istiocni.netns;

import io.istiocni.rules.IpAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the interface addresses of a network namespace in the kernel's order: all IPv4 addresses interface by
 * interface, then all IPv6 addresses (the order of an {@code RTM_GETADDR} dump, which Go's
 * {@code net.InterfaceAddrs} returns and Istio walks in capture.md 3.2).
 */
public final class LocalAddresses {

    private static final List<String> COMMAND = List.of("ip", "-o", "addr", "show");

    private LocalAddresses() {
    }

    /**
     * Runs {@code ip -o addr show} through {@code runner} (which decides the namespace).
     *
     * @throws CommandFailedException when {@code ip} fails
     */
    public static List<IpAddress> list(CommandRunner runner) {
        CommandRunner.Result result = runner.run(COMMAND);
        if (!result.ok()) {
            throw CommandFailedException.of(COMMAND, result);
        }
        return parse(result.stdout());
    }

    /**
     * Parses {@code ip -o addr show} output ({@code "2: eth0    inet 10.0.0.5/24 brd ... scope global eth0\ ..."}):
     * the local address of every {@code inet} line in order, then of every {@code inet6} line, without the prefix
     * length. Lines that cannot be parsed are skipped.
     */
    public static List<IpAddress> parse(String output) {
        List<IpAddress> v4 = new ArrayList<>();
        List<IpAddress> v6 = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (int i = 0; i + 1 < words.length; i++) {
                boolean inet = words[i].equals("inet");
                if (inet || words[i].equals("inet6")) {
                    String text = words[i + 1];
                    int slash = text.indexOf('/');
                    IpAddress address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
                    if (address != null) {
                        (inet ? v4 : v6).add(address);
                    }
                    break;
                }
            }
        }
        List<IpAddress> all = new ArrayList<>(v4);
        all.addAll(v6);
        return List.copyOf(all);
    }
}
