package io.istiocni.repair;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The controller's work queue (repair.md 3.1), after client-go's rate-limited queue: keys are de-duplicated (a key
 * added while queued is queued once; added while being processed, it is processed again afterwards), failed keys
 * come back after a per-key exponential back-off (5 ms doubling, capped at 1000 s) that is combined (the larger
 * delay wins) with a queue-wide token bucket of 10 retries per second, burst 100. One consumer.
 */
final class RetryQueue {

    static final long BASE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1000);
    static final double BUCKET_RATE_PER_SECOND = 10;
    static final double BUCKET_BURST = 100;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LongSupplier clock;
    private final LinkedHashSet<String> ready = new LinkedHashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final Set<String> dirty = new HashSet<>();
    private final Map<String, Long> waitingUntil = new HashMap<>();
    private final PriorityQueue<Map.Entry<String, Long>> waiting =
            new PriorityQueue<>((a, b) -> Long.compare(a.getValue(), b.getValue()));
    private final Map<String, Integer> failures = new HashMap<>();
    private double tokens = BUCKET_BURST;
    private long tokensAt;
    private boolean shutdown;

    RetryQueue() {
        this(System::nanoTime);
    }

    RetryQueue(LongSupplier clock) {
        this.clock = clock;
        this.tokensAt = clock.getAsLong();
    }

    /** Queues a key now (an event for the pod). */
    void add(String key) {
        lock.lock();
        try {
            if (shutdown) {
                return;
            }
            if (processing.contains(key)) {
                dirty.add(key);
            } else if (ready.add(key)) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues a key again after its back-off (a failed reconciliation). @return the delay chosen, in nanoseconds */
    long addRateLimited(String key) {
        lock.lock();
        try {
            int n = failures.merge(key, 1, Integer::sum);
            long backoff = n - 1 >= 40 ? MAX_DELAY_NANOS : Math.min(MAX_DELAY_NANOS, BASE_DELAY_NANOS << (n - 1));
            long delay = Math.max(backoff, reserveToken());
            long due = clock.getAsLong() + delay;
            Long previous = waitingUntil.get(key);
            if (previous == null || due < previous) {
                waitingUntil.put(key, due);
                waiting.add(Map.entry(key, due));
                changed.signalAll();
            }
            return delay;
        } finally {
            lock.unlock();
        }
    }

    /** How many times in a row the key has failed (0 after {@link #forget}). */
    int failures(String key) {
        lock.lock();
        try {
            return failures.getOrDefault(key, 0);
        } finally {
            lock.unlock();
        }
    }

    /** Resets the key's back-off (success, or retry budget exhausted). */
    void forget(String key) {
        lock.lock();
        try {
            failures.remove(key);
        } finally {
            lock.unlock();
        }
    }

    /** The next key to process, blocking; null after {@link #shutDown}. The caller must call {@link #done}. */
    String take() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (shutdown) {
                    return null;
                }
                promoteDue();
                if (!ready.isEmpty()) {
                    String key = ready.iterator().next();
                    ready.remove(key);
                    processing.add(key);
                    return key;
                }
                Map.Entry<String, Long> next = waiting.peek();
                if (next == null) {
                    changed.await();
                } else {
                    changed.awaitNanos(Math.max(1, next.getValue() - clock.getAsLong()));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The key's processing has ended; it is queued again if an event came meanwhile. */
    void done(String key) {
        lock.lock();
        try {
            processing.remove(key);
            if (dirty.remove(key) && !shutdown) {
                ready.add(key);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    void shutDown() {
        lock.lock();
        try {
            shutdown = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Keys queued or waiting (for tests). */
    int size() {
        lock.lock();
        try {
            return ready.size() + waitingUntil.size();
        } finally {
            lock.unlock();
        }
    }

    private void promoteDue() {
        long now = clock.getAsLong();
        while (!waiting.isEmpty() && waiting.peek().getValue() - now <= 0) {
            Map.Entry<String, Long> e = waiting.poll();
            Long current = waitingUntil.get(e.getKey());
            if (current == null || !current.equals(e.getValue())) {
                continue; // superseded by an earlier due time
            }
            waitingUntil.remove(e.getKey());
            if (processing.contains(e.getKey())) {
                dirty.add(e.getKey());
            } else {
                ready.add(e.getKey());
            }
        }
    }

    /** Token bucket (golang.org/x/time/rate reservation): the wait before the next retry may run. */
    private long reserveToken() {
        long now = clock.getAsLong();
        tokens = Math.min(BUCKET_BURST, tokens + (now - tokensAt) / 1e9 * BUCKET_RATE_PER_SECOND);
        tokensAt = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / BUCKET_RATE_PER_SECOND * 1e9);
    }
}
