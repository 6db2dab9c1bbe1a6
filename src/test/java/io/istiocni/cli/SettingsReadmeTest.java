package io.istiocni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istiocni.daemon.DaemonSettings;
import io.istiocni.install.InstallSettings;
import io.istiocni.repair.RepairSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings tables are generated from the declarations: this fails, printing them, when they differ. */
class SettingsReadmeTest {

    static final String BEGIN = "<!-- settings tables: generated from the declarations, checked by SettingsReadmeTest -->\n";
    static final String END = "<!-- end of the settings tables -->\n";

    /** The text between the markers. */
    static String generated() {
        return "\n### `istio-cni install`\n\n" + InstallSettings.SETTINGS.markdownTable()
                + "\n### Both daemons (`install` and `repair`)\n\n" + DaemonSettings.SETTINGS.markdownTable()
                + "\n### The repair controller (`repair`, and `install` for the controller it runs in-process)\n\n"
                + RepairSettings.SETTINGS.markdownTable() + "\n";
    }

    @Test
    void readmeTablesAreTheGeneratedOnes() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        String expected = BEGIN + generated() + END;
        assertTrue(begin >= 0 && end > begin, "README.md lacks the settings tables; put this in:\n" + expected);
        String actual = readme.substring(begin, end + END.length());
        if (!actual.equals(expected)) {
            System.out.println("README.md's settings tables differ from the declarations; expected:\n" + expected);
        }
        assertEquals(expected, actual, "README.md's settings tables differ from the declarations (expected printed"
                + " above)");
    }
}
