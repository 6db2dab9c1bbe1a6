package io.istiocni.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The skip-or-fail policy, with this run's own CI setting and uid. */
class HostCapabilitiesTest {

    @Test
    void aMissingCommandFailsUnderCiAsRootAndIsSkippedOtherwise() {
        Class<? extends Throwable> expected = HostCapabilities.strict() ? AssertionFailedError.class
                : TestAbortedException.class;
        Throwable t = assertThrows(expected, () -> HostCapabilities.requireCommand("istio-cni-no-such-tool", "-v"));
        assertTrue(t.getMessage().contains("`istio-cni-no-such-tool -v` not found"), t.getMessage());
        assertThrows(expected, () -> HostCapabilities.requireFile(Path.of("/nonexistent/istio-cni-plugin")));
    }

    @Test
    void aCommandThatFailsCountsAsMissing() {
        Class<? extends Throwable> expected = HostCapabilities.strict() ? AssertionFailedError.class
                : TestAbortedException.class;
        Throwable t = assertThrows(expected, () -> HostCapabilities.requireCommand("false"));
        assertTrue(t.getMessage().contains("failed with exit code 1"), t.getMessage());
    }

    @Test
    void refusedUserNamespacesAreAlwaysASkip() {
        assertThrows(TestAbortedException.class, () -> HostCapabilities.userNamespacesRefused("EPERM"));
    }

    @Test
    void presentCommandsPass() {
        HostCapabilities.requireCommand("true");
        assertNotNull(HostCapabilities.locate("sh"));
        assertNull(HostCapabilities.locate("istio-cni-no-such-tool"));
    }
}
