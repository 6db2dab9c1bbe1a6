package io.istiocni.cni;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

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
     * {@code System.exit(PluginMain.main(new PodRedirect(...)))} without booting Quarkus.
     */
    public static int main(PodHandler handler) {
        return main(handler, DEADLINE);
    }

    /**
     * With {@code deadline}: past it, the error object {@code istio-cni <command> did not finish within <deadline>}
     * is printed (unless the result is being printed already) and the process halts with status 1.
     */
    public static int main(PodHandler handler, Duration deadline) {
        PrintStream out = System.out;
        OnceOut once = new OnceOut(out);
        System.setOut(System.err);
        String command = String.valueOf(System.getenv(CniEnvironment.COMMAND));
        Thread watchdog = Thread.ofPlatform().daemon().name("istio-cni-deadline").start(() -> {
            try {
                Thread.sleep(deadline);
            } catch (InterruptedException e) {
                return; // finished in time
            }
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
            Runtime.getRuntime().halt(1);
        });
        try {
            return Plugin.run(System.getenv(), System.in, once, System.err, handler, NamespaceIdentity.system());
        } finally {
            watchdog.interrupt();
            out.flush();
            System.setOut(out);
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
