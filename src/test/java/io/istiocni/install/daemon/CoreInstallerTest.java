package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.install.InstallSettings;
import io.istiocni.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CoreInstaller} on scratch directories, driven pass by pass (no daemon). */
class CoreInstallerTest {

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
        Files.writeString(src.resolve("other-tool"), "x");
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

    static final String PTP = "{\"cniVersion\": \"1.0.0\", \"name\": \"net\", \"plugins\": [{\"type\": \"ptp\"}]}";

    /** How long a relevant change may take to reach the watch: it returns when the event arrives, so only a loaded
     * machine ever waits long. */
    private static final Duration EVENT_BOUND = Duration.ofSeconds(10);

    @Test
    void passInstallsEverythingAndCleanUpRemovesIt() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        i.installOnce();
        assertTrue(i.stillInstalled());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(bin.resolve("istio-cni"))));
        assertTrue(Files.exists(bin.resolve("other-tool")));
        assertTrue(Files.readString(run.resolve("istio-cni-kubeconfig")).contains("token: tok\n"));

        i.cleanUp();
        assertFalse(Files.exists(bin.resolve("istio-cni")));
        assertTrue(Files.exists(bin.resolve("other-tool")), "only istio-cni is removed (10)");
        assertFalse(Files.exists(run.resolve("istio-cni-kubeconfig")));
        assertFalse(Files.readString(conf.resolve("10-ptp.conflist")).contains("istio-cni"));
    }

    @Test
    void stillInstalledNoticesEveryKindOfDrift() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        i.installOnce();
        assertTrue(i.stillInstalled());

        Files.writeString(sa.resolve("token"), "rotated");
        assertFalse(i.stillInstalled(), "token rotated");
        i.installOnce();
        assertTrue(i.stillInstalled());

        String installed = Files.readString(conf.resolve("10-ptp.conflist"));
        Files.writeString(conf.resolve("10-ptp.conflist"), installed.replace("\"info\"", "\"debug\""));
        assertFalse(i.stillInstalled(), "entry differs from ours");
        i.installOnce();
        assertTrue(i.stillInstalled());
        assertEquals(installed, Files.readString(conf.resolve("10-ptp.conflist")));

        Files.delete(bin.resolve("other-tool"));
        assertFalse(i.stillInstalled(), "a copied binary was deleted");
        i.installOnce();
        assertTrue(i.stillInstalled());
    }

    @Test
    void theFirstChoiceSticksAndAConvertedConfIsFollowedToItsList() throws Exception {
        Files.writeString(conf.resolve("20-bridge.conf"), "{\"cniVersion\": \"0.4.0\", \"name\": \"b\", \"type\": \"bridge\"}");
        CoreInstaller i = installer();
        assertEquals("", i.configFileName());
        i.installOnce();
        assertTrue(i.configFileName().startsWith("20-bridge.conf"), i.configFileName());
        assertFalse(Files.exists(conf.resolve("20-bridge.conf")));
        assertTrue(Files.readString(conf.resolve("20-bridge.conflist")).contains("istio-cni"));

        Files.writeString(conf.resolve("10-early.conflist"), PTP);
        assertTrue(i.stillInstalled());
        Files.writeString(conf.resolve("20-bridge.conflist"), PTP);
        i.installOnce();
        assertEquals(PTP, Files.readString(conf.resolve("10-early.conflist")), "never touched");
        assertTrue(Files.readString(conf.resolve("20-bridge.conflist")).contains("istio-cni"));
    }

    @Test
    void cleanUpLeavesAFileWithoutOurEntryAsItIs() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        i.installOnce();
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP); // the primary rewrote it
        i.cleanUp();
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
    }

    @Test
    void malformedConfigFailsTheConfigStepAndIsNotTouched() throws Exception {
        Files.writeString(conf.resolve("10-x.conflist"), "{not json");
        CoreInstaller i = installer("CNI_CONF_NAME", "10-x.conflist");
        var e = assertThrows(Installer.InstallException.class, i::installOnce);
        assertEquals(Installer.Step.CREATE_CNI_CONFIG, e.step());
        assertTrue(e.getMessage().contains("error loading existing CNI config 10-x.conflist"), e.getMessage());
        assertEquals("{not json", Files.readString(conf.resolve("10-x.conflist")));
        assertFalse(i.stillInstalled());
        i.cleanUp();
        assertEquals("{not json", Files.readString(conf.resolve("10-x.conflist")));
    }

    @Test
    void missingTokenFailsTheKubeconfigStepBeforeTheConfigIsTouched() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        Files.delete(sa.resolve("token"));
        var e = assertThrows(Installer.InstallException.class, installer()::installOnce);
        assertEquals(Installer.Step.CREATE_KUBECONFIG, e.step());
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
    }

    @Test
    void legacyBinarySettings() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        Files.writeString(bin.resolve("istio-cni"), "old");
        Files.setPosixFilePermissions(bin.resolve("istio-cni"), PosixFilePermissions.fromString("rwxr-xr-x"));
        installer("UPDATE_CNI_BINARIES", "false", "SKIP_CNI_BINARIES", "other-tool").installOnce();
        assertEquals("old", Files.readString(bin.resolve("istio-cni")));
        assertFalse(Files.exists(bin.resolve("other-tool")));
    }

    @Test
    void standaloneWritesItsOwnFileAndDeletesItOnCleanUp() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer("CHAINED_CNI_PLUGIN", "false", "CNI_CONF_GROUP_READ", "true");
        i.installOnce();
        Path ours = conf.resolve("YYY-istio-cni.conf");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(ours)));
        assertTrue(i.stillInstalled());
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
        i.cleanUp();
        assertFalse(Files.exists(ours));
    }

    @Test
    void waitingForAConfigEndsWhenOneAppearsAndOnInterrupt() throws Exception {
        CoreInstaller i = installer();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> pass = pool.submit(() -> {
                i.installOnce();
                return null;
            });
            Await.until("the installer waits for a config", i::isWaiting);
            Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
            long t0 = System.nanoTime();
            pass.get(Await.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "woken by the watch, not the re-check");
            assertTrue(i.stillInstalled());

            CoreInstaller waiting = installer("CNI_CONF_NAME", "99-later.conflist");
            Future<?> blocked = pool.submit(() -> {
                waiting.installOnce();
                return null;
            });
            Await.until("the second installer waits for its named config", waiting::isWaiting);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(2, TimeUnit.SECONDS), "the wait responds to an interrupt");
            assertTrue(blocked.isDone());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void watchSeesRelevantChangesOnly() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        i.installOnce();
        try (Installer.Watch w = i.watch()) {
            Files.writeString(conf.resolve("notes.txt"), "irrelevant");
            Files.writeString(bin.resolve("unrelated"), "irrelevant");
            assertFalse(w.awaitChange(Duration.ofMillis(300)));
            Files.writeString(sa.resolve("..data_tmp"), "x");
            assertTrue(w.awaitChange(EVENT_BOUND), "service-account dir change");
        }
        try (Installer.Watch w = i.watch()) {
            Files.delete(bin.resolve("istio-cni"));
            assertTrue(w.awaitChange(EVENT_BOUND), "our binary deleted");
        }
        try (Installer.Watch w = i.watch()) {
            Files.writeString(conf.resolve("05-new.conf"), "{}");
            assertTrue(w.awaitChange(EVENT_BOUND), "a config candidate");
        }
    }
}
