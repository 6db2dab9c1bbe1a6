package io.istiocni.redirect;

import io.istiocni.iptables.ApplyException;
import java.util.Objects;

/**
 * The backends one process can use, and the one choice between them: {@code native_nftables} (plugin),
 * {@code --native-nftables} (iptables mode), {@code NATIVE_NFTABLES} (installer, repair). No nftables backend exists
 * yet, so asking for it is the error the spec gives (plugin.md 7.8, capture.md 1.3); the nftables backend plugs in
 * here once.
 */
public final class CaptureBackends {

    /** plugin.md 7.8: the error when nftables is asked for. */
    public static final String NFTABLES_UNSUPPORTED = "native nftables is not supported";

    private final CaptureBackend iptables;

    private CaptureBackends(CaptureBackend iptables) {
        this.iptables = Objects.requireNonNull(iptables);
    }

    /**
     * The tools as processes. The backends keep what they learn about the node (the iptables variant): one instance
     * per plugin process, one for the node agent's whole life.
     */
    public static CaptureBackends processes() {
        return new CaptureBackends(IptablesBackend.processes());
    }

    /** With this iptables backend (tests: a fake runner). */
    public static CaptureBackends of(CaptureBackend iptables) {
        return new CaptureBackends(iptables);
    }

    /** @throws ApplyException {@link #NFTABLES_UNSUPPORTED} when {@code nativeNftables} */
    public CaptureBackend select(boolean nativeNftables) {
        if (nativeNftables) {
            throw new ApplyException(NFTABLES_UNSUPPORTED);
        }
        return iptables;
    }
}
