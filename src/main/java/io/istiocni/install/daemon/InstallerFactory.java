package io.istiocni.install.daemon;

import java.util.List;
import java.util.Map;

/**
 * Builds the {@link Installer} from the command line and environment of {@code istio-cni install} (install.md 3):
 * the place where the config-merging core plugs in ({@link InstallCommand#factory}).
 */
@FunctionalInterface
public interface InstallerFactory {

    /**
     * @param args every argument after {@code install}, as given (including {@code --health-port} and
     *     {@code --monitoring-port}, which {@link DaemonPorts} reads as well)
     * @throws IllegalArgumentException a usage error: its message is printed as one line and the daemon exits 1
     */
    Installer create(List<String> args, Map<String, String> env);
}
