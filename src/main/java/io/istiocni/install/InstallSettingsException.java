package io.istiocni.install;

/**
 * A usage error in the installer's settings (install.md section 3): an unknown flag, a value that does not parse, an
 * unsupported mode ({@code AMBIENT_ENABLED=true}). One line naming the setting (as the
 * flag or environment variable it came from) and the value; the command exits 1.
 */
public class InstallSettingsException extends IllegalArgumentException {

    public InstallSettingsException(String message) {
        super(message);
    }
}
