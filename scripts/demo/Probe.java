import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Traffic probe for the demo, run with the JDK's source launcher ({@code java Probe.java ...}) so the demo needs
 * no other tool.
 *
 * <pre>
 * serve SECONDS PORT...        listen on every address on each port; answer each connection with the port
 *                              that accepted it and the address the client connected to, then close
 * connect HOST PORT            connect, print the answer line (exit 2 when nobody answers)
 * </pre>
 */
public class Probe {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(Integer.parseInt(args[1]), java.util.Arrays.copyOfRange(args, 2, args.length));
            case "connect" -> connect(args[1], Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("serve or connect");
        }
    }

    static void serve(int seconds, String[] ports) throws Exception {
        for (String port : ports) {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Integer.parseInt(port)));
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                        out.write(("accepted-by=" + port + " from=" + s.getRemoteSocketAddress() + "\n")
                                .getBytes(StandardCharsets.UTF_8));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }
        System.out.println("listening");
        System.out.flush();
        Thread.sleep(seconds * 1000L);
    }

    static void connect(String host, int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 3000);
            s.setSoTimeout(3000);
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            System.out.println(line);
        } catch (Exception e) {
            System.out.println("no-answer: " + e.getMessage());
            System.exit(2);
        }
    }
}
