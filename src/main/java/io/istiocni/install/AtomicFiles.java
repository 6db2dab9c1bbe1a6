package io.istiocni.install;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The only I/O of the installer's core (install.md 5.1, 7.5): atomic writes (temporary file {@code <name>.tmp.<random>}
 * in the same directory, created with the target's mode, write, fsync, rename over the target; the temporary file
 * removed on failure), the atomic copy of an executable, reading a directory's regular files, and the run directory.
 *
 * <p>A temporary file has its final mode from the moment it exists: it is created with that mode (the umask can only
 * take bits away) and set to it exactly before the first byte is written, so no other local user can open it in
 * between and read what is written next (a token, say).
 */
public final class AtomicFiles {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TEMPORARY_SUFFIX = ".tmp.";
    /** Enough base-36 digits for any 64-bit value. */
    private static final int TEMPORARY_SUFFIX_LENGTH = 13;
    private static final Pattern OWN_TEMPORARY = Pattern.compile(".+\\.tmp\\.[0-9a-z]{13}");

    private AtomicFiles() {
    }

    /** Writes {@code content} to {@code target} atomically with the permission bits {@code mode} (umask ignored). */
    public static void write(Path target, byte[] content, int mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(temporaryName(target.getFileName().toString()));
        try {
            Set<PosixFilePermission> perms = permissions(mode);
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(perms))) {
                Files.setPosixFilePermissions(tmp, perms); // the umask may have removed bits; still empty here
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(dir);
    }

    /**
     * Writes {@code content} over the existing file {@code target}, keeping its mode (chained configs, 7.5). A target
     * that is a symbolic link stays one: the file it points to is replaced, atomically in that file's own directory.
     *
     * @throws NoSuchFileException when the target no longer exists ("removed during configuration"): it is not
     *                             re-created
     */
    public static void replace(Path target, byte[] content, int fallbackMode) throws IOException {
        Path file;
        try {
            file = target.toRealPath();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(target.toString(), null, "removed during configuration");
        }
        if (!file.getParent().equals(target.toAbsolutePath().getParent())) {
            removeOwnLeftovers(file.getParent(), file.getFileName().toString()); // outside the dirs swept at start
        }
        write(file, content, modeOf(file, fallbackMode));
    }

    /**
     * Creates the directory {@code dir} (and missing parents) with mode {@code 0755}, never writable by others whatever
     * the umask; an existing directory that group or others may write loses those bits.
     *
     * @return true when an existing directory's mode had to be changed (for the caller to log)
     */
    public static boolean createDirectory(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(permissions(0755)));
        int mode = modeOf(dir, -1);
        if (mode >= 0 && (mode & 0022) != 0) {
            Files.setPosixFilePermissions(dir, permissions(mode & ~0022));
            return true;
        }
        return false;
    }

    /** Renames {@code from} to {@code to} atomically (replacing {@code to}). */
    public static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(to.toAbsolutePath().getParent());
    }

    /**
     * Copies the executable {@code source} into {@code targetDir} under the same name, atomically and with the
     * source's mode (5.1); leftovers {@code <name>.tmp.*} of an interrupted copy are removed first.
     *
     * @return false when the target already had the same content and mode (nothing written)
     */
    public static boolean copyExecutable(Path source, Path targetDir) throws IOException {
        String name = source.getFileName().toString();
        removeLeftovers(targetDir, name);
        byte[] bytes = Files.readAllBytes(source);
        int mode = modeOf(source, 0755);
        Path target = targetDir.resolve(name);
        if (Files.isRegularFile(target) && modeOf(target, -1) == mode
                && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
            return false;
        }
        write(target, bytes, mode);
        return true;
    }

    /** Removes {@code <name>.tmp.*} in {@code dir}; failures are ignored (the caller may log). */
    public static void removeLeftovers(Path dir, String name) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob(name) + ".tmp.*")) {
            for (Path p : ds) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // only logged by Istio
                }
            }
        } catch (IOException ignored) {
            // the directory may not exist yet
        }
    }

    /** {@code <name>.tmp.<13 base-36 digits>}: Istio's form, with a length that tells our own files apart. */
    static String temporaryName(String name) {
        String random = Long.toUnsignedString(RANDOM.nextLong(), 36);
        return name + ".tmp." + "0".repeat(TEMPORARY_SUFFIX_LENGTH - random.length()) + random;
    }

    /** Whether {@code fileName} is a temporary file of {@link #write} (left behind by a process killed mid-write). */
    public static boolean isOwnTemporary(String fileName) {
        return OWN_TEMPORARY.matcher(fileName).matches();
    }

    /**
     * Removes the regular files in {@code dir} that are temporary files of {@link #write} ({@link #isOwnTemporary}),
     * of the target {@code name} or, when null, of any target; nothing else is ever touched (no user's file, no link).
     *
     * @return the removed files (a directory that cannot be listed gives none)
     */
    public static List<Path> removeOwnLeftovers(Path dir, String name) {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (isOwnTemporary(n) && (name == null || n.length() == name.length() + TEMPORARY_SUFFIX.length()
                        + TEMPORARY_SUFFIX_LENGTH && n.startsWith(name + TEMPORARY_SUFFIX))
                        && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        if (Files.deleteIfExists(p)) {
                            removed.add(p);
                        }
                    } catch (IOException ignored) {
                        // tried again at the next start or cleanup
                    }
                }
            }
        } catch (IOException ignored) {
            // the directory may not exist (yet)
        }
        return removed;
    }

    /**
     * The regular files directly in {@code dir} (symbolic links followed, directories left out), name to content,
     * sorted by name; a null content for a file that could not be read.
     */
    public static Map<String, byte[]> readRegularFiles(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>(ConfJson::compareBytes);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                byte[] content;
                try {
                    content = Files.readAllBytes(p);
                } catch (IOException e) {
                    content = null;
                }
                out.put(p.getFileName().toString(), content);
            }
        }
        return out;
    }

    /** The permission bits of {@code file}, or {@code fallback} when they cannot be read. */
    public static int modeOf(Path file, int fallback) {
        try {
            int mode = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
                mode |= 1 << (8 - p.ordinal());
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return fallback;
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    /** Mode bits as {@code rw-r--r--}. */
    public static String describe(int mode) {
        return PosixFilePermissions.toString(permissions(mode));
    }

    private static String glob(String name) {
        return name.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every file system lets a directory be synced
        }
    }
}
