// A model provider on loopback speaking OpenAI's and Anthropic's documented wire formats, with scripted faults.
package dev.sluice.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Answers {@code POST /v1/chat/completions} and {@code /v1/embeddings} like OpenAI and
 * {@code POST /v1/messages} like Anthropic. The answer's text is {@code "Hello from <name>: "}
 * followed by the last user message; streamed, one word per event. Tool definitions in the request
 * make it call the first tool with {@code {"city":"Paris"}} ({@code "input"} for a tool that takes
 * one). A request for structured output is answered with JSON that fits its schema. Reasoning comes first, as the APIs
 * give it, when an Anthropic request enables {@code thinking} (a signed thinking block; its
 * signature is {@link #SIGNATURE}) and from an OpenAI-style model whose name has "reasoner" in it
 * ({@code reasoning_content}, as DeepSeek's). An Anthropic request offering the web search tool
 * is answered with a search, its result and a citation, as Claude answers one; one offering code
 * execution with a command's run and result and the container it ran in. Faults are queued with
 * {@link #next(Fault...)} and used one per request, in order; without one it answers normally.
 * Every request is recorded with its headers and body.
 */
public final class FakeModelProvider implements AutoCloseable
{
    /** The signature of the fake's thinking blocks. */
    public static final String SIGNATURE = "EqQBCkYIBxgCKkDfakeSignature==";

    public enum Fault
    {
        /** 429 with Retry-After: 7. */
        RATE_LIMITED,
        /** 500. */
        SERVER_ERROR,
        /** 529 overloaded (Anthropic's). */
        OVERLOADED,
        /** 400 with the provider's context-length error. */
        CONTEXT_EXCEEDED,
        /** 401 with a message that echoes part of the key, as OpenAI's does. */
        BAD_KEY,
        /** Waits 3 s before the first token. */
        SLOW_FIRST_TOKEN,
        /** A stream that closes after its first event, before any content. */
        CUT_BEFORE_FIRST_TOKEN,
        /** A stream that closes after two content events. */
        CUT_AFTER_FIRST_TOKEN,
        /** An error event after the first content event. */
        ERROR_MID_STREAM,
        /** An error event before any content. */
        ERROR_BEFORE_FIRST_TOKEN,
        /** 200 with a body that is not the API's. */
        GARBAGE,
        /** Events split at every 7 bytes, with CRLF line ends and comments, flushed separately. */
        AWKWARD_CHUNKS,
        /** The stream waits 2 s after the first content event, then repeats it 200 times, 50 ms apart. */
        PAUSE_AFTER_FIRST,
        /** No usage in the answer. */
        NO_USAGE,
        /** A stream that ends after its last chunk without {@code data: [DONE]} (llama.cpp forks, older TGI). */
        NO_DONE,
        /** Holds the request until {@link #release(int)} lets it answer (at most 10 s). */
        HOLD,
        /** After the first content event, {@link #LONG_STREAM_EVENTS} more as fast as they can be written (about 30 MB); counted in {@link #longStreamEvents}. */
        LONG_STREAM
    }

    /** How many content events a {@link Fault#LONG_STREAM} adds. */
    public static final int LONG_STREAM_EVENTS = 200_000;
    /** The content events every {@link Fault#LONG_STREAM} so far has written. */
    public final java.util.concurrent.atomic.AtomicLong longStreamEvents = new java.util.concurrent.atomic.AtomicLong();

    /** One request as the provider received it. */
    public record Received(String path, Map<String, String> headers, JsonNode body, String protocol)
    {
        public String header(String name)
        {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Server server;
    private final String name;
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    /** Counted down when a stream's connection is found closed by Sluice (the client went away). */
    public final CountDownLatch streamCancelled = new CountDownLatch(1);
    private volatile boolean exactTokens;
    private final java.util.concurrent.Semaphore held = new java.util.concurrent.Semaphore(0);

    private FakeModelProvider(Server server, String name)
    {
        this.server = server;
        this.name = name;
    }

    public static FakeModelProvider start(String name) throws Exception
    {
        return start(name, null);
    }

    /**
     * Over TLS with the given PKCS12 key store (password {@link TestCertificates#PASSWORD}), offering
     * h2 and http/1.1 by ALPN, as hosted providers do; plain HTTP/1.1 when {@code keyStore} is null.
     */
    public static FakeModelProvider start(String name, java.nio.file.Path keyStore) throws Exception
    {
        Server server = new Server();
        ServerConnector connector;
        if (keyStore == null)
        {
            connector = new ServerConnector(server);
        }
        else
        {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            tls.setKeyStorePath(keyStore.toString());
            tls.setKeyStorePassword(TestCertificates.PASSWORD);
            org.eclipse.jetty.server.HttpConfiguration config = new org.eclipse.jetty.server.HttpConfiguration();
            config.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false, false, -1, false));
            org.eclipse.jetty.server.HttpConnectionFactory http1 = new org.eclipse.jetty.server.HttpConnectionFactory(config);
            org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory h2 = new org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory(config);
            org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory alpn = new org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http1.getProtocol());
            connector = new ServerConnector(server, new org.eclipse.jetty.server.SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, http1);
        }
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        FakeModelProvider provider = new FakeModelProvider(server, name);
        context.addServlet(new ServletHolder(provider.new Servlet()), "/*");
        server.setHandler(context);
        server.start();
        return provider;
    }

    public URI uri()
    {
        ServerConnector connector = (ServerConnector)server.getConnectors()[0];
        return URI.create((connector.getDefaultConnectionFactory() instanceof org.eclipse.jetty.server.SslConnectionFactory ? "https" : "http")
            + "://127.0.0.1:" + connector.getLocalPort());
    }

    public FakeModelProvider next(Fault... queued)
    {
        faults.addAll(List.of(queued));
        return this;
    }

    public Received take() throws InterruptedException
    {
        Received request = received.poll(10, TimeUnit.SECONDS);
        if (request == null)
        {
            throw new AssertionError("the provider " + name + " received no request");
        }
        return request;
    }

    public Received poll()
    {
        return received.poll();
    }

    public int count()
    {
        return received.size();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }

    private final class Servlet extends HttpServlet
    {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            Map<String, String> headers = new java.util.TreeMap<>();
            for (String header : java.util.Collections.list(request.getHeaderNames()))
            {
                headers.put(header.toLowerCase(java.util.Locale.ROOT), request.getHeader(header));
            }
            JsonNode body = JSON.readTree(request.getInputStream());
            String path = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
            // Kept for assertions, but bounded: the benchmark sends hundreds of thousands.
            if (received.size() >= 10_000)
            {
                received.poll();
            }
            received.add(new Received(path, headers, body, request.getProtocol()));
            Fault fault = faults.poll();
            boolean anthropic = request.getRequestURI().endsWith("/messages");
            if (fault != null && answerFault(fault, anthropic, response))
            {
                return;
            }
            if (fault == Fault.HOLD)
            {
                try
                {
                    held.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                }
            }
            if (request.getRequestURI().endsWith("/embeddings"))
            {
                embeddings(body, response);
                return;
            }
            if (request.getRequestURI().endsWith("/messages/count_tokens"))
            {
                countTokens(body, response);
                return;
            }
            if (request.getRequestURI().endsWith("/responses"))
            {
                responses(body, response, fault);
                return;
            }
            if (!anthropic && body.path("model").asText().contains("codex"))
            {
                // As OpenAI answers a chat request for a model only its Responses API serves.
                response.setStatus(404);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"error\":{\"message\":\"This model is only supported in v1/responses and not in"
                    + " v1/chat/completions.\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":null}}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String refusal = anthropic ? thinkingRefused(body) : historyRefused(body);
            if (refusal == null && !anthropic)
            {
                refusal = reasoningRefused(body);
            }
            if (refusal != null)
            {
                response.setStatus(400);
                response.setContentType("application/json");
                // Anthropic's errors say their type at the top as well.
                ObjectNode refused = anthropic ? JSON.createObjectNode().put("type", "error") : JSON.createObjectNode();
                response.getOutputStream().write(JSON.writeValueAsBytes(refused.set("error",
                    JSON.createObjectNode().put("message", refusal).put("type", "invalid_request_error"))));
                return;
            }
            if (!anthropic && body.path("model").asText().startsWith("gpt-5") && body.has("max_tokens"))
            {
                // As OpenAI refuses it for its reasoning models (o-series, gpt-5).
                response.setStatus(400);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported with this model. "
                    + "Use 'max_completion_tokens' instead.\",\"type\":\"invalid_request_error\",\"param\":\"max_tokens\",\"code\":\"unsupported_parameter\"}}")
                    .getBytes(StandardCharsets.UTF_8));
                return;
            }
            List<String> words = words(body);
            // As the real ones: no call when told to call none (OpenAI's "none", Anthropic's {"type": "none"}).
            boolean tool = body.path("tools").isArray() && !body.path("tools").isEmpty()
                && !"none".equals(body.path("tool_choice").asText()) && !"none".equals(body.path("tool_choice").path("type").asText());
            if (body.path("stream").asBoolean(false))
            {
                if (anthropic)
                {
                    anthropicStream(body, words, tool, fault, response);
                }
                else
                {
                    openAiStream(body, words, tool, fault, response);
                }
            }
            else
            {
                ObjectNode answer = anthropic ? anthropicAnswer(body, words, tool) : openAiAnswer(body, words, tool);
                if (fault == Fault.NO_USAGE)
                {
                    answer.remove("usage");
                }
                response.setContentType("application/json");
                response.getOutputStream().write(JSON.writeValueAsBytes(answer));
            }
        }

        private boolean answerFault(Fault fault, boolean anthropic, HttpServletResponse response) throws IOException
        {
            switch (fault)
            {
                case RATE_LIMITED ->
                {
                    response.setHeader("Retry-After", "7");
                    error(response, 429, anthropic ? "rate_limit_error" : "requests", "Rate limit reached for requests", null);
                }
                case SERVER_ERROR -> error(response, 500, "api_error", "Internal server error", null);
                case OVERLOADED -> error(response, 529, "overloaded_error", "Overloaded", null);
                case CONTEXT_EXCEEDED -> error(response, 400, "invalid_request_error",
                    anthropic ? "prompt is too long: 250000 tokens > 200000 maximum" : "This model's maximum context length is 8192 tokens.",
                    anthropic ? null : "context_length_exceeded");
                case BAD_KEY -> error(response, 401, "invalid_request_error", "Incorrect API key provided: sk-test-**********cret.", "invalid_api_key");
                case GARBAGE ->
                {
                    response.setContentType("text/html");
                    response.getOutputStream().write("<html>upstream proxy error page</html>".getBytes(StandardCharsets.UTF_8));
                }
                default ->
                {
                    return false;
                }
            }
            return true;
        }

        private void error(HttpServletResponse response, int status, String type, String message, String code) throws IOException
        {
            ObjectNode body = JSON.createObjectNode();
            ObjectNode error = body.putObject("error");
            error.put("type", type);
            error.put("message", message);
            if (code != null)
            {
                error.put("code", code);
            }
            response.setStatus(status);
            response.setContentType("application/json");
            response.getOutputStream().write(JSON.writeValueAsBytes(body));
        }
    }

    private List<String> words(JsonNode body)
    {
        List<String> structured = structured(body);
        if (structured != null)
        {
            return structured;
        }
        String last = "";
        for (JsonNode message : body.path("messages"))
        {
            if ("user".equals(message.path("role").asText()))
            {
                JsonNode content = message.path("content");
                if (content.isTextual())
                {
                    last = content.asText();
                }
                else
                {
                    StringBuilder text = new StringBuilder();
                    for (JsonNode part : content)
                    {
                        text.append(part.path("text").asText(""));
                    }
                    last = text.toString();
                }
            }
        }
        List<String> words = new ArrayList<>();
        String[] split = ("Hello from " + name + ": " + last).split(" ");
        for (int i = 0; i < split.length; i++)
        {
            words.add(i == 0 ? split[i] : " " + split[i]);
        }
        return words;
    }

    /**
     * The answer to a request for structured output, as the real models give it: JSON text that
     * fits the schema the request names (the chat form's {@code response_format}, the Responses
     * API's {@code text.format}, Anthropic's {@code output_config.format}), in pieces of up to 8
     * characters; null when the request names none.
     */
    private static List<String> structured(JsonNode body)
    {
        JsonNode schema = body.path("response_format").path("json_schema").path("schema");
        schema = schema.isObject() ? schema : body.path("text").path("format").path("schema");
        schema = schema.isObject() ? schema : body.path("output_config").path("format").path("schema");
        if (!schema.isObject())
        {
            return null;
        }
        String text = instance(schema).toString();
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 8)
        {
            pieces.add(text.substring(i, Math.min(text.length(), i + 8)));
        }
        return pieces;
    }

    /** A value the schema takes: each property filled, the first enum value or anyOf variant, strings "Paris", numbers 7. */
    private static JsonNode instance(JsonNode schema)
    {
        if (schema.path("enum").isArray() && !schema.path("enum").isEmpty())
        {
            return schema.path("enum").get(0);
        }
        if (schema.path("anyOf").isArray() && !schema.path("anyOf").isEmpty())
        {
            return instance(schema.path("anyOf").get(0));
        }
        String type = schema.path("type").isArray() ? schema.path("type").path(0).asText() : schema.path("type").asText("object");
        return switch (type)
        {
            case "object" ->
            {
                ObjectNode object = JSON.createObjectNode();
                schema.path("properties").fields().forEachRemaining(property -> object.set(property.getKey(), instance(property.getValue())));
                yield object;
            }
            case "array" -> JSON.createArrayNode().add(instance(schema.path("items")));
            case "integer", "number" -> JSON.getNodeFactory().numberNode(7);
            case "boolean" -> JSON.getNodeFactory().booleanNode(true);
            case "null" -> JSON.getNodeFactory().nullNode();
            default -> JSON.getNodeFactory().textNode("Paris");
        };
    }

    /**
     * Makes the reported prompt tokens the o200k count Sluice estimates with, as OpenAI's own
     * models report; by default they are a cruder count of the messages' JSON.
     */
    /** Lets {@code count} requests held by {@link Fault#HOLD} answer. */
    public void release(int count)
    {
        held.release(count);
    }

    public FakeModelProvider exactTokens()
    {
        exactTokens = true;
        return this;
    }

    private long promptTokens(JsonNode body)
    {
        if (exactTokens)
        {
            return dev.sluice.ai.TokenCounter.prompt(body);
        }
        return 10 + body.path("messages").toString().length() / 4;
    }

    /**
     * OpenAI's Responses API as its codex models answer it: a reasoning item with a summary (and its encrypted content
     * when {@code include} asks for it; a reasoning item in the input without the content that is given is refused), then a
     * call of the first tool
     * (when tools are offered and the input does not end with a call's output) or "Hello from name: " and the last user
     * text; streamed as its typed events, cut at {@code max_output_tokens} words as an incomplete response.
     */
    private void responses(JsonNode body, HttpServletResponse response, Fault fault) throws IOException
    {
        if (body.path("input").isTextual())
        {
            // As OpenAI takes it: text alone is one user message.
            ObjectNode copy = body.deepCopy();
            copy.putArray("input").addObject().put("role", "user").putArray("content").addObject().put("type", "input_text")
                .put("text", body.path("input").asText());
            body = copy;
        }
        if (body.has("messages") || !body.path("input").isArray())
        {
            response.setStatus(400);
            response.setContentType("application/json");
            response.getOutputStream().write(("{\"error\":{\"message\":\"Unsupported parameter: 'messages'. In the Responses API, this parameter has"
                + " moved to 'input'.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"unsupported_parameter\"}}")
                .getBytes(StandardCharsets.UTF_8));
            return;
        }
        JsonNode input = body.path("input");
        String last = "";
        for (JsonNode item : input)
        {
            if ("reasoning".equals(item.path("type").asText()) && !item.path("encrypted_content").asText().startsWith("enc:"))
            {
                // As OpenAI answers a reasoning item it cannot read back: with store false, only its encrypted content can be.
                response.setStatus(404);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"error\":{\"message\":\"Item with id '" + item.path("id").asText() + "' not found. Items are not"
                    + " persisted when `store` is set to false.\",\"type\":\"invalid_request_error\",\"param\":\"input\",\"code\":null}}")
                    .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if ("user".equals(item.path("role").asText()))
            {
                StringBuilder text = new StringBuilder();
                item.path("content").forEach(part -> text.append(part.path("text").asText("")));
                last = text.toString();
            }
        }
        List<String> words = structured(body);
        if (words == null)
        {
            words = new ArrayList<>();
            String[] split = ("Hello from " + name + ": " + last).split(" ");
            for (int i = 0; i < split.length; i++)
            {
                words.add(i == 0 ? split[i] : " " + split[i]);
            }
        }
        boolean incomplete = body.path("max_output_tokens").canConvertToInt() && body.path("max_output_tokens").asInt() < words.size();
        if (incomplete)
        {
            words = words.subList(0, body.path("max_output_tokens").asInt());
        }
        // The first tool with a name (a function, a custom tool) is called; OpenAI's hosted web search searches first.
        String toolName = "";
        boolean searches = false;
        for (JsonNode offered : body.path("tools"))
        {
            toolName = toolName.isEmpty() ? offered.path("name").asText("") : toolName;
            searches |= "web_search".equals(offered.path("type").asText());
        }
        boolean tool = !toolName.isEmpty() && !"function_call_output".equals(input.path(input.size() - 1).path("type").asText())
            && !"none".equals(body.path("tool_choice").asText());
        String model = body.path("model").asText() + "-2025";
        ObjectNode answer = JSON.createObjectNode().put("id", "resp_fake").put("object", "response").put("created_at", 1_700_000_000L)
            .put("status", incomplete ? "incomplete" : "completed").put("model", model);
        if (incomplete)
        {
            answer.putObject("incomplete_details").put("reason", "max_output_tokens");
        }
        ArrayNode output = answer.putArray("output");
        ObjectNode reasoning = output.addObject().put("type", "reasoning").put("id", "rs_1");
        reasoning.putArray("summary").addObject().put("type", "summary_text").put("text", "Thinking it over.");
        boolean encrypted = false;
        for (JsonNode included : body.path("include"))
        {
            encrypted |= "reasoning.encrypted_content".equals(included.asText());
        }
        if (encrypted)
        {
            // What the model thought, to be given back: here, how many reasoning items the input gave back.
            long given = 0;
            for (JsonNode item : input)
            {
                given += "reasoning".equals(item.path("type").asText()) ? 1 : 0;
            }
            reasoning.put("encrypted_content", "enc:" + given);
        }
        ObjectNode search = null;
        if (searches)
        {
            search = output.addObject().put("type", "web_search_call").put("id", "ws_1").put("status", "completed");
            search.putObject("action").put("type", "search").put("query", last);
        }
        int at = output.size();
        if (tool)
        {
            output.addObject().put("type", "function_call").put("id", "fc_1").put("call_id", "call_r1").put("name", toolName)
                .put("arguments", "{\"city\":\"Paris\"}").put("status", "completed");
        }
        else
        {
            ObjectNode message = output.addObject().put("type", "message").put("id", "msg_1").put("role", "assistant").put("status", "completed");
            message.putArray("content").addObject().put("type", "output_text").put("text", String.join("", words)).putArray("annotations");
        }
        ObjectNode usage = answer.putObject("usage");
        long prompt = 10 + input.toString().length() / 4;
        usage.put("input_tokens", prompt).putObject("input_tokens_details").put("cached_tokens", 4);
        usage.put("output_tokens", words.size() + 2).putObject("output_tokens_details").put("reasoning_tokens", 2);
        usage.put("total_tokens", prompt + words.size() + 2);
        if (!body.path("stream").asBoolean(false))
        {
            response.setContentType("application/json");
            response.getOutputStream().write(JSON.writeValueAsBytes(answer));
            return;
        }
        response.setContentType("text/event-stream");
        List<ObjectNode> events = new ArrayList<>();
        ObjectNode begun = answer.deepCopy().put("status", "in_progress");
        begun.putArray("output");
        begun.remove("usage");
        events.add(JSON.createObjectNode().put("type", "response.created").set("response", begun));
        events.add(event("response.output_item.added", 0).set("item", JSON.createObjectNode().put("type", "reasoning").put("id", "rs_1")
            .set("summary", JSON.createArrayNode())));
        events.add(event("response.reasoning_summary_text.delta", 0).put("item_id", "rs_1").put("summary_index", 0).put("delta", "Thinking it over."));
        events.add(event("response.output_item.done", 0).set("item", reasoning));
        if (search != null)
        {
            events.add(event("response.output_item.added", 1).set("item", JSON.createObjectNode().put("type", "web_search_call").put("id", "ws_1")
                .put("status", "in_progress")));
            events.add(event("response.web_search_call.completed", 1).put("item_id", "ws_1"));
            events.add(event("response.output_item.done", 1).set("item", search));
        }
        if (tool)
        {
            events.add(event("response.output_item.added", at).set("item", JSON.createObjectNode().put("type", "function_call").put("id", "fc_1")
                .put("call_id", "call_r1").put("name", toolName).put("arguments", "").put("status", "in_progress")));
            events.add(event("response.function_call_arguments.delta", at).put("item_id", "fc_1").put("delta", "{\"city\":"));
            events.add(event("response.function_call_arguments.delta", at).put("item_id", "fc_1").put("delta", "\"Paris\"}"));
            events.add(event("response.output_item.done", at).set("item", output.get(at)));
        }
        else
        {
            for (String word : words)
            {
                events.add(event("response.output_text.delta", at).put("item_id", "msg_1").put("content_index", 0).put("delta", word));
            }
        }
        events.add(JSON.createObjectNode().put("type", incomplete ? "response.incomplete" : "response.completed").set("response", answer));
        int sequence = 0;
        for (ObjectNode event : events)
        {
            event.put("sequence_number", sequence++);
            if (fault == Fault.ERROR_BEFORE_FIRST_TOKEN && event.path("type").asText().equals("response.output_item.added"))
            {
                // As OpenAI fails a response it has only begun.
                ObjectNode failed = begun.deepCopy().put("status", "failed");
                failed.putObject("error").put("code", "server_error").put("message", "The model failed.");
                event = JSON.createObjectNode().put("type", "response.failed").put("sequence_number", event.path("sequence_number").asInt());
                event.set("response", failed);
            }
            response.getOutputStream().write(("event: " + event.path("type").asText() + "\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
            response.flushBuffer();
            if (event.path("type").asText().equals("response.failed"))
            {
                return;
            }
            if (event.path("type").asText().equals("response.output_text.delta") && fault == Fault.CUT_AFTER_FIRST_TOKEN)
            {
                // The connection lost mid-answer: no response.completed.
                return;
            }
            if (event.path("type").asText().equals("response.output_text.delta") && fault == Fault.ERROR_MID_STREAM)
            {
                ObjectNode failed = begun.deepCopy().put("status", "failed");
                failed.putObject("error").put("code", "server_error").put("message", "The model failed mid-answer.");
                ObjectNode event2 = JSON.createObjectNode().put("type", "response.failed").put("sequence_number", sequence++);
                event2.set("response", failed);
                response.getOutputStream().write(("event: response.failed\ndata: " + event2 + "\n\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
    }

    private static ObjectNode event(String type, int outputIndex)
    {
        return JSON.createObjectNode().put("type", type).put("output_index", outputIndex);
    }

    private ObjectNode openAiAnswer(JsonNode body, List<String> words, boolean tool)
    {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", "chatcmpl-fake");
        answer.put("object", "chat.completion");
        answer.put("created", 1_700_000_000L);
        answer.put("model", body.path("model").asText() + "-2025");
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (reasoner(body))
        {
            message.put("reasoning_content", reasoning(words));
        }
        if (tool)
        {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject();
            call.put("id", "call_1");
            call.put("type", "function");
            ObjectNode function = call.putObject("function").put("name", body.path("tools").path(0).path("function").path("name").asText());
            if (signs(body))
            {
                call.putObject("extra_content").putObject("google").put("thought_signature", GEMINI_SIGNATURE);
            }
            if (objectArguments(body))
            {
                function.putObject("arguments").put(argument(body), "Paris");
            }
            else
            {
                function.put("arguments", "{\"" + argument(body) + "\":\"Paris\"}");
            }
            choice.put("finish_reason", toolFinish(body));
        }
        else
        {
            message.put("content", String.join("", words));
            choice.put("finish_reason", "stop");
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        ObjectNode usage = answer.putObject("usage");
        usage.put("prompt_tokens", promptTokens(body));
        usage.put("completion_tokens", words.size());
        usage.put("total_tokens", promptTokens(body) + words.size());
        usage.putObject("prompt_tokens_details").put("cached_tokens", 4);
        return answer;
    }

    private ObjectNode anthropicAnswer(JsonNode body, List<String> words, boolean tool)
    {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", "msg_fake");
        answer.put("type", "message");
        answer.put("role", "assistant");
        answer.put("model", body.path("model").asText() + "-20250101");
        ArrayNode content = answer.putArray("content");
        if (thinks(body))
        {
            content.addObject().put("type", "thinking").put("thinking", reasoning(words)).put("signature", SIGNATURE);
        }
        if (serverTools(body, words) != null)
        {
            content.addAll(serverTools(body, words));
            answer.put("stop_reason", "end_turn");
            if (executes(body))
            {
                answer.set("container", container());
            }
        }
        else if (tool)
        {
            content.addObject().put("type", "text").put("text", "Let me check.");
            ObjectNode use = content.addObject();
            use.put("type", "tool_use");
            use.put("id", "toolu_1");
            use.put("name", body.path("tools").path(0).path("name").asText());
            use.putObject("input").put(argument(body), "Paris");
            answer.put("stop_reason", "tool_use");
        }
        else
        {
            content.addObject().put("type", "text").put("text", String.join("", words));
            answer.put("stop_reason", "end_turn");
        }
        answer.putNull("stop_sequence");
        if (stopsAt(body) != null)
        {
            answer.put("stop_reason", "stop_sequence").put("stop_sequence", stopsAt(body));
        }
        if (pauses(words))
        {
            answer.put("stop_reason", "pause_turn");
        }
        ObjectNode usage = answer.putObject("usage");
        usage.put("input_tokens", promptTokens(body));
        usage.put("output_tokens", words.size());
        usage.put("cache_read_input_tokens", 4);
        usage.put("cache_creation_input_tokens", 0);
        if (searches(body))
        {
            usage.putObject("server_tool_use").put("web_search_requests", 1);
        }
        return answer;
    }

    /**
     * What Claude answers with its server tools, when the request offers one the fake knows, or
     * with citations of a document or search result the request gives with citations enabled;
     * else null.
     */
    private static ArrayNode serverTools(JsonNode body, List<String> words)
    {
        return searches(body) ? searched(words) : executes(body) ? executed() : cited(body);
    }

    /** Text citing the first block of the last user turn (or of a tool result in it) that enables citations, or null. */
    private static ArrayNode cited(JsonNode body)
    {
        JsonNode turns = body.path("messages");
        List<JsonNode> blocks = new ArrayList<>();
        for (JsonNode block : turns.path(turns.size() - 1).path("content"))
        {
            blocks.add(block);
            // A tool's search results, as a RAG tool returns them.
            block.path("content").forEach(blocks::add);
        }
        for (JsonNode block : blocks)
        {
            if (block.path("citations").path("enabled").asBoolean(false))
            {
                ArrayNode content = JSON.createArrayNode();
                content.addObject().put("type", "text").put("text", "In short: ");
                ObjectNode text = content.addObject().put("type", "text").put("text", "it is cited");
                ObjectNode citation = text.putArray("citations").addObject();
                if ("search_result".equals(block.path("type").asText()))
                {
                    citation.put("type", "search_result_location").put("source", block.path("source").asText()).put("title", block.path("title").asText())
                        .put("cited_text", block.path("content").path(0).path("text").asText()).put("search_result_index", 0)
                        .put("start_block_index", 0).put("end_block_index", 0);
                }
                else
                {
                    citation.put("type", "char_location").put("cited_text", "cited").put("document_index", 0)
                        .put("document_title", block.path("title").asText()).put("start_char_index", 0).put("end_char_index", 5);
                }
                content.addObject().put("type", "text").put("text", ".");
                return content;
            }
        }
        return null;
    }

    /** Whether an Anthropic request offers Anthropic's code execution tool: the answer then runs a command. */
    private static boolean executes(JsonNode body)
    {
        for (JsonNode tool : body.path("tools"))
        {
            if (tool.path("type").asText().startsWith("code_execution_"))
            {
                return true;
            }
        }
        return false;
    }

    /** An answer that ran a command in Anthropic's sandbox, as Claude gives one. */
    private static ArrayNode executed()
    {
        ArrayNode content = JSON.createArrayNode();
        content.addObject().put("type", "text").put("text", "Running it.");
        ObjectNode use = content.addObject().put("type", "server_tool_use").put("id", "srvtoolu_02fake").put("name", "bash_code_execution");
        use.putObject("input").put("command", "echo hi");
        ObjectNode result = content.addObject().put("type", "bash_code_execution_tool_result").put("tool_use_id", "srvtoolu_02fake");
        result.putObject("content").put("type", "bash_code_execution_result").put("stdout", "hi\n").put("stderr", "").put("return_code", 0)
            .putArray("content");
        content.addObject().put("type", "text").put("text", "It printed hi.");
        return content;
    }

    /** The code execution container the fake's answers name. */
    public static final String CONTAINER = "container_01fake";

    private static ObjectNode container()
    {
        return JSON.createObjectNode().put("id", CONTAINER).put("expires_at", "2026-12-07T09:00:00Z");
    }

    /** Whether an Anthropic request offers Anthropic's web search tool: the answer then searches. */
    private static boolean searches(JsonNode body)
    {
        for (JsonNode tool : body.path("tools"))
        {
            if (tool.path("type").asText().startsWith("web_search_"))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * An answer that searched the web, as Claude gives one: a word, the search (its query the
     * question's words), its result, text citing the result, and text without a citation.
     */
    private static ArrayNode searched(List<String> words)
    {
        ArrayNode content = JSON.createArrayNode();
        content.addObject().put("type", "text").put("text", "Let me search.");
        ObjectNode use = content.addObject().put("type", "server_tool_use").put("id", SEARCH_ID).put("name", "web_search");
        use.putObject("input").put("query", String.join("", words).trim());
        ObjectNode result = content.addObject().put("type", "web_search_tool_result").put("tool_use_id", SEARCH_ID);
        result.putArray("content").addObject().put("type", "web_search_result").put("url", "https://sluice.example/about").put("title", "About Sluice")
            .put("encrypted_content", SEARCH_CONTENT).put("page_age", "May 1, 2026");
        ObjectNode cited = content.addObject().put("type", "text").put("text", "Sluice is an API proxy");
        cited.putArray("citations").addObject().put("type", "web_search_result_location").put("url", "https://sluice.example/about")
            .put("title", "About Sluice").put("encrypted_index", "EncryptedIndex==").put("cited_text", "Sluice is an API proxy.");
        content.addObject().put("type", "text").put("text", ", by the look of it.");
        return content;
    }

    /** The id of the fake's web search call, and its result's encrypted content. */
    public static final String SEARCH_ID = "srvtoolu_01fake";
    public static final String SEARCH_CONTENT = "EncryptedPageContent==";

    /**
     * Anthropic's token count: {@link #counted} of the body's messages; like Anthropic, a field
     * Messages takes and counting does not ({@code max_tokens}) is refused.
     */
    private static void countTokens(JsonNode body, HttpServletResponse response) throws IOException
    {
        response.setContentType("application/json");
        if (body.has("max_tokens") || !body.path("model").isTextual())
        {
            response.setStatus(400);
            response.getOutputStream().write("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Extra inputs are not permitted\"}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        response.getOutputStream().write(("{\"input_tokens\":" + counted(body) + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** What this provider counts for a prompt: distinct from any estimate of Sluice's. */
    public static long counted(JsonNode body)
    {
        return 1000 + body.path("messages").toString().length();
    }

    private static void embeddings(JsonNode body, HttpServletResponse response) throws IOException
    {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("object", "list");
        ArrayNode data = answer.putArray("data");
        JsonNode input = body.path("input");
        int count = input.isArray() ? input.size() : 1;
        for (int i = 0; i < count; i++)
        {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            item.putArray("embedding").add(0.25).add(-0.5).add(i);
        }
        answer.put("model", body.path("model").asText());
        answer.putObject("usage").put("prompt_tokens", 3 * count).put("total_tokens", 3 * count);
        response.setContentType("application/json");
        response.getOutputStream().write(JSON.writeValueAsBytes(answer));
    }

    private void openAiStream(JsonNode body, List<String> words, boolean tool, Fault fault, HttpServletResponse response) throws IOException
    {
        response.setContentType("text/event-stream");
        OutputStream out = response.getOutputStream();
        String model = body.path("model").asText() + "-2025";
        String head = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
            + "\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":";
        List<String> events = new ArrayList<>();
        events.add(head + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
        if (reasoner(body))
        {
            for (String part : reasoning(words).split("(?<= )"))
            {
                events.add(head + "{\"reasoning_content\":" + JSON.writeValueAsString(part) + "},\"logprobs\":null,\"finish_reason\":null}]}");
            }
        }
        if (tool && body.path("tools").size() >= 2)
        {
            // Parallel calls as vLLM and Qwen's servers stream them: both begun in one chunk, their arguments interleaved.
            // With a third tool, a third call as Ollama streams calls: at index 0 again, told apart by its id.
            String first = body.path("tools").path(0).path("function").path("name").asText();
            String second = body.path("tools").path(1).path("function").path("name").asText();
            String tail = "]},\"logprobs\":null,\"finish_reason\":null}]}";
            events.add(head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"" + first
                + "\",\"arguments\":\"\"}},{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"" + second
                + "\",\"arguments\":\"\"}}" + tail);
            events.add(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}" + tail);
            events.add(head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}" + tail);
            events.add(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}" + tail);
            events.add(head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"Rome\\\"}\"}}" + tail);
            if (body.path("tools").size() >= 3)
            {
                events.add(head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\""
                    + body.path("tools").path(2).path("function").path("name").asText() + "\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}" + tail);
            }
            events.add(head + "{},\"logprobs\":null,\"finish_reason\":\"" + toolFinish(body) + "\"}]}");
        }
        else if (tool)
        {
            String name = body.path("tools").path(0).path("function").path("name").asText();
            events.add(head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"" + name
                + "\",\"arguments\":\"\"}" + (signs(body) ? ",\"extra_content\":{\"google\":{\"thought_signature\":\"" + GEMINI_SIGNATURE + "\"}}" : "")
                + "}]},\"logprobs\":null,\"finish_reason\":null}]}");
            if (objectArguments(body))
            {
                events.add(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":{\"" + argument(body)
                    + "\":\"Paris\"}}}]},\"logprobs\":null,\"finish_reason\":null}]}");
            }
            else
            {
                events.add(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"" + argument(body)
                    + "\\\":\"}}]},\"logprobs\":null,\"finish_reason\":null}]}");
                events.add(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}]}");
            }
            events.add(head + "{},\"logprobs\":null,\"finish_reason\":\"" + toolFinish(body) + "\"}]}");
        }
        else
        {
            for (String word : words)
            {
                events.add(head + "{\"content\":" + JSON.writeValueAsString(word) + "},\"logprobs\":null,\"finish_reason\":null}]}");
            }
            events.add(head + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
        }
        if (body.path("stream_options").path("include_usage").asBoolean(false) && fault != Fault.NO_USAGE)
        {
            events.add("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens(body) + ",\"completion_tokens\":" + words.size()
                + ",\"total_tokens\":" + (promptTokens(body) + words.size()) + ",\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
        }
        events.add("[DONE]");
        List<String> framed = new ArrayList<>();
        for (String event : events)
        {
            framed.add("data: " + event + "\n\n");
        }
        // A line break in the message, as providers' multi-line errors have: Sluice's log keeps it to one line.
        play(framed, fault, out, "data: {\"error\":{\"type\":\"server_error\",\"message\":\"The server had an error while processing your request.\\nRetry it.\"}}\n\n");
    }

    private void anthropicStream(JsonNode body, List<String> words, boolean tool, Fault fault, HttpServletResponse response) throws IOException
    {
        response.setContentType("text/event-stream");
        OutputStream out = response.getOutputStream();
        String model = body.path("model").asText() + "-20250101";
        List<String> framed = new ArrayList<>();
        framed.add(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + promptTokens(body)
            + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}"));
        framed.add(event("ping", "{\"type\":\"ping\"}"));
        int index = 0;
        if (thinks(body))
        {
            // As Claude streams thinking: an empty block, its text in deltas, the signature last.
            framed.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"));
            for (String part : reasoning(words).split("(?<= )"))
            {
                framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"
                    + JSON.writeValueAsString(part) + "}}"));
            }
            framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"" + SIGNATURE + "\"}}"));
            framed.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
            index = 1;
        }
        if (serverTools(body, words) != null)
        {
            // As Claude streams a search: the call's input in deltas, the result whole at its start, citations as deltas.
            for (JsonNode block : serverTools(body, words))
            {
                String type = block.path("type").asText();
                ObjectNode start = block.deepCopy();
                if (type.equals("text"))
                {
                    start.put("text", "");
                    start.remove("citations");
                }
                else if (start.has("input"))
                {
                    start.putObject("input");
                }
                framed.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":" + start + "}"));
                for (JsonNode citation : block.path("citations"))
                {
                    framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                        + ",\"delta\":{\"type\":\"citations_delta\",\"citation\":" + citation + "}}"));
                }
                if (type.equals("text"))
                {
                    framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                        + ",\"delta\":{\"type\":\"text_delta\",\"text\":" + JSON.writeValueAsString(block.path("text").asText()) + "}}"));
                }
                else if (block.has("input"))
                {
                    String input = block.path("input").toString();
                    for (String part : new String[] {input.substring(0, 5), input.substring(5)})
                    {
                        framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                            + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + JSON.writeValueAsString(part) + "}}"));
                    }
                }
                framed.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index++ + "}"));
            }
            framed.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + (pauses(words) ? "pause_turn" : "end_turn")
                + "\",\"stop_sequence\":null"
                + (executes(body) ? ",\"container\":" + container() : "") + "},"
                + "\"usage\":{\"output_tokens\":" + words.size() + (searches(body) ? ",\"server_tool_use\":{\"web_search_requests\":1}" : "") + "}}"));
            framed.add(event("message_stop", "{\"type\":\"message_stop\"}"));
            play(framed, fault, out, event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
            return;
        }
        if (tool)
        {
            String name = body.path("tools").path(0).path("name").asText();
            framed.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\""
                + name + "\",\"input\":{}}}"));
            framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"" + argument(body) + "\\\":\"}}"));
            framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}"));
            framed.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
        }
        else
        {
            framed.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
            for (String word : words)
            {
                framed.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"text_delta\",\"text\":"
                    + JSON.writeValueAsString(word) + "}}"));
            }
            framed.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
        }
        String stop = stopsAt(body);
        framed.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + (stop != null ? "stop_sequence" : tool ? "tool_use" : "end_turn")
            + "\",\"stop_sequence\":" + (stop == null ? "null" : JSON.writeValueAsString(stop)) + "},\"usage\":{\"output_tokens\":" + words.size() + "}}"));
        framed.add(event("message_stop", "{\"type\":\"message_stop\"}"));
        play(framed, fault, out, event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    }

    /** The stop sequence an Anthropic answer ends at: "STOP" when the request lists it, as if the answer had come to it. */
    private static String stopsAt(JsonNode body)
    {
        for (JsonNode sequence : body.path("stop_sequences"))
        {
            if ("STOP".equals(sequence.asText()))
            {
                return "STOP";
            }
        }
        return null;
    }

    /** Whether Claude pauses its turn (a long server tool run): when the question says PAUSE. */
    private static boolean pauses(List<String> words)
    {
        return String.join("", words).contains("PAUSE");
    }

    /** Whether an Anthropic request asks for extended thinking (by a budget or adaptive). */
    private static boolean thinks(JsonNode body)
    {
        return "enabled".equals(body.path("thinking").path("type").asText()) || "adaptive".equals(body.path("thinking").path("type").asText());
    }

    /**
     * How Anthropic refuses thinking in a form the model does not take: a budget for the models
     * from Opus 4.7 on (here: an id with {@code opus-4-8}), adaptive thinking for those before
     * 4.6 ({@code sonnet-4-5}); else null.
     */
    private static String thinkingRefused(JsonNode body)
    {
        String model = body.path("model").asText();
        String type = body.path("thinking").path("type").asText();
        if (model.contains("opus-4-8") && type.equals("enabled"))
        {
            return "\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to control"
                + " thinking behavior.";
        }
        return model.contains("sonnet-4-5") && type.equals("adaptive") ? "adaptive thinking is not supported on this model" : null;
    }

    /**
     * How OpenAI refuses a {@code user} over 64 characters, and reasoning a model does not take (as its answers of 2025 and
     * 2026 read): any effort, and
     * {@code verbosity}, to gpt-4o and gpt-4.1; an effort off the ladder of gpt-5 (minimal to high) and gpt-5.5 (none to
     * xhigh); a temperature other than 1 while either reasons (gpt-5 always, gpt-5.5 when an effort other than none is
     * asked for); else null.
     */
    private static String reasoningRefused(JsonNode body)
    {
        if (body.path("user").asText().length() > 64)
        {
            return "Invalid 'user': string too long. Expected a string with maximum length 64, but got a string with length "
                + body.path("user").asText().length() + " instead.";
        }
        String model = body.path("model").asText();
        if (model.startsWith("gpt-4"))
        {
            for (String field : new String[] {"reasoning_effort", "verbosity"})
            {
                if (body.has(field))
                {
                    return "Unsupported parameter: '" + field + "' is not supported with this model.";
                }
            }
            return null;
        }
        List<String> ladder = switch (model)
        {
            case "gpt-5", "gpt-5-mini" -> List.of("minimal", "low", "medium", "high");
            case "gpt-5.5" -> List.of("none", "low", "medium", "high", "xhigh");
            default -> null;
        };
        if (ladder == null)
        {
            return null;
        }
        String effort = body.path("reasoning_effort").asText(ladder.get(0));
        if (!ladder.contains(effort))
        {
            return "Unsupported value: '" + effort + "' is not supported with the '" + model + "' model. Supported values are: '"
                + String.join("', '", ladder) + "'.";
        }
        if (!effort.equals("none") && body.path("temperature").asDouble(1) != 1)
        {
            return "Unsupported value: 'temperature' does not support " + body.path("temperature") + " with this model. Only the default (1) value is"
                + " supported.";
        }
        return null;
    }

    /** Whether a tool call's arguments come as a JSON object instead of its text, as llama.cpp's server sent them in 2026. */
    private static boolean objectArguments(JsonNode body)
    {
        return body.path("model").asText().contains("llama");
    }

    /** The thought signature Gemini 3 attaches to each tool call, and wants back. */
    public static final String GEMINI_SIGNATURE = "CiQBjz1rX+sig/gemini==";

    /** Whether tool calls carry Gemini 3's thought signature ({@code extra_content.google.thought_signature}). */
    private static boolean signs(JsonNode body)
    {
        return body.path("model").asText().startsWith("gemini-3");
    }

    /**
     * The argument a call of the first tool fills: {@code input} when the tool takes one (a custom
     * tool offered as a function takes only that), else {@code city}.
     */
    private static String argument(JsonNode body)
    {
        JsonNode first = body.path("tools").path(0);
        JsonNode schema = first.has("function") ? first.path("function").path("parameters") : first.path("input_schema");
        return schema.path("properties").has("input") ? "input" : "city";
    }

    /** How an OpenAI-style answer with tool calls ends: "tool_calls", or "stop" as Gemini's and Ollama's OpenAI forms end it. */
    private static String toolFinish(JsonNode body)
    {
        return body.path("model").asText().contains("gemini") ? "stop" : "tool_calls";
    }

    /** Whether an OpenAI-style request is for a model that reasons aloud, as DeepSeek's reasoner. */
    private static boolean reasoner(JsonNode body)
    {
        return body.path("model").asText().contains("reasoner") || body.path("model").asText().startsWith("deepseek-v4");
    }

    /**
     * How a server refuses the reasoning of earlier turns: DeepSeek's thinking mode ({@code deepseek-v4…}) a tool-using
     * assistant turn without its {@code reasoning_content}, Groq ({@code groq-…}) any {@code reasoning_content}; else null.
     */
    private static String historyRefused(JsonNode body)
    {
        String model = body.path("model").asText();
        JsonNode messages = body.path("messages");
        for (int i = 0; i < messages.size(); i++)
        {
            JsonNode message = messages.get(i);
            if (model.startsWith("deepseek-v4") && "assistant".equals(message.path("role").asText()) && message.has("tool_calls")
                && !message.path("reasoning_content").isTextual())
            {
                return "Missing `reasoning_content` field in the assistant message at message index " + i
                    + ". For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls";
            }
            for (JsonNode call : model.startsWith("gemini-3") ? message.path("tool_calls") : JSON.createArrayNode())
            {
                if (!GEMINI_SIGNATURE.equals(call.path("extra_content").path("google").path("thought_signature").asText()))
                {
                    return "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and"
                        + " missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:"
                        + call.path("function").path("name").asText() + "` , position " + (i + 1) + ".";
                }
            }
            if (model.startsWith("groq-") && message.has("reasoning_content"))
            {
                return "'messages." + i + "' : for 'role:assistant' the following must be satisfied[('messages." + i
                    + "' : property 'reasoning_content' is unsupported)]";
            }
        }
        return null;
    }

    /** The fake's reasoning about an answer. */
    private static String reasoning(List<String> words)
    {
        return "The user wants " + words.size() + " words back.";
    }

    private static String event(String name, String data)
    {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** Index of the first event that carries content (text or a tool call). */
    private static int firstContent(List<String> events)
    {
        for (int i = 0; i < events.size(); i++)
        {
            String event = events.get(i);
            if (event.contains("\"content\":\"H") || event.contains("text_delta") || event.contains("tool_calls\":[{\"index\":0,\"id\"")
                || event.contains("\"type\":\"tool_use\""))
            {
                return i;
            }
        }
        return events.size();
    }

    private void play(List<String> events, Fault fault, OutputStream out, String errorEvent) throws IOException
    {
        int first = firstContent(events);
        try
        {
            if (fault == Fault.SLOW_FIRST_TOKEN)
            {
                sleep(3000);
            }
            for (int i = 0; i < events.size(); i++)
            {
                if (fault == Fault.CUT_BEFORE_FIRST_TOKEN && i == first)
                {
                    return;
                }
                if (fault == Fault.ERROR_BEFORE_FIRST_TOKEN && i == first)
                {
                    write(out, errorEvent);
                    return;
                }
                if (fault == Fault.CUT_AFTER_FIRST_TOKEN && i == first + 2)
                {
                    return;
                }
                if (fault == Fault.ERROR_MID_STREAM && i == first + 1)
                {
                    write(out, errorEvent);
                    return;
                }
                if (fault == Fault.LONG_STREAM && i == first + 1)
                {
                    String filler = events.get(first).replace("\"content\":\"", "\"content\":\"" + "x".repeat(100));
                    for (int more = 0; more < LONG_STREAM_EVENTS; more++)
                    {
                        write(out, filler);
                        longStreamEvents.incrementAndGet();
                    }
                }
                if (fault == Fault.PAUSE_AFTER_FIRST && i == first + 1)
                {
                    // Then a long answer, slowly: long enough for a client to leave in the middle.
                    sleep(2000);
                    for (int more = 0; more < 200; more++)
                    {
                        write(out, events.get(first));
                        sleep(50);
                    }
                }
                if (fault == Fault.NO_DONE && events.get(i).startsWith("data: [DONE]"))
                {
                    continue;
                }
                if (fault == Fault.AWKWARD_CHUNKS)
                {
                    String awkward = ": a comment\r\n" + events.get(i).replace("\n", "\r\n");
                    byte[] bytes = awkward.getBytes(StandardCharsets.UTF_8);
                    for (int at = 0; at < bytes.length; at += 7)
                    {
                        out.write(bytes, at, Math.min(7, bytes.length - at));
                        out.flush();
                    }
                    continue;
                }
                write(out, events.get(i));
            }
        }
        catch (IOException x)
        {
            streamCancelled.countDown();
            throw x;
        }
    }

    private void write(OutputStream out, String text) throws IOException
    {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }
}
