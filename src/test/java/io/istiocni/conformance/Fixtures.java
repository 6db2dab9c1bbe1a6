package io.istiocni.conformance;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The conformance fixtures every test reads: the in-repository copy under {@code src/test/resources/conformance}
 * (on the test class path as {@code /conformance}). {@link SharedCopyTest} keeps it equal to {@code ../shared}
 * when that directory is present; nothing else looks there.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /** The fixture set {@code name} ({@code capture}, {@code pod}, {@code install}, {@code nft}). */
    public static Path dir(String name) {
        Path dir = root().resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("fixture set missing from the test class path: " + dir);
        }
        return dir;
    }

    static Path root() {
        URL url = Fixtures.class.getResource("/conformance");
        if (url == null) {
            throw new AssertionError("/conformance is not on the test class path (src/test/resources/conformance)");
        }
        try {
            return Path.of(url.toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new AssertionError("unusable class path location " + url, e);
        }
    }
}
