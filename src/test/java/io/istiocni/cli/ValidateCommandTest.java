package io.istiocni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.capture.IptablesMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidateCommandTest {

    @Test
    void validateIsIptablesWithTheTwoFlags() {
        assertEquals(List.of("-p", "15001", "--run-validation", "--skip-rule-apply"),
                ValidateCommand.withValidationFlags(List.of("-p", "15001")));
        assertEquals(List.of("-z", "1", "--run-validation", "--skip-rule-apply", "--", "x"),
                ValidateCommand.withValidationFlags(List.of("-z", "1", "--", "x")));
    }

    @Test
    void subcommandIsRegisteredAndTakesGoStyleFlags() {
        var cl = TopCommand.commandLine();
        var parsed = cl.parseArgs("validate", "-p", "15001", "-z", "15006", "-u", "1337", "-g", "1337", "-m",
                "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020",
                "--log_output_level=default:info", "--run-validation", "--skip-rule-apply");
        ValidateCommand validate = (ValidateCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(21, validate.args.size(), validate.args::toString);
    }

    @Test
    void helpNamesTheValidateMode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = IptablesMode.run(ValidateCommand.withValidationFlags(List.of("--help")), Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                ValidateCommand.USAGE_HEADER);
        assertEquals(0, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: istio-cni validate"));
    }

    @Test
    void theCheckIsNotCombinedWithAnotherNamespace() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = IptablesCommand.run(List.of("--run-validation", "--skip-rule-apply", "--network-namespace",
                "/var/run/netns/nowhere"), Map.of(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: --run-validation checks the current"),
                err::toString);
    }

    @Test
    void badSettingsAreExitOne() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = IptablesCommand.run(ValidateCommand.withValidationFlags(List.of("--probe-timeout", "5")),
                Map.of(), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                        StandardCharsets.UTF_8));
        assertEquals(1, code, err::toString);
    }
}
