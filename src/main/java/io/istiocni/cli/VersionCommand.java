package io.istiocni.cli;

import io.istiocni.version.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code istio-cni version}, with the flags of Istio's version command ({@code pkg/version}): {@code --short}/{@code -s}
 * prints the bare version, {@code --output}/{@code -o json|yaml} Istio's {@code clientVersion} object.
 */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the program version.")
public class VersionCommand implements Callable<Integer> {

    @Option(names = {"-s", "--short"}, description = "Print the version number only.")
    boolean shortForm;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "One of 'json' or 'yaml'.")
    String output = "";

    @Override
    public Integer call() {
        String version = Version.current();
        switch (output) {
            case "" -> System.out.println(shortForm ? version : "istio-cni " + version);
            case "json" -> System.out.println("{\n  \"clientVersion\": {\n    \"version\": \"" + version
                    + "\",\n    \"revision\": \"unknown\",\n    \"status\": \"Clean\",\n    \"tag\": \"" + version
                    + "\"\n  }\n}");
            case "yaml" -> System.out.println("clientVersion:\n  revision: unknown\n  status: Clean\n  tag: " + version
                    + "\n  version: " + version);
            default -> {
                System.err.println("istio-cni version: --output must be 'yaml' or 'json', not '" + output + "'");
                return 1;
            }
        }
        return 0;
    }

    public static class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"istio-cni " + Version.current()};
        }
    }
}
