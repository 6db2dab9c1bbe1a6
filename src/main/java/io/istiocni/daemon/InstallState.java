package io.istiocni.daemon;

import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Readiness of the installation (install.md 9.1): false at start-up, true only while the last pass succeeded, the
 * installation was found valid and the watch runs; false again from the moment a change is seen, while a step fails
 * and once shutdown begins. Read by the readiness check and the {@code istio_cni_install_ready} gauge.
 */
@Singleton
public class InstallState {

    private final AtomicBoolean ready = new AtomicBoolean();

    public boolean isReady() {
        return ready.get();
    }

    /** @return the previous value */
    public boolean setReady(boolean value) {
        return ready.getAndSet(value);
    }
}
