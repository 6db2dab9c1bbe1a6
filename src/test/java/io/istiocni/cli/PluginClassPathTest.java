package io.istiocni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The JVM build's launcher runs the plugin ({@link PluginProcess}) on a short class path: the application jar,
 * Jackson (core, databind, annotations, YAML) and SnakeYAML (src/main/launcher/istio-cni). A class reachable from
 * there that lives elsewhere (Quarkus, fabric8, picocli, Micrometer...) would fail a pod's ADD with
 * {@code NoClassDefFoundError} on the path that uses it, so every class of ours reachable from the entry is checked.
 */
class PluginClassPathTest {

    /** What the launcher's plugin class path holds besides our own classes, and the JDK. */
    static final List<String> ON_THE_PLUGIN_CLASS_PATH = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
            "com.fasterxml.jackson.core.", "com.fasterxml.jackson.databind.", "com.fasterxml.jackson.annotation.",
            "com.fasterxml.jackson.dataformat.yaml.", "org.yaml.snakeyaml.", "io.istiocni.");

    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.istiocni");

    /** The classes of ours reachable from {@code entry}, each with the class it was reached from. */
    static Map<String, String> reachable(Class<?> entry) {
        Map<String, String> from = new HashMap<>();
        Deque<JavaClass> todo = new ArrayDeque<>();
        JavaClass start = MAIN.get(entry);
        from.put(start.getName(), "");
        todo.add(start);
        while (!todo.isEmpty()) {
            JavaClass c = todo.poll();
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass().getBaseComponentType();
                String name = target.getName();
                if (from.containsKey(name) || target.isPrimitive()) {
                    continue;
                }
                from.put(name, c.getName());
                if (name.startsWith("io.istiocni.") && MAIN.contain(name)) {
                    todo.add(MAIN.get(name));
                }
            }
        }
        return from;
    }

    @Test
    void everyClassThePluginReachesIsOnItsClassPath() {
        Map<String, String> from = reachable(PluginProcess.class);
        TreeSet<String> outside = new TreeSet<>();
        from.forEach((name, origin) -> {
            if (ON_THE_PLUGIN_CLASS_PATH.stream().noneMatch(name::startsWith)) {
                outside.add(name + " (used by " + origin + ")");
            }
        });
        assertEquals(new TreeSet<>(), outside, "classes the plugin reaches that its class path does not hold");
    }

    /** The check can fail: the daemon's entry reaches Quarkus and fabric8. */
    @Test
    void theCheckSeesClassesOffThePluginClassPath() {
        Map<String, String> from = reachable(InstallCommand.class);
        assertTrue(from.keySet().stream().anyMatch(n -> n.startsWith("io.fabric8.") || n.startsWith("io.quarkus.")),
                from.keySet().toString());
    }

    /** The plugin's own path does not even reach the daemon's classes of ours. */
    @Test
    void thePluginDoesNotReachTheDaemon() {
        Map<String, String> from = reachable(PluginProcess.class);
        assertTrue(from.keySet().stream().noneMatch(n -> n.startsWith("io.istiocni.install")
                || n.startsWith("io.istiocni.repair") || n.startsWith("io.istiocni.daemon")), from.keySet().toString());
    }
}
