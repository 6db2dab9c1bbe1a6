package io.istiocni.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the program version.")
public class VersionCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("istio-cni " + version());
    }

    public static String version() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("/istio-cni-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    public static class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"istio-cni " + version()};
        }
    }
}
