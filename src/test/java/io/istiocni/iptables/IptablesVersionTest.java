package io.istiocni.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.rules.Family;
import org.junit.jupiter.api.Test;

class IptablesVersionTest {

    @Test
    void findsTheVersionInSaveVersionOutput() {
        assertEquals(new IptablesVersion(1, 8, 9), IptablesVersion.find("iptables-save v1.8.9 (legacy)\n"));
        assertEquals(new IptablesVersion(1, 8, 10), IptablesVersion.find("iptables-nft-save v1.8.10 (nf_tables)"));
        assertEquals(new IptablesVersion(1, 6, 0), IptablesVersion.find("iptables-save v1.6"));
        assertNull(IptablesVersion.find("iptables-save: unknown option --version"));
        assertNull(IptablesVersion.find(""));
    }

    @Test
    void comparesNumerically() {
        assertTrue(new IptablesVersion(1, 10, 0).atLeast(new IptablesVersion(1, 8, 6)));
        assertTrue(new IptablesVersion(1, 6, 2).atLeast(IptablesVersion.WAIT_ARGUMENT));
        assertFalse(new IptablesVersion(1, 6, 1).atLeast(IptablesVersion.WAIT_ARGUMENT));
        assertFalse(new IptablesVersion(1, 8, 5).atLeast(IptablesVersion.LOCKFILE_ENV));
        assertEquals("1.8.9", new IptablesVersion(1, 8, 9).toString());
    }

    @Test
    void waitAndLockFileOnlyForRecentLegacy() {
        IptablesVariant legacy = new IptablesVariant(Family.IPV4, "iptables-legacy", false, new IptablesVersion(1, 8, 9), false);
        IptablesVariant oldLegacy = new IptablesVariant(Family.IPV4, "iptables-legacy", false, new IptablesVersion(1, 8, 4), false);
        IptablesVariant ancient = new IptablesVariant(Family.IPV4, "iptables", false, IptablesVersion.UNKNOWN, false);
        IptablesVariant nft = new IptablesVariant(Family.IPV6, "ip6tables-nft", true, new IptablesVersion(1, 8, 9), false);
        assertTrue(legacy.takesWait() && legacy.takesLockfileEnv());
        assertTrue(oldLegacy.takesWait() && !oldLegacy.takesLockfileEnv());
        assertFalse(ancient.takesWait() || ancient.takesLockfileEnv());
        assertFalse(nft.takesWait() || nft.takesLockfileEnv());
        assertEquals("ip6tables-nft-save", nft.saveBinary());
        assertEquals("ip6tables-nft-restore", nft.restoreBinary());
    }
}
