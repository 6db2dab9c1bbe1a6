package io.istiocni.install.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.istiocni.install.AtomicFiles;
import io.istiocni.install.CniConfig;
import io.istiocni.install.ConfJson;
import io.istiocni.install.ConfigChoice;
import io.istiocni.install.ConfigPlan;
import io.istiocni.install.InstallSettings;
import io.istiocni.install.PluginKubeconfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The installer core wired to the node's files (install.md 5-8, 10): every pass copies the executable(s), writes the
 * plugin kubeconfig, then chooses (or waits for) the primary CNI config and inserts our entry, or writes the
 * standalone file; {@link #watch()} watches the conf dir, the service-account dir, the run dir and the target bin dirs
 * with a {@link WatchService} filtered to the names that matter; {@link #cleanUp()} removes what this process added.
 *
 * <p>The decisions are the pure core's ({@link ConfigPlan}, {@link CniConfig}, {@link PluginKubeconfig}); this class
 * only reads, writes (always through {@link AtomicFiles}) and waits.
 */
public final class CoreInstaller implements Installer {

    private static final Logger LOG = Logger.getLogger("cni-agent");

    /** The name of the plugin executable; the only name cleanup removes from the bin dirs (install.md 10). */
    static final String PLUGIN_BINARY = "istio-cni";
    /** While waiting for a config (6.4), re-check at least this often even without an event. */
    static final Duration WAIT_RECHECK = Duration.ofSeconds(5);
    /** A missing conf dir is polled this often (6.4, 11). */
    static final Duration DIR_POLL = Duration.ofSeconds(1);

    private final InstallSettings s;
    private final Path confDir;
    private final Path runDir;
    private final Path serviceAccountDir;
    private final Path kubeconfig;
    private final Path caFile;
    private final List<Path> binTargets;

    /** The file name chosen by the first successful config step (6.5); null until then. */
    private volatile String stickyName;
    /** The name of the config file this process maintains (after a .conf -> .conflist rename); null until then. */
    private volatile String writtenName;
    /** The primary config's bytes just before our last insertion into it (not after a .conf conversion). */
    private volatile byte[] beforeInsertion;
    /** The executable names copied by the first pass (5.1): watched, checked. */
    private volatile Set<String> copiedNames;
    /** True while a pass blocks waiting for a config (the loop may interrupt it at once on shutdown). */
    private volatile boolean waitingForConfig;
    /** Whether the first pass has removed the temporary files an earlier, killed process left behind. */
    private boolean leftoversRemoved;
    private String lastWaitReason;
    private final Set<String> loggedWarnings = new LinkedHashSet<>();

    public CoreInstaller(InstallSettings settings) {
        this.s = settings;
        this.confDir = Path.of(settings.mountedCniNetDir());
        this.runDir = Path.of(settings.cniAgentRunDir());
        this.serviceAccountDir = Path.of(settings.serviceAccountPath());
        this.kubeconfig = Path.of(settings.kubeconfigPath());
        this.caFile = Path.of(settings.kubeCaFile());
        this.binTargets = settings.cniBinTargetDirs().stream().map(Path::of).toList();
    }

    /** The {@link InstallerFactory} of the daemon. */
    public static Installer create(InstallSettings settings) {
        for (String w : settings.warnings()) {
            LOG.warn(w);
        }
        LOG.infof("settings: conf dir %s, %s%s, run dir %s, bin %s -> %s, service account %s, kubeconfig mode %s,"
                        + " exclude namespaces %s, plugin log level %s", settings.mountedCniNetDir(),
                settings.chainedCniPlugin() ? "chained" : "standalone",
                settings.cniConfName().isEmpty() ? "" : " (" + settings.cniConfName() + ")",
                settings.cniAgentRunDir(), settings.cniBinSourceDir(), settings.cniBinTargetDirs(),
                settings.serviceAccountPath(), Integer.toOctalString(settings.kubeconfigMode()),
                settings.excludeNamespaces(), settings.pluginLogLevel());
        return new CoreInstaller(settings);
    }

    // ------------------------------------------------------------------------------------------------ install pass

    @Override
    public void installOnce() throws InstallException, InterruptedException {
        if (!leftoversRemoved) {
            removeOwnLeftovers();
            leftoversRemoved = true;
        }
        copyBinaries();
        writeKubeconfig();
        writeConfig();
    }

    @Override
    public boolean isWaiting() {
        return waitingForConfig;
    }

    /** install.md 5.1. */
    void copyBinaries() throws InstallException {
        Map<String, Path> sources = sources();
        Set<String> copied = new LinkedHashSet<>();
        for (Path dir : binTargets) {
            for (Map.Entry<String, Path> src : sources.entrySet()) {
                String name = src.getKey();
                if (s.skipCniBinaries().contains(name)) {
                    continue;
                }
                copied.add(name);
                Path target = dir.resolve(name);
                try {
                    if (!s.updateCniBinaries() && Files.exists(target)) {
                        continue;
                    }
                    if (!Files.isDirectory(dir)) {
                        throw new NoSuchFileException(dir.toString(), null, "CNI bin directory does not exist");
                    }
                    if (copyInto(src.getValue(), dir, name)) {
                        LOG.infof("copied %s to %s", src.getValue(), target);
                    }
                } catch (IOException e) {
                    throw new InstallException(Step.COPY_BINARIES, "cannot copy " + name + " into " + dir + ": "
                            + describe(e) + binDirHint(e), e);
                }
            }
        }
        if (copiedNames == null) {
            copiedNames = Set.copyOf(copied);
        }
        String missing = missingPlugin(sources.containsKey(PLUGIN_BINARY));
        if (missing != null) {
            throw new InstallException(Step.COPY_BINARIES, missing);
        }
    }

    /**
     * Ours (issue 9): an entry without the plugin on disk makes every new pod fail ("failed to find plugin"), so the
     * config step runs only once a runnable {@code istio-cni} is in place in every target bin dir.
     *
     * @param inSource whether the source dir has the plugin to copy
     * @return why the plugin is not in place (one line), or null when it is
     */
    private String missingPlugin(boolean inSource) {
        for (Path dir : binTargets) {
            String why = notRunnable(dir.resolve(PLUGIN_BINARY));
            if (why != null) {
                String cause = !inSource ? "CNI_BIN_SOURCE_DIR " + s.cniBinSourceDir() + " has no " + PLUGIN_BINARY
                        + " to copy" : s.skipCniBinaries().contains(PLUGIN_BINARY) ? PLUGIN_BINARY
                        + " is in SKIP_CNI_BINARIES" : why;
                return "no runnable " + PLUGIN_BINARY + " plugin in " + dir + ": " + cause
                        + "; the istio-cni entry is not inserted until it is in place";
            }
        }
        return null;
    }

    /** Why {@code file} cannot be executed by the container runtime, or null when it can. */
    private static String notRunnable(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? file + " is not a regular file"
                        : file + " does not exist";
            }
            if ((AtomicFiles.modeOf(file, 0) & 0111) == 0) {
                return file + " is not executable";
            }
            if (Files.size(file) == 0) {
                return file + " is empty";
            }
            return null;
        } catch (IOException e) {
            return "cannot read " + file + ": " + describe(e);
        }
    }

    /** Copies {@code source} to {@code dir/name} atomically (a source under another name is copied by content). */
    private static boolean copyInto(Path source, Path dir, String name) throws IOException {
        if (source.getFileName().toString().equals(name)) {
            return AtomicFiles.copyExecutable(source, dir);
        }
        AtomicFiles.removeLeftovers(dir, name);
        byte[] bytes = Files.readAllBytes(source);
        int mode = AtomicFiles.modeOf(source, 0755);
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target) && AtomicFiles.modeOf(target, -1) == mode
                && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return false;
        }
        AtomicFiles.write(target, bytes, mode);
        return true;
    }

    /**
     * The files to copy: every regular file directly in {@code CNI_BIN_SOURCE_DIR} (symbolic links followed). When that
     * directory does not exist (this machine, a JVM build), the running program itself is copied as
     * {@code istio-cni}: the native executable, or the JVM build's launcher, whose copies find the application where
     * the build left it.
     */
    private Map<String, Path> sources() throws InstallException {
        Path dir = Path.of(s.cniBinSourceDir());
        Map<String, Path> out = new java.util.TreeMap<>(ConfJson::compareBytes);
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                files.filter(Files::isRegularFile).forEach(p -> out.put(p.getFileName().toString(), p));
            } catch (IOException e) {
                throw new InstallException(Step.COPY_BINARIES, "cannot list CNI_BIN_SOURCE_DIR " + dir + ": "
                        + describe(e), e);
            }
            return out;
        }
        Optional<Path> self = runningProgram();
        if (self.isEmpty()) {
            throw new InstallException(Step.COPY_BINARIES, "CNI_BIN_SOURCE_DIR " + dir
                    + " does not exist and the running program cannot be located");
        }
        out.put(PLUGIN_BINARY, self.get());
        return out;
    }

    /** The running program: the JVM build's launcher next to {@code quarkus-app/}, or the native executable. */
    static Optional<Path> runningProgram() {
        try {
            var source = CoreInstaller.class.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                Path jar = Path.of(source.getLocation().toURI());
                // quarkus-app/app/<jar> or quarkus-app/quarkus-run.jar: the launcher is quarkus-app/../istio-cni
                for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                    if (p.getFileName() != null && p.getFileName().toString().equals("quarkus-app")) {
                        Path launcher = p.resolveSibling(PLUGIN_BINARY);
                        if (Files.isRegularFile(launcher)) {
                            return Optional.of(launcher);
                        }
                        break;
                    }
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to /proc/self/exe
        }
        try {
            Path exe = Path.of("/proc/self/exe").toRealPath();
            if (!exe.getFileName().toString().equals("java")) {
                return Optional.of(exe);
            }
        } catch (IOException | RuntimeException e) {
            // not located
        }
        return Optional.empty();
    }

    /** install.md 5.2: render, then write (atomically, only when the content or mode differs). */
    void writeKubeconfig() throws InstallException {
        String content = renderKubeconfig();
        try {
            if (isCurrent(kubeconfig, content.getBytes(StandardCharsets.UTF_8), s.kubeconfigMode())) {
                return;
            }
            createRunDirectory(runDir);
            AtomicFiles.write(kubeconfig, content.getBytes(StandardCharsets.UTF_8), s.kubeconfigMode());
            LOG.infof("wrote kubeconfig %s", kubeconfig);
            LOG.debugf("kubeconfig:\n%s", PluginKubeconfig.redacted(content));
        } catch (IOException e) {
            throw new InstallException(Step.CREATE_KUBECONFIG, "cannot write " + kubeconfig + ": " + describe(e), e);
        }
    }

    /** The run dir (install.md 2): created {@code 0755}; write access for group or others is taken away. */
    static void createRunDirectory(Path runDir) throws IOException {
        if (AtomicFiles.createDirectory(runDir)) {
            LOG.warnf("the run directory %s was writable by group or others: made writable by its owner only", runDir);
        }
    }

    private String renderKubeconfig() throws InstallException {
        String token = readString(Path.of(s.tokenPath()));
        byte[] ca = s.skipTlsVerify() ? null : readBytes(caFile);
        try {
            return PluginKubeconfig.render(s, token, ca);
        } catch (io.istiocni.install.InstallException e) {
            throw new InstallException(Step.CREATE_KUBECONFIG, e.getMessage(), e);
        }
    }

    /** install.md 6, 7: choose or wait for the config, then insert our entry / write the standalone file. */
    void writeConfig() throws InstallException, InterruptedException {
        while (true) {
            if (!Files.isDirectory(confDir)) {
                waitFor("the CNI config directory " + confDir + " does not exist yet", null);
                continue;
            }
            // the watch starts before the listing, so a config that lands in between is not missed
            try (DirWatch watch = s.chainedCniPlugin() ? confWatch() : null) {
                Map<String, byte[]> files;
                try {
                    files = s.chainedCniPlugin() ? AtomicFiles.readRegularFiles(confDir) : Map.of();
                } catch (IOException e) {
                    if (!Files.isDirectory(confDir)) {
                        continue;
                    }
                    throw new InstallException(Step.CREATE_CNI_CONFIG, "cannot read the CNI config directory "
                            + confDir + ": " + describe(e), e);
                }
                ConfigPlan.Action action = ConfigPlan.install(s, stickyName, files);
                warnOnce(action.warnings());
                switch (action) {
                    case ConfigPlan.Wait w -> waitFor(w.reason(), watch);
                    case ConfigPlan.Failed f -> throw new InstallException(Step.CREATE_CNI_CONFIG, f.reason());
                    case ConfigPlan.Standalone st -> {
                        writeStandalone(st);
                        return;
                    }
                    case ConfigPlan.Chained c -> {
                        writeChained(c.insertion(), files);
                        return;
                    }
                }
            }
        }
    }

    private DirWatch confWatch() {
        DirWatch w = null;
        try {
            w = new DirWatch();
            w.add(confDir, this::relevantConfName);
            return w;
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                w.close();
            }
            return null; // polled instead
        }
    }

    private void writeStandalone(ConfigPlan.Standalone st) throws InstallException {
        Path target = confDir.resolve(st.fileName());
        try {
            if (!isCurrent(target, st.bytes(), st.mode())) {
                AtomicFiles.write(target, st.bytes(), st.mode());
                LOG.infof("wrote standalone CNI config %s", target);
            }
            writtenName = st.fileName();
            lastWaitReason = null;
        } catch (IOException e) {
            throw new InstallException(Step.CREATE_CNI_CONFIG, "cannot write " + target + ": " + describe(e)
                    + binDirHint(e), e);
        }
    }

    private void writeChained(CniConfig.Insertion ins, Map<String, byte[]> files) throws InstallException {
        Path file = confDir.resolve(ins.fileName());
        try {
            boolean same = ins.renameTo() == null && Arrays.equals(files.get(ins.fileName()), ins.bytes());
            if (!same) {
                beforeInsertion = ins.renameTo() == null ? files.get(ins.fileName()) : null;
                int fallbackMode = s.cniConfGroupRead() ? 0640 : 0600;
                if (ins.renameTo() == null) {
                    AtomicFiles.replace(file, ins.bytes(), fallbackMode);
                } else if (Files.isSymbolicLink(file)) {
                    // the link stays a link: the list goes into the linked file, then the link is renamed
                    AtomicFiles.replace(file, ins.bytes(), fallbackMode);
                    AtomicFiles.rename(file, confDir.resolve(ins.renameTo()));
                } else {
                    convert(file, confDir.resolve(ins.renameTo()), ins.bytes(), fallbackMode);
                }
                LOG.infof("inserted the istio-cni entry into %s", confDir.resolve(ins.finalName()));
            }
            if (stickyName == null) {
                stickyName = ins.fileName();
            }
            writtenName = ins.finalName();
            lastWaitReason = null;
        } catch (NoSuchFileException e) {
            throw new InstallException(Step.CREATE_CNI_CONFIG, "CNI config " + file
                    + " removed during configuration", e);
        } catch (IOException e) {
            throw new InstallException(Step.CREATE_CNI_CONFIG, "cannot write " + file + ": " + describe(e)
                    + binDirHint(e), e);
        }
    }

    /**
     * install.md 7.2: the list is written as {@code X.conflist} (with the mode of {@code X.conf}) before {@code X.conf}
     * goes, so that a process killed in between leaves the user's {@code X.conf} as it was, first in libcni's order,
     * never a list in a {@code .conf} file (which the runtime cannot read).
     */
    private static void convert(Path conf, Path list, byte[] content, int fallbackMode) throws IOException {
        if (!Files.exists(conf)) {
            throw new NoSuchFileException(conf.toString(), null, "removed during configuration");
        }
        AtomicFiles.write(list, content, AtomicFiles.modeOf(conf, fallbackMode));
        Files.deleteIfExists(conf);
    }

    /**
     * Waits (6.4) for a relevant change seen by {@code watch}, at most {@link #WAIT_RECHECK}; without a watch (the conf
     * dir does not exist yet) polls after a second. Logs the reason once per distinct reason.
     */
    private void waitFor(String reason, DirWatch watch) throws InterruptedException {
        if (!reason.equals(lastWaitReason)) {
            LOG.infof("%s: waiting (not ready)", reason);
            lastWaitReason = reason;
        }
        waitingForConfig = true;
        try {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (watch == null) {
                TimeUnit.MILLISECONDS.sleep(DIR_POLL.toMillis());
            } else {
                watch.awaitChange(WAIT_RECHECK);
            }
        } finally {
            waitingForConfig = false;
        }
    }

    // ------------------------------------------------------------------------------------------------ watch, check

    @Override
    public Watch watch() throws IOException {
        DirWatch w = new DirWatch();
        try {
            if (Files.isDirectory(confDir)) {
                w.add(confDir, this::relevantConfName);
            } else if (confDir.getParent() != null && Files.isDirectory(confDir.getParent())) {
                String n = confDir.getFileName().toString();
                w.add(confDir.getParent(), n::equals);
            }
            if (Files.isDirectory(serviceAccountDir)) {
                w.add(serviceAccountDir, n -> true); // token/CA rotate through a ..data symlink swap
            }
            Path caDir = caFile.toAbsolutePath().getParent();
            if (!s.skipTlsVerify() && caDir != null && !caDir.equals(serviceAccountDir.toAbsolutePath())
                    && Files.isDirectory(caDir)) {
                String caName = caFile.getFileName().toString();
                w.add(caDir, n -> n.equals(caName) || n.startsWith(".."));
            }
            if (Files.isDirectory(runDir)) {
                w.add(runDir, InstallSettings.KUBECONFIG_FILE::equals);
            }
            Set<String> names = copiedNames == null ? Set.of() : copiedNames;
            for (Path dir : binTargets) {
                if (Files.isDirectory(dir)) {
                    w.add(dir, n -> n.equals(PLUGIN_BINARY) || names.contains(n));
                }
            }
            return w;
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** Names in the conf dir whose change may matter: config candidates, the named file and its twin, ours. */
    private boolean relevantConfName(String name) {
        if (ConfigChoice.isCandidate(name)) {
            return true;
        }
        for (String n : new String[] {s.cniConfName(), stickyName, writtenName,
                s.chainedCniPlugin() ? null : s.standaloneFileName()}) {
            if (n != null && !n.isEmpty() && (name.equals(n) || name.equals(n + "list")
                    || (n.endsWith("list") && name.equals(n.substring(0, n.length() - 4))))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String configFileName() {
        String name = stickyName;
        return name == null ? "" : name;
    }

    @Override
    public boolean stillInstalled() {
        return configInstalled() && kubeconfigCurrent() && binariesPresent();
    }

    /** install.md 8 step 2, and ours: the entry is the one we would write now. */
    boolean configInstalled() {
        String name = writtenName;
        if (name == null) {
            return false;
        }
        byte[] content = readBytes(confDir.resolve(name));
        if (content == null) {
            return false;
        }
        if (!s.chainedCniPlugin()) {
            return Arrays.equals(content, CniConfig.standalone(s).getBytes(StandardCharsets.UTF_8));
        }
        try {
            JsonNode root = ConfJson.parse(content);
            JsonNode plugins = root.isObject() ? root.get("plugins") : null;
            if (plugins == null || !plugins.isArray()) {
                return false;
            }
            ObjectNode want = CniConfig.pluginEntry(s);
            want.remove("cniVersion");
            for (JsonNode p : plugins) {
                if (p.isObject() && CniConfig.PLUGIN_TYPE.equals(p.path("type").textValue())) {
                    return p.equals(want);
                }
            }
            return false;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    boolean kubeconfigCurrent() {
        try {
            return isCurrent(kubeconfig, renderKubeconfig().getBytes(StandardCharsets.UTF_8), s.kubeconfigMode());
        } catch (InstallException | IOException e) {
            return false;
        }
    }

    boolean binariesPresent() {
        Set<String> names = copiedNames;
        if (names == null) {
            return false;
        }
        for (Path dir : binTargets) {
            if (notRunnable(dir.resolve(PLUGIN_BINARY)) != null) {
                return false;
            }
        }
        for (Path dir : binTargets) {
            for (String n : names) {
                if (!Files.isRegularFile(dir.resolve(n))) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ cleanup

    /**
     * Better than Istio, which always writes its own formatting back: when the file without our entry means exactly
     * what it held before we inserted it, the user's original bytes (their layout and key order) come back.
     */
    private byte[] restoredBytes(String withoutOurEntry) {
        byte[] original = beforeInsertion;
        try {
            if (original != null && ConfJson.parse(original).equals(ConfJson.parse(withoutOurEntry))) {
                return original;
            }
        } catch (RuntimeException e) {
            // not comparable: Istio's formatting below
        }
        return withoutOurEntry.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void cleanUp() throws Exception {
        List<String> failures = new ArrayList<>();
        String name = writtenName;
        if (name != null) {
            Path file = confDir.resolve(name);
            try {
                if (!s.chainedCniPlugin()) {
                    if (Files.deleteIfExists(file)) {
                        LOG.infof("removed standalone CNI config %s", file);
                    }
                } else {
                    byte[] content = readBytes(file);
                    if (content != null) {
                        Optional<String> without;
                        try {
                            without = CniConfig.removeEntry(name, content);
                        } catch (io.istiocni.install.InstallException e) {
                            LOG.errorf("cannot remove the istio-cni entry, leaving the file untouched: %s",
                                    e.getMessage());
                            without = Optional.empty();
                        }
                        if (without.isPresent()) {
                            AtomicFiles.replace(file, restoredBytes(without.get()), s.cniConfGroupRead() ? 0640 : 0600);
                            LOG.infof("removed the istio-cni entry from %s", file);
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                // removed meanwhile: nothing of ours left in it
            } catch (IOException e) {
                failures.add("cannot clean up " + file + ": " + describe(e));
            }
        }
        try {
            if (Files.deleteIfExists(kubeconfig)) {
                LOG.infof("removed %s", kubeconfig);
            }
        } catch (IOException e) {
            failures.add("cannot remove " + kubeconfig + ": " + describe(e));
        }
        for (Path dir : binTargets) {
            Path bin = dir.resolve(PLUGIN_BINARY);
            try {
                if (Files.deleteIfExists(bin)) {
                    LOG.infof("removed %s", bin);
                }
            } catch (IOException e) {
                failures.add("cannot remove " + bin + ": " + describe(e));
            }
        }
        removeOwnLeftovers();
        if (!failures.isEmpty()) {
            throw new IOException(String.join("; ", failures));
        }
    }

    /**
     * install.md 7.5: no temporary file may be left behind, also not by a process killed in the middle of a write.
     * Only our own temporary files ({@link AtomicFiles#isOwnTemporary}) in the dirs we write, nothing of the user's.
     */
    private void removeOwnLeftovers() {
        List<Path> dirs = new ArrayList<>(List.of(confDir, runDir));
        dirs.addAll(binTargets);
        for (Path dir : dirs) {
            for (Path p : AtomicFiles.removeOwnLeftovers(dir, null)) {
                LOG.infof("removed %s, left behind by an interrupted write", p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void warnOnce(List<String> warnings) {
        for (String w : warnings) {
            if (loggedWarnings.add(w)) {
                LOG.warn(w);
            }
        }
        if (loggedWarnings.size() > 1000) {
            loggedWarnings.clear();
        }
    }

    private static boolean isCurrent(Path file, byte[] content, int mode) throws IOException {
        if (!Files.isRegularFile(file) || AtomicFiles.modeOf(file, -1) != mode) {
            return false;
        }
        try {
            return Arrays.equals(Files.readAllBytes(file), content);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String readString(Path p) {
        byte[] b = readBytes(p);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String describe(IOException e) {
        if (e instanceof FileSystemException fse) {
            String reason = fse.getReason();
            if (e instanceof NoSuchFileException) {
                reason = reason == null ? "no such file or directory" : reason;
            } else if (e instanceof AccessDeniedException) {
                reason = reason == null ? "permission denied" : reason;
            }
            return (fse.getFile() == null ? "" : fse.getFile() + ": ") + (reason == null ? e.toString() : reason);
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String binDirHint(IOException e) {
        String m = String.valueOf(e.getMessage()) + " " + (e instanceof FileSystemException f ? f.getReason() : "");
        if (e instanceof AccessDeniedException || m.contains("Read-only file system")) {
            return " (is the directory read-only? some platforms need another cniBinDir/cniConfDir:"
                    + " --set global.platform=<name>, on GKE the bin dir /home/kubernetes/bin)";
        }
        return "";
    }

    /** A {@link WatchService} over some directories, each with a filter on the names of its entries. */
    static final class DirWatch implements Watch {
        private final WatchService service;
        private final Map<WatchKey, Predicate<String>> filters = new HashMap<>();

        DirWatch() throws IOException {
            service = FileSystems.getDefault().newWatchService();
        }

        void add(Path dir, Predicate<String> relevant) throws IOException {
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            filters.merge(key, relevant, Predicate::or);
        }

        @Override
        public boolean awaitChange(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    WatchKey key = service.poll(left, TimeUnit.NANOSECONDS);
                    if (key == null) {
                        return false;
                    }
                    boolean changed = false;
                    Predicate<String> relevant = filters.getOrDefault(key, n -> true);
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                            changed = true;
                        } else if (ev.context() instanceof Path p && relevant.test(p.toString())) {
                            changed = true;
                        }
                    }
                    if (!key.reset()) {
                        changed = true; // the directory itself went away
                    }
                    if (changed) {
                        return true;
                    }
                }
            } catch (ClosedWatchServiceException e) {
                return true;
            }
        }

        @Override
        public void close() {
            try {
                service.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
