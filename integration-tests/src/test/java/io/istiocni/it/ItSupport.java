package io.istiocni.it;

import io.istiocni.testing.HostCapabilities;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Helpers shared by the integration tests: locating the packaged program,
 * running processes with a timeout, the iptables variants, parsing golden files and normalising
 * {@code iptables-save} output.
 */
final class ItSupport {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private ItSupport() {
    }

    // ---------------------------------------------------------------- locations

    /** The packaged launcher ({@code istio.cni.executable}, fallback {@code target/istio-cni}). */
    static Path executable() {
        return Path.of(System.getProperty("istio.cni.executable", "target/istio-cni")).toAbsolutePath();
    }

    /**
     * Root and what the scratch namespaces of these tests use ({@code ip netns}, {@code nsenter}, both iptables
     * variants): skips the test without them, or fails it with {@code CI=true} as root ({@link HostCapabilities}).
     */
    static void requireNamespaceTools() {
        HostCapabilities.requireNetworkNamespaces();
        HostCapabilities.requireIptables();
    }

    /** {@link #requireNamespaceTools()} plus what runs the test traffic: python3 under another uid (setpriv). */
    static void requireTrafficTools() {
        requireNamespaceTools();
        HostCapabilities.requireCommand("setpriv", "--version");
        HostCapabilities.requireCommand(python(), "--version");
    }

    /** A python3 that any uid may run (the pyenv shim under /root is not readable for other users). */
    static String python() {
        for (String p : List.of("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "python3";
    }

    // ---------------------------------------------------------------- processes

    record Result(List<String> command, Map<String, String> env, int exit, String stdout, String stderr) {

        /** Non-empty lines of stderr. */
        List<String> stderrLines() {
            return nonEmptyLines(stderr);
        }

        String describe() {
            return "command: " + String.join(" ", command)
                    + (env == null ? "" : "\nenv: " + env)
                    + "\nexit: " + exit
                    + "\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr;
        }
    }

    static List<String> nonEmptyLines(String s) {
        List<String> out = new ArrayList<>();
        for (String l : s.split("\n", -1)) {
            if (!l.isBlank()) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Runs a command and waits for it.
     *
     * @param env null: inherit this JVM's environment; otherwise exactly this environment
     * @param stdin text fed to stdin, or null for none
     */
    static Result run(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        File out = null;
        File err = null;
        try {
            out = File.createTempFile("itc-out", ".txt");
            err = File.createTempFile("itc-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command);
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            pb.redirectOutput(out);
            pb.redirectError(err);
            pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                    : ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream os = p.getOutputStream()) {
                    os.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process may exit without reading its input
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\nstdout so far:\n" + Files.readString(out.toPath())
                        + "\nstderr so far:\n" + Files.readString(err.toPath()));
            }
            return new Result(List.copyOf(command), env, p.exitValue(),
                    Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        } finally {
            if (out != null) {
                out.delete();
            }
            if (err != null) {
                err.delete();
            }
        }
    }

    static Result run(String... command) {
        return run(Arrays.asList(command), null, null, DEFAULT_TIMEOUT);
    }

    /** Runs and fails the test on a non-zero exit. */
    static Result runOk(List<String> command, String stdin) {
        Result r = run(command, null, stdin, DEFAULT_TIMEOUT);
        if (r.exit() != 0) {
            throw new AssertionError("command failed:\n" + r.describe());
        }
        return r;
    }

    static Result runOk(String... command) {
        return runOk(Arrays.asList(command), null);
    }

    /** An environment holding only PATH plus the given variables (as the conformance READMEs prescribe). */
    static Map<String, String> cleanEnv(Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        String path = System.getenv("PATH");
        env.put("PATH", path == null ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : path);
        env.putAll(extra);
        return env;
    }

    /** Runs the packaged program with the given environment (already complete, see {@link #cleanEnv}). */
    static Result istioCni(Map<String, String> env, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable().toString());
        cmd.addAll(args);
        return run(cmd, env, null, Duration.ofSeconds(120));
    }

    static Result istioCni(Map<String, String> env, String... args) {
        return istioCni(env, Arrays.asList(args));
    }

    /** Parses a {@code KEY=VALUE} per line file ({@code KEY=} means set to the empty string). */
    static Map<String, String> parseEnvFile(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bad env line: " + line);
            }
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return env;
    }

    /** One argument per line, taken literally (a trailing newline does not make an extra argument). */
    static List<String> parseArgsFile(String text) {
        List<String> args = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        while (!args.isEmpty() && args.get(args.size() - 1).isEmpty()) {
            args.remove(args.size() - 1);
        }
        return args;
    }

    // ---------------------------------------------------------------- iptables variants

    enum Variant {
        NFT("nft"), LEGACY("legacy");

        final String force;

        Variant(String force) {
            this.force = force;
        }

        String iptables(boolean v6) {
            return (v6 ? "ip6tables-" : "iptables-") + force;
        }

        String save(boolean v6) {
            return (v6 ? "ip6tables-" : "iptables-") + force + "-save";
        }

        String restore(boolean v6) {
            return (v6 ? "ip6tables-" : "iptables-") + force + "-restore";
        }
    }

    // ---------------------------------------------------------------- dry-run output and goldens

    /** [IPv4 part, IPv6 part or null] of the program's --dry-run output. */
    static String[] splitDryRun(String stdout) {
        List<String> v4 = new ArrayList<>();
        List<String> v6 = null;
        for (String line : stdout.split("\n", -1)) {
            if (line.equals("# ip6tables-restore")) {
                if (v6 != null) {
                    throw new AssertionError("two '# ip6tables-restore' lines in output:\n" + stdout);
                }
                v6 = new ArrayList<>();
                continue;
            }
            (v6 == null ? v4 : v6).add(line);
        }
        return new String[] {join(v4), v6 == null ? null : join(v6)};
    }

    /** [IPv4 part, IPv6 part or null] of an Istio capture golden, as the capture README explains. */
    static String[] splitGolden(String golden) {
        List<String> v4 = new ArrayList<>();
        List<String> v6 = null;
        Set<String> seen = new LinkedHashSet<>();
        for (String line : golden.split("\n", -1)) {
            if (line.equals("iptables-save") || line.equals("ip6tables-save")) {
                continue;
            }
            if (line.startsWith("*")) {
                String table = line.substring(1).trim();
                if (v6 == null && !seen.add(table)) {
                    v6 = new ArrayList<>();
                }
            }
            (v6 == null ? v4 : v6).add(line);
        }
        return new String[] {join(v4), v6 == null ? null : join(v6)};
    }

    private static String join(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            if (!l.isEmpty()) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString();
    }

    /** Table name -> lines (blank and '#' lines dropped), as the pod README describes. */
    static Map<String, List<String>> tablesOf(String restoreText) {
        Map<String, List<String>> tables = new TreeMap<>();
        List<String> current = null;
        String currentName = null;
        for (String line : restoreText.split("\n", -1)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                currentName = line.substring(1).trim();
                if (tables.containsKey(currentName)) {
                    throw new AssertionError("table " + currentName + " appears twice in:\n" + restoreText);
                }
                current = new ArrayList<>();
                tables.put(currentName, current);
            } else if (line.equals("COMMIT")) {
                current = null;
            } else {
                if (current == null) {
                    throw new AssertionError("line outside a table: '" + line + "' in:\n" + restoreText);
                }
                current.add(line);
            }
        }
        return tables;
    }

    // ---------------------------------------------------------------- owner names

    private static final Pattern OWNER = Pattern.compile("(--(uid|gid)-owner\\s+)(\\S+)");
    private static final Map<String, Boolean> KNOWN_NAMES = new ConcurrentHashMap<>();

    /**
     * Replaces owner names unknown on this machine with a made-up numeric id; the same mapping must be
     * passed for both inputs of a case so that both get the same id.
     */
    static String replaceUnknownOwners(String text, Map<String, String> mapping) {
        Matcher m = OWNER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = m.group(3);
            String replacement = value;
            if (!value.matches("[0-9]+(-[0-9]+)?")) {
                String db = m.group(2).equals("uid") ? "passwd" : "group";
                boolean known = KNOWN_NAMES.computeIfAbsent(db + ":" + value,
                        k -> run(List.of("getent", db, value), null, null, Duration.ofSeconds(10)).exit() == 0);
                if (!known) {
                    replacement = mapping.computeIfAbsent(value, k -> String.valueOf(3_900_000 + mapping.size()));
                }
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static Map<String, String> newOwnerMapping() {
        return new HashMap<>();
    }

    // ---------------------------------------------------------------- iptables-save normalisation

    private static final Set<String> BUILTIN = Set.of("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING");
    private static final Pattern COMMENT = Pattern.compile("\\s-m comment --comment (\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
    private static final Pattern COUNTERS = Pattern.compile("^\\[\\d+:\\d+\\]\\s+");

    /** The state of one table as iptables-save shows it. */
    record TableState(Set<String> userChains, Map<String, String> policies, Map<String, List<String>> rules) {
        boolean isEmpty() {
            return userChains.isEmpty() && rules.isEmpty();
        }
    }

    /**
     * Parses iptables-save output into table -> state; comments, counters and header/COMMIT placement are
     * ignored and tables with no rules and no user chains are dropped.
     */
    static Map<String, TableState> parseSave(String save) {
        Map<String, TableState> tables = new TreeMap<>();
        TableState current = null;
        for (String raw : save.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals("COMMIT")) {
                continue;
            }
            if (line.startsWith("*")) {
                String name = line.substring(1).trim();
                current = tables.computeIfAbsent(name,
                        n -> new TableState(new TreeSet<>(), new TreeMap<>(), new TreeMap<>()));
                continue;
            }
            if (current == null) {
                throw new AssertionError("iptables-save line outside a table: " + raw);
            }
            if (line.startsWith(":")) {
                String[] w = line.substring(1).split("\\s+");
                String chain = w[0];
                String policy = w.length > 1 ? w[1] : "-";
                if (policy.equals("-") && !BUILTIN.contains(chain)) {
                    current.userChains().add(chain);
                } else {
                    current.policies().put(chain, policy);
                }
                continue;
            }
            line = COUNTERS.matcher(line).replaceFirst("");
            line = COMMENT.matcher(line).replaceAll("");
            line = line.replaceAll("\\s+", " ").trim();
            if (!line.startsWith("-A ")) {
                throw new AssertionError("unexpected iptables-save line: " + raw);
            }
            String[] w = line.split(" ", 3);
            current.rules().computeIfAbsent(w[1], c -> new ArrayList<>()).add(w.length > 2 ? w[2] : "");
        }
        tables.values().removeIf(TableState::isEmpty);
        return tables;
    }

    /** A canonical text of {@link #parseSave}: equal texts mean equal states (and give readable diffs). */
    static String canonical(String save) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, TableState> t : parseSave(save).entrySet()) {
            sb.append('*').append(t.getKey()).append('\n');
            TableState s = t.getValue();
            s.policies().forEach((c, p) -> sb.append(':').append(c).append(' ').append(p).append('\n'));
            s.userChains().forEach(c -> sb.append(':').append(c).append(" -\n"));
            s.rules().forEach((c, rules) -> rules.forEach(r -> sb.append("-A ").append(c).append(' ').append(r)
                    .append('\n')));
            sb.append("COMMIT\n");
        }
        return sb.toString();
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + p + ": " + e, e);
        }
    }

    static List<String> caseNames(Path dir, String suffix) {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new AssertionError("cannot list " + dir + ": " + e, e);
        }
    }

    static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
