package io.istiocni.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.cli.IptablesCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iptables --pod} with what {@code kubectl get pod -l ... -o yaml} prints: a List of one pod, or several. */
class PodListTest {

    static final Map<String, String> ENV = Map.of("ENABLE_INBOUND_IPV6", "false", "DNS_SERVERS_V4", "");

    static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: %s
              namespace: shop
              annotations:
                sidecar.istio.io/status: '{}'
            spec:
              containers:
              - name: app
              - name: istio-proxy
                args: [proxy, sidecar]
            """;

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    Run dryRun(String manifest) throws Exception {
        Path file = tmp.resolve("pods-" + System.nanoTime() + ".yaml");
        Files.writeString(file, manifest);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = IptablesCommand.run(List.of("--pod", file.toString(), "--dry-run"), ENV,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String list(String... names) {
        StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (String n : names) {
            POD.formatted(n).lines().forEach(l -> sb.append(sb.charAt(sb.length() - 1) == ':'
                    || l.startsWith("apiVersion") ? "- " : "  ").append(l).append('\n'));
        }
        return sb.toString();
    }

    @Test
    void aOneItemListGivesThePodsRulesAndNamesIt() throws Exception {
        Run pod = dryRun(POD.formatted("web-1"));
        assertEquals(0, pod.exit(), pod.err());
        Run one = dryRun(list("web-1"));
        assertEquals(0, one.exit(), one.err());
        assertEquals(pod.out(), one.out());
        assertTrue(one.out().contains("-A ISTIO_OUTPUT"), one.out());
        assertTrue(one.err().contains(": took the only item of a List: pod shop/web-1"), one.err());
    }

    @Test
    void severalItemsAreAUsageErrorWithAHint() throws Exception {
        Run r = dryRun(list("web-1", "web-2"));
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().contains("a List of 2 items (shop/web-1, shop/web-2): give one pod (kubectl get pod NAME"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
