package io.istiocni.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The one way tests wait for something to happen: Awaitility with one budget ({@link #TIMEOUT}) and a short poll
 * interval. A condition that is not met within the budget fails the test with its description; nothing waits
 * open-ended, and nothing sleeps a fixed time in the hope that something has (or has not) happened by then.
 */
public final class Await {

    /** Long enough for anything legitimate on a loaded 2-core machine; a hang fails in well under a minute. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    public static final Duration POLL = Duration.ofMillis(5);

    private Await() {
    }

    /** An Awaitility condition factory with the shared budget, polling at once and then every {@link #POLL}. */
    public static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(POLL);
    }

    /** Waits until {@code condition} holds (failing after {@link #TIMEOUT}); returns the time it took, in ns. */
    public static long until(String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        await(what).until(condition::getAsBoolean);
        return System.nanoTime() - start;
    }
}
