package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.log.DaemonLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The installer's repair start-up outside Kubernetes: no node name is one warning, not an error. */
class RepairServiceTest {

    @Test
    void noNodeNameIsOneWarningAndNothingStarts() {
        RepairSettings settings = RepairSettings.from(Map.of(), List.of());
        Logger root = Logger.getLogger("");
        Handler[] saved = root.getHandlers();
        java.util.logging.Level savedLevel = Logger.getLogger("cni-agent").getLevel();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            DaemonLog.install(Map.of(), false, new PrintStream(out, true, StandardCharsets.UTF_8));
            new RepairService().startInInstaller(settings); // no client injected: it must not be needed
        } finally {
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : saved) {
                root.addHandler(h);
            }
            Logger.getLogger("cni-agent").setLevel(savedLevel);
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\twarn\tcni-agent\trepair controller not started: no node name"),
                lines.get(0));
    }

    @Test
    void aNodeNameStartsTheController() {
        assertNull(RepairService.outsideKubernetes(RepairSettings.from(Map.of("NODE_NAME", "node-1"), List.of())));
    }
}
