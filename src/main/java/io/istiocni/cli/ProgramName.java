package io.istiocni.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** argv[0] as the caller gave it: the JVM launcher passes it as a property; a native executable reads it itself. */
public final class ProgramName {

    public static final String PROPERTY = "istio.cni.argv0";

    private ProgramName() {
    }

    public static String argv0() {
        String fromLauncher = System.getProperty(PROPERTY);
        if (fromLauncher != null) {
            return fromLauncher;
        }
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            int end = 0;
            while (end < cmdline.length && cmdline[end] != 0) {
                end++;
            }
            return new String(cmdline, 0, end);
        } catch (IOException | RuntimeException e) {
            return "istio-cni";
        }
    }
}
