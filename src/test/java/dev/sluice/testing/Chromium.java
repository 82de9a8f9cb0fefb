// A real headless Chromium driven over the DevTools protocol, for tests of what a person sees in a browser.
package dev.sluice.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Starts Debian's {@code chromium} (or {@code SLUICE_CHROMIUM}) headless with a fresh profile,
 * opens one page and speaks the Chrome DevTools Protocol to it over a WebSocket: navigate,
 * evaluate JavaScript, take screenshots. Every console error, uncaught exception and browser
 * log error (CSP violations, failed loads) is collected for the test to assert on. Tests that
 * need it fail, never skip, when Chromium is missing: {@code .ci/run} installs it.
 */
public final class Chromium implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, WebSocket.Builder builder, URI page) throws Exception
    {
        this.process = process;
        this.profile = profile;
        this.socket = builder.buildAsync(page, new Listener()).get(10, TimeUnit.SECONDS);
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
        call("Page.enable", Map.of());
    }

    public static Chromium start() throws Exception
    {
        String binary = System.getenv().getOrDefault("SLUICE_CHROMIUM", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(binary)))
        {
            throw new IllegalStateException("Chromium is needed for this test: install Debian's 'chromium' package (.ci/run does), "
                + "or set SLUICE_CHROMIUM to its binary. Not found: " + binary);
        }
        Path profile = Scratch.directory("sluice-chromium");
        ProcessBuilder browser = new ProcessBuilder(binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,1000",
            "about:blank")
            .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile());
        // Its singleton socket goes in TMPDIR: in the profile, it is deleted with it.
        browser.environment().put("TMPDIR", profile.toString());
        Process process = browser.start();
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2)
        {
            if (!process.isAlive() || System.nanoTime() > deadline)
            {
                process.destroyForcibly();
                throw new IllegalStateException("Chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode target : targets)
        {
            if (target.get("type").asText().equals("page"))
            {
                return new Chromium(process, profile, http.newWebSocketBuilder(), URI.create(target.get("webSocketDebuggerUrl").asText()));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("Chromium opened no page: " + targets);
    }

    /** Sends one command and waits for its result (fails on a protocol error). */
    public JsonNode call(String method, Map<String, ?> params) throws Exception
    {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        JsonNode answer = result.get(30, TimeUnit.SECONDS);
        if (answer.has("error"))
        {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.get("result");
    }

    /** Loads a URL and waits until the document and its deferred scripts are done. */
    public void open(String url) throws Exception
    {
        call("Page.navigate", Map.of("url", url));
        waitFor("document.readyState === 'complete'", Duration.ofSeconds(20));
    }

    /** The value of a JavaScript expression in the page (thrown exceptions fail the call). */
    public JsonNode evaluate(String expression) throws Exception
    {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (result.has("exceptionDetails"))
        {
            throw new IllegalStateException(expression + " threw " + result.get("exceptionDetails"));
        }
        JsonNode value = result.get("result").get("value");
        return value == null ? JSON.nullNode() : value;
    }

    public String text(String expression) throws Exception
    {
        return evaluate(expression).asText();
    }

    /** Polls until a JavaScript condition is true, or fails with what the page shows. */
    public void waitFor(String condition, Duration timeout) throws Exception
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!evaluate("Boolean(" + condition + ")").asBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("Timed out waiting for " + condition + "; the page shows: "
                    + evaluate("document.body ? document.body.innerText : ''").asText());
            }
            Thread.sleep(100);
        }
    }

    /** A PNG of the page as it looks now, written to {@code file}. */
    public void screenshot(Path file) throws Exception
    {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    /** Console errors, uncaught exceptions and browser log errors (CSP violations, failed loads) so far. */
    public List<String> errors()
    {
        return new ArrayList<>(errors);
    }

    @Override
    public void close() throws Exception
    {
        try
        {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        }
        catch (Exception x)
        {
            // The browser goes anyway.
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // Chromium's helpers may still be writing as it goes: what they hold is deleted at exit.
        Scratch.delete(profile);
    }

    private final class Listener implements WebSocket.Listener
    {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
        {
            partial.append(data);
            if (last)
            {
                String message = partial.toString();
                partial.setLength(0);
                handle(message);
            }
            webSocket.request(1);
            return null;
        }

        private void handle(String text)
        {
            JsonNode message;
            try
            {
                message = JSON.readTree(text);
            }
            catch (IOException x)
            {
                errors.add("unreadable DevTools message: " + text);
                return;
            }
            if (message.has("id"))
            {
                CompletableFuture<JsonNode> result = pending.remove(message.get("id").asInt());
                if (result != null)
                {
                    result.complete(message);
                }
                return;
            }
            String method = message.path("method").asText();
            JsonNode params = message.path("params");
            switch (method)
            {
                case "Runtime.consoleAPICalled" ->
                {
                    if (params.path("type").asText().equals("error") || params.path("type").asText().equals("assert"))
                    {
                        errors.add("console." + params.path("type").asText() + ": " + params.path("args"));
                    }
                }
                case "Runtime.exceptionThrown" -> errors.add("uncaught: " + params.path("exceptionDetails"));
                case "Log.entryAdded" ->
                {
                    if (params.path("entry").path("level").asText().equals("error"))
                    {
                        errors.add("log: " + params.path("entry").path("text").asText() + " " + params.path("entry").path("url").asText());
                    }
                }
                default ->
                {
                    // Other events are not needed.
                }
            }
        }
    }
}
