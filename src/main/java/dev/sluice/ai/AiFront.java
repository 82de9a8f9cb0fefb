// The terminal stage of AI routes: OpenAI's API in front, providers behind, with fallbacks and exact usage.
package dev.sluice.ai;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.auth.Identity;
import dev.sluice.exchange.Exchange;
import dev.sluice.observe.Metrics;
import dev.sluice.route.Route;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code POST …/chat/completions}, {@code POST …/embeddings} and {@code GET …/models} on
 * routes with {@code ai = on}, after the chain has authenticated, limited and logged them like any
 * route. For each request it orders the alias's targets ({@link TargetRouter}), translates the
 * request for the target's provider, and tries targets until one answers — but only until the
 * first byte has gone to the client: a streamed answer is held back until its first content token,
 * so a stream that fails or ends before it still falls back, and after it nothing switches.
 * Events are translated and flushed one read at a time, never buffered.
 *
 * <p>Writes to the client are blocking writes from the HTTP client's thread, one read's worth at a
 * time, before more is read from the provider: a slow client slows its own provider stream (flow
 * control end to end) and holds a thread only while its socket is full.</p>
 */
public final class AiFront implements AutoCloseable
{
    public static final String ATTRIBUTE = AiFront.class.getName();
    public static final String MODEL_HEADER = "X-Sluice-AI-Model";
    public static final String PROVIDER_HEADER = "X-Sluice-AI-Provider";
    public static final String ATTEMPTS_HEADER = "X-Sluice-AI-Attempts";
    public static final String COST_HEADER = "X-Sluice-AI-Cost";
    private static final Logger LOG = LoggerFactory.getLogger(AiFront.class);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_EVENT = 1 << 20;

    private final Executor executor;
    private final Scheduler scheduler;
    private final Metrics metrics;
    private final Map<ClientKey, HttpClient> clients = new ConcurrentHashMap<>();
    private final TargetRouter router = new TargetRouter(System::nanoTime);
    private final UsageBook book = new UsageBook();

    private enum Operation
    {
        CHAT, EMBEDDINGS
    }

    public AiFront(Executor executor, Scheduler scheduler, Metrics metrics)
    {
        this.executor = executor;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    public UsageBook usage()
    {
        return book;
    }

    public TargetRouter router()
    {
        return router;
    }

    public void service(HttpServletRequest request, HttpServletResponse response, Exchange exchange) throws IOException
    {
        AiSettings settings = exchange.settings().ai();
        Route route = exchange.routeMatch().route();
        String path = exchange.path();
        String method = request.getMethod();
        Identity identity = exchange.identity();
        String consumer = identity != null && identity.consumer() != null ? identity.consumer().id() : null;
        if (path.endsWith("/models"))
        {
            if (!method.equals("GET") && !method.equals("HEAD"))
            {
                response.setHeader("Allow", "GET, HEAD");
                error(response, exchange, new AiErrors.Error(405, "invalid_request_error", "Use GET to list models.", null, "method_not_allowed", 0));
                return;
            }
            models(response, exchange, settings, route.name(), consumer);
            return;
        }
        Operation operation = path.endsWith("/chat/completions") ? Operation.CHAT : path.endsWith("/embeddings") ? Operation.EMBEDDINGS : null;
        if (operation == null)
        {
            error(response, exchange, new AiErrors.Error(404, "invalid_request_error",
                "Unknown request URL: " + method + " " + printable(path) + ". This route serves /chat/completions, /embeddings and /models.",
                null, "unknown_url", 0));
            return;
        }
        if (!method.equals("POST"))
        {
            response.setHeader("Allow", "POST");
            error(response, exchange, new AiErrors.Error(405, "invalid_request_error", "Use POST.", null, "method_not_allowed", 0));
            return;
        }
        byte[] raw = readBody(request, response, exchange, settings.maxRequestBody());
        if (raw == null)
        {
            return;
        }
        JsonNode parsed;
        try
        {
            parsed = AnthropicTranslation.JSON.readTree(raw);
        }
        catch (IOException x)
        {
            parsed = null;
        }
        if (!(parsed instanceof ObjectNode body))
        {
            error(response, exchange, AiErrors.invalid("We could not parse the JSON body of your request: it must be a JSON object.", null));
            return;
        }
        JsonNode modelNode = body.get("model");
        if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isEmpty())
        {
            error(response, exchange, AiErrors.invalid("You must provide a model parameter.", "model"));
            return;
        }
        String alias = modelNode.asText();
        AiSettings.Model model = settings.models().get(alias);
        if (model == null)
        {
            error(response, exchange, new AiErrors.Error(404, "invalid_request_error", "The model '" + printable(alias)
                + "' does not exist or you do not have access to it.", "model", "model_not_found", 0));
            return;
        }
        if (!settings.allowed(route.name(), consumer, alias))
        {
            error(response, exchange, new AiErrors.Error(403, "permission_error", "You may not use the model '" + alias + "' on this route.",
                "model", "model_not_allowed", 0));
            return;
        }
        if ((operation == Operation.CHAT) != (model.kind() == AiSettings.Kind.CHAT))
        {
            error(response, exchange, AiErrors.invalid("The model '" + alias + "' is " + (model.kind() == AiSettings.Kind.CHAT
                ? "a chat model: use /chat/completions." : "an embeddings model: use /embeddings."), "model"));
            return;
        }
        if (operation == Operation.CHAT && (!body.path("messages").isArray() || body.path("messages").isEmpty()))
        {
            error(response, exchange, AiErrors.invalid("'messages' must be a non-empty array.", "messages"));
            return;
        }
        if (operation == Operation.EMBEDDINGS && (body.path("input").isMissingNode() || body.path("input").isNull()))
        {
            error(response, exchange, AiErrors.invalid("You must provide an input parameter.", "input"));
            return;
        }
        JsonNode streamNode = body.get("stream");
        if (streamNode != null && !streamNode.isNull() && !streamNode.isBoolean())
        {
            error(response, exchange, AiErrors.invalid("'stream' must be true or false.", "stream"));
            return;
        }
        boolean stream = operation == Operation.CHAT && streamNode != null && streamNode.asBoolean();
        new Call(request, response, exchange, settings, body, operation, model, stream).start();
    }

    private static String printable(String text)
    {
        String cut = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static byte[] readBody(HttpServletRequest request, HttpServletResponse response, Exchange exchange, long max) throws IOException
    {
        long declared = request.getContentLengthLong();
        if (declared > max)
        {
            error(response, exchange, new AiErrors.Error(413, "invalid_request_error", "The request body is larger than this route takes ("
                + max + " bytes).", null, "request_too_large", 0));
            return null;
        }
        byte[] raw;
        try
        {
            raw = request.getInputStream().readNBytes((int)Math.min(Integer.MAX_VALUE - 8, max + 1));
        }
        catch (IOException x)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
            error(response, exchange, AiErrors.invalid("The request body could not be read.", null));
            return null;
        }
        exchange.requestBodyRead(true);
        exchange.addBytesIn(raw.length);
        if (raw.length > max)
        {
            error(response, exchange, new AiErrors.Error(413, "invalid_request_error", "The request body is larger than this route takes ("
                + max + " bytes).", null, "request_too_large", 0));
            return null;
        }
        return raw;
    }

    private static void error(HttpServletResponse response, Exchange exchange, AiErrors.Error error)
    {
        if (exchange.outcome() == Exchange.Outcome.OK)
        {
            exchange.outcome(error.status() < 500 ? Exchange.Outcome.BAD_REQUEST : Exchange.Outcome.UPSTREAM_FAILED);
        }
        exchange.addBytesOut(AiErrors.write(response, error));
    }

    private void models(HttpServletResponse response, Exchange exchange, AiSettings settings, String route, String consumer) throws IOException
    {
        ObjectNode list = AnthropicTranslation.JSON.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (AiSettings.Model model : new java.util.TreeMap<>(settings.models()).values())
        {
            if (settings.allowed(route, consumer, model.alias()))
            {
                data.addObject().put("id", model.alias()).put("object", "model").put("created", 0).put("owned_by", "sluice");
            }
        }
        byte[] body = AnthropicTranslation.JSON.writeValueAsBytes(list);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        exchange.addBytesOut(body.length);
    }

    /** Jetty sets the connect timeout and the trusted certificates per client, not per request. */
    private record ClientKey(Duration connectTimeout, java.nio.file.Path caFile)
    {
    }

    private HttpClient client(AiSettings.Provider provider)
    {
        ClientKey key = new ClientKey(provider.connect(), provider.caFile());
        HttpClient client = clients.get(key);
        return client != null ? client : clients.computeIfAbsent(key, this::newClient);
    }

    private HttpClient newClient(ClientKey key)
    {
        Duration connectTimeout = key.connectTimeout();
        ClientConnector connector = new ClientConnector();
        SslContextFactory.Client tls = new SslContextFactory.Client();
        if (key.caFile() != null)
        {
            try
            {
                tls.setTrustStore(dev.sluice.upstream.UpstreamTls.trustStore(key.caFile()));
            }
            catch (IOException | java.security.GeneralSecurityException x)
            {
                throw new IllegalStateException("The CA file " + key.caFile() + " could not be read", x);
            }
        }
        connector.setSslContextFactory(tls);
        connector.setExecutor(executor);
        connector.setScheduler(scheduler);
        HttpClient client = new HttpClient(transport(connector));
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setConnectTimeout(connectTimeout.toMillis());
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "sluice"));
        // Long-lived streams each hold an HTTP/1.1 connection; h2 multiplexes them.
        client.setMaxConnectionsPerDestination(1024);
        client.setMaxRequestsQueuedPerDestination(4096);
        try
        {
            client.start();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("The AI front's HTTP client did not start", x);
        }
        // No Accept-Encoding: a compressed event stream would be held back by the compressor.
        client.getContentDecoderFactories().clear();
        // A provider's 401 is an answer to map (its key is wrong), not a challenge to follow, and
        // nothing is redirected: Sluice talks only to the configured base URL.
        client.getProtocolHandlers().clear();
        return client;
    }

    /** HTTP/1.1, and HTTP/2 by ALPN on TLS when Jetty's HTTP/2 client is on the class path. */
    private static HttpClientTransport transport(ClientConnector connector)
    {
        try
        {
            Class.forName("org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2");
            org.eclipse.jetty.http2.client.HTTP2Client http2 = new org.eclipse.jetty.http2.client.HTTP2Client(connector);
            ClientConnectionFactory.Info h2 = new org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2.HTTP2(http2);
            return new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11, h2);
        }
        catch (ClassNotFoundException | LinkageError x)
        {
            return new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11);
        }
    }

    @Override
    public void close()
    {
        for (HttpClient client : clients.values())
        {
            try
            {
                client.stop();
            }
            catch (Exception x)
            {
                LOG.debug("Stopping an AI client failed: {}", x.toString());
            }
        }
        clients.clear();
    }

    private static String cost(double cost)
    {
        return BigDecimal.valueOf(cost).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Why Sluice itself aborted a provider request. */
    private static final class Abort extends Exception
    {
        final AiErrors.Error error;

        Abort(AiErrors.Error error)
        {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }

    /** One client request, across the targets it tries. */
    private final class Call implements AsyncListener
    {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final Exchange exchange;
        private final AiSettings settings;
        private final ObjectNode body;
        private final Operation operation;
        private final boolean stream;
        private final boolean includeUsage;
        private final long outputTokens;
        private final AtomicBoolean completed = new AtomicBoolean();
        private AiSettings.Model model;
        private Iterator<AiSettings.Target> order;
        private int attemptsOfModel;
        private int attempts;
        private boolean contextFellBack;
        private AiErrors.Error lastError;
        private volatile AsyncContext async;
        private volatile Attempt current;
        private volatile boolean clientGone;
        private long promptEstimate = -1;

        Call(HttpServletRequest request, HttpServletResponse response, Exchange exchange, AiSettings settings, ObjectNode body, Operation operation,
            AiSettings.Model model, boolean stream)
        {
            this.request = request;
            this.response = response;
            this.exchange = exchange;
            this.settings = settings;
            this.body = body;
            this.operation = operation;
            this.model = model;
            this.stream = stream;
            this.includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
            JsonNode max = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
            this.outputTokens = max != null && max.canConvertToLong() ? Math.max(0, max.asLong()) : 0;
        }

        void start()
        {
            async = request.startAsync();
            async.setTimeout(0);
            async.addListener(this);
            List<AiSettings.Target> targets = router.order(model, model.strategy() == AiSettings.Strategy.COST ? promptEstimate() : 0, outputTokens);
            if (targets.isEmpty())
            {
                // Only the cost strategy leaves targets out: those whose context window the prompt does not fit.
                lastError = new AiErrors.Error(400, "invalid_request_error", "The prompt (about " + promptEstimate()
                    + " tokens) does not fit the context window of any target of '" + model.alias() + "'.", "messages", "context_length_exceeded", 0);
            }
            order = targets.iterator();
            next();
        }

        private long promptEstimate()
        {
            if (promptEstimate < 0)
            {
                promptEstimate = operation == Operation.CHAT ? TokenCounter.prompt(body) : TokenCounter.embeddingInput(body);
            }
            return promptEstimate;
        }

        /** Tries the next target, or answers with the last failure when none is left. */
        void next()
        {
            while (true)
            {
                if (clientGone)
                {
                    exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
                    complete();
                    return;
                }
                if (attemptsOfModel >= model.maxAttempts() || !order.hasNext())
                {
                    AiErrors.Error error = lastError != null ? lastError
                        : new AiErrors.Error(503, "api_error", "No target of the model can answer now.", null, "no_target", 1);
                    metrics.aiFailed(model.alias());
                    exchange.ai(new AiRecord(requestedAlias(), null, null, attempts, stream, null, 0, -1, -1, null, null));
                    exchange.outcome(error.status() == 504 ? Exchange.Outcome.UPSTREAM_TIMEOUT
                        : error.status() >= 500 || error.status() == 429 ? Exchange.Outcome.UPSTREAM_FAILED : Exchange.Outcome.BAD_REQUEST);
                    exchange.addBytesOut(AiErrors.write(response, withAttempts(error)));
                    complete();
                    return;
                }
                AiSettings.Target target = order.next();
                AiSettings.Provider provider = settings.providers().get(target.provider());
                byte[] payload;
                try
                {
                    payload = payload(provider, target);
                }
                catch (Unsupported x)
                {
                    // This target's provider cannot take the request; another target's may.
                    lastError = AiErrors.invalid(x.getMessage() + " Remove '" + x.field() + "', or ask the operator to set ai.model."
                        + model.alias() + ".drop-unsupported = true.", x.field());
                    continue;
                }
                catch (IOException x)
                {
                    lastError = AiErrors.invalid("The request could not be prepared for the provider.", null);
                    continue;
                }
                attemptsOfModel++;
                attempts++;
                Attempt attempt = new Attempt(this, target, provider);
                current = attempt;
                attempt.send(payload);
                return;
            }
        }

        private String requestedAlias()
        {
            return body.path("model").asText();
        }

        private AiErrors.Error withAttempts(AiErrors.Error error)
        {
            response.setHeader(ATTEMPTS_HEADER, Integer.toString(attempts));
            return error;
        }

        private byte[] payload(AiSettings.Provider provider, AiSettings.Target target) throws Unsupported, IOException
        {
            if (provider.type() == AiSettings.ProviderType.ANTHROPIC)
            {
                return AnthropicTranslation.JSON.writeValueAsBytes(AnthropicTranslation.request(body, target, model.dropUnsupported()));
            }
            ObjectNode copy = body.deepCopy();
            copy.put("model", target.model());
            if (stream)
            {
                // Always asked for, so every stream's tokens are known exactly; dropped for clients that did not ask.
                ObjectNode options = copy.path("stream_options").isObject() ? (ObjectNode)copy.get("stream_options") : copy.putObject("stream_options");
                options.put("include_usage", true);
            }
            return AnthropicTranslation.JSON.writeValueAsBytes(copy);
        }

        /** Moves to the alias named by {@code context-fallback}, once, when the prompt did not fit. */
        boolean contextFallback()
        {
            String fallback = model.contextFallback();
            if (fallback == null || contextFellBack || !settings.models().containsKey(fallback))
            {
                return false;
            }
            contextFellBack = true;
            model = settings.models().get(fallback);
            attemptsOfModel = 0;
            order = router.order(model, model.strategy() == AiSettings.Strategy.COST ? promptEstimate() : 0, outputTokens).iterator();
            return true;
        }

        void complete()
        {
            if (completed.compareAndSet(false, true))
            {
                try
                {
                    async.complete();
                }
                catch (IllegalStateException x)
                {
                    LOG.debug("{} AI exchange already completed: {}", exchange.id(), x.toString());
                }
            }
        }

        /** Records usage, cost and timing of the answer (complete or cut short). */
        void record(AiSettings.Target target, String answeringModel, Usage usage, long ttftNanos, long providerNanos, String completion)
        {
            Usage counted = usage;
            if (counted == null)
            {
                long prompt = promptEstimate();
                counted = new Usage(prompt, TokenCounter.count(completion), 0, 0, true);
            }
            double cost = target.cost(counted);
            String prompt = settings.logBodies() ? body.path(operation == Operation.CHAT ? "messages" : "input").toString() : null;
            exchange.ai(new AiRecord(requestedAlias(), target.provider(), answeringModel != null ? answeringModel : target.model(), attempts, stream,
                counted, cost, ttftNanos, providerNanos, prompt, settings.logBodies() ? completion : null));
            Identity identity = exchange.identity();
            book.add(identity == null ? null : identity.consumer() != null ? identity.consumer().id() : identity.key(), model.alias(), counted, cost);
            metrics.aiCompleted(model.alias(), target.provider(), counted.promptTokens(), counted.completionTokens(), counted.cachedTokens(), cost, ttftNanos);
        }

        void headers(AiSettings.Target target, String answeringModel)
        {
            response.setHeader(MODEL_HEADER, answeringModel != null ? answeringModel : target.model());
            response.setHeader(PROVIDER_HEADER, target.provider());
            response.setHeader(ATTEMPTS_HEADER, Integer.toString(attempts));
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
        }

        @Override
        public void onError(AsyncEvent event)
        {
            clientGone = true;
            Attempt attempt = current;
            if (attempt != null)
            {
                attempt.abort(new Abort(new AiErrors.Error(499, "api_error", "The client went away.", null, null, 0)));
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
        }
    }

    /** One request to one target. */
    private final class Attempt implements Response.Listener
    {
        private final Call call;
        private final AiSettings.Target target;
        private final AiSettings.Provider provider;
        private final ChatStream chat;
        private final ChatStream.Bytes collected = new ChatStream.Bytes(1024);
        private volatile Request providerRequest;
        private SseParser parser;
        private int status;
        private long retryAfterSeconds;
        private long sentNanos;
        private long firstTokenNanos = -1;
        private volatile boolean committed;
        private boolean errorSent;
        private Scheduler.Task firstTokenTimer;

        Attempt(Call call, AiSettings.Target target, AiSettings.Provider provider)
        {
            this.call = call;
            this.target = target;
            this.provider = provider;
            long created = System.currentTimeMillis() / 1000;
            this.chat = !call.stream ? null : provider.type() == AiSettings.ProviderType.ANTHROPIC
                ? new AnthropicStream(call.includeUsage, true, created) : new OpenAiStream(call.includeUsage, true);
        }

        void send(byte[] payload)
        {
            String path = (call.operation == Operation.CHAT ? provider.chatPath() : provider.embeddingsPath())
                .replace("{model}", URLEncoder.encode(target.model(), StandardCharsets.UTF_8));
            String query = provider.apiVersion() == null ? "" : "?api-version=" + URLEncoder.encode(provider.apiVersion(), StandardCharsets.UTF_8);
            Request request = client(provider).newRequest(URI.create(provider.baseUrl() + path + query))
                .method(HttpMethod.POST)
                .body(new BytesRequestContent("application/json", payload))
                .idleTimeout(provider.idle().toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers ->
                {
                    headers.put(HttpHeader.ACCEPT, call.stream ? "text/event-stream" : "application/json");
                    if (provider.apiKey() != null)
                    {
                        headers.put(provider.authHeader(), "authorization".equalsIgnoreCase(provider.authHeader()) ? "Bearer " + provider.apiKey() : provider.apiKey());
                    }
                    if (provider.type() == AiSettings.ProviderType.ANTHROPIC)
                    {
                        headers.put("anthropic-version", provider.anthropicVersion());
                    }
                    provider.headers().forEach(headers::put);
                });
            if (!provider.total().isZero())
            {
                request.timeout(provider.total().toMillis(), TimeUnit.MILLISECONDS);
            }
            providerRequest = request;
            call.exchange.attempted(target.id());
            router.started(target);
            sentNanos = System.nanoTime();
            if (call.stream)
            {
                firstTokenTimer = scheduler.schedule(() -> abort(new Abort(new AiErrors.Error(504, "timeout",
                    "The model provider sent no first token within " + provider.firstToken().toMillis() + " ms.", null, "provider_timeout", 0))),
                    provider.firstToken().toMillis(), TimeUnit.MILLISECONDS);
            }
            request.send(this);
        }

        void abort(Throwable cause)
        {
            Request request = providerRequest;
            if (request != null)
            {
                request.abort(cause);
            }
        }

        @Override
        public void onHeaders(Response response)
        {
            status = response.getStatus();
            String retryAfter = response.getHeaders().get(HttpHeader.RETRY_AFTER);
            if (retryAfter != null)
            {
                try
                {
                    retryAfterSeconds = Math.min(3600, Math.max(0, Long.parseLong(retryAfter.trim())));
                }
                catch (NumberFormatException x)
                {
                    retryAfterSeconds = 1;
                }
            }
            String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (status == 200 && call.stream && type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream"))
            {
                parser = new SseParser(chat, MAX_EVENT);
            }
        }

        @Override
        public void onContent(Response response, ByteBuffer content)
        {
            if (parser == null)
            {
                long max = status == 200 ? call.settings.maxResponseBody() : MAX_ERROR_BODY;
                if (collected.length() + content.remaining() > max)
                {
                    abort(new Abort(new AiErrors.Error(502, "api_error", "The model provider's answer is larger than Sluice takes.", null, "provider_error", 0)));
                    return;
                }
                byte[] bytes = new byte[content.remaining()];
                content.get(bytes);
                collected.write(bytes);
                return;
            }
            try
            {
                parser.feed(content);
            }
            catch (SseParser.TooLarge x)
            {
                abort(new Abort(new AiErrors.Error(502, "api_error", "The model provider sent an event larger than Sluice takes.", null, "provider_error", 0)));
                return;
            }
            if (chat.error() != null)
            {
                if (!committed)
                {
                    abort(new Abort(streamError()));
                    return;
                }
                writeOut();
                sendErrorEvent(streamError());
                abort(new Abort(streamError()));
                return;
            }
            if (!committed && (chat.contentStarted() || chat.finished()))
            {
                commitStream();
            }
            if (committed)
            {
                writeOut();
            }
        }

        private AiErrors.Error streamError()
        {
            String type = chat.errorType();
            if ("overloaded_error".equals(type))
            {
                return new AiErrors.Error(503, "overloaded_error", "The model provider is overloaded: " + chat.error(), null, "provider_overloaded", 1);
            }
            if ("rate_limit_error".equals(type))
            {
                return new AiErrors.Error(429, "rate_limit_error", chat.error(), null, "rate_limit_exceeded", 1);
            }
            return new AiErrors.Error(502, "api_error", "The model provider's stream failed: " + chat.error(), null, "provider_error", 0);
        }

        private void commitStream()
        {
            if (firstTokenTimer != null)
            {
                firstTokenTimer.cancel();
            }
            firstTokenNanos = System.nanoTime();
            HttpServletResponse response = call.response;
            response.setStatus(200);
            response.setContentType("text/event-stream;charset=utf-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no");
            call.headers(target, chat.model());
            committed = true;
        }

        /** Sends what the stream produced so far and flushes it; a failed write means the client left. */
        private void writeOut()
        {
            ChatStream.Bytes out = chat.out();
            if (out.length() == 0 && call.response.isCommitted())
            {
                return;
            }
            try
            {
                ServletOutputStream stream = call.response.getOutputStream();
                stream.write(out.array(), 0, out.length());
                stream.flush();
                call.exchange.addBytesOut(out.length());
            }
            catch (IOException | IllegalStateException x)
            {
                call.clientGone = true;
                abort(new Abort(new AiErrors.Error(499, "api_error", "The client went away.", null, null, 0)));
            }
            finally
            {
                out.clear();
            }
        }

        private void sendErrorEvent(AiErrors.Error error)
        {
            if (errorSent || call.clientGone)
            {
                return;
            }
            errorSent = true;
            try
            {
                ServletOutputStream stream = call.response.getOutputStream();
                byte[] event = error.event();
                stream.write(event);
                stream.flush();
                call.exchange.addBytesOut(event.length);
            }
            catch (IOException | IllegalStateException x)
            {
                call.clientGone = true;
            }
        }

        @Override
        public void onComplete(Result result)
        {
            router.ended(target);
            if (firstTokenTimer != null)
            {
                firstTokenTimer.cancel();
            }
            long now = System.nanoTime();
            long providerNanos = now - sentNanos;
            long ttft = firstTokenNanos < 0 ? -1 : firstTokenNanos - call.exchange.startNanos();
            Throwable failure = result.getFailure();
            if (call.stream && committed)
            {
                finishStream(failure, providerNanos, ttft);
                return;
            }
            if (call.clientGone)
            {
                call.exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
                call.record(target, chat == null ? null : chat.model(), null, -1, providerNanos, chat == null ? "" : chat.text());
                call.complete();
                return;
            }
            if (failure != null)
            {
                AiErrors.Error error = errorFor(failure);
                LOG.warn("{} AI target {} failed: {}", call.exchange.id(), target.id(), failure.toString());
                router.failed(target, call.settings.cooldown(), 0);
                call.lastError = error;
                call.next();
                return;
            }
            if (status != 200)
            {
                providerError();
                return;
            }
            if (call.stream)
            {
                if (parser == null)
                {
                    garbage("The model provider did not answer with an event stream.");
                }
                else if (chat.finished())
                {
                    // A complete answer without content (an empty completion): the client's all the same.
                    commitStream();
                    writeOut();
                    finishStream(null, providerNanos, -1);
                }
                else
                {
                    router.failed(target, call.settings.cooldown(), 0);
                    call.lastError = new AiErrors.Error(502, "api_error", "The model provider's stream ended before its first token.", null, "provider_error", 0);
                    call.next();
                }
                return;
            }
            answer(providerNanos);
        }

        private void finishStream(Throwable failure, long providerNanos, long ttft)
        {
            Usage usage = chat.usage();
            if (chat instanceof AnthropicStream anthropic && usage == null)
            {
                usage = anthropic.partialUsage();
            }
            if (call.clientGone)
            {
                // Cut short by the client: what the provider said so far, counted where it said nothing.
                call.exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
                call.record(target, chat.model(), chat.finished() ? usage : null, ttft, providerNanos, chat.text());
                call.complete();
                return;
            }
            if (failure != null || !chat.finished())
            {
                AiErrors.Error error = failure instanceof Abort abort ? abort.error : failure != null ? errorFor(failure)
                    : new AiErrors.Error(502, "api_error", "The model provider's stream ended before the answer was complete.", null, "provider_error", 0);
                writeOut();
                sendErrorEvent(error);
                router.failed(target, call.settings.cooldown(), 0);
                call.exchange.outcome(Exchange.Outcome.UPSTREAM_FAILED);
                call.record(target, chat.model(), null, ttft, providerNanos, chat.text());
                call.complete();
                return;
            }
            writeOut();
            Usage counted = usage;
            router.succeeded(target, ttft < 0 ? -1 : firstTokenNanos - sentNanos, firstTokenNanos < 0 ? 0 : System.nanoTime() - firstTokenNanos,
                counted == null ? 0 : counted.completionTokens());
            call.record(target, chat.model(), counted, ttft, providerNanos, chat.text());
            call.complete();
        }

        private void providerError()
        {
            JsonNode error = null;
            try
            {
                error = AnthropicTranslation.JSON.readTree(collected.array(), 0, collected.length());
            }
            catch (IOException ignored)
            {
                // Not JSON: the status alone decides.
            }
            if (AiErrors.contextExceeded(status, error) && call.contextFallback())
            {
                LOG.debug("{} prompt too long for {}; falling back to alias {}", call.exchange.id(), target.id(), call.model.alias());
                call.next();
                return;
            }
            AiErrors.Error mapped = AiErrors.fromProvider(status, error, retryAfterSeconds);
            if (status == 401 || status == 403)
            {
                LOG.warn("{} AI provider '{}' refused Sluice's credentials ({})", call.exchange.id(), provider.name(), status);
            }
            if (AiErrors.retryable(status))
            {
                router.failed(target, call.settings.cooldown(), TimeUnit.SECONDS.toNanos(retryAfterSeconds));
                call.lastError = mapped;
                call.next();
                return;
            }
            call.exchange.outcome(Exchange.Outcome.BAD_REQUEST);
            call.exchange.ai(new AiRecord(call.requestedAlias(), provider.name(), target.model(), call.attempts, call.stream, null, 0, -1,
                System.nanoTime() - sentNanos, null, null));
            call.headers(target, null);
            call.exchange.addBytesOut(AiErrors.write(call.response, mapped));
            call.complete();
        }

        private void garbage(String why)
        {
            LOG.warn("{} AI target {}: {}", call.exchange.id(), target.id(), why);
            router.failed(target, call.settings.cooldown(), 0);
            call.lastError = new AiErrors.Error(502, "api_error", why, null, "provider_error", 0);
            call.next();
        }

        /** A complete non-streamed answer: translated when needed, then written in one go. */
        private void answer(long providerNanos)
        {
            JsonNode parsed;
            try
            {
                parsed = AnthropicTranslation.JSON.readTree(collected.array(), 0, collected.length());
            }
            catch (IOException x)
            {
                parsed = null;
            }
            if (parsed == null || !parsed.isObject() || (call.operation == Operation.CHAT && provider.type() != AiSettings.ProviderType.ANTHROPIC
                && !parsed.path("choices").isArray()) || (call.operation == Operation.CHAT && provider.type() == AiSettings.ProviderType.ANTHROPIC
                && !parsed.path("content").isArray()) || (call.operation == Operation.EMBEDDINGS && !parsed.path("data").isArray()))
            {
                garbage("The model provider's answer is not what its API documents.");
                return;
            }
            byte[] out;
            Usage usage;
            String answeringModel;
            String text;
            if (provider.type() == AiSettings.ProviderType.ANTHROPIC)
            {
                ObjectNode translated = AnthropicTranslation.response(parsed, System.currentTimeMillis() / 1000);
                usage = parsed.has("usage") ? AnthropicTranslation.usage(parsed.get("usage")) : null;
                answeringModel = parsed.path("model").asText(null);
                text = translated.path("choices").path(0).path("message").path("content").asText("");
                try
                {
                    out = AnthropicTranslation.JSON.writeValueAsBytes(translated);
                }
                catch (IOException x)
                {
                    garbage("The model provider's answer could not be translated.");
                    return;
                }
            }
            else
            {
                // Already the client's format: passed on byte for byte.
                out = java.util.Arrays.copyOf(collected.array(), collected.length());
                usage = parsed.path("usage").isObject() ? OpenAiStream.usage(parsed.get("usage")) : null;
                answeringModel = parsed.path("model").asText(null);
                text = call.operation == Operation.CHAT ? parsed.path("choices").path(0).path("message").path("content").asText("") : "";
            }
            Usage counted = usage;
            if (counted == null)
            {
                counted = new Usage(call.promptEstimate(), TokenCounter.count(text), 0, 0, true);
            }
            router.succeeded(target, providerNanos, 0, 0);
            call.record(target, answeringModel, counted, -1, providerNanos, text);
            HttpServletResponse response = call.response;
            response.setStatus(200);
            response.setContentType("application/json");
            call.headers(target, answeringModel);
            response.setHeader(COST_HEADER, cost(target.cost(counted)));
            response.setContentLength(out.length);
            try
            {
                response.getOutputStream().write(out);
                call.exchange.addBytesOut(out.length);
            }
            catch (IOException | IllegalStateException x)
            {
                call.exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
            }
            call.complete();
        }

        private AiErrors.Error errorFor(Throwable failure)
        {
            if (failure instanceof Abort abort)
            {
                return abort.error;
            }
            Throwable cause = failure;
            while (cause != null)
            {
                if (cause instanceof TimeoutException || cause instanceof java.net.SocketTimeoutException)
                {
                    return new AiErrors.Error(504, "timeout", "The model provider timed out.", null, "provider_timeout", 0);
                }
                if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException || cause instanceof java.net.UnknownHostException)
                {
                    return new AiErrors.Error(502, "api_error", "The model provider could not be reached.", null, "provider_unreachable", 0);
                }
                cause = cause.getCause();
            }
            return new AiErrors.Error(502, "api_error", "The connection to the model provider failed.", null, "provider_error", 0);
        }
    }
}
