package io.istiocni.capture;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's {@code time.ParseDuration} syntax: {@code 500ms}, {@code 5s}, {@code 1m30s}, {@code 1.5h}, {@code 0}. */
public final class GoDuration {

    private static final Pattern WHOLE = Pattern.compile("[-+]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** The duration, or null when the text is not a Go duration. */
    public static Duration parse(String text) {
        if (text.equals("0") || text.equals("+0") || text.equals("-0")) {
            return Duration.ZERO;
        }
        if (!WHOLE.matcher(text).matches()) {
            return null;
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
        }
        long total = nanos.longValue();
        return Duration.ofNanos(text.startsWith("-") ? -total : total);
    }
}
