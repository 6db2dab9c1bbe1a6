package io.istiocni.it;

import io.istiocni.netns.ScratchNamespace;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scratch network namespace {@code itc-<random>} with its loopback up; deleted (after stopping the
 * processes started in it) by {@link #close()}. Links created inside it (veth ends) go away with it.
 */
final class Netns implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** TCP/UDP listeners: {@code server.py TAG KIND:PORT[@ADDR]...}, KIND tcp, tcpt (IP_TRANSPARENT) or udp. */
    static final String SERVER_PY = """
            import socket, sys, threading
            tag = sys.argv[1]
            def tcp(addr, port, transparent):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if transparent:
                    s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT
                s.bind((addr, port)); s.listen(64)
                def loop():
                    while True:
                        c, peer = s.accept()
                        try:
                            l = c.getsockname()
                            c.sendall(("%s tcp:%d local=%s:%d peer=%s\\n" % (tag, port, l[0], l[1], peer[0])).encode())
                        except Exception:
                            pass
                        finally:
                            c.close()
                threading.Thread(target=loop, daemon=True).start()
            def udp(addr, port):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port))
                def loop():
                    while True:
                        data, peer = s.recvfrom(2048)
                        s.sendto(("%s udp:%d peer=%s\\n" % (tag, port, peer[0])).encode(), peer)
                threading.Thread(target=loop, daemon=True).start()
            for spec in sys.argv[2:]:
                kind, rest = spec.split(":")
                port, _, addr = rest.partition("@")
                addr = addr or "0.0.0.0"
                if kind == "udp":
                    udp(addr, int(port))
                else:
                    tcp(addr, int(port), kind == "tcpt")
            print("ready", flush=True)
            threading.Event().wait()
            """;

    /** {@code client.py tcp|udp HOST PORT}: prints the server's one-line answer, or ERROR ... (exit 2). */
    static final String CLIENT_PY = """
            import socket, sys
            kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
            try:
                if kind == "tcp":
                    s = socket.create_connection((host, port), timeout=3)
                    data = b""
                    while True:
                        b = s.recv(4096)
                        if not b:
                            break
                        data += b
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(3)
                    s.connect((host, port))
                    s.send(b"q")
                    data = s.recv(4096)
                print(data.decode().strip())
            except Exception as e:
                print("ERROR %s: %s" % (type(e).__name__, e))
                sys.exit(2)
            """;

    private final String name;
    private final List<Process> processes = new ArrayList<>();
    /** The namespace made in a user namespace of its own (hostUsers: false), or null for an ordinary one. */
    private ScratchNamespace ownUserNamespace;
    /** {@code /proc/<pid>/ns/user} of the user namespace owning this one, or null for the host's. */
    private String userNamespace;

    private Netns(String name) {
        this.name = name;
    }

    /**
     * A namespace as a runtime makes it for a pod with {@code hostUsers: false} (made by
     * {@link ScratchNamespace#createInOwnUserNamespace()}: ids 0..65535 mapped to
     * {@link ScratchNamespace#USERNS_BASE_ID}...). Processes of {@link #startServer}/{@link #client} run inside the
     * user namespace, with the pod's view of uids. Skips the test where no user namespace can be made.
     */
    static Netns createInOwnUserNamespace() {
        ScratchNamespace made = ScratchNamespace.createInOwnUserNamespace();
        Netns ns = new Netns(made.name());
        ns.ownUserNamespace = made;
        ns.userNamespace = made.holderUserNamespace();
        return ns;
    }

    /** Prefix that runs a command in this namespace as uid/gid (uid < 0: root), in its own user namespace if any. */
    private List<String> inside(int uid, int gid) {
        List<String> c = new ArrayList<>();
        if (userNamespace == null) {
            c.addAll(List.of("ip", "netns", "exec", name));
            c.addAll(asUser(uid, gid));
        } else {
            c.addAll(List.of("nsenter", "--user=" + userNamespace, "--net=" + path()));
            if (uid >= 0) {
                c.addAll(List.of("--setuid", String.valueOf(uid), "--setgid", String.valueOf(gid)));
            }
            c.add("--");
        }
        return c;
    }

    static String randomName() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return "itc-" + HexFormat.of().formatHex(b);
    }

    static Netns create() {
        String n = randomName();
        ItSupport.runOk("ip", "netns", "add", n);
        Netns ns = new Netns(n);
        try {
            ItSupport.runOk("ip", "-n", n, "link", "set", "lo", "up");
        } catch (RuntimeException | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /**
     * The network namespace of a running process (a pod sandbox's, made by a container runtime) under a scratch
     * name ({@code ip netns attach}), so that every helper here works in it; {@link #close()} removes only the
     * name and the processes started here, the namespace stays the runtime's.
     */
    static Netns attach(long pid) {
        String n = randomName();
        ItSupport.runOk("ip", "netns", "attach", n, String.valueOf(pid));
        return new Netns(n);
    }

    String name() {
        return name;
    }

    String path() {
        return "/var/run/netns/" + name;
    }

    List<String> cmd(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", name));
        c.addAll(Arrays.asList(command));
        return c;
    }

    ItSupport.Result exec(String... command) {
        return ItSupport.run(cmd(command), null, null, ItSupport.DEFAULT_TIMEOUT);
    }

    ItSupport.Result execOk(String... command) {
        return ItSupport.runOk(cmd(command), null);
    }

    ItSupport.Result execOkWithInput(String stdin, String... command) {
        return ItSupport.runOk(cmd(command), stdin);
    }

    /** iptables-save (or ip6tables-save) of the variant, in this namespace. */
    String save(ItSupport.Variant v, boolean v6) {
        return execOk(v.save(v6)).stdout();
    }

    /** Canonical form of both families' dumps for the given variant. */
    String canonicalState(ItSupport.Variant v) {
        return "# IPv4\n" + ItSupport.canonical(save(v, false)) + "# IPv6\n" + ItSupport.canonical(save(v, true));
    }

    /**
     * Connects this namespace to {@code other} by a veth pair ({@code eth0} here, {@code eth0} there),
     * with the given addresses ({@code a.b.c.d/len}, more than one allowed for the peer) and links up.
     */
    void connect(Netns other, String myAddress, String... otherAddresses) {
        connect("eth0", other, myAddress, otherAddresses);
    }

    /** {@link #connect(Netns, String, String...)} with another interface name on both ends. */
    void connect(String ifName, Netns other, String myAddress, String... otherAddresses) {
        ItSupport.runOk("ip", "-n", name, "link", "add", ifName, "type", "veth", "peer", "name", ifName,
                "netns", other.name);
        ItSupport.runOk("ip", "-n", name, "addr", "add", myAddress, "dev", ifName);
        for (String a : otherAddresses) {
            ItSupport.runOk("ip", "-n", other.name, "addr", "add", a, "dev", ifName);
        }
        ItSupport.runOk("ip", "-n", name, "link", "set", ifName, "up");
        ItSupport.runOk("ip", "-n", other.name, "link", "set", ifName, "up");
    }

    /** Prefix that runs a command as the given uid/gid (no supplementary groups); uid < 0 = as root. */
    static List<String> asUser(int uid, int gid) {
        if (uid < 0) {
            return List.of();
        }
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups");
    }

    /** Starts the listener script in this namespace and waits until it is listening. */
    void startServer(int uid, int gid, String tag, String... specs) {
        List<String> c = inside(uid, gid);
        c.addAll(List.of(ItSupport.python(), "-u", "-c", SERVER_PY, tag));
        c.addAll(Arrays.asList(specs));
        File err;
        Process p;
        try {
            err = File.createTempFile("itc-server", ".err");
            err.deleteOnExit();
            ProcessBuilder pb = new ProcessBuilder(c).redirectError(err)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start server: " + e, e);
        }
        processes.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (!"ready".equals(line)) {
            String stderr;
            try {
                stderr = Files.readString(err.toPath());
            } catch (IOException e) {
                stderr = "?";
            }
            throw new AssertionError("server " + tag + " " + Arrays.toString(specs) + " in " + name
                    + " did not start: first line " + line + ", stderr:\n" + stderr);
        }
    }

    /** Runs the client script in this namespace as uid/gid (uid < 0: root) and returns its one-line answer. */
    String client(int uid, int gid, String proto, String host, int port) {
        List<String> c = inside(uid, gid);
        c.addAll(List.of(ItSupport.python(), "-c", CLIENT_PY, proto, host, String.valueOf(port)));
        ItSupport.Result r = ItSupport.run(c, null, null, Duration.ofSeconds(30));
        return r.stdout().strip() + (r.stderr().isBlank() ? "" : " [stderr: " + r.stderr().strip() + "]");
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (ownUserNamespace != null) {
            ownUserNamespace.close();
        } else {
            ItSupport.run(List.of("ip", "netns", "del", name), null, null, Duration.ofSeconds(30));
        }
    }
}
