package io.istiocni.capture;

import io.istiocni.netns.CommandFailedException;
import io.istiocni.netns.IpFamilyDecision;
import io.istiocni.netns.LocalAddresses;
import io.istiocni.netns.NoLocalAddressException;
import io.istiocni.netns.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** {@link HostFacts} read from this machine: {@code /etc/passwd}, {@code /etc/resolv.conf} and the namespace's addresses. */
public final class SystemHostFacts implements HostFacts {

    private final String networkNamespace;

    private SystemHostFacts(String networkNamespace) {
        this.networkNamespace = networkNamespace;
    }

    /** Facts about the namespace at {@code path}, or the current one when the path is empty. */
    public static SystemHostFacts forNamespace(String path) {
        return new SystemHostFacts(path == null || path.isEmpty() ? null : path);
    }

    @Override
    public OptionalLong uidOf(String userName) {
        try {
            return uidFromPasswd(Files.readAllLines(Path.of("/etc/passwd")), userName);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong uidFromPasswd(List<String> lines, String userName) {
        for (String line : lines) {
            String[] fields = line.split(":", -1);
            if (fields.length >= 3 && fields[0].equals(userName)) {
                try {
                    return OptionalLong.of(Long.parseLong(fields[2]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public boolean ipv6FromLocalAddresses(boolean dualStack) {
        ProcessCommandRunner runner = networkNamespace == null ? new ProcessCommandRunner()
                : new ProcessCommandRunner(networkNamespace);
        try {
            return IpFamilyDecision.ipv6Enabled(LocalAddresses.list(runner), dualStack);
        } catch (NoLocalAddressException e) {
            throw new UsageException(e.getMessage()
                    + (networkNamespace == null ? "" : " in network namespace " + networkNamespace));
        } catch (CommandFailedException e) {
            throw new UsageException("cannot list local addresses: " + e.getMessage());
        }
    }

    @Override
    public List<String> resolvConfNameservers() throws IOException {
        return nameservers(Files.readAllLines(Path.of("/etc/resolv.conf")));
    }

    static List<String> nameservers(List<String> lines) {
        List<String> servers = new ArrayList<>();
        for (String line : lines) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                servers.add(words[1]);
            }
        }
        return servers;
    }
}
