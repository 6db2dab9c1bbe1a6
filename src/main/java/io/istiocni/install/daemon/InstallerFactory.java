package io.istiocni.install.daemon;

import io.istiocni.install.InstallSettings;

/**
 * Builds the {@link Installer} from the settings of {@code istio-cni install} (install.md 3): the place where the
 * config-merging core plugs in ({@code cli.InstallCommand#factory}).
 */
@FunctionalInterface
public interface InstallerFactory {

    /** @throws IllegalArgumentException a usage error: its message is printed as one line and the daemon exits 1 */
    Installer create(InstallSettings settings);
}
