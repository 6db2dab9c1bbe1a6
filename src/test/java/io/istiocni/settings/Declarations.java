package io.istiocni.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** Checks for classes that declare settings. */
public final class Declarations {

    private Declarations() {
    }

    /**
     * Every {@code static final Setting} constant of {@code owner} is in {@code set} (none was declared after the set
     * was built or without being added), and the set holds nothing else.
     */
    public static void assertEveryConstantIsDeclared(Class<?> owner, SettingSet set) throws IllegalAccessException {
        List<Setting<?>> constants = new ArrayList<>();
        for (Field f : owner.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && Setting.class.equals(f.getType())) {
                f.setAccessible(true);
                Setting<?> s = (Setting<?>) f.get(null);
                assertTrue(set.settings().stream().anyMatch(d -> d == s), f.getName() + " is not in the set");
                assertEquals(f.getName(), s.env() != null ? s.env() : s.flag().toUpperCase(java.util.Locale.ROOT),
                        "a constant is named after its variable (or flag)");
                constants.add(s);
            }
        }
        long ignored = set.settings().stream().filter(s -> s.kind() == Setting.Kind.IGNORED).count();
        assertEquals(set.settings().size() - ignored, constants.size(), "every set member but the ignored has a constant");
    }
}
