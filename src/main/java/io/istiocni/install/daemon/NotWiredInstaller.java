package io.istiocni.install.daemon;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Stand-in until the install core is wired into {@link InstallCommand#factory}: every pass fails (so the daemon
 * runs, serves its probes not-ready and retries, as install.md 11 wants for any failure) and there is nothing to
 * clean up.
 */
final class NotWiredInstaller implements Installer {

    static Installer create(List<String> args, Map<String, String> env) {
        return new NotWiredInstaller();
    }

    @Override
    public void installOnce() throws InstallException {
        throw new InstallException(Step.CREATE_CNI_CONFIG, "the installer core is not wired into this build yet");
    }

    @Override
    public Watch watch() throws IOException {
        throw new IOException("nothing to watch");
    }

    @Override
    public boolean stillInstalled() {
        return false;
    }

    @Override
    public void cleanUp() {
    }

}
