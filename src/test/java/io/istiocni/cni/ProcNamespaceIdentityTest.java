package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real own-namespace check (plugin.md 3.7) against this process's own namespace. */
class ProcNamespaceIdentityTest {

    private final NamespaceIdentity real = NamespaceIdentity.system();

    @Test
    void ownNamespaceRecognised() throws Exception {
        assertTrue(real.isOwnNamespace("/proc/thread-self/ns/net"));
        assertTrue(real.isOwnNamespace("/proc/self/ns/net"));
        assertTrue(real.isOwnNamespace("/proc/" + ProcessHandle.current().pid() + "/ns/net"));
    }

    @Test
    void anythingElsePasses(@TempDir Path dir) throws Exception {
        assertFalse(real.isOwnNamespace(""));
        assertFalse(real.isOwnNamespace(null));
        assertFalse(real.isOwnNamespace(dir.resolve("missing").toString()));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertFalse(real.isOwnNamespace(file.toString()));
        assertFalse(real.isOwnNamespace("/proc/self/ns/mnt"));
        assertFalse(real.isOwnNamespace("bad\0path"));
    }

    @Test
    void ownNamespaceUnknown(@TempDir Path dir) throws Exception {
        NamespaceIdentity broken = new ProcNamespaceIdentity(dir.resolve("no-such-ns"));
        CniException e = assertThrows(CniException.class, () -> broken.isOwnNamespace("/proc/self/ns/net"));
        assertEquals(8, e.code());
        assertEquals("get plugin's netns failed", e.msg());
        // an unopenable target is checked first and passes
        assertFalse(broken.isOwnNamespace(dir.resolve("missing").toString()));
    }
}
