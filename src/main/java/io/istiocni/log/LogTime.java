package io.istiocni.log;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** Istio's log time layout ({@code 2026-12-01T23:59:59.123456Z}: UTC, microseconds), for the plugin's and the daemons' lines. */
public final class LogTime {

    private LogTime() {
    }

    public static String format(Instant t) {
        StringBuilder sb = new StringBuilder(27);
        append(sb, t);
        return sb.toString();
    }

    public static void append(StringBuilder sb, Instant t) {
        LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
        pad(sb, d.getYear(), 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append('T');
        pad(sb, d.getHour(), 2).append(':');
        pad(sb, d.getMinute(), 2).append(':');
        pad(sb, d.getSecond(), 2).append('.');
        pad(sb, d.getNano() / 1000, 6).append('Z');
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
