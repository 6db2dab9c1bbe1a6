package io.istiocni.cni;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** Runs {@link Plugin} on this process: its environment and standard streams, the real own-namespace check. */
public final class PluginMain {

    /**
     * One deadline for the whole invocation (issue 10), below kubelet's 2-minute runtime request timeout: the fetch
     * retries (30 attempts) and the apply commands are each bounded, their sum was not (100 concurrent ADDs against a
     * TLS endpoint on 2 cores ran 145 s each).
     */
    public static final Duration DEADLINE = Duration.ofSeconds(100);

    private PluginMain() {
    }

    /**
     * Runs one CNI invocation and returns the exit status. While it runs, {@code System.out} is pointed at stderr,
     * so that nothing but the result or error object can reach stdout, whatever a library prints.
     *
     * <p>Wiring: the plugin mode of the program (argv[0] {@code istio-cni} with {@code CNI_COMMAND} set, or
     * {@code istio-cni plugin}; see {@code io.istiocni.Main} and {@code cli.ModeSelector}) calls
     * {@code PluginMain.main(new PodRedirect())} without booting Quarkus ({@code cli.PluginProcess}).
     */
    public static int main(PodHandler handler) {
        return main(handler, DEADLINE);
    }

    /**
     * With {@code deadline}: past it, the error object {@code istio-cni <command> did not finish within <deadline>}
     * is printed (unless the result is being printed already) and the process halts with status 1.
     */
    public static int main(PodHandler handler, Duration deadline) {
        return run(handler, deadline, System.getenv(), System.in, System.out);
    }

    /**
     * As {@link #main(PodHandler, Duration)} with the environment, stdin and stdout given: the build's AOT training
     * runs the plugin's own path through here ({@code cli.PluginTraining}).
     */
    public static int run(PodHandler handler, Duration deadline, Map<String, String> env, InputStream stdin,
            PrintStream out) {
        return run(handler, deadline, env, stdin, out, status -> Runtime.getRuntime().halt(status));
    }

    /** As above, {@code halt} ending the process when the deadline passes (tests keep their JVM). */
    static int run(PodHandler handler, Duration deadline, Map<String, String> env, InputStream stdin,
            PrintStream out, IntConsumer halt) {
        OnceOut once = new OnceOut(out);
        PrintStream systemOut = System.out;
        System.setOut(System.err);
        String command = String.valueOf(env.get(CniEnvironment.COMMAND));
        Duration left = InProcessHandover.deadline(env, deadline); // a second process has what its first one left
        long deadlineAt = System.currentTimeMillis() + left.toMillis();
        Thread watchdog = Thread.ofPlatform().daemon().name("istio-cni-deadline").start(() -> {
            try {
                Thread.sleep(left);
            } catch (InterruptedException e) {
                return; // finished in time
            }
            InProcessHandover.stopRunning();
            if (!once.claim(OnceOut.WATCHDOG)) {
                return; // the answer is being printed
            }
            CniException e = CniException.internal("istio-cni " + command + " did not finish within "
                    + deadline.toSeconds() + "s (the API server or the pod's namespace did not answer in time)");
            try {
                handler.failed(command, e);
            } catch (RuntimeException ignored) {
                // logging must not change the outcome
            }
            out.print(Plugin.errorJson(CniVersions.LATEST, e));
            out.flush();
            halt.accept(1);
        });
        RecordedInput config = new RecordedInput(stdin);
        try {
            try {
                return Plugin.run(env, config, once, System.err, handler, NamespaceIdentity.system());
            } catch (InProcessHandover.Requested handover) {
                Optional<InProcessHandover> second = InProcessHandover.of(env);
                if (second.isPresent()) {
                    try {
                        InProcessHandover.Answer answer = second.get().run(env, config.bytes(),
                                deadlineAt - InProcessHandover.MARGIN.toMillis(), System.err);
                        if (!answer.none()) {
                            once.write(answer.stdout()); // dropped if this process's deadline has printed already
                            once.flush();
                            return answer.status();
                        }
                    } catch (IOException e) {
                        // not started
                    }
                }
                // no second process, or one that ended without an answer: the work is done here after all
                Map<String, String> here = new HashMap<>(env);
                here.put(InProcessHandover.IN_PROCESS_ENV, "1");
                return Plugin.run(here, new ByteArrayInputStream(config.bytes()), once, System.err, handler,
                        NamespaceIdentity.system());
            }
        } finally {
            watchdog.interrupt();
            out.flush();
            System.setOut(systemOut);
        }
    }

    /** stdin as the plugin reads it, kept for a second process (it is read once, and only when needed). */
    private static final class RecordedInput extends FilterInputStream {
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        RecordedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                copy.write(buf, off, n);
            }
            return n;
        }

        byte[] bytes() {
            return copy.toByteArray();
        }
    }

    /** stdout written by one party only: the invocation's answer or the deadline's error, whichever comes first. */
    private static final class OnceOut extends PrintStream {
        static final int MAIN = 1;
        static final int WATCHDOG = 2;
        private final AtomicInteger owner = new AtomicInteger();
        private final PrintStream target;

        OnceOut(PrintStream target) {
            super(target, false);
            this.target = target;
        }

        boolean claim(int who) {
            return owner.compareAndSet(0, who) || owner.get() == who;
        }

        @Override
        public void write(byte[] buf, int off, int len) {
            if (claim(MAIN)) {
                target.write(buf, off, len);
            }
        }

        @Override
        public void write(int b) {
            if (claim(MAIN)) {
                target.write(b);
            }
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
