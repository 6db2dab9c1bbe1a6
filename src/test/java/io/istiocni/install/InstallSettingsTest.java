package io.istiocni.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.settings.Declarations;
import io.istiocni.settings.SettingsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstallSettingsTest {

    static InstallSettings of(Map<String, String> env, String... args) {
        return InstallSettings.from(env, List.of(args));
    }

    @Test
    void everySettingIsDeclaredOnce() throws Exception {
        Declarations.assertEveryConstantIsDeclared(InstallSettings.class, InstallSettings.SETTINGS);
        Declarations.assertEveryConstantIsDeclared(DaemonSettings.class, DaemonSettings.SETTINGS);
    }

    @Test
    void defaults() {
        InstallSettings s = of(Map.of());
        assertEquals("/host/etc/cni/net.d", s.mountedCniNetDir());
        assertEquals("", s.cniConfName());
        assertTrue(s.chainedCniPlugin());
        assertEquals("/var/run/istio-cni", s.cniAgentRunDir());
        assertEquals(0600, s.kubeconfigMode());
        assertFalse(s.cniConfGroupRead());
        assertEquals("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", s.kubeCaFile());
        assertFalse(s.skipTlsVerify());
        assertEquals(15014, s.monitoringPort());
        assertEquals(List.of(), s.excludeNamespaces());
        assertEquals("", s.podNamespace());
        assertEquals("https", s.kubernetesServiceProtocol());
        assertEquals("/opt/cni/bin", s.cniBinSourceDir());
        assertEquals(List.of("/host/opt/cni/bin"), s.cniBinTargetDirs());
        assertEquals(8000, s.healthPort());
        assertEquals("info", s.pluginLogLevel());
        assertTrue(s.updateCniBinaries());
        assertEquals(List.of(), s.skipCniBinaries());
        assertEquals("/var/run/istio-cni/istio-cni-kubeconfig", s.kubeconfigPath());
        assertEquals("YYY-istio-cni.conf", s.standaloneFileName());
        assertEquals(0600, s.standaloneMode());
    }

    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        InstallSettings s = of(Map.of("CNI_CONF_NAME", "env.conf", "CNI_AGENT_RUN_DIR", "/env/run"),
                "--cni-conf-name=flag.conf");
        assertEquals("flag.conf", s.cniConfName());
        assertEquals("/env/run", s.cniAgentRunDir());
        assertEquals("flag.conf", of(Map.of(), "--cni-conf-name", "flag.conf").cniConfName());
    }

    @Test
    void booleans() {
        for (String t : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertTrue(of(Map.of("SKIP_TLS_VERIFY", t)).skipTlsVerify(), t);
        }
        for (String f : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertFalse(of(Map.of("CHAINED_CNI_PLUGIN", f)).chainedCniPlugin(), f);
        }
        assertTrue(of(Map.of("CHAINED_CNI_PLUGIN", "")).chainedCniPlugin(), "empty = default");
        assertTrue(of(Map.of(), "--skip-tls-verify").skipTlsVerify(), "bare boolean flag");
        assertFalse(of(Map.of(), "--chained-cni-plugin=false").chainedCniPlugin());
        SettingsException e = assertThrows(SettingsException.class,
                () -> of(Map.of("CHAINED_CNI_PLUGIN", "yes")));
        assertTrue(e.getMessage().contains("CHAINED_CNI_PLUGIN") && e.getMessage().contains("\"yes\""), e.getMessage());
        e = assertThrows(SettingsException.class, () -> of(Map.of(), "--chained-cni-plugin=maybe"));
        assertTrue(e.getMessage().contains("--chained-cni-plugin"), e.getMessage());
    }

    @Test
    void integersWithGoPrefixes() {
        assertEquals(0600, of(Map.of("KUBECONFIG_MODE", "0600")).kubeconfigMode());
        assertEquals(0600, of(Map.of("KUBECONFIG_MODE", "0o600")).kubeconfigMode());
        assertEquals(0600, of(Map.of("KUBECONFIG_MODE", "0x180")).kubeconfigMode());
        assertEquals(0600, of(Map.of("KUBECONFIG_MODE", "384")).kubeconfigMode());
        assertEquals(600, of(Map.of("KUBECONFIG_MODE", "600")).kubeconfigMode());
        assertEquals(0, of(Map.of("MONITORING_PORT", "0")).monitoringPort());
        assertEquals(-1, of(Map.of("MONITORING_PORT", "-1")).monitoringPort());
        assertEquals(15014, of(Map.of("MONITORING_PORT", "")).monitoringPort(), "empty = default");
        assertEquals(9000, of(Map.of(), "--health-port=9000").healthPort());
        for (String bad : List.of("abc", "0x", "08", "1.5", "99999999999999999999")) {
            SettingsException e = assertThrows(SettingsException.class,
                    () -> of(Map.of("KUBECONFIG_MODE", bad)), bad);
            assertTrue(e.getMessage().contains("KUBECONFIG_MODE"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertThrows(SettingsException.class, () -> of(Map.of("HEALTH_PORT", "70000")));
    }

    @Test
    void strings() {
        InstallSettings s = of(Map.of("MOUNTED_CNI_NET_DIR", "", "SERVICE_ACCOUNT_PATH", "/sa",
                "EXCLUDE_NAMESPACES", " kube-system, ,istio-system ,", "CNI_BIN_TARGET_DIRS", "/a,/b",
                "SKIP_CNI_BINARIES", "x,y", "UPDATE_CNI_BINARIES", "false"));
        assertEquals("/host/etc/cni/net.d", s.mountedCniNetDir(), "empty = default");
        assertEquals("/sa/ca.crt", s.kubeCaFile());
        assertEquals("/sa/token", s.tokenPath());
        assertEquals(List.of("kube-system", "istio-system"), s.excludeNamespaces());
        assertEquals(List.of("/a", "/b"), s.cniBinTargetDirs());
        assertEquals(List.of("x", "y"), s.skipCniBinaries());
        assertFalse(s.updateCniBinaries());
        assertEquals("/ca.pem", of(Map.of("KUBE_CA_FILE", "/ca.pem")).kubeCaFile());
        assertEquals(List.of("ns"), of(Map.of(), "--exclude-namespaces=ns").excludeNamespaces());
        assertEquals(0640, of(Map.of("CNI_CONF_GROUP_READ", "true")).standaloneMode());
        assertEquals("x.conf", of(Map.of("CNI_CONF_NAME", "x.conf")).standaloneFileName());
    }

    @Test
    void logOutputLevel() {
        assertEquals("debug", of(Map.of(), "--log_output_level=cni-plugin:debug").pluginLogLevel());
        assertEquals("debug", of(Map.of(), "--log_output_level=all:debug").pluginLogLevel());
        InstallSettings s = of(Map.of(), "--log_output_level=debug");
        assertEquals("info", s.pluginLogLevel());
        assertEquals("debug", s.logLevels().get("default"));
        s = of(Map.of(), "--log_output_level", "default:warn,cni-agent:error,all:none,cni-plugin:warn");
        assertEquals("warn", s.pluginLogLevel());
        assertEquals("none", s.logLevels().get("cni-agent"));
        assertEquals("info", of(Map.of("LOG_LEVEL", "debug")).pluginLogLevel(), "LOG_LEVEL is ignored");
        for (String bad : List.of("verbose", "cni-plugin:loud", ":debug", "debug,,info")) {
            SettingsException e = assertThrows(SettingsException.class,
                    () -> of(Map.of(), "--log_output_level=" + bad), bad);
            assertTrue(e.getMessage().contains("--log_output_level"), e.getMessage());
        }
        assertTrue(of(Map.of(), "--log_as_json").logAsJson());
        of(Map.of(), "--log_caller=default", "--log_target", "stdout", "--ctrlz_port=9876"); // accepted, ignored
    }

    @Test
    void unsupportedModesAndUnknownFlags() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> of(Map.of("AMBIENT_ENABLED", "true")));
        assertTrue(e.getMessage().contains("ambient mode is not supported"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> of(Map.of("NATIVE_NFTABLES", "true")));
        assertTrue(e.getMessage().contains("native nftables is not supported"), e.getMessage());
        assertFalse(of(Map.of("AMBIENT_ENABLED", "false", "NATIVE_NFTABLES", "false")).nativeNftables());
        e = assertThrows(SettingsException.class, () -> of(Map.of(), "--no-such-flag=1"));
        assertTrue(e.getMessage().contains("--no-such-flag"), e.getMessage());
        assertThrows(SettingsException.class, () -> of(Map.of(), "positional"));
        assertThrows(SettingsException.class, () -> of(Map.of(), "--cni-conf-name"));
        of(Map.of("SOME_UNKNOWN_VAR", "x"));
    }

    @Test
    void acceptedAndIgnored() {
        InstallSettings s = of(Map.ofEntries(Map.entry("CNI_NETWORK_CONFIG", "{}"),
                Map.entry("CNI_NETWORK_CONFIG_FILE", "/x"), Map.entry("LOG_LEVEL", "warn"),
                Map.entry("CURRENT_AGENT_VERSION", "1.2"), Map.entry("REPAIR_RUN_AS_DAEMON", "true"),
                Map.entry("GOMEMLIMIT", "1Gi"), Map.entry("AMBIENT_DNS_CAPTURE", "true"),
                Map.entry("ZTUNNEL_UDS_ADDRESS", "/x"), Map.entry("REVISION", "r"),
                Map.entry("ISTIO_OWNED_CNI_CONFIG", "true"), Map.entry("ISTIO_OWNED_CNI_CONF_FILENAME", "x")));
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).contains("ISTIO_OWNED_CNI_CONFIG"));
        assertEquals(InstallSettings.from(Map.of(), List.of()).pluginLogLevel(), s.pluginLogLevel());
    }

    @Test
    void repairSettingsAreNotTheInstallersOwn() {
        // the install command parses them too (InstallCommandSettingsTest); InstallSettings alone does not know them
        SettingsException e = assertThrows(SettingsException.class, () -> of(Map.of(), "--repair-delete-pods"));
        assertEquals("unknown flag: --repair-delete-pods", e.getMessage());
    }
}
