package io.istiocni.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryQueueTest {

    @Test
    void keysAreDeduplicatedAndReQueuedWhenAddedDuringProcessing() throws Exception {
        RetryQueue q = new RetryQueue();
        q.add("a/p");
        q.add("a/p");
        q.add("a/q");
        assertEquals(2, q.size());
        assertEquals("a/p", q.take());
        q.add("a/p"); // event while processing
        assertEquals("a/q", q.take());
        q.done("a/q");
        q.done("a/p");
        assertEquals("a/p", q.take());
        q.done("a/p");
        assertEquals(0, q.size());
        q.shutDown();
        assertNull(q.take());
    }

    @Test
    void backOffDoublesFrom5msAndIsCapped() {
        AtomicLong now = new AtomicLong(0);
        RetryQueue q = new RetryQueue(now::get);
        long[] expected = {5, 10, 20, 40, 80};
        for (long ms : expected) {
            assertEquals(TimeUnit.MILLISECONDS.toNanos(ms), q.addRateLimited("k"));
        }
        for (int i = 0; i < 40; i++) {
            q.addRateLimited("k");
        }
        assertEquals(RetryQueue.MAX_DELAY_NANOS, q.addRateLimited("k"));
        q.forget("k");
        assertEquals(0, q.failures("k"));
    }

    @Test
    void queueWideBucketLimitsRetriesAfterTheBurst() {
        AtomicLong now = new AtomicLong(0);
        RetryQueue q = new RetryQueue(now::get);
        for (int i = 0; i < 100; i++) {
            assertEquals(TimeUnit.MILLISECONDS.toNanos(5), q.addRateLimited("k" + i));
        }
        assertEquals(TimeUnit.MILLISECONDS.toNanos(100), q.addRateLimited("x")); // 10 per second after burst 100
    }

    @Test
    void delayedKeyComesBack() throws Exception {
        RetryQueue q = new RetryQueue();
        q.add("k");
        assertEquals("k", q.take());
        // timed from before the key is queued: a pause of this thread after addRateLimited cannot eat into the wait
        long start = System.nanoTime();
        long delay = q.addRateLimited("k");
        q.done("k");
        assertEquals("k", q.take());
        long waited = System.nanoTime() - start;
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), delay);
        assertEquals(true, waited >= delay, "waited " + waited + " ns for a back-off of " + delay + " ns");
    }
}
