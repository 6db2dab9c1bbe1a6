package io.istiocni.cni.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The plugin's rolling log file on the node ({@code <run dir>/istio-cni.log}, plugin.md 9). Many plugin processes
 * write it at once, so every line is one {@code write(2)} on a descriptor opened with {@code O_APPEND} (opened per
 * line, so lines written after a rotation land in the new file). When the file passes the size limit it is renamed
 * to {@code istio-cni.log.1} (replacing the previous one: one old file is kept); the rotation is done under an
 * exclusive lock on the file and re-checks the size by path, so two processes rotating at once rename it only once.
 * An old file older than the age limit is deleted. Every failure is ignored.
 */
final class RollingFile {

    static final String NAME = "istio-cni.log";
    static final String BACKUP_SUFFIX = ".1";

    /** {@link FileChannel#lock} is per process; threads of one JVM serialize here. */
    private static final Object JVM_LOCK = new Object();
    private static final Set<OpenOption> OPTIONS = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    private static final FileAttribute<?> MODE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static volatile boolean posix = true;

    private final Path file;
    private final Path backup;
    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private boolean ageChecked;

    RollingFile(Path dir, long maxBytes, Duration maxAge, Clock clock) {
        this.file = dir.resolve(NAME);
        this.backup = dir.resolve(NAME + BACKUP_SUFFIX);
        this.maxBytes = maxBytes;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    Path file() {
        return file;
    }

    Path backup() {
        return backup;
    }

    /** Appends one line (the bytes must end with a newline); never throws. */
    void append(byte[] line) {
        try {
            if (!ageChecked) {
                ageChecked = true;
                dropOldBackup();
            }
            try (FileChannel ch = open()) {
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (ch.size() > maxBytes) {
                    rotate(ch);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a log sink never fails the plugin
        }
    }

    private FileChannel open() throws IOException {
        if (posix) {
            try {
                return FileChannel.open(file, OPTIONS, MODE_0600);
            } catch (UnsupportedOperationException e) {
                posix = false;
            }
        }
        return FileChannel.open(file, OPTIONS);
    }

    private void rotate(FileChannel ch) throws IOException {
        synchronized (JVM_LOCK) {
            try (FileLock lock = ch.lock()) {
                long size;
                try {
                    size = Files.size(file);
                } catch (NoSuchFileException e) {
                    return; // renamed by another process, nobody has written since
                }
                if (size <= maxBytes) {
                    return; // another process rotated it already: this is the new file
                }
                Files.move(file, backup, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private void dropOldBackup() throws IOException {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(backup);
        } catch (NoSuchFileException e) {
            return;
        }
        if (modified.toInstant().isBefore(clock.instant().minus(maxAge))) {
            Files.deleteIfExists(backup);
        }
    }
}
