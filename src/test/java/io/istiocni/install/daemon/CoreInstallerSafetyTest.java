package io.istiocni.install.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.install.AtomicFiles;
import io.istiocni.install.ConfigChoice;
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

    /** A primary config kept as a link (to a file managed elsewhere) is written through; the link stays a link. */
    @Test
    void aSymlinkedPrimaryConfigIsWrittenThroughAndRestoredThroughTheLink() throws Exception {
        Path realDir = Files.createDirectories(tmp.resolve("managed"));
        Path real = realDir.resolve("ptp.conflist");
        Files.writeString(real, PTP);
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = conf.resolve("10-ptp.conflist");
        Path linkTarget = Path.of("../managed/ptp.conflist");
        Files.createSymbolicLink(link, linkTarget);
        CoreInstaller i = installer();
        i.installOnce();
        assertTrue(Files.isSymbolicLink(link), "still a link after the insertion");
        assertEquals(linkTarget, Files.readSymbolicLink(link));
        assertTrue(Files.readString(real).contains("\"istio-cni\""), "the entry is in the linked file");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)), "mode kept");
        assertTrue(i.stillInstalled());
        assertEquals(List.of("ptp.conflist"), names(realDir), "no temporary file left beside the linked file");
        assertEquals(List.of("10-ptp.conflist"), names(conf));

        i.cleanUp();
        assertTrue(Files.isSymbolicLink(link), "still a link after the cleanup");
        assertEquals(linkTarget, Files.readSymbolicLink(link));
        assertEquals(PTP, Files.readString(real), "the user's bytes back in the linked file");
        assertEquals(List.of("ptp.conflist"), names(realDir));
    }

    @Test
    void aSymlinkedConfIsConvertedThroughTheLinkAndTheLinkIsRenamed() throws Exception {
        Path realDir = Files.createDirectories(tmp.resolve("managed"));
        Path real = realDir.resolve("bridge.conf");
        String bridge = "{\"cniVersion\": \"0.4.0\", \"name\": \"b\", \"type\": \"bridge\"}";
        Files.writeString(real, bridge);
        Files.createSymbolicLink(conf.resolve("20-bridge.conf"), real);
        CoreInstaller i = installer();
        i.installOnce();
        Path list = conf.resolve("20-bridge.conflist");
        assertTrue(Files.isSymbolicLink(list), "the link itself is renamed to .conflist");
        assertEquals(real, Files.readSymbolicLink(list));
        assertFalse(Files.exists(conf.resolve("20-bridge.conf"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.readString(real).contains("\"plugins\""), "the list is in the linked file");
        i.cleanUp();
        assertTrue(Files.isSymbolicLink(list));
        assertFalse(Files.readString(real).contains("istio-cni"));
        assertTrue(Files.readString(real).contains("\"bridge\""));
    }

    /** The JVM image's case: an empty source dir. The entry would send every new pod to a missing plugin. */
    @Test
    void withNoPluginToCopyTheEntryIsNotInsertedAndThePrimaryConfigIsUntouched() throws Exception {
        Files.delete(src.resolve("istio-cni"));
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        CoreInstaller i = installer();
        var e = assertThrows(Installer.InstallException.class, i::installOnce);
        assertEquals(Installer.Step.COPY_BINARIES, e.step());
        assertEquals("no runnable istio-cni plugin in " + bin + ": CNI_BIN_SOURCE_DIR " + src
                + " has no istio-cni to copy; the istio-cni entry is not inserted until it is in place", e.getMessage());
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")), "byte for byte");
        assertFalse(i.stillInstalled());
        assertEquals(List.of(), names(bin));

        Files.writeString(src.resolve("istio-cni"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(src.resolve("istio-cni"), PosixFilePermissions.fromString("rwxr-xr-x"));
        i.installOnce();
        assertTrue(i.stillInstalled(), "inserted once the plugin is there");
        assertTrue(Files.readString(conf.resolve("10-ptp.conflist")).contains("\"istio-cni\""));
    }

    @Test
    void aPluginThatCannotRunIsNotInPlace() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        Files.setPosixFilePermissions(src.resolve("istio-cni"), PosixFilePermissions.fromString("rw-r--r--"));
        var e = assertThrows(Installer.InstallException.class, installer()::installOnce);
        assertTrue(e.getMessage().endsWith(bin.resolve("istio-cni") + " is not executable; the istio-cni entry is not"
                + " inserted until it is in place"), e.getMessage());

        Files.writeString(src.resolve("istio-cni"), "");
        Files.setPosixFilePermissions(src.resolve("istio-cni"), PosixFilePermissions.fromString("rwxr-xr-x"));
        e = assertThrows(Installer.InstallException.class, installer()::installOnce);
        assertTrue(e.getMessage().contains(" is empty"), e.getMessage());

        Files.writeString(src.resolve("istio-cni"), "#!/bin/sh\n");
        e = assertThrows(Installer.InstallException.class,
                installer("SKIP_CNI_BINARIES", "istio-cni", "CNI_BIN_TARGET_DIRS", bin + "," + tmp.resolve("bin2"))
                        ::installOnce);
        assertTrue(e.getMessage().contains("istio-cni is in SKIP_CNI_BINARIES"), e.getMessage());
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
    }

    @Test
    void everyTargetBinDirNeedsThePlugin() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        Path bin2 = Files.createDirectories(tmp.resolve("bin2"));
        CoreInstaller i = installer("CNI_BIN_TARGET_DIRS", bin + "," + bin2);
        i.installOnce();
        assertTrue(i.stillInstalled());
        Files.delete(bin2.resolve("istio-cni"));
        assertFalse(i.stillInstalled(), "the plugin gone from one of the dirs");
        // a plugin already in place (an earlier install) is enough, even with nothing to copy now
        Files.delete(src.resolve("istio-cni"));
        Files.writeString(bin2.resolve("istio-cni"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(bin2.resolve("istio-cni"), PosixFilePermissions.fromString("rwxr-xr-x"));
        installer("CNI_BIN_TARGET_DIRS", bin + "," + bin2).installOnce();
    }

    /** Temporary files of a process killed mid-write: ours go on start and on cleanup, nothing else does. */
    @Test
    void ownLeftoversAreRemovedOnStartAndOnCleanUpAndNothingElse() throws Exception {
        Files.writeString(conf.resolve("10-ptp.conflist"), PTP);
        Files.createDirectories(run);
        List<Path> ours = List.of(conf.resolve("10-ptp.conflist.tmp.00000000000ab"),
                conf.resolve("YYY-istio-cni.conf.tmp.0000000000001"), run.resolve("istio-cni-kubeconfig.tmp.1a2b3c4d5e6f7"),
                bin.resolve("istio-cni.tmp.0zzzzzzzzzzzz"));
        List<Path> users = List.of(conf.resolve("10-ptp.conflist.tmp.bak"), conf.resolve("notes.tmp.12345"),
                bin.resolve("calico.tmp"), run.resolve("other.log"));
        for (Path p : ours) {
            Files.writeString(p, "token: half-written");
        }
        for (Path p : users) {
            Files.writeString(p, "the user's");
        }
        CoreInstaller i = installer();
        i.installOnce();
        for (Path p : ours) {
            assertFalse(Files.exists(p), p + " removed on start");
        }
        for (Path p : users) {
            assertEquals("the user's", Files.readString(p), p + " kept");
        }
        for (Path p : ours) {
            Files.writeString(p, "token: half-written");
        }
        i.cleanUp();
        for (Path p : ours) {
            assertFalse(Files.exists(p), p + " removed on cleanup");
        }
        for (Path p : users) {
            assertEquals("the user's", Files.readString(p), p + " kept");
        }
        assertEquals(PTP, Files.readString(conf.resolve("10-ptp.conflist")));
    }

    /** The state a kill between the two steps of a .conf conversion leaves, and what a restart makes of it. */
    @Test
    void aConversionInterruptedAfterTheListWasWrittenLeavesTheConfReadableAndIsFinishedOnRestart() throws Exception {
        String bridge = "{\"cniVersion\": \"0.4.0\", \"name\": \"b\", \"type\": \"bridge\"}";
        Path confFile = conf.resolve("20-bridge.conf");
        Files.writeString(confFile, bridge);
        Files.setPosixFilePermissions(confFile, PosixFilePermissions.fromString("rw-r--r--"));
        CoreInstaller first = installer();
        first.installOnce();
        Path list = conf.resolve("20-bridge.conflist");
        assertFalse(Files.exists(confFile));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(list)), "mode kept");
        String converted = Files.readString(list);

        // killed after the list was written, before the .conf went: libcni still reads the user's .conf first
        Files.writeString(confFile, bridge);
        assertEquals("20-bridge.conf", assertInstanceOf(ConfigChoice.Chosen.class,
                ConfigChoice.choose(null, AtomicFiles.readRegularFiles(conf))).fileName());
        CoreInstaller restarted = installer();
        restarted.installOnce();
        assertEquals(List.of("20-bridge.conflist"), names(conf));
        assertEquals(converted, Files.readString(list));
        restarted.cleanUp();
        assertFalse(Files.readString(list).contains("istio-cni"));
        assertTrue(Files.readString(list).contains("\"bridge\""));
    }

    static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
