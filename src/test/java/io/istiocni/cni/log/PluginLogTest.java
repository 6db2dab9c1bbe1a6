package io.istiocni.cni.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginLogTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T = Instant.parse("2024-03-05T06:07:08.123456789Z");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private PluginLog log(long maxBytes) {
        return new PluginLog(new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(T, ZoneOffset.UTC),
                maxBytes, Duration.ofMillis(500));
    }

    private List<String> stderrLines() {
        String s = err.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    @Test
    void lineFormat() throws Exception {
        assertEquals("2024-03-05T06:07:08.123456Z", io.istiocni.log.LogTime.format(T));
        assertEquals("0987-01-02T03:04:05.000007Z", io.istiocni.log.LogTime.format(Instant.parse("0987-01-02T03:04:05.000007999Z")));
        assertEquals("{\"time\":\"2024-03-05T06:07:08.123456Z\",\"level\":\"info\",\"msg\":\"hello\","
                + "\"pod\":\"shop/web-1\",\"if\":\"eth0\"}",
                LogLine.format(T, LogLevel.INFO, "hello", "pod", "shop/web-1", "if", "eth0"));
        String nasty = "quote \" back \\ nl \n cr \r tab \t bell \u0007 del \u007f é 😀 lone \ud800 sep \u2028 <&>";
        String line = LogLine.format(T, LogLevel.WARN, nasty, "netns", "/var/run/netns/x\"y", "msg", "clash", "odd");
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        // zap's escaping: DEL, U+2028 and <&> as they are
        assertTrue(line.contains("\"msg\":\"quote \\\" back \\\\ nl \\n cr \\r tab \\t bell \\u0007 del \u007f é 😀"
                + " lone \ufffd sep \u2028 <&>\""), line);
        JsonNode n = JSON.readTree(line);
        assertEquals("warn", n.get("level").asText());
        assertEquals(nasty.replace('\ud800', '\ufffd'), n.get("msg").asText());
        assertEquals("/var/run/netns/x\"y", n.get("netns").asText());
        assertEquals("clash", n.get("_msg").asText());
        assertEquals("", n.get("odd").asText());
        assertEquals(List.of("time", "level", "msg", "netns", "_msg", "odd"), iterable(n.fieldNames()));
        assertEquals("[\"a\\\"b\",\"{\\\"x\\\":1}\"]", LogLine.array(List.of("a\"b", "{\"x\":1}")));
        // the POST body is Go's json.Marshal of []string: HTML-safe
        assertEquals("[\"\\u003c\\u0026\\u003e\\u2028\"]", LogLine.array(List.of("<&>\u2028")));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void levels() {
        assertEquals(LogLevel.INFO, LogLevel.parse("verbose"));
        assertEquals(LogLevel.INFO, LogLevel.parse(null));
        assertEquals(LogLevel.DEBUG, LogLevel.parse(" DEBUG "));
        assertEquals(LogLevel.NONE, LogLevel.parse("none"));
        assertEquals(null, LogLevel.byName("verbose"));

        PluginLog log = log(1 << 20);
        log.debug("d0"); // before configure: info on stderr
        log.info("i0");
        log.configure("warn", null, null);
        log.info("i1");
        log.warn("w1");
        log.log(System.Logger.Level.WARNING, "w2", "pod", "a/b");
        log.log(System.Logger.Level.DEBUG, "d2");
        log.configure("bogus", null, null); // unknown: info
        log.debug("d3");
        log.info("i3");
        log.configure("debug", null, null);
        log.debug("d4");
        log.configure("fatal", null, null);
        log.error("e5");
        log.log(LogLevel.FATAL, "f5");
        log.configure("none", null, null);
        log.error("e6");
        log.log(LogLevel.FATAL, "f6");
        List<String> msgs = stderrLines().stream().map(l -> field(l, "msg") + "/" + field(l, "level")).toList();
        assertEquals(List.of("i0/info", "w1/warn", "w2/warn", "i3/info", "d4/debug", "f5/fatal"), msgs);
        assertFalse(log.enabled(LogLevel.ERROR));
    }

    private static String field(String line, String name) {
        try {
            return JSON.readTree(line).get(name).asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Test
    void fileGetsInfoAndAboveAndNotBelowTheLevel() throws Exception {
        PluginLog log = log(1 << 20);
        log.info("before configure: stderr only");
        log.configure("debug", dir, null);
        log.debug("d");
        log.info("i", "pod", "shop/web-1");
        log.error("e");
        log.configure("error", dir, null);
        log.warn("w");
        log.error("e2");
        List<String> lines = Files.readAllLines(dir.resolve("istio-cni.log"));
        assertEquals(List.of("i", "e", "e2"), lines.stream().map(l -> field(l, "msg")).toList());
        assertEquals("shop/web-1", field(lines.get(0), "pod"));
        assertEquals("2024-03-05T06:07:08.123456Z", field(lines.get(0), "time"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("istio-cni.log"))));
    }

    @Test
    void missingRunDirIsSkipped() {
        PluginLog log = log(1 << 20);
        Path missing = dir.resolve("not-there");
        log.configure("info", missing, missing.resolve("log.sock"));
        log.info("x");
        log.close();
        assertFalse(Files.exists(missing));
        assertEquals(1, stderrLines().size());
        assertEquals(0, log.lastPostStatus());
    }

    @Test
    void rotatesPastTheLimitKeepingOneOldFile() throws Exception {
        PluginLog log = log(1000);
        log.configure("info", dir, null);
        Path file = dir.resolve("istio-cni.log");
        Path old = dir.resolve("istio-cni.log.1");
        int i = 0;
        while (!Files.exists(old)) {
            log.info("line " + i++);
            assertTrue(i < 100);
        }
        assertFalse(Files.exists(file));
        long rotatedAt = i;
        assertTrue(Files.size(old) > 1000 && Files.size(old) < 1200, "size " + Files.size(old));
        log.info("line " + i++);
        assertEquals(List.of("line " + rotatedAt),
                Files.readAllLines(file).stream().map(l -> field(l, "msg")).toList());
        for (int k = 0; k < 40; k++) {
            log.info("line " + i++);
        }
        try (var s = Files.list(dir)) {
            assertEquals(Set.of("istio-cni.log", "istio-cni.log.1"),
                    new HashSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
        assertTrue(Files.size(file) <= 1100);
        // every line is in the current or the old file, in order, none torn
        List<String> all = new ArrayList<>(Files.readAllLines(old));
        all.addAll(Files.readAllLines(file));
        int last = Integer.parseInt(field(all.get(0), "msg").substring(5)) - 1;
        for (String l : all) {
            int n = Integer.parseInt(field(l, "msg").substring(5));
            assertEquals(last + 1, n);
            last = n;
        }
        assertEquals(i - 1, last);
    }

    @Test
    void oldRotatedFileIsDropped() throws Exception {
        Path old = Files.writeString(dir.resolve("istio-cni.log.1"), "old\n");
        Files.setLastModifiedTime(old, FileTime.from(T.minus(Duration.ofDays(2)).minusSeconds(60)));
        PluginLog log = log(1 << 20);
        log.configure("info", dir, null);
        log.info("x");
        assertFalse(Files.exists(old));

        Files.writeString(old, "recent\n");
        Files.setLastModifiedTime(old, FileTime.from(T.minus(Duration.ofDays(1))));
        PluginLog log2 = log(1 << 20);
        log2.configure("info", dir, null);
        log2.info("y");
        assertTrue(Files.exists(old));
    }

    @Test
    void manyThreadsAppendWholeLines() throws Exception {
        int writers = 8;
        int count = 400;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String id = "t" + w;
                all.add(CompletableFuture.runAsync(() -> LogWriterMain.write(dir, id, count, 1L << 30), pool));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        }
        checkWholeLines(List.of(dir.resolve("istio-cni.log")), writers * count, true);
    }

    @Test
    void manyProcessesAppendWholeLinesAndRotate() throws Exception {
        // without rotation: nothing lost, nothing torn
        runProcesses(dir, 3, 300, 1L << 30);
        checkWholeLines(List.of(dir.resolve("istio-cni.log")), 4 * 300, true);

        // with rotation racing between processes: every line left is whole, at most one old file
        Path rot = Files.createDirectory(dir.resolve("rot"));
        runProcesses(rot, 3, 300, 20_000);
        try (var s = Files.list(rot)) {
            assertEquals(Set.of("istio-cni.log", "istio-cni.log.1"),
                    new HashSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
        checkWholeLines(List.of(rot.resolve("istio-cni.log"), rot.resolve("istio-cni.log.1")), -1, false);
        assertTrue(Files.size(rot.resolve("istio-cni.log")) < 20_000 + 4 * 300 * 300);
    }

    /** {@code n} JVMs and this one append {@code count} lines each at the same time. */
    private static void runProcesses(Path runDir, int n, int count, long maxBytes) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            procs.add(new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), LogWriterMain.class.getName(), runDir.toString(), "p" + p,
                    Integer.toString(count), Long.toString(maxBytes))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        LogWriterMain.write(runDir, "self", count, maxBytes);
        for (Process p : procs) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
    }

    private static void checkWholeLines(List<Path> files, int expected, boolean exact) throws IOException {
        Set<String> seen = new HashSet<>();
        int lines = 0;
        for (Path f : files) {
            String text = Files.readString(f);
            assertTrue(text.isEmpty() || text.endsWith("\n"));
            for (String l : text.split("\n")) {
                if (l.isEmpty()) {
                    continue;
                }
                lines++;
                JsonNode node = JSON.readTree(l); // throws on a torn line
                assertEquals("line " + node.get("seq").asText(), node.get("msg").asText(), l);
                assertEquals(100, node.get("pad").asText().length(), l);
                assertTrue(seen.add(node.get("writer").asText() + "/" + node.get("seq").asText()), "duplicate " + l);
            }
        }
        if (exact) {
            assertEquals(expected, lines);
        }
    }

    // --- the node agent's socket ---

    /** A one-shot HTTP server on a Unix socket: reads one request, answers {@code status}, returns the request. */
    private static CompletableFuture<String> serveOnce(ServerSocketChannel server, int status) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                ByteArrayOutputStream req = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (true) {
                    String sofar = req.toString(StandardCharsets.UTF_8);
                    int end = sofar.indexOf("\r\n\r\n");
                    if (end >= 0) {
                        int len = Integer.parseInt(sofar.lines().filter(l -> l.startsWith("Content-Length: "))
                                .findFirst().orElseThrow().substring(16));
                        if (req.size() >= end + 4 + len) {
                            break;
                        }
                    }
                    buf.clear();
                    if (c.read(buf) < 0) {
                        break;
                    }
                    req.write(buf.array(), 0, buf.position());
                }
                c.write(ByteBuffer.wrap(("HTTP/1.1 " + status + " OK\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                return req.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void postsTheLinesToTheSocketAtClose() throws Exception {
        Path sock = dir.resolve("log.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CompletableFuture<String> request = serveOnce(server, 200);
            PluginLog log = log(1 << 20);
            log.info("before configure");
            log.configure("info", dir, sock);
            log.debug("filtered");
            log.info("first", "pod", "shop/web-1");
            log.error("second \"quoted\"\nline");
            log.close();
            assertEquals(200, log.lastPostStatus());
            String req = request.get(5, TimeUnit.SECONDS);
            int split = req.indexOf("\r\n\r\n");
            List<String> head = List.of(req.substring(0, split).split("\r\n"));
            String body = req.substring(split + 4);
            assertEquals("POST /log HTTP/1.1", head.get(0));
            assertTrue(head.contains("Host: localhost"), head.toString());
            assertTrue(head.contains("Content-Type: application/json"), head.toString());
            assertTrue(head.contains("Connection: close"), head.toString());
            assertTrue(head.contains("Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length),
                    head.toString());
            JsonNode array = JSON.readTree(body);
            assertEquals(2, array.size());
            JsonNode first = JSON.readTree(array.get(0).asText());
            assertEquals("first", first.get("msg").asText());
            assertEquals("shop/web-1", first.get("pod").asText());
            assertEquals("info", first.get("level").asText());
            assertEquals("2024-03-05T06:07:08.123456Z", first.get("time").asText());
            assertEquals("second \"quoted\"\nline", JSON.readTree(array.get(1).asText()).get("msg").asText());
            // the same lines went to stderr
            assertEquals(3, stderrLines().size());
            log.close(); // a second close sends nothing
        }
    }

    @Test
    void socketProblemsAreIgnored() throws Exception {
        // no socket file: not used
        PluginLog none = log(1 << 20);
        none.configure("info", null, dir.resolve("missing.sock"));
        none.info("x");
        none.close();
        assertEquals(0, none.lastPostStatus());

        // a socket file nobody listens on any more
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        PluginLog refused = log(1 << 20);
        refused.configure("info", null, stale);
        refused.info("x");
        refused.close();
        assertEquals(-1, refused.lastPostStatus());

        // a server that accepts and never answers: bounded by the timeout (500 ms here)
        Path silent = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(silent));
            PluginLog log = log(1 << 20);
            log.configure("info", null, silent);
            log.info("x");
            long start = System.nanoTime();
            log.close();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(-1, log.lastPostStatus());
            assertTrue(ms >= 400 && ms < 2000, "took " + ms);
        }

        // an error answer is only recorded
        Path sock = dir.resolve("err.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CompletableFuture<String> request = serveOnce(server, 500);
            PluginLog log = log(1 << 20);
            log.configure("info", null, sock);
            log.warn("x");
            log.close();
            request.get(5, TimeUnit.SECONDS);
            assertEquals(500, log.lastPostStatus());
        }
    }

    @Test
    void noLinesNoPost() throws Exception {
        Path sock = dir.resolve("quiet.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            PluginLog log = log(1 << 20);
            log.configure("error", null, sock);
            log.info("below the level");
            log.close();
            assertEquals(0, log.lastPostStatus());
        }
    }
}
