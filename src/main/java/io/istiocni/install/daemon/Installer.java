package io.istiocni.install.daemon;

import java.io.IOException;
import java.time.Duration;

/**
 * What the daemon loop drives (install.md 5-8, 10): the config-merging core implements it, the loop
 * ({@link InstallLoop}) only sequences the calls, keeps readiness and metrics and handles shutdown.
 *
 * <p>Calls come from one thread at a time: the loop thread, then (after the loop has ended or did not end within its
 * grace time) the shutdown thread for {@link #cleanUp()}.
 */
public interface Installer {

    /**
     * One full install pass (install.md 5, 7): copy the executable(s), write the kubeconfig, check or write the CNI
     * config. May block while waiting for a config to appear (6.4); such waits must end with
     * {@link InterruptedException} when the thread is interrupted (shutdown).
     *
     * @throws InstallException naming the step that failed (one line, names the file and the problem)
     */
    void installOnce() throws InstallException, InterruptedException;

    /**
     * Starts watching what the installation depends on (install.md 8 step 1: the conf dir, the service-account dir,
     * our executables in the target bin dirs). Called after a successful pass <em>before</em>
     * {@link #stillInstalled()}, so that no change between the check and the wait is lost; also used to wake up a
     * retry early after a failed pass.
     */
    Watch watch() throws IOException;

    /**
     * Whether {@link #installOnce()} is blocked waiting for a config to appear (6.4): the loop then interrupts it at
     * once on shutdown instead of giving it a grace time.
     */
    default boolean isWaiting() {
        return false;
    }

    /** The name of the CNI config file the installation writes into, once known (for hints in warnings); "" before. */
    default String configFileName() {
        return "";
    }

    /** install.md 8 step 2: the written config still holds our entry (or our standalone file is still there). */
    boolean stillInstalled();

    /**
     * install.md 10 steps 1-3: remove our entry / standalone file, the kubeconfig and the executable; does every step
     * it can, then throws if one of them failed.
     */
    void cleanUp() throws Exception;

    /** A running watch; closed by the loop when it stops waiting. */
    interface Watch extends AutoCloseable {

        /**
         * Waits at most {@code timeout} for a relevant event (created, written, removed, moved; an overflow counts).
         *
         * @return true if something changed, false on time-out
         */
        boolean awaitChange(Duration timeout) throws InterruptedException;

        @Override
        void close();
    }

    /** A failed step of a pass; {@link Step} selects the {@code istio_cni_installs_total} result label. */
    final class InstallException extends Exception {
        private final Step step;

        public InstallException(Step step, String message) {
            super(message);
            this.step = step;
        }

        public InstallException(Step step, String message, Throwable cause) {
            super(message, cause);
            this.step = step;
        }

        public Step step() {
            return step;
        }
    }

    /** The steps of a pass, with Istio's metric result values (install.md 9.3). */
    enum Step {
        COPY_BINARIES("COPY_BINARIES_FAILURE"),
        CREATE_KUBECONFIG("CREATE_KUBECONFIG_FAILURE"),
        CREATE_CNI_CONFIG("CREATE_CNI_CONFIG_FAILURE");

        private final String failureResult;

        Step(String failureResult) {
            this.failureResult = failureResult;
        }

        public String failureResult() {
            return failureResult;
        }
    }
}
