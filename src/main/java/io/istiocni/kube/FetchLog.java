package io.istiocni.kube;

import java.lang.System.Logger.Level;

/**
 * Where {@link PodFetcher} reports failed attempts: the first at {@link Level#WARNING}, later ones at
 * {@link Level#DEBUG}. The plugin plugs its own log in; {@link #NONE} drops everything.
 */
@FunctionalInterface
public interface FetchLog {

    FetchLog NONE = (level, message) -> {
    };

    void log(Level level, String message);
}
