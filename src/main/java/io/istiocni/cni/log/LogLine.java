package io.istiocni.cni.log;

import io.istiocni.json.GoJsonString;
import io.istiocni.log.LogTime;
import java.time.Instant;
import java.util.List;

/**
 * One log entry as a JSON line: {@code {"time":"2006-01-02T15:04:05.000000Z","level":"info","msg":"...",
 * "pod":"ns/name",...}}. Built by hand (no JSON library to load), with the escaping of zap's JSON encoder that
 * Istio's log lines have.
 */
public final class LogLine {

    private LogLine() {
    }

    /**
     * The entry without a trailing newline. {@code labels} are key, value pairs; a missing last value is empty, a
     * key that would clash with {@code time}, {@code level} or {@code msg} gets a leading underscore.
     */
    public static String format(Instant time, LogLevel level, String msg, String... labels) {
        StringBuilder sb = new StringBuilder(96 + (msg == null ? 0 : msg.length()));
        sb.append("{\"time\":\"");
        LogTime.append(sb, time);
        sb.append("\",\"level\":\"").append(level.label()).append("\",\"msg\":");
        quote(sb, msg == null ? "" : msg);
        if (labels != null) {
            for (int i = 0; i < labels.length; i += 2) {
                String key = labels[i] == null ? "" : labels[i];
                if (key.equals("time") || key.equals("level") || key.equals("msg")) {
                    key = "_" + key;
                }
                sb.append(',');
                quote(sb, key);
                sb.append(':');
                quote(sb, i + 1 < labels.length && labels[i + 1] != null ? labels[i + 1] : "");
            }
        }
        return sb.append('}').toString();
    }

    /** UTC, Go layout {@code 2006-01-02T15:04:05.000000Z} (microseconds). */
    /** A JSON array of JSON strings, one per line (the body of the node agent's {@code POST /log}). */
    public static String array(List<String> lines) {
        int size = 2;
        for (String l : lines) {
            size += l.length() + 8;
        }
        StringBuilder sb = new StringBuilder(size).append('[');
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            GoJsonString.append(sb, lines.get(i), GoJsonString.Style.ENCODING_JSON); // Go's json.Marshal of []string
        }
        return sb.append(']').toString();
    }

    /** A value in a log line: zap's escaping, as Istio's JSON log lines have it. */
    private static void quote(StringBuilder sb, String s) {
        GoJsonString.append(sb, s, GoJsonString.Style.ZAP);
    }
}
