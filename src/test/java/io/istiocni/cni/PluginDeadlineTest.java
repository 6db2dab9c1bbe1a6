package io.istiocni.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One deadline for the whole invocation (issue 10): past it the error object is printed once and the process ends
 * with status 1, whatever the pod's set-up is still waiting for; an answer that comes later is not printed too.
 */
class PluginDeadlineTest {

    static final Map<String, String> ADD = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS",
            "/var/run/netns/x", "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin");
    static final String CONF = "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"istio-cni\"}";

    @Test
    void pastTheDeadlineTheErrorIsPrintedOnceAndTheProcessEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch halted = new CountDownLatch(1);
        AtomicInteger status = new AtomicInteger(-1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long start = System.nanoTime();
        Thread plugin = Thread.ofPlatform().start(() -> PluginMain.run(new PodHandler() {
            @Override
            public void add(AddRequest request) {
                try {
                    release.await(); // the API server or the namespace never answers
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void check(AddRequest request) {
            }
        }, Duration.ofMillis(300), ADD, new ByteArrayInputStream(CONF.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), s -> {
                    status.set(s);
                    halted.countDown();
                }));
        assertTrue(halted.await(10, TimeUnit.SECONDS), "the deadline did not end the run");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 250, "ended after " + ms + " ms, before its deadline");
        assertEquals(1, status.get());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("\"code\": 999"), printed);
        assertTrue(printed.contains("istio-cni ADD did not finish within 0s"), printed);
        release.countDown(); // the late answer: not printed after the error
        plugin.join(10_000);
        assertEquals(printed, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAnswerInTimeStopsTheDeadline() throws Exception {
        AtomicInteger halts = new AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = PluginMain.run(new PodHandler() {
            @Override
            public void add(AddRequest request) {
            }

            @Override
            public void check(AddRequest request) {
            }
        }, Duration.ofSeconds(3), ADD, new ByteArrayInputStream(CONF.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), s -> halts.incrementAndGet());
        Thread.sleep(3500);
        assertEquals(0, status);
        assertEquals(0, halts.get());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"cniVersion\": \"1.0.0\""), out.toString());
    }
}
