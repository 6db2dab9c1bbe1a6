package io.istiocni.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code install-cni version} and {@code istio-cni install version} with the packaged program. */
class InstallVersionIT {

    @TempDir
    Path tmp;

    /** Istio's install-cni has a version subcommand; so do ours, under both names. */
    @Test
    void installVersionPrintsTheVersion() throws Exception {
        Path link = tmp.resolve("install-cni");
        Files.createSymbolicLink(link, ItSupport.executable().toAbsolutePath());
        ItSupport.Result viaLink = ItSupport.run(List.of(link.toString(), "version"), ItSupport.cleanEnv(Map.of()),
                null, Duration.ofSeconds(60));
        ItSupport.Result viaMode = ItSupport.istioCni(ItSupport.cleanEnv(Map.of()), "install", "version");
        ItSupport.Result top = ItSupport.istioCni(ItSupport.cleanEnv(Map.of()), "version");
        for (ItSupport.Result r : List.of(viaLink, viaMode)) {
            assertEquals(0, r.exit(), r.describe());
            assertTrue(r.stdout().matches("istio-cni \\S+\n"), r.describe());
            assertEquals(top.stdout(), r.stdout());
        }
    }
}
