package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.istiocni.conformance.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code src/test/resources/conformance/install}: settings from {@code settings.env} (+ ARGS), a
 * scratch copy of {@code existing/} as the conf dir, one install pass done with {@link ConfigPlan} and
 * {@link AtomicFiles}, the dir
 * compared with {@code expected/} (file set, JSON meaning, modes, and bytes as the stricter check), then the
 * cleanup compared with {@code expected-clean/}; kubeconfig cases compared as YAML (and as text); error and wait
 * cases as their {@code expect-error} describes.
 */
class InstallConformanceTest {

    static final Path FIXTURES = Fixtures.dir("install");

    @TestFactory
    Stream<DynamicTest> fixtures() throws IOException {
        assertTrue(Files.isDirectory(FIXTURES), "fixture directory missing: " + FIXTURES.toAbsolutePath());
        List<Path> cases;
        try (Stream<Path> s = Files.list(FIXTURES)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(cases.size() >= 16, "expected at least 16 cases, found " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> runCase(c)));
    }

    static void runCase(Path dir) throws IOException {
        if (Files.isDirectory(dir.resolve("serviceaccount"))) {
            kubeconfigCase(dir);
        } else {
            configCase(dir);
        }
    }

    /** settings.env as environment (empty values kept: they mean "not set") and the ARGS list. */
    static InstallSettings settings(Path dir, Map<String, String> overrides) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("settings.env"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = line.substring(0, eq).trim();
            String value = line.substring(eq + 1);
            if (key.equals("ARGS")) {
                args.addAll(Arrays.stream(value.trim().split("\\s+")).filter(a -> !a.isEmpty()).toList());
            } else {
                env.put(key, value);
            }
        }
        env.putAll(overrides);
        return InstallSettings.from(env, args);
    }

    static void kubeconfigCase(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        Path sa = dir.resolve("serviceaccount");
        InstallSettings s = settings(dir, Map.of("SERVICE_ACCOUNT_PATH", sa.toString()));
        assertEquals(sa.resolve("ca.crt").toString(), s.kubeCaFile(), name);
        String token = Files.readString(sa.resolve("token"));
        byte[] ca = Files.exists(sa.resolve("ca.crt")) ? Files.readAllBytes(sa.resolve("ca.crt")) : null;
        Path expectError = dir.resolve("expect-error");
        if (Files.exists(expectError)) {
            String variable = Files.readAllLines(expectError).get(0).split(" ")[0];
            InstallException e = assertThrows(InstallException.class, () -> PluginKubeconfig.render(s, token, ca),
                    name);
            assertTrue(e.getMessage().startsWith(variable + " not set"), name + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), name);
            assertFalse(Files.exists(dir.resolve("expected")), name);
            return;
        }
        String got = PluginKubeconfig.render(s, token, ca);
        String want = Files.readString(dir.resolve("expected/" + InstallSettings.KUBECONFIG_FILE));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        assertEquals(yaml.readTree(want), yaml.readTree(got), name + " (YAML)");
        assertEquals(want, got, name + " (text)");
    }

    static void configCase(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        Path conf = Files.createTempDirectory("istio-cni-conf-");
        try {
            if (Files.isDirectory(dir.resolve("existing"))) {
                for (Map.Entry<String, byte[]> f : read(dir.resolve("existing")).entrySet()) {
                    Path p = conf.resolve(f.getKey());
                    Files.write(p, f.getValue());
                    Files.setPosixFilePermissions(p, AtomicFiles.permissions(0644));
                }
            }
            Map<String, byte[]> before = read(conf);
            InstallSettings s = settings(dir, Map.of("MOUNTED_CNI_NET_DIR", conf.toString()));
            ConfigPlan.Action action = ConfigPlan.install(s, null, AtomicFiles.readRegularFiles(conf));
            Path expectError = dir.resolve("expect-error");
            if (Files.exists(expectError)) {
                String text = Files.readString(expectError);
                if (name.startsWith("wait-")) {
                    ConfigPlan.Wait w = assertInstanceOf(ConfigPlan.Wait.class, action, name);
                    assertEquals(before.size(), w.warnings().size(), name + ": one warning per invalid file");
                } else {
                    ConfigPlan.Failed f = assertInstanceOf(ConfigPlan.Failed.class, action, name);
                    assertFalse(f.reason().contains("\n"), name);
                    assertTrue(f.reason().contains(s.cniConfName()), name + ": names the file: " + f.reason());
                    assertTrue(f.reason().contains("existing CNI config"), name + ": " + f.reason());
                }
                assertTrue(text.contains("byte-identical") || text.contains("nothing is written"), name);
                assertDirEquals(before, read(conf), name);
                return;
            }
            String written = apply(action, conf);
            compareDir(dir.resolve("expected"), conf, s, name + " expected/");
            int wantMode = s.chainedCniPlugin() ? 0644 : 0600;
            assertEquals(wantMode, AtomicFiles.modeOf(conf.resolve(written), -1), name + ": mode of " + written);
            assertTrue(s.chainedCniPlugin() ? CniConfig.chainedInstalled(Files.readAllBytes(conf.resolve(written)))
                    : CniConfig.standaloneInstalled(Files.readAllBytes(conf.resolve(written))), name);

            // cleanup (install.md 10)
            if (s.chainedCniPlugin()) {
                Path p = conf.resolve(written);
                Optional<String> cleaned = CniConfig.removeEntry(written, Files.readAllBytes(p));
                assertTrue(cleaned.isPresent(), name);
                AtomicFiles.replace(p, cleaned.get().getBytes(StandardCharsets.UTF_8), 0600);
                assertEquals(0644, AtomicFiles.modeOf(p, -1), name + ": mode kept by cleanup");
                assertTrue(CniConfig.removeEntry(written, Files.readAllBytes(p)).isEmpty(),
                        name + ": nothing left to remove");
            } else {
                Files.delete(conf.resolve(written));
            }
            Path clean = dir.resolve("expected-clean");
            if (Files.isDirectory(clean)) {
                compareDir(clean, conf, s, name + " expected-clean/");
            } else {
                assertEquals(List.of(), List.copyOf(read(conf).keySet()), name + ": clean dir empty");
            }
        } finally {
            try (Stream<Path> w = Files.walk(conf)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Performs an install action on a real directory; returns the file name that holds our entry. */
    static String apply(ConfigPlan.Action action, Path conf) throws IOException {
        return switch (action) {
            case ConfigPlan.Chained c -> {
                Path p = conf.resolve(c.insertion().fileName());
                AtomicFiles.replace(p, c.insertion().bytes(), 0600);
                if (c.insertion().renameTo() != null) {
                    AtomicFiles.rename(p, conf.resolve(c.insertion().renameTo()));
                }
                yield c.insertion().finalName();
            }
            case ConfigPlan.Standalone st -> {
                AtomicFiles.write(conf.resolve(st.fileName()), st.bytes(), st.mode());
                yield st.fileName();
            }
            default -> throw new AssertionError("expected a write, got " + action);
        };
    }

    static void compareDir(Path expectedDir, Path actualDir, InstallSettings s, String label) throws IOException {
        Map<String, byte[]> want = read(expectedDir);
        Map<String, byte[]> got = read(actualDir);
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()), label + " file set");
        for (String f : want.keySet()) {
            JsonNode w = ConfJson.parse(want.get(f));
            JsonNode g = ConfJson.parse(got.get(f));
            assertTrue(sameMeaning(w, g, false), label + f + " differs in meaning:\n" + new String(got.get(f)));
            assertEquals(new String(want.get(f), StandardCharsets.UTF_8), new String(got.get(f), StandardCharsets.UTF_8),
                    label + f + " (bytes)");
        }
    }

    /** JSON equality as the fixtures' README defines it (numbers by value; exclude_namespaces null == []). */
    static boolean sameMeaning(JsonNode a, JsonNode b, boolean inEntry) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            boolean entry = CniConfig.isOurs(a);
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null) {
                    return false;
                }
                if (entry && e.getKey().equals("exclude_namespaces") && isEmptyList(e.getValue())
                        && isEmptyList(other)) {
                    continue;
                }
                if (!sameMeaning(e.getValue(), other, entry)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameMeaning(a.get(i), b.get(i), false)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean isEmptyList(JsonNode n) {
        return n.isNull() || (n.isArray() && n.isEmpty());
    }

    static Map<String, byte[]> read(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    static void assertDirEquals(Map<String, byte[]> want, Map<String, byte[]> got, String label) {
        assertEquals(want.keySet(), got.keySet(), label + " file set");
        for (String f : want.keySet()) {
            assertArrayEquals(want.get(f), got.get(f), label + " " + f + " changed");
        }
    }
}
