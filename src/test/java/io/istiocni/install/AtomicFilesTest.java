package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
