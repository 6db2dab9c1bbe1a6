package io.istiocni.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which user namespace owns a network namespace, on real namespaces (root). */
class OwnerUserNamespaceTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        ScratchNamespace.assumeAvailable();
    }

    /** Device and inode: what makes two namespace files the same namespace. */
    private static Object identity(Path p) throws IOException {
        return Files.readAttributes(p, "unix:dev,ino");
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path own() {
        return Path.of("/proc/self/ns/user");
    }

    @Test
    void anOrdinaryPodNamespaceBelongsToTheHostsUserNamespace() throws IOException {
        try (ScratchNamespace ns = ScratchNamespace.create()) {
            assertNull(OwnerUserNamespace.of(ns.path()));
        }
    }

    @Test
    void aNamespaceMadeInAUserNamespaceIsOwnedByIt() throws Exception {
        try (ScratchNamespace ns = ScratchNamespace.createInOwnUserNamespace()) {
            Object expected = identity(Path.of(ns.holderUserNamespace())); // kept: its process ends below
            assertFalse(expected.equals(identity(own())), "the test namespace must not be ours");
            // the kernel's answer holds with nobody left in the namespace (CRI-O pins namespaces that way)
            ns.stopHolder();
            try (OwnerUserNamespace owner = OwnerUserNamespace.of(ns.path())) {
                assertNotNull(owner);
                assertTrue(owner.path().startsWith("/proc/" + ProcessHandle.current().pid() + "/fd/"), owner.path());
                assertEquals(expected, identity(Path.of(owner.path())));
                // a child process (as nsenter is) can open it while we hold it
                CommandRunner.Result r = new ProcessCommandRunner(ns.path(), owner.path(),
                        ProcessCommandRunner.DEFAULT_TIMEOUT).run("cat", "/proc/self/uid_map");
                assertTrue(r.ok(), r.diagnostic());
                assertEquals(java.util.List.of("0", String.valueOf(ScratchNamespace.USERNS_BASE_ID), "65536"),
                        java.util.List.of(r.stdout().strip().split("\\s+")));
            }
        }
    }

    @Test
    void closingReleasesTheDescriptor() throws Exception {
        try (ScratchNamespace ns = ScratchNamespace.createInOwnUserNamespace()) {
            OwnerUserNamespace owner = OwnerUserNamespace.of(ns.path());
            assertNotNull(owner);
            Path held = Path.of(owner.path());
            assertTrue(Files.exists(held));
            owner.close();
            assertFalse(Files.exists(held), "descriptor still open after close()");
        }
    }

    @Test
    void withoutTheSystemCallAProcessInTheNamespaceAnswers() throws Exception {
        try (ScratchNamespace ns = ScratchNamespace.createInOwnUserNamespace();
             ScratchNamespace plain = ScratchNamespace.create()) {
            OwnerUserNamespace owner = OwnerUserNamespace.fromProcesses(Path.of(ns.path()), Path.of("/proc"), own());
            assertNotNull(owner);
            assertTrue(Files.isSameFile(Path.of(ns.holderUserNamespace()), Path.of(owner.path())));
            // a namespace with a process of ours in it: ours
            Process inPlain = new ProcessBuilder("ip", "netns", "exec", plain.name(), "sleep", "30").start();
            try {
                Await.until("ip netns exec entered " + plain.name(), () -> sameFile(
                        Path.of("/proc/" + inPlain.pid() + "/ns/net"), Path.of(plain.path())));
                assertNull(OwnerUserNamespace.fromProcesses(Path.of(plain.path()), Path.of("/proc"), own()));
            } finally {
                inPlain.destroyForcibly();
                inPlain.waitFor();
            }
            // nobody in it and no system call: it cannot be told
            ns.stopHolder();
            IOException e = assertThrows(IOException.class,
                    () -> OwnerUserNamespace.fromProcesses(Path.of(ns.path()), Path.of("/proc"), own()));
            assertTrue(e.getMessage().startsWith("cannot tell which user namespace owns " + ns.path()), e.getMessage());
        }
    }

    @Test
    void aFileThatIsNotANamespaceIsAnError() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-netns"), "x");
        IOException e = assertThrows(IOException.class, () -> OwnerUserNamespace.of(file.toString()));
        assertTrue(e.getMessage().contains("not a namespace file"), e.getMessage());
        assertThrows(IOException.class, () -> OwnerUserNamespace.of(tmp.resolve("missing").toString()));
    }
}
