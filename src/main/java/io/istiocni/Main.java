package io.istiocni;

import io.istiocni.cli.ModeSelector;
import io.istiocni.cli.ProgramName;
import io.istiocni.cli.TopCommand;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.List;
import picocli.CommandLine;

/** The one executable: picks the mode from argv[0], {@code CNI_COMMAND} or the first argument. */
@QuarkusMain
public class Main implements QuarkusApplication {

    @Override
    public int run(String... args) {
        List<String> effective = ModeSelector.effectiveArgs(ProgramName.argv0(), List.of(args),
                System.getenv("CNI_COMMAND") != null);
        return TopCommand.commandLine().execute(effective.toArray(String[]::new));
    }
}
