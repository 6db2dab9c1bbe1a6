package io.istiocni.settings;

import java.util.IdentityHashMap;
import java.util.Map;

/** The parsed value of every setting of a {@link SettingSet}, read back through the declarations. */
public final class SettingValues {

    private final Map<Setting<?>, Object> values;

    SettingValues(Map<Setting<?>, Object> values) {
        this.values = new IdentityHashMap<>(values);
    }

    /**
     * The value of {@code setting}: from its flag, else its variable, else its default.
     *
     * @throws IllegalStateException when the setting was not among those parsed (a programming error)
     */
    public <T> T get(Setting<T> setting) {
        if (!values.containsKey(setting)) {
            throw new IllegalStateException("setting " + setting + " was not parsed");
        }
        @SuppressWarnings("unchecked")
        T value = (T) values.get(setting);
        return value;
    }

    /** Whether {@code setting} was among those parsed. */
    public boolean has(Setting<?> setting) {
        return values.containsKey(setting);
    }
}
