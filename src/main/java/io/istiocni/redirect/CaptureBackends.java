package io.istiocni.redirect;

import io.istiocni.nftables.NftApplier;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The backends one process can use, and the one choice between them: {@code native_nftables} (plugin),
 * {@code --native-nftables} (iptables mode), {@code NATIVE_NFTABLES} (installer, repair in place).
 */
public final class CaptureBackends {

    private final CaptureBackend iptables;
    private final CaptureBackend nftables;

    private CaptureBackends(CaptureBackend iptables, CaptureBackend nftables) {
        this.iptables = Objects.requireNonNull(iptables);
        this.nftables = Objects.requireNonNull(nftables);
    }

    /**
     * The tools as processes. The backends keep what they learn about the node (the iptables variant): one instance
     * per plugin process, one for the node agent's whole life.
     */
    public static CaptureBackends processes() {
        return new CaptureBackends(IptablesBackend.processes(), new NftablesBackend(new NftApplier()));
    }

    /** The tools as processes; the nftables backend's warnings to {@code warnings} (the plugin's log, stderr). */
    public static CaptureBackends processes(Consumer<String> warnings) {
        return new CaptureBackends(IptablesBackend.processes(), new NftablesBackend(new NftApplier(warnings)));
    }

    /** With these backends (tests: fake runners). */
    public static CaptureBackends of(CaptureBackend iptables, CaptureBackend nftables) {
        return new CaptureBackends(iptables, nftables);
    }

    /** With this iptables backend and the nftables one as processes (tests of the iptables path). */
    public static CaptureBackends of(CaptureBackend iptables) {
        return new CaptureBackends(iptables, new NftablesBackend(new NftApplier()));
    }

    public CaptureBackend select(boolean nativeNftables) {
        return nativeNftables ? nftables : iptables;
    }
}
