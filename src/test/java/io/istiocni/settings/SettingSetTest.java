package io.istiocni.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingSetTest {

    static final SettingSet.Builder DECLARED = SettingSet.builder();
    static final Setting<Boolean> ON = DECLARED.add(Setting.bool("THING_ON", true, "turns it on"));
    static final Setting<Long> MODE = DECLARED.add(Setting.integer("THING_MODE", 0600, "0600", 0, 07777, "mode"));
    static final Setting<String> DIR = DECLARED.add(Setting.string("THING_DIR", "/d", "a | directory"));
    static final Setting<List<String>> ITEMS = DECLARED.add(Setting.list("THING_ITEMS", "a,b", "items"));
    static final Setting<String> KEPT = DECLARED.add(Setting.string("THING_KEPT", "k", "kept").keepingEmpty());
    static final Setting<Long> CODE = DECLARED.add(Setting.integer("THING_CODE", 126, 0, 255, "code").keepingEmpty());
    static final Setting<Boolean> EXOTIC = DECLARED.add(Setting.bool("THING_EXOTIC", false, "exotic")
            .refusing(true, "exotic things are not supported"));
    static final Setting<String> LEVEL = DECLARED.add(Setting.string("X", "info", "level").flagOnly("log_level"));
    static final Setting<String> OLD = DECLARED.add(Setting.ignored("THING_OLD"));
    static final Setting<String> TARGET = DECLARED.add(Setting.ignoredFlag("log_target"));
    static final SettingSet SET = DECLARED.build();

    static SettingValues parse(Map<String, String> env, String... args) {
        return SET.parse(env, List.of(args));
    }

    static String error(Map<String, String> env, String... args) {
        String m = assertThrows(SettingsException.class, () -> parse(env, args)).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void defaults() {
        SettingValues v = parse(Map.of());
        assertTrue(v.get(ON));
        assertEquals(0600L, v.get(MODE));
        assertEquals("/d", v.get(DIR));
        assertEquals(List.of("a", "b"), v.get(ITEMS));
        assertEquals("k", v.get(KEPT));
        assertEquals(126L, v.get(CODE));
        assertFalse(v.get(EXOTIC));
        assertEquals("info", v.get(LEVEL));
        assertEquals("", v.get(OLD));
    }

    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        Map<String, String> env = Map.of("THING_DIR", "/env", "THING_MODE", "0644");
        assertEquals("/env", parse(env).get(DIR));
        assertEquals("/flag", parse(env, "--thing-dir=/flag").get(DIR));
        assertEquals("/flag", parse(env, "--thing-dir", "/flag").get(DIR));
        assertEquals("/last", parse(env, "--thing-dir=/flag", "--thing-dir=/last").get(DIR));
        assertEquals(0644L, parse(env, "--thing-dir=/x").get(MODE));
        assertEquals("debug", parse(Map.of("X", "warn"), "--log_level=debug").get(LEVEL));
        assertEquals("info", parse(Map.of("X", "warn")).get(LEVEL), "a flag-only setting has no variable");
    }

    @Test
    void emptyIsUnsetUnlessKept() {
        Map<String, String> env = Map.of("THING_DIR", "", "THING_ON", "", "THING_MODE", "", "THING_KEPT", "",
                "THING_CODE", "");
        SettingValues v = parse(env);
        assertEquals("/d", v.get(DIR));
        assertTrue(v.get(ON));
        assertEquals(0600L, v.get(MODE));
        assertEquals("", v.get(KEPT));
        assertEquals(0L, v.get(CODE));
        assertEquals("/env", parse(Map.of("THING_DIR", "/env"), "--thing-dir=").get(DIR), "empty flag: unset");
        assertEquals("", parse(Map.of("THING_KEPT", "e"), "--thing-kept=").get(KEPT));
    }

    @Test
    void goBooleans() {
        for (String t : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertTrue(parse(Map.of("THING_ON", "false"), "--thing-on=" + t).get(ON), t);
        }
        for (String f : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertFalse(parse(Map.of("THING_ON", f)).get(ON), f);
        }
        assertTrue(parse(Map.of("THING_ON", "false"), "--thing-on").get(ON), "a bare boolean flag is true");
        assertEquals("invalid value for THING_ON: \"yes\" (want true or false)", error(Map.of("THING_ON", "yes")));
        assertEquals("invalid value for --thing-on: \"maybe\" (want true or false)",
                error(Map.of(), "--thing-on=maybe"));
        // a boolean flag does not take the next word
        assertEquals("unexpected argument \"false\" (only --flag or --flag=value is accepted)",
                error(Map.of(), "--thing-on", "false"));
    }

    @Test
    void goIntegers() {
        assertEquals(0600L, parse(Map.of("THING_MODE", "0o600")).get(MODE));
        assertEquals(0600L, parse(Map.of("THING_MODE", "0x180")).get(MODE));
        assertEquals(384L, parse(Map.of("THING_MODE", "384")).get(MODE));
        assertEquals(600L, parse(Map.of("THING_MODE", "600")).get(MODE));
        assertEquals(0b101L, parse(Map.of("THING_MODE", "0b1_01")).get(MODE));
        for (String bad : List.of("abc", "0x", "08", "1.5", "_1", "1_", "99999999999999999999")) {
            assertEquals("invalid value for THING_MODE: \"" + bad
                    + "\" (want an integer: decimal, 0x hexadecimal or 0/0o octal)", error(Map.of("THING_MODE", bad)));
        }
        assertEquals("invalid value for --thing-mode: \"010000\" (out of range 0..4095)",
                error(Map.of(), "--thing-mode", "010000"));
        assertEquals("invalid value for THING_CODE: \"x\" (want an integer: decimal, 0x hexadecimal or 0/0o octal)",
                error(Map.of("THING_CODE", "x")));
    }

    @Test
    void usageErrors() {
        assertEquals("unknown flag: --nope", error(Map.of(), "--nope=1"));
        assertEquals("unexpected argument \"positional\" (only --flag or --flag=value is accepted)",
                error(Map.of(), "positional"));
        assertEquals("unexpected argument \"--\" (only --flag or --flag=value is accepted)", error(Map.of(), "--"));
        assertEquals("flag needs an argument: --thing-dir", error(Map.of(), "--thing-dir"));
        assertEquals("THING_EXOTIC=1: exotic things are not supported", error(Map.of("THING_EXOTIC", "1")));
        assertEquals("--thing-exotic=true: exotic things are not supported", error(Map.of(), "--thing-exotic"));
        assertEquals("invalid value for THING_DIR: \"a\\nb\\x01\" (x)", assertThrows(SettingsException.class,
                () -> SettingSet.union(SettingSet.builder().build(), builderWith(Setting.of("THING_DIR",
                        "thing-dir", Setting.Kind.STRING, v -> {
                            throw new IllegalArgumentException("x");
                        }, "", "", "h"))).parse(Map.of("THING_DIR", "a\nb\u0001"), List.of())).getMessage());
        parse(Map.of("UNKNOWN_VARIABLE", "x"), "--thing-old=1", "--log_target", "stdout"); // accepted, ignored
    }

    private static SettingSet builderWith(Setting<?> s) {
        SettingSet.Builder b = SettingSet.builder();
        b.add(s);
        return b.build();
    }

    @Test
    void unionTakesASharedDeclarationOnceAndRefusesTwoOfTheSameName() {
        SettingSet.Builder other = SettingSet.builder();
        Setting<String> extra = other.add(Setting.string("EXTRA", "e", "extra"));
        other.add(DIR);
        SettingSet both = SettingSet.union(SET, other.build());
        assertEquals(SET.settings().size() + 1, both.settings().size());
        SettingValues v = both.parse(Map.of("EXTRA", "x"), List.of("--thing-dir=/f"));
        assertEquals("x", v.get(extra));
        assertEquals("/f", v.get(DIR));
        assertTrue(v.has(DIR));
        assertFalse(parse(Map.of()).has(extra));
        assertThrows(IllegalStateException.class, () -> parse(Map.of()).get(extra));
        assertThrows(IllegalStateException.class,
                () -> SettingSet.union(SET, builderWith(Setting.string("THING_DIR", "", "again"))));
        assertThrows(IllegalStateException.class,
                () -> SettingSet.union(SET, builderWith(Setting.string("OTHER", "", "x").flagOnly("thing-dir"))));
    }

    @Test
    void helpText() {
        String help = SET.helpText();
        assertTrue(help.startsWith("Settings (a flag, else the environment variable, else the default):\n"
                + "  --thing-on, THING_ON\n      turns it on (boolean, default true)\n"
                + "  --thing-mode, THING_MODE\n      mode (integer, default 0600)\n"), help);
        assertTrue(help.contains("  --log_level\n      level (string, default info)\n"), help);
        assertTrue(help.contains("  --thing-dir, THING_DIR\n      a | directory (string, default /d)\n"), help);
        assertTrue(help.endsWith("\n\nAccepted and ignored: THING_OLD, --log_target.\n"), help);
        SettingSet.Builder b = SettingSet.builder();
        b.add(Setting.string("A_VERY_LONG_VARIABLE_NAME_THAT_DOES_NOT_FIT_BESIDE_ITS_FLAG", "", "long"));
        assertTrue(b.build().helpText().contains("  --a-very-long-variable-name-that-does-not-fit-beside-its-flag,\n"
                + "  A_VERY_LONG_VARIABLE_NAME_THAT_DOES_NOT_FIT_BESIDE_ITS_FLAG\n      long (string, default empty)\n"));
        for (String line : help.split("\n")) {
            assertTrue(line.length() <= 80, line);
        }
    }

    @Test
    void markdownTable() {
        String table = SET.markdownTable();
        assertTrue(table.startsWith("| flag | environment variable | kind | default | meaning |\n"
                + "| --- | --- | --- | --- | --- |\n"
                + "| `--thing-on` | `THING_ON` | boolean | `true` | turns it on |\n"
                + "| `--thing-mode` | `THING_MODE` | integer | `0600` | mode |\n"), table);
        assertTrue(table.contains("| `--thing-dir` | `THING_DIR` | string | `/d` | a \\| directory |\n"), table);
        assertTrue(table.contains("| `--log_level` | - | string | `info` | level |\n"), table);
        assertTrue(table.contains("| `--thing-kept` | `THING_KEPT` | string | `k` | kept |\n"), table);
        assertTrue(table.endsWith("\nAccepted and ignored: `THING_OLD`, `--log_target`.\n"), table);
    }
}
