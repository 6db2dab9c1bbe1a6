package io.istiocni.repair;

import static io.istiocni.repair.TestPods.completed;
import static io.istiocni.repair.TestPods.crashLooping;
import static io.istiocni.repair.TestPods.pod;
import static io.istiocni.repair.TestPods.runningFirstTime;
import static io.istiocni.repair.TestPods.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.istiocni.repair.BrokenPods.Action;
import io.istiocni.repair.BrokenPods.Criteria;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokenPodsTest {

    static final Criteria DEFAULTS = Criteria.of(settings(Map.of()));

    @Test
    void defaultsAreIstios() {
        assertEquals(new Criteria("sidecar.istio.io/status", "istio-validation", "", 126), DEFAULTS);
        assertEquals(Action.NONE, Action.of(settings(Map.of())));
    }

    @Test
    void actionPrecedenceRepairThenDeleteThenLabel() {
        assertEquals(Action.REPAIR, Action.of(settings(Map.of("REPAIR_REPAIR_PODS", "true",
                "REPAIR_DELETE_PODS", "true", "REPAIR_LABEL_PODS", "true"))));
        assertEquals(Action.DELETE, Action.of(settings(Map.of("REPAIR_DELETE_PODS", "true",
                "REPAIR_LABEL_PODS", "true"))));
        assertEquals(Action.LABEL, Action.of(settings(Map.of("REPAIR_LABEL_PODS", "1"))));
    }

    @Test
    void crashLoopingValidationIsBroken() {
        assertTrue(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 126, "")), DEFAULTS));
    }

    @Test
    void terminatedBetweenRestartsIsBroken() {
        var status = new ContainerStatusBuilder(crashLooping("istio-validation", 126, ""))
                .withNewState().withNewTerminated().withExitCode(126).withReason("Error").endTerminated().endState()
                .build();
        assertTrue(BrokenPods.isBroken(pod("a", "p", "n", status), DEFAULTS));
    }

    @Test
    void otherExitCodeOtherContainerOrNoAnnotationIsNotBroken() {
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 1, "")), DEFAULTS));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("init-db", 126, "")), DEFAULTS));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 126, ""), false),
                DEFAULTS));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", null), DEFAULTS));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", new ContainerStatusBuilder()
                .withName("istio-validation").build()), DEFAULTS));
    }

    @Test
    void notRestartedYetOrCompletedIsNotBroken() {
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", runningFirstTime("istio-validation")), DEFAULTS));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", completed("istio-validation")), DEFAULTS));
        var exitZeroOtherReason = new ContainerStatusBuilder(crashLooping("istio-validation", 126, ""))
                .withNewState().withNewTerminated().withExitCode(0).withReason("Whatever").endTerminated().endState()
                .build();
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", exitZeroOtherReason), DEFAULTS));
    }

    @Test
    void emptyFiltersMatchAnything() {
        Criteria any = Criteria.of(settings(Map.of("REPAIR_INIT_CONTAINER_NAME", "",
                "REPAIR_INIT_CONTAINER_EXIT_CODE", "", "REPAIR_SIDECAR_ANNOTATION", "")));
        assertEquals(new Criteria("", "", "", 0), any);
        assertTrue(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("init-db", 3, ""), false), any));
    }

    @Test
    void terminationMessageIsTrimmedAndCompared() {
        Criteria msg = Criteria.of(settings(Map.of("REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE", "no redirect")));
        assertTrue(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 126,
                "  no redirect\n")), msg));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 126, "other")), msg));
        assertFalse(BrokenPods.isBroken(pod("a", "p", "n", crashLooping("istio-validation", 126, null)), msg));
    }
}
