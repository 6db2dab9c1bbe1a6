package io.istiocni.cni.log;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** A stand-in plugin process for {@link PluginLogTest}: appends N info lines to the rolling file of a run dir. */
public final class LogWriterMain {

    private LogWriterMain() {
    }

    /** Arguments: run dir, writer id, line count, rotation size in bytes. */
    public static void main(String[] args) {
        write(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
    }

    static void write(Path runDir, String id, int count, long maxBytes) {
        PluginLog log = new PluginLog(new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), maxBytes,
                Duration.ofSeconds(1));
        log.configure("info", runDir, null);
        String padding = "x".repeat(100);
        for (int i = 0; i < count; i++) {
            log.info("line " + i, "writer", id, "seq", Integer.toString(i), "pad", padding);
        }
        log.close();
    }
}
