package io.istiocni.iptables;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An iptables release number ({@code vX.Y[.Z]} as printed by {@code B-save --version}). */
public record IptablesVersion(int major, int minor, int patch) implements Comparable<IptablesVersion> {

    /** What to assume when {@code --version} is not understood (capture.md 8.1). */
    public static final IptablesVersion UNKNOWN = new IptablesVersion(0, 0, 0);
    /** First release with {@code --wait=SECONDS}. */
    public static final IptablesVersion WAIT_ARGUMENT = new IptablesVersion(1, 6, 2);
    /** First release honouring {@code XTABLES_LOCKFILE}. */
    public static final IptablesVersion LOCKFILE_ENV = new IptablesVersion(1, 8, 6);

    private static final Pattern VERSION = Pattern.compile("v([0-9]+)\\.([0-9]+)(?:\\.([0-9]+))?");

    /** The first {@code vX.Y[.Z]} in {@code text}, or null when there is none. */
    public static IptablesVersion find(String text) {
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            return null;
        }
        try {
            return new IptablesVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public boolean atLeast(IptablesVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(IptablesVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
