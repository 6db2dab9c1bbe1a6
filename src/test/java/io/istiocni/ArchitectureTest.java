package io.istiocni;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The package layering, checked on the compiled main classes (tests may reach across):
 *
 * <pre>
 *   Main (io.istiocni)
 *   cli                                   one thin command per mode: parse, call the mode's core, exit code
 *   cni install repair validation capture daemon          the modes' cores (apart from each other, see MODE_USES)
 *   iptables netns kube version nftables rules.nft redirect log localhttp   edges: namespaces, processes, API,
 *                                         the pod pipeline's apply step, the daemons' log handler and Istio's log
 *                                         time layout, the local sockets' HTTP request reader
 *   pod                                   pod manifest to settings and plan (pure)
 *   rules                                 settings to rules (pure)
 *   json                                  Jackson tree and parse-error helpers, used by every layer that reads JSON
 *   settings                              declared-once settings (variable, flag, kind, default, help) and their parser
 *                                         (quotes values with rules.GoQuote, as every other message does)
 * </pre>
 *
 * A layer may use the layers below it, never one above; no two top-level packages depend on each other in a cycle;
 * every package of ours sits in a layer (a new one is placed here on purpose); the pure core does no I/O.
 * Packages listed that do not exist yet ({@code nftables}, {@code rules.nft}) are where those backends slot in.
 */
class ArchitectureTest {

    static final String ROOT = "io.istiocni";

    /** The main classes only: test code may combine layers freely. */
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    /** The top-level packages of the modes' layer, with the other ones of that layer each may use. */
    static final Map<String, Set<String>> MODE_USES = Map.of(
            "cni", Set.of(),
            "install", Set.of("daemon"),
            "repair", Set.of("daemon"),
            "validation", Set.of(),
            "capture", Set.of("validation"), // the iptables mode runs the validation check after the rule step
            "daemon", Set.of());

    @Test
    void layersAreOnlyUsedFromAbove() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Main").definedBy(ROOT)
                .layer("Commands").definedBy(ROOT + ".cli..")
                .layer("Modes").definedBy(packages("cni", "install", "repair", "validation", "capture", "daemon"))
                .layer("Edges").definedBy(packages("iptables", "netns", "kube", "version", "nftables", "rules.nft",
                        "localhttp", "redirect", "log"))
                .layer("Pod").definedBy(ROOT + ".pod..")
                .layer("Rules").definedBy(ROOT + ".rules")
                .layer("Json").definedBy(ROOT + ".json..")
                .layer("Settings").definedBy(ROOT + ".settings..")
                .whereLayer("Main").mayNotBeAccessedByAnyLayer()
                .whereLayer("Commands").mayOnlyBeAccessedByLayers("Main")
                .whereLayer("Modes").mayOnlyBeAccessedByLayers("Main", "Commands")
                .whereLayer("Edges").mayOnlyBeAccessedByLayers("Main", "Commands", "Modes")
                .whereLayer("Pod").mayOnlyBeAccessedByLayers("Main", "Commands", "Modes", "Edges")
                .whereLayer("Rules").mayOnlyBeAccessedByLayers("Main", "Commands", "Modes", "Edges", "Pod", "Settings")
                .ensureAllClassesAreContainedInArchitecture()
                .check(MAIN);
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void modesStayApart() {
        classes().that().resideInAnyPackage(packages(MODE_USES.keySet().toArray(String[]::new)))
                .should(useNoOtherModeThanListed())
                .check(MAIN);
    }

    @Test
    void thePureCoreDoesNoIo() {
        DescribedPredicate<JavaClass> pure = DescribedPredicate.describe(
                "the pure core (rules, pod, install's config merging)", ArchitectureTest::isPureCore);
        noClasses().that(pure).should().dependOnClassesThat(doingIo())
                .orShould().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(System.class, "getProperty", String.class)
                .orShould().accessField(System.class, "out")
                .orShould().accessField(System.class, "err")
                .orShould().accessField(System.class, "in")
                .check(MAIN);
    }

    /**
     * {@code rules}, {@code pod} and {@code settings} entirely; of {@code install} (not {@code install.daemon}) all but
     * {@code AtomicFiles}, the file edge of the config merging.
     */
    static boolean isPureCore(JavaClass c) {
        String pkg = c.getPackageName();
        if (pkg.equals(ROOT + ".rules") || pkg.equals(ROOT + ".pod") || pkg.startsWith(ROOT + ".pod.")
                || pkg.equals(ROOT + ".settings")) {
            return true;
        }
        return pkg.equals(ROOT + ".install") && !c.getName().startsWith(ROOT + ".install.AtomicFiles");
    }

    static DescribedPredicate<JavaClass> doingIo() {
        List<String> ioPackages = List.of("java.nio.file", "java.nio.channels", "java.net", "java.lang.foreign",
                "io.fabric8", "io.quarkus", "io.vertx", "jakarta", "org.eclipse.microprofile", "com.sun.net");
        Set<String> ioClasses = Set.of("java.io.File", "java.io.FileInputStream", "java.io.FileOutputStream",
                "java.io.FileReader", "java.io.FileWriter", "java.io.FileDescriptor", "java.io.RandomAccessFile",
                "java.io.Console", "java.lang.ProcessBuilder", "java.lang.Process", "java.lang.ProcessHandle",
                "java.lang.Runtime");
        return DescribedPredicate.describe("do I/O (files, network, processes, foreign calls, Kubernetes, Quarkus)",
                c -> ioClasses.contains(c.getName())
                        || ioPackages.stream().anyMatch(p -> c.getPackageName().equals(p)
                                || c.getPackageName().startsWith(p + ".")));
    }

    static ArchCondition<JavaClass> useNoOtherModeThanListed() {
        return new ArchCondition<>("use no other mode's package than listed in MODE_USES") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                String from = topLevel(c);
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String to = topLevel(d.getTargetClass());
                    if (to.equals(from) || !MODE_USES.containsKey(to) || MODE_USES.get(from).contains(to)) {
                        continue;
                    }
                    events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                }
            }
        };
    }

    /** The first package segment under {@link #ROOT} ({@code install} for {@code io.istiocni.install.daemon}). */
    static String topLevel(JavaClass c) {
        String pkg = c.getPackageName();
        if (!pkg.startsWith(ROOT + ".")) {
            return "";
        }
        String rest = pkg.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    static String[] packages(String... names) {
        return java.util.Arrays.stream(names).map(n -> ROOT + "." + n + "..").toArray(String[]::new);
    }
}
