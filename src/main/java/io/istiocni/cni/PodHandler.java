package io.istiocni.cni;

/**
 * The pod-handling logic behind ADD and CHECK (plugin.md 7, 3.4), called by {@link Plugin} once the protocol
 * checks and the parsing of the configuration, {@code prevResult} and {@code CNI_ARGS} (steps 1-2 of section 7)
 * have passed.
 */
public interface PodHandler {

    /**
     * Steps 3-11 of ADD. Returning normally is success: the plugin then prints the result (5.3). A failure is
     * thrown as a {@link CniException} (999 for the plugin's own failures); any other exception is reported as
     * {@code istio-cni panicked during cmdAdd: <reason>}.
     */
    void add(AddRequest request) throws CniException;

    /** CHECK (3.4): success returns normally; stdout stays empty. */
    void check(AddRequest request) throws CniException;

    /**
     * STATUS (CNI 1.1.0), after the version checks: returns normally when an ADD could succeed now, else throws
     * error 50. The network configuration has been parsed as for ADD.
     */
    default void status(NetConf conf) throws CniException {
        AddReadiness.check(conf);
    }

    /**
     * Told about every error object the plugin is about to print, for any command, so that it can be logged (plugin.md
     * 9: every failure returned to the runtime at error level). {@code error.getCause()} holds the unexpected
     * exception behind a 999 "panicked" error. Must not throw; exceptions are ignored.
     */
    default void failed(String command, CniException error) {
    }
}
