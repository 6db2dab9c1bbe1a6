package io.istiocni.settings;

/**
 * A usage error in the settings: an unknown flag, a flag without its value, a value that does not parse or is
 * refused. One line naming the setting (as the flag or environment variable it came from) and the value; the
 * commands print it and exit 1.
 */
public class SettingsException extends IllegalArgumentException {

    public SettingsException(String message) {
        super(message);
    }
}
