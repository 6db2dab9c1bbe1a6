package io.istiocni.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Device and inode of the file a path leads to (links followed, as {@code stat} does): two namespace files name the
 * same namespace exactly when these are equal.
 */
public record FileIdentity(long device, long inode) {

    public static FileIdentity of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
        if (!(a.get("dev") instanceof Number dev) || !(a.get("ino") instanceof Number ino)) {
            throw new IOException("no device/inode for " + path);
        }
        return new FileIdentity(dev.longValue(), ino.longValue());
    }
}
