// The terminal stage of AI routes: OpenAI's API in front, providers behind, with fallbacks and exact usage.
package dev.sluice.ai;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.auth.Identity;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.ClientText;
import dev.sluice.observe.Metrics;
import dev.sluice.route.Route;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.ProcessingProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpCookieStore;
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
    /** On the Responses API: the tools the chat form could not carry, left out of the request. */
    public static final String DROPPED_TOOLS_HEADER = "X-Sluice-AI-Dropped-Tools";
    static final Logger LOG = LoggerFactory.getLogger(AiFront.class);
    static final int MAX_ERROR_BODY = 64 * 1024;
    static final int MAX_EVENT = 1 << 20;

    private final Executor executor;
    final Scheduler scheduler;
    final Metrics metrics;
    private final Map<ClientKey, HttpClient> clients = new ConcurrentHashMap<>();
    final TargetRouter router = new TargetRouter(System::nanoTime);
    final UsageBook book = new UsageBook();
    /** The Responses API's answers, for clients that continue them by reference. */
    final ResponseStore responseStore = new ResponseStore();
    /** Claude's thinking for chat-completions clients that do not send it back. */
    final ThinkingReplay thinking = new ThinkingReplay();
    /** An OpenAI model's encrypted reasoning for clients that have no place for it. */
    final ReasoningReplay reasoning = new ReasoningReplay();
    final TokenLimits limits;
    final ProviderQueues queues;
    final EmbeddingBatcher batcher;
    /** The AI requests between their start and their end, for the drain when Sluice stops. */
    final java.util.Set<AiCall> active = ConcurrentHashMap.newKeySet();
    static final AiErrors.Error STOPPING = new AiErrors.Error(503, "api_error", "Sluice is stopping; try again.", null, "stopping", 1);
    private final Rebuilt<Governance.CacheSpec, AiCache> cache = new Rebuilt<>(AiCache::new, AiCache::close);
    private final Rebuilt<BudgetKey, BudgetBook> budgets;

    enum Operation
    {
        CHAT, EMBEDDINGS
    }

    /**
     * @param stores the rate limiter's current bucket store (local or Redis), shared by the token limits
     */
    public AiFront(Executor executor, Scheduler scheduler, Metrics metrics, java.util.function.Supplier<dev.sluice.ratelimit.BucketStore> stores)
    {
        this.limits = new TokenLimits(stores);
        this.queues = new ProviderQueues(scheduler);
        this.batcher = new EmbeddingBatcher(this, scheduler);
        this.budgets = new Rebuilt<>(key -> new BudgetBook(key.budgets(), key.redisUri(), key.redisTimeout(), key.redisCaFile(), scheduler), BudgetBook::close);
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

    public void service(HttpServletRequest request, HttpServletResponse servletResponse, Exchange exchange) throws IOException
    {
        AiSettings settings = exchange.settings().ai();
        Route route = exchange.routeMatch().route();
        String path = exchange.path();
        // Anthropic's Messages API and OpenAI's Responses API: the same pipeline, the request and answer translated at the edges.
        boolean counting = path.endsWith("/messages/count_tokens");
        Identity identity = exchange.identity();
        String consumer = identity != null && identity.consumer() != null ? identity.consumer().id() : null;
        boolean countingInput = path.endsWith("/responses/input_tokens");
        // The Responses API's standalone compaction (older Codex calls it): a request compacted as one ending with compaction_trigger.
        boolean compacting = path.endsWith("/responses/compact");
        ResponsesInbound responses = path.endsWith("/responses") || countingInput || compacting ? new ResponsesInbound(responseStore, consumer) : null;
        ResponsesAnswers answers = responses != null && !countingInput ? new ResponsesAnswers(responses) : null;
        AnthropicAnswers.Dialect anthropic = path.endsWith("/messages") || counting ? new AnthropicAnswers.Dialect() : null;
        // Never blocking once the request goes asynchronous: the answer is written from threads every request shares.
        ClientOutput output = new ClientOutput(servletResponse);
        InboundResponse inbound = anthropic != null ? new InboundResponse(output, anthropic)
            : answers != null ? new InboundResponse(output, answers) : null;
        HttpServletResponse response = inbound != null ? inbound : output;
        String method = request.getMethod();
        if (path.contains("/responses/") && !countingInput && !compacting)
        {
            // Retrieving, cancelling or deleting a stored response: Sluice keeps answers only to continue them.
            error(response, exchange, new AiErrors.Error(404, "invalid_request_error", "This gateway keeps responses only for a while, to"
                + " continue them (previous_response_id, item_reference), and not to retrieve: the Responses API is served for POST"
                + " /responses only.", null, "not_found", 0));
            return;
        }
        // The list, or one model by its alias (OpenAI's GET /models/{model}, which some clients ask first).
        int one = path.lastIndexOf("/models/") + "/models/".length();
        String modelId = one >= "/models/".length() && one < path.length() && path.indexOf('/', one) < 0 ? path.substring(one) : null;
        int first = path.indexOf("/models/") + "/models/".length();
        if (first >= "/models/".length() && first < path.length() && settings.models().containsKey(path.substring(first)))
        {
            // A name with a '/' in it (ai.model.<alias>.name = Qwen/Qwen3-Coder), as clients put it in the path.
            modelId = path.substring(first);
        }
        if (path.endsWith("/models") || modelId != null)
        {
            if (!method.equals("GET") && !method.equals("HEAD"))
            {
                response.setHeader("Allow", "GET, HEAD");
                error(response, exchange, new AiErrors.Error(405, "invalid_request_error", "Use GET to list models.", null, "method_not_allowed", 0));
                return;
            }
            ModelList.answer(response, exchange, settings, route.name(), consumer, modelId);
            return;
        }
        Operation operation = path.endsWith("/chat/completions") || inbound != null || countingInput ? Operation.CHAT
            : path.endsWith("/embeddings") ? Operation.EMBEDDINGS : null;
        if (operation == null)
        {
            error(response, exchange, new AiErrors.Error(404, "invalid_request_error",
                "Unknown request URL: " + method + " " + ClientText.quoted(path, 100)
                    + ". This route serves /chat/completions, /responses, /responses/input_tokens, /responses/compact, /embeddings, /models,"
                    + " /messages and /messages/count_tokens.",
                null, "unknown_url", 0));
            return;
        }
        if (responses != null && "websocket".equalsIgnoreCase(request.getHeader("Upgrade")))
        {
            // The Responses API's WebSocket mode, which Codex tries first against its openai provider: 426 is what Codex takes
            // as "no WebSocket here" and falls back to HTTP at once; to anything else it retries five times first (seconds a session).
            response.setHeader("Upgrade", "HTTP/1.1");
            error(response, exchange, new AiErrors.Error(426, "invalid_request_error", "The Responses API's WebSocket mode is not served by"
                + " this gateway: POST the request (answers stream as server-sent events).", null, "websocket_not_supported", 0));
            return;
        }
        if (!method.equals("POST"))
        {
            response.setHeader("Allow", "POST");
            error(response, exchange, new AiErrors.Error(405, "invalid_request_error", "Use POST.", null, "method_not_allowed", 0));
            return;
        }
        long limit = exchange.bodyLimit() >= 0 ? Math.min(exchange.bodyLimit(), settings.maxRequestBody()) : settings.maxRequestBody();
        byte[] raw = readBody(request, response, exchange, limit);
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
        if (!(parsed instanceof ObjectNode object))
        {
            error(response, exchange, AiErrors.invalid("We could not parse the JSON body of your request: it must be a JSON object.", null));
            return;
        }
        ObjectNode body = object;
        if (responses != null)
        {
            try
            {
                if (compacting)
                {
                    object = Compaction.standalone(object);
                    answers.standalone();
                }
                java.util.List<String> dropped = new java.util.ArrayList<>();
                body = responses.translate(object, dropped);
                if (answers != null)
                {
                    answers.request(object);
                }
                if (!dropped.isEmpty())
                {
                    response.setHeader(DROPPED_TOOLS_HEADER, String.join(", ", dropped));
                }
            }
            catch (ResponsesInbound.Invalid x)
            {
                error(response, exchange, AiErrors.invalid(x.getMessage(), x.param));
                return;
            }
        }
        else if (inbound != null)
        {
            try
            {
                // A count takes a message without max_tokens: any value makes it one to translate.
                body = AnthropicInbound.request(counting && !object.has("max_tokens") ? object.deepCopy().put("max_tokens", 1) : object);
                anthropic.requested(body.path("model").asText());
            }
            catch (AnthropicInbound.Invalid x)
            {
                error(response, exchange, AiErrors.invalid(x.getMessage(), null));
                return;
            }
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
            error(response, exchange, new AiErrors.Error(404, "invalid_request_error", "The model '" + ClientText.quoted(alias, 100)
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
        if (counting)
        {
            TokenCount.answer(this, request, servletResponse, exchange, settings, object, body, model);
            return;
        }
        if (countingInput)
        {
            TokenCount.estimate(servletResponse, exchange, body);
            return;
        }
        Governance governance = settings.governance();
        int redactions = 0;
        if (operation == Operation.CHAT)
        {
            AiErrors.Error shaped = Prompts.template(body, governance);
            if (shaped != null)
            {
                error(response, exchange, shaped);
                return;
            }
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
        if (operation == Operation.CHAT)
        {
            AiErrors.Error bounds = completionBounds(body);
            if (bounds != null)
            {
                error(response, exchange, bounds);
                return;
            }
        }
        Governance.PromptGuard guard = governance.guards().get(route.name());
        if (operation == Operation.CHAT && guard != null)
        {
            Prompts.Checked checked = Prompts.guard(body, guard);
            if (checked.error() != null)
            {
                error(response, exchange, checked.error());
                return;
            }
            redactions = checked.redactions();
        }
        if (operation == Operation.CHAT)
        {
            Prompts.decorate(body, governance, route.name(), alias);
        }
        boolean stream = operation == Operation.CHAT && streamNode != null && streamNode.asBoolean();
        AiCall call = new AiCall(this, request, response, output, exchange, settings, body, operation, model, stream);
        call.redactions = redactions;
        if (answers != null && !compacting)
        {
            String changed = redactions > 0 ? "The route's redaction (route." + route.name() + ".ai.redact) changed the prompt,"
                : object.has("template") || object.has("variables") ? "The request fills a prompt template ('template', 'variables'),"
                : governance.routeDecorators().containsKey(route.name()) ? "The route adds to every prompt (route." + route.name() + ".ai.prepend or append),"
                : governance.modelDecorators().containsKey(alias) ? "The model '" + alias + "' adds to every prompt (its prepend or append),"
                : null;
            if (changed == null)
            {
                // Nothing Sluice does to a prompt changed this one: it may go to a Responses API target as it came.
                call.relayable(object);
            }
            else
            {
                call.notRelayable(changed + " so the request cannot go as it came.");
            }
        }
        if (responses != null)
        {
            call.responses(responses);
        }
        call.start();
        if (inbound != null && !request.isAsyncStarted())
        {
            // Answered at once (from the cache, or refused): the held JSON goes out translated now.
            inbound.finish();
        }
    }

    /**
     * The parameters token limits and budgets reserve from ({@code n} choices of up to
     * {@code max_tokens} each), held to OpenAI's bounds with its wording: not every provider
     * refuses what OpenAI does, and a reservation must not rest on a value no provider honours.
     */
    static AiErrors.Error completionBounds(JsonNode body)
    {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > 128))
        {
            return AiErrors.invalid("Invalid 'n': expected an integer from 1 to 128.", "n");
        }
        for (String name : new String[] {"max_tokens", "max_completion_tokens"})
        {
            JsonNode max = body.get(name);
            if (max != null && !max.isNull() && (!max.isIntegralNumber() || max.asLong() < 1))
            {
                return AiErrors.invalid("Invalid '" + name + "': expected an integer of at least 1.", name);
            }
        }
        return null;
    }

    private static byte[] readBody(HttpServletRequest request, HttpServletResponse response, Exchange exchange, long max) throws IOException
    {
        long declared = request.getContentLengthLong();
        if (declared > max)
        {
            // The rest of a refused body is read and dropped after the answer (UnreadBodies).
            error(response, exchange, new AiErrors.Error(413, "invalid_request_error", "The request body is larger than this route takes ("
                + max + " bytes).", null, "request_too_large", 0));
            return null;
        }
        byte[] raw;
        try
        {
            raw = dev.sluice.http.RequestBodies.readAtMost(request, max + 1, exchange.settings().proxy());
        }
        catch (dev.sluice.http.RequestBodies.TooSlow x)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
            exchange.addBytesIn(x.read());
            response.setHeader("Connection", "close");
            error(response, exchange, new AiErrors.Error(408, "invalid_request_error", dev.sluice.http.RequestBodies.TOO_SLOW, null, "request_timeout", 0));
            return null;
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

    static void error(HttpServletResponse response, Exchange exchange, AiErrors.Error error)
    {
        if (exchange.outcome() == Exchange.Outcome.OK)
        {
            exchange.outcome(error.status() < 500 ? Exchange.Outcome.BAD_REQUEST : Exchange.Outcome.UPSTREAM_FAILED);
        }
        exchange.addBytesOut(AiErrors.write(response, error));
    }

    /** @param id one alias to describe, or null for the list of those the consumer may use */
    /**
     * The AI cache for these settings, or null when no route caches. A reload that changes the
     * cache's settings starts an empty one.
     */
    AiCache cache(Governance.CacheSpec spec)
    {
        return spec.routes().isEmpty() ? null : cache.get(spec);
    }

    /** Where budgets are kept: the budgets, and the Redis they may live in. */
    private record BudgetKey(Governance.Budgets budgets, java.net.URI redisUri, Duration redisTimeout, java.nio.file.Path redisCaFile)
    {
    }

    /**
     * The budget book for these settings, or null when no budget is set. A reload that changes
     * the budgets starts a new book, which reads the file (or Redis) again: spending carries over.
     */
    BudgetBook budgets(Governance.Budgets spec, dev.sluice.ratelimit.RateLimitSettings rateLimit)
    {
        return !spec.any() ? null : budgets.get(new BudgetKey(spec, rateLimit.redisUri(), rateLimit.redisTimeout(), rateLimit.redisCaFile()));
    }

    /** Each queued provider's slots in use and queue depth. */
    public Map<String, Object> queueView()
    {
        return queues.view();
    }

    /** What every budget has left, for the admin usage view (empty when none is set). */
    public Map<String, Object> budgetView(AiSettings settings, dev.sluice.ratelimit.RateLimitSettings rateLimit)
    {
        BudgetBook book = budgets(settings.governance().budgets(), rateLimit);
        return book == null ? Map.of() : book.view(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
    }

    /** Jetty sets the connect timeout and the trusted certificates per client, not per request. */
    private record ClientKey(Duration connectTimeout, java.nio.file.Path caFile)
    {
    }

    HttpClient client(AiSettings.Provider provider)
    {
        ClientKey key = new ClientKey(provider.connect(), provider.caFile());
        HttpClient client = clients.get(key);
        return client != null ? client : clients.computeIfAbsent(key, this::newClient);
    }

    private HttpClient newClient(ClientKey key)
    {
        Duration connectTimeout = key.connectTimeout();
        // A provider's early answer to a prompt it stopped reading is read, not lost (EarlyAnswerConnector).
        ClientConnector connector = new dev.sluice.http.EarlyAnswerConnector();
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
        // nothing is redirected: Sluice talks only to the configured base URL. 102 and 103 are
        // read past to the answer: without a handler Jetty's client stops after them, and only the
        // provider's total timeout (10 minutes by default) ended the wait.
        client.getProtocolHandlers().clear();
        client.getProtocolHandlers().put(new ProcessingProtocolHandler());
        client.getProtocolHandlers().put(new EarlyHintsProtocolHandler());
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

    /**
     * Lets AI requests in flight finish within {@code timeout} (the servlet refuses new ones
     * meanwhile), then ends the rest as Sluice's own stop: 503 before the answer began, an error
     * event in a stream that had.
     */
    public void drain(Duration timeout)
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!active.isEmpty())
        {
            LOG.info("Stopping: waiting up to {} ms for {} AI requests in flight", timeout.toMillis(), active.size());
        }
        while (!active.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(20);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (AiCall call : active)
        {
            LOG.warn("{} ended: Sluice is stopping and the AI request did not finish within proxy.drain-timeout", call.exchange.id());
            call.stop();
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
        cache.close();
        budgets.close();
    }

    static String cost(double cost)
    {
        return BigDecimal.valueOf(cost).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Why Sluice itself aborted a provider request. */
    static final class Abort extends Exception
    {
        final AiErrors.Error error;

        Abort(AiErrors.Error error)
        {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
