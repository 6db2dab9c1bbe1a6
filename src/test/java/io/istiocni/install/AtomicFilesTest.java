package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeSetsModeAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("a.conf");
        AtomicFiles.write(f, "x".getBytes(), 0600);
        assertEquals(0600, AtomicFiles.modeOf(f, -1));
        AtomicFiles.write(f, "y".getBytes(), 0640);
        assertEquals(0640, AtomicFiles.modeOf(f, -1));
        assertEquals("y", Files.readString(f));
        assertEquals(List.of("a.conf"), names());
    }

    /**
     * install.md 7.5, issue 9 section 6: a watcher listing the directory as fast as it can while a secret is rewritten
     * many times never sees the target or a temporary file with a group or world bit (the old create-then-chmod
     * left a window in which another user could open the temporary file and read what was written next).
     */
    @Test
    void aTemporaryFileNeverHasMoreThanItsFinalMode() throws Exception {
        Path secret = dir.resolve("istio-cni-kubeconfig");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger temporariesSeen = new AtomicInteger();
        List<String> exposed = new CopyOnWriteArrayList<>();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (writing.get()) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path p : ds) {
                        int mode = AtomicFiles.modeOf(p, -1);
                        if (p.getFileName().toString().contains(".tmp.") && mode >= 0) {
                            temporariesSeen.incrementAndGet();
                        }
                        if (mode > 0 && (mode & 0077) != 0) {
                            exposed.add(p.getFileName() + " " + AtomicFiles.describe(mode));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // a file renamed away while listed
                }
            }
        });
        try {
            // for 3 s (some hundred writes; each fsyncs): the old window was hit within that in most runs
            long end = System.nanoTime() + 3_000_000_000L;
            for (int i = 0; i < 3000 && exposed.isEmpty() && System.nanoTime() < end; i++) {
                AtomicFiles.write(secret, ("token: t" + i + "\n").getBytes(), 0600);
            }
        } finally {
            writing.set(false);
            watcher.join();
        }
        assertEquals(List.of(), exposed);
        assertTrue(temporariesSeen.get() > 0, "the watcher never saw a temporary file: the test proves nothing");
        assertEquals(0600, AtomicFiles.modeOf(secret, -1));
    }

    @Test
    void theRunDirectoryIsNeverWritableByOthers() throws Exception {
        Path run = dir.resolve("var/run/istio-cni");
        assertFalse(AtomicFiles.createDirectory(run));
        assertEquals(0755, AtomicFiles.modeOf(run, -1));
        Files.setPosixFilePermissions(run, AtomicFiles.permissions(0777));
        assertTrue(AtomicFiles.createDirectory(run), "an existing world-writable run dir is reported");
        assertEquals(0755, AtomicFiles.modeOf(run, -1));
        Files.setPosixFilePermissions(run, AtomicFiles.permissions(0700));
        assertFalse(AtomicFiles.createDirectory(run));
        assertEquals(0700, AtomicFiles.modeOf(run, -1), "a stricter mode is kept");
    }

    @Test
    void replaceKeepsModeAndRefusesAMissingFile() throws Exception {
        Path f = dir.resolve("l.conflist");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, AtomicFiles.permissions(0604));
        AtomicFiles.replace(f, "new".getBytes(), 0600);
        assertEquals(0604, AtomicFiles.modeOf(f, -1));
        assertEquals("new", Files.readString(f));
        assertThrows(NoSuchFileException.class, () -> AtomicFiles.replace(dir.resolve("gone"), new byte[0], 0600));
        assertFalse(Files.exists(dir.resolve("gone")));
        AtomicFiles.rename(f, dir.resolve("m.conflist"));
        assertEquals(0604, AtomicFiles.modeOf(dir.resolve("m.conflist"), -1));
        assertEquals(List.of("m.conflist"), names());
    }

    @Test
    void replaceWritesThroughASymbolicLinkInTheLinkedFilesDirectory() throws Exception {
        Path other = Files.createDirectory(dir.resolve("elsewhere"));
        Path real = other.resolve("real.conflist");
        Files.writeString(real, "old");
        Files.setPosixFilePermissions(real, AtomicFiles.permissions(0640));
        Path link = Files.createSymbolicLink(dir.resolve("10-x.conflist"), Path.of("elsewhere/real.conflist"));
        AtomicFiles.replace(link, "new".getBytes(), 0600);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals(0640, AtomicFiles.modeOf(real, -1));
        try (Stream<Path> s = Files.list(other)) {
            assertEquals(List.of("real.conflist"), s.map(p -> p.getFileName().toString()).toList());
        }
        Files.delete(real);
        assertThrows(NoSuchFileException.class, () -> AtomicFiles.replace(link, new byte[0], 0600),
                "a dangling link is a removed file");
        assertFalse(Files.exists(real));
    }

    @Test
    void ownTemporaryFilesAreToldApartFromEveryoneElses() throws Exception {
        String t = AtomicFiles.temporaryName("10-x.conflist");
        assertTrue(t.matches("10-x\\.conflist\\.tmp\\.[0-9a-z]{13}"), t);
        assertTrue(AtomicFiles.isOwnTemporary(t));
        for (String other : List.of("10-x.conflist", "10-x.conflist.tmp.bak", "10-x.conflist.tmp.1234567890",
                "a.tmp.0123456789ABC", "a.tmp.0123456789abcd", ".tmp.0123456789abc")) {
            assertFalse(AtomicFiles.isOwnTemporary(other), other);
        }
        Path ours = dir.resolve("10-x.conflist.tmp.0123456789abc");
        Path oursOfAnother = dir.resolve("istio-cni-kubeconfig.tmp.zzzzzzzzzzzzz");
        Files.writeString(ours, "half");
        Files.writeString(oursOfAnother, "half");
        Files.writeString(dir.resolve("10-x.conflist.tmp.bak"), "the user's");
        Files.writeString(dir.resolve("10-x.conflist"), "the user's");
        Files.createDirectory(dir.resolve("d.tmp.0123456789abc"));
        Files.createSymbolicLink(dir.resolve("l.tmp.0123456789abc"), dir.resolve("10-x.conflist"));
        assertEquals(List.of(ours), AtomicFiles.removeOwnLeftovers(dir, "10-x.conflist"));
        assertEquals(List.of(oursOfAnother), AtomicFiles.removeOwnLeftovers(dir, null));
        assertEquals(List.of("10-x.conflist", "10-x.conflist.tmp.bak", "d.tmp.0123456789abc", "l.tmp.0123456789abc"),
                names(), "a directory or a link is never ours");
        assertEquals(List.of(), AtomicFiles.removeOwnLeftovers(dir.resolve("missing"), null));
    }

    @Test
    void copyExecutable() throws Exception {
        Path src = Files.createDirectory(dir.resolve("src"));
        Path dst = Files.createDirectory(dir.resolve("dst"));
        Path exe = src.resolve("istio-cni");
        Files.writeString(exe, "#!/bin/sh\n");
        Files.setPosixFilePermissions(exe, AtomicFiles.permissions(0755));
        Files.writeString(dst.resolve("istio-cni.tmp.abc"), "leftover");
        assertTrue(AtomicFiles.copyExecutable(exe, dst));
        assertEquals(0755, AtomicFiles.modeOf(dst.resolve("istio-cni"), -1));
        assertArrayEquals(Files.readAllBytes(exe), Files.readAllBytes(dst.resolve("istio-cni")));
        try (Stream<Path> s = Files.list(dst)) {
            assertEquals(List.of("istio-cni"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertFalse(AtomicFiles.copyExecutable(exe, dst), "identical content and mode: untouched");
        Files.writeString(exe, "#!/bin/sh\necho 2\n");
        assertTrue(AtomicFiles.copyExecutable(exe, dst));
        assertEquals("#!/bin/sh\necho 2\n", Files.readString(dst.resolve("istio-cni")));
    }

    @Test
    void readRegularFilesSkipsDirectoriesAndFollowsLinks() throws Exception {
        Files.writeString(dir.resolve("b.conf"), "b");
        Files.createDirectory(dir.resolve("a.conflist"));
        Files.createSymbolicLink(dir.resolve("c.conf"), dir.resolve("b.conf"));
        Files.createSymbolicLink(dir.resolve("d.conf"), dir.resolve("missing"));
        Map<String, byte[]> files = AtomicFiles.readRegularFiles(dir);
        assertEquals(List.of("b.conf", "c.conf"), List.copyOf(files.keySet()));
        assertEquals("b", new String(files.get("c.conf")));
    }
}
