package io.istiocni.cli;

import io.istiocni.version.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the program version.")
public class VersionCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("istio-cni " + Version.current());
    }

    public static class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"istio-cni " + Version.current()};
        }
    }
}
