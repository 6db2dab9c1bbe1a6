package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.install.InstallSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoreInstaller} never costs a node its pod networking (issue 9 section 7): the user's config is never made
 * unreadable for the runtime, never replaced by a copy, and the entry only goes in when the plugin is there.
 */
class CoreInstallerSafetyTest {

    static final String PTP = "{\"cniVersion\": \"1.0.0\", \"name\": \"net\", \"plugins\": [{\"type\": \"ptp\"}]}";

    @TempDir
    Path tmp;

    Path conf;
    Path src;
    Path bin;
    Path run;
    Path sa;

    @BeforeEach
    void layout() throws IOException {
        conf = Files.createDirectories(tmp.resolve("net.d"));
        src = Files.createDirectories(tmp.resolve("src"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        run = tmp.resolve("run");
        sa = Files.createDirectories(tmp.resolve("sa"));
        Files.writeString(src.resolve("istio-cni"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(src.resolve("istio-cni"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(sa.resolve("token"), "tok");
        Files.writeString(sa.resolve("ca.crt"), "ca");
    }

    CoreInstaller installer(String... extra) {
        Map<String, String> env = new HashMap<>(Map.of("MOUNTED_CNI_NET_DIR", conf.toString(),
                "CNI_BIN_SOURCE_DIR", src.toString(), "CNI_BIN_TARGET_DIRS", bin.toString(),
                "CNI_AGENT_RUN_DIR", run.toString(), "SERVICE_ACCOUNT_PATH", sa.toString(),
                "KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "443"));
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return new CoreInstaller(InstallSettings.from(env, List.of()));
    }

    static byte[] withBom(String json) {
        return ("\uFEFF" + json).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aPrimaryConfigWithAByteOrderMarkIsSkippedAndNeverRewritten() throws Exception {
        Path bom = conf.resolve("05-bom.conflist");
        Files.write(bom, withBom(PTP));
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        i.installOnce();
        assertEquals("10-ptp.conflist", i.configFileName(), "the runtime's choice: the file libcni can read");
        assertArrayEquals(withBom(PTP), Files.readAllBytes(bom), "byte for byte, mark included");
        assertTrue(Files.readString(conf.resolve("10-ptp.conflist")).contains("istio-cni"));
        i.cleanUp();
        assertArrayEquals(withBom(PTP), Files.readAllBytes(bom));
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
    }

    @Test
    void aNamedConfigWithAByteOrderMarkFailsTheConfigStepAndIsLeftAsItIs() throws Exception {
        Path bom = conf.resolve("05-bom.conflist");
        Files.write(bom, withBom(PTP));
        CoreInstaller i = installer("CNI_CONF_NAME", "05-bom.conflist");
        var e = assertThrows(Installer.InstallException.class, i::installOnce);
        assertEquals(Installer.Step.CREATE_CNI_CONFIG, e.step());
        assertTrue(e.getMessage().contains("error loading existing CNI config 05-bom.conflist"), e.getMessage());
        assertTrue(e.getMessage().contains("byte-order mark"), e.getMessage());
        assertArrayEquals(withBom(PTP), Files.readAllBytes(bom));
        assertFalse(i.stillInstalled());
    }
}
