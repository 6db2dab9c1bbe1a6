package io.istiocni.version;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The program's version, from {@code /istio-cni-version.properties} (filled in by the build). A leaf: every mode
 * prints it (the plugin's VERSION banner, the installer's first line, {@code istio-cni version}) without depending on
 * another mode's code.
 */
public final class Version {

    private Version() {
    }

    /** The project version, or {@code unknown} when the properties cannot be read. */
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/istio-cni-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
