package io.istiocni.install;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One install pass over the CNI conf dir as a pure decision (install.md 6, 7): what to write, or why to wait, or why
 * the pass fails. The caller performs the writes with {@link AtomicFiles} and logs the warnings.
 */
public final class ConfigPlan {

    private ConfigPlan() {
    }

    /** What to do with the conf dir in this pass. */
    public sealed interface Action permits Chained, Standalone, Wait, Failed {
        List<String> warnings();
    }

    /** Chained: write {@code insertion.content()} over {@code insertion.fileName()} keeping its mode, then rename. */
    public record Chained(CniConfig.Insertion insertion, List<String> warnings) implements Action {
    }

    /** Standalone: write the file with the given mode. */
    public record Standalone(String fileName, String content, int mode, List<String> warnings) implements Action {
        public byte[] bytes() {
            return content.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Nothing can be written yet: wait for a change in the conf dir. */
    public record Wait(String reason, List<String> warnings) implements Action {
    }

    /** The pass fails (one line naming the file); nothing is written; retry on change. */
    public record Failed(String reason, List<String> warnings) implements Action {
    }

    /**
     * Plans the config step of a pass.
     *
     * @param stickyName the file chosen by the first successful install of this process (6.5), or null
     * @param files      the conf dir listing as {@link AtomicFiles#readRegularFiles} gives it
     */
    public static Action install(InstallSettings s, String stickyName, Map<String, byte[]> files) {
        if (!s.chainedCniPlugin()) {
            return new Standalone(s.standaloneFileName(), CniConfig.standalone(s), s.standaloneMode(), List.of());
        }
        String name = stickyName != null && !stickyName.isEmpty() ? stickyName : s.cniConfName();
        ConfigChoice.Decision d = ConfigChoice.choose(name, files);
        return switch (d) {
            case ConfigChoice.Wait w -> new Wait(w.reason(), w.warnings());
            case ConfigChoice.Error e -> new Failed(e.reason(), e.warnings());
            case ConfigChoice.Chosen c -> {
                byte[] content = files.get(c.fileName());
                if (content == null) {
                    yield new Failed("error loading existing CNI config " + c.fileName() + ": cannot be read",
                            c.warnings());
                }
                try {
                    yield new Chained(CniConfig.insert(c.fileName(), content, s), c.warnings());
                } catch (InstallException e) {
                    yield new Failed(e.getMessage(), c.warnings());
                }
            }
        };
    }
}
