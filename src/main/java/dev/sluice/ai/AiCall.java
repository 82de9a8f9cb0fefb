// One client request on an AI route, across the model targets it tries until one answers.
package dev.sluice.ai;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.auth.Identity;
import dev.sluice.exchange.Exchange;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One client request on an AI route: the alias's targets in the order the router chose, tried one
 * at a time ({@link ProviderAttempt}) until one answers or the model's attempts run out, when the
 * last failure becomes the client's answer. A target whose provider cannot take the request (a
 * field without equivalent) is skipped without counting as an attempt. A prompt too long for the
 * alias moves once to its {@code context-fallback}. Usage and cost are recorded once, for the
 * attempt that answered (or was cut short by the client).
 */
final class AiCall implements AsyncListener
{
    private final AiFront front;
    final HttpServletRequest request;
    final HttpServletResponse response;
    /** Beneath {@link #response}: what never blocks once the request is asynchronous. */
    final ClientOutput output;
    final Exchange exchange;
    final AiSettings settings;
    final ObjectNode body;
    final AiFront.Operation operation;
    final boolean stream;
    final boolean includeUsage;
    private final long outputTokens;
    /** How many choices the request asks for ({@code n}); each may use the completion tokens. */
    private final long choices;
    private final AtomicBoolean completed = new AtomicBoolean();
    AiSettings.Model model;
    private Iterator<AiSettings.Target> order;
    private int attemptsOfModel;
    /** Whether an attempt has been sent again after meeting a connection the provider had closed (once per call). */
    volatile boolean resentOnNewConnection;
    int attempts;
    private boolean contextFellBack;
    AiErrors.Error lastError;
    private volatile AsyncContext async;
    private volatile ProviderAttempt current;
    private volatile ProviderQueues.Waiter waiter;
    volatile boolean clientGone;
    /** Sluice is stopping and this request did not finish in time (or the container timed it out as it stopped). */
    volatile boolean stopped;
    private long promptEstimate = -1;
    private TokenLimits.Reservation reservation = TokenLimits.Reservation.NONE;
    private BudgetBook.Reservation spending;
    /** The AI cache's verdict for the access log, or null on routes that do not cache. */
    String cacheStatus;
    private AiCache cache;
    private String cacheKey;
    private AiCache.Control cacheControl;
    private volatile java.io.ByteArrayOutputStream capture;
    int redactions;
    volatile long queuedNanos;
    /** A Responses API client's request as it came, while it may be relayed as it is ({@link ResponsesRelay}); else null. */
    private ObjectNode relayable;
    /** Why only a target the request is relayed to can take it (the chat form cannot hold all of it); else null. */
    private ResponsesInbound.Invalid relayOnly;
    /** Why the request may not be relayed (the front changed its prompt), or null. */
    private String notRelayable;
    /** The target that keeps the conversation a {@code previous_response_id} continues, to which it may be relayed; else null. */
    private String continuesRelayTo;

    AiCall(AiFront front, HttpServletRequest request, HttpServletResponse response, ClientOutput output, Exchange exchange, AiSettings settings,
        ObjectNode body, AiFront.Operation operation, AiSettings.Model model, boolean stream)
    {
        this.front = front;
        this.request = request;
        this.response = response;
        this.output = output;
        this.exchange = exchange;
        this.settings = settings;
        this.body = body;
        this.operation = operation;
        this.model = model;
        this.stream = stream;
        this.includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
        JsonNode max = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        this.outputTokens = max != null && max.canConvertToLong() ? Math.max(0, max.asLong()) : 0;
        JsonNode n = body.get("n");
        this.choices = n != null && n.canConvertToLong() ? Math.max(1, n.asLong()) : 1;
    }

    void start()
    {
        if (lookup() || !admit() || !budget())
        {
            return;
        }
        async = request.startAsync();
        async.setTimeout(0);
        async.addListener(this);
        try
        {
            output.goAsync();
        }
        catch (IOException | IllegalStateException x)
        {
            // The client is gone already: the attempt finds out at its first write.
            clientGone = true;
        }
        front.active.add(this);
        List<AiSettings.Target> targets = front.router.order(model, model.strategy() == AiSettings.Strategy.COST ? promptEstimate() : 0, outputTokens);
        if (targets.isEmpty())
        {
            // Only the cost strategy leaves targets out: those whose context window the prompt does not fit.
            lastError = new AiErrors.Error(400, "invalid_request_error", "The prompt (about " + promptEstimate()
                + " tokens) does not fit the context window of any target of '" + model.alias() + "'.", "messages", "context_length_exceeded", 0);
        }
        order = targets.iterator();
        next();
    }

    /**
     * Answers from the AI cache when the route caches and holds the answer; otherwise notes the
     * key to store the answer under. True when the request has been answered (or refused for a
     * bad {@code X-Sluice-Cache}).
     */
    private boolean lookup()
    {
        Governance.CacheSpec spec = settings.governance().cache();
        // A request the chat form does not hold whole (relayOnly) would share its key with others that differ in what it leaves out.
        if (relayOnly != null || !spec.routes().contains(exchange.routeMatch().route().name()) || !AiCache.cacheable(body))
        {
            return false;
        }
        AiCache.Control control = AiCache.control(request.getHeader(AiCache.CONTROL_HEADER), spec.ttl());
        if (control == null)
        {
            exchange.outcome(Exchange.Outcome.BAD_REQUEST);
            exchange.addBytesOut(AiErrors.write(response, AiErrors.invalid(AiCache.CONTROL_HEADER
                + " must be no-cache, no-store or ttl=<seconds>.", null)));
            return true;
        }
        cache = front.cache(spec);
        Identity identity = exchange.identity();
        cacheKey = cache.key(operation, identity == null ? null : identity.key(), body);
        cacheControl = control;
        if (control.read())
        {
            AiCache.Entry entry = cache.get(cacheKey);
            if (entry != null)
            {
                replay(entry);
                return true;
            }
        }
        cacheStatus = control.read() ? "MISS" : "BYPASS";
        response.setHeader(AiCache.STATUS_HEADER, cacheStatus);
        if (control.write() && stream)
        {
            capture = new java.io.ByteArrayOutputStream(1024);
        }
        return false;
    }

    /** Writes a stored answer in the form this request wants; it costs no tokens and no budget. */
    private void replay(AiCache.Entry entry)
    {
        cacheStatus = "HIT";
        response.setStatus(200);
        response.setHeader(AiCache.STATUS_HEADER, "HIT");
        response.setHeader("Age", Long.toString(Math.max(0, (System.currentTimeMillis() - entry.createdMillis()) / 1000)));
        response.setHeader(AiFront.MODEL_HEADER, entry.model());
        response.setHeader(AiFront.PROVIDER_HEADER, entry.provider());
        response.setHeader(AiFront.ATTEMPTS_HEADER, "0");
        response.setHeader(AiFront.COST_HEADER, "0");
        byte[][] parts;
        if (stream)
        {
            response.setContentType("text/event-stream;charset=utf-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no");
            parts = new byte[][] {entry.events(), includeUsage ? entry.usageChunk() : new byte[0], ChatStream.DONE};
        }
        else
        {
            response.setContentType("application/json");
            response.setContentLength(entry.answer().length);
            parts = new byte[][] {entry.answer()};
        }
        // Written as a provider's answer is, never blocking: a client that stops reading a large stored answer
        // holds its connection until the idle timeout, not one of the container's threads.
        AsyncContext replaying = request.startAsync();
        replaying.setTimeout(0);
        replaying.addListener(new Replay(output, replaying));
        try
        {
            output.goAsync();
            var out = response.getOutputStream();
            for (byte[] part : parts)
            {
                out.write(part);
                exchange.addBytesOut(part.length);
            }
            if (response instanceof InboundResponse inbound)
            {
                // The held JSON, translated to the client's API.
                inbound.finish();
            }
        }
        catch (IOException | IllegalStateException x)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
        }
        long saved = entry.promptTokens() + entry.completionTokens();
        exchange.ai(new AiRecord(requestedAlias(), entry.provider(), entry.model(), 0, stream, null, 0, -1, -1, null, null,
            new AiRecord.Governed("HIT", saved, redactions, 0)));
        front.metrics.aiCacheHit(model.alias(), saved);
        output.closeThen(() -> Replay.complete(replaying, exchange));
    }

    /** A cache hit's asynchronous request: completed once the client has the answer or is gone. */
    private record Replay(ClientOutput output, AsyncContext async) implements AsyncListener
    {
        static void complete(AsyncContext async, Exchange exchange)
        {
            try
            {
                async.complete();
            }
            catch (IllegalStateException x)
            {
                AiFront.LOG.debug("{} AI cache hit already completed: {}", exchange.id(), x.toString());
            }
        }

        @Override
        public void onError(AsyncEvent event)
        {
            output.abandon(event.getThrowable());
        }

        /** Only a container ending requests as it stops gets here: what the client has not taken is dropped. */
        @Override
        public void onTimeout(AsyncEvent event)
        {
            output.abandon(new IOException("The container is stopping."));
            async.complete();
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
        }
    }

    /** Keeps what a streamed answer sent the client, to store it once complete; dropped past the entry size cap. */
    void captured(byte[] bytes, int length)
    {
        java.io.ByteArrayOutputStream open = capture;
        if (open == null)
        {
            return;
        }
        if (open.size() + length > settings.governance().cache().maxEntryBytes())
        {
            capture = null;
            return;
        }
        open.write(bytes, 0, length);
    }

    /** Stores a complete answer when the request may be stored; the stream's captured events or the JSON answer. */
    void store(AiSettings.Target target, byte[] answer, Usage usage)
    {
        if (cache == null || cacheKey == null || !cacheControl.write() || usage == null)
        {
            return;
        }
        if (stream)
        {
            java.io.ByteArrayOutputStream open = capture;
            if (open != null)
            {
                cache.storeStream(cacheKey, open.toByteArray(), usage, target.provider(), cacheControl.ttl());
            }
        }
        else if (answer != null)
        {
            cache.storeAnswer(cacheKey, answer, usage, target.provider(), cacheControl.ttl(), operation);
        }
    }

    /**
     * Reserves what the request needs under the token limits, or answers 429 in OpenAI's format
     * with its rate-limit headers and returns false.
     */
    private boolean admit()
    {
        Governance governance = settings.governance();
        if (governance.limits().isEmpty())
        {
            return true;
        }
        TokenLimits.Outcome outcome = front.limits.reserve(governance, asker(), promptEstimate(), completionReserve());
        if (outcome.refusal() != null)
        {
            outcome.refusal().headers().forEach(response::setHeader);
            exchange.outcome(outcome.refusal().error().status() == 429 ? Exchange.Outcome.RATE_LIMITED : Exchange.Outcome.RATE_LIMIT_UNAVAILABLE);
            front.metrics.aiFailed(model.alias());
            exchange.addBytesOut(AiErrors.write(response, outcome.refusal().error()));
            return false;
        }
        reservation = outcome.reservation();
        reservation.headers.forEach(response::setHeader);
        return true;
    }

    /** The consumer the request is for; null on a route without authentication or for a credential that names none. */
    String consumer()
    {
        Identity identity = exchange.identity();
        return identity != null && identity.consumer() != null ? identity.consumer().id() : null;
    }

    /** Reserves the request's worst-case cost against its consumer's and groups' budgets, or answers the refusal. */
    private boolean budget()
    {
        BudgetBook book = front.budgets(settings.governance().budgets(), exchange.settings().rateLimit());
        if (book == null)
        {
            return true;
        }
        Identity identity = exchange.identity();
        String consumer = consumer();
        // The worst case: the whole prompt at the input price, or written to the provider's cache (dearer at Anthropic).
        // And every web search the request allows Claude (its tool's max_uses).
        Usage read = new Usage(promptEstimate(), completionReserve(), 0, 0, true, 0, AnthropicTools.searchesAllowed(body));
        Usage written = new Usage(promptEstimate(), completionReserve(), 0, 0, true, promptEstimate(), AnthropicTools.searchesAllowed(body));
        double cost = 0;
        for (AiSettings.Target target : model.targets())
        {
            cost = Math.max(cost, Math.max(target.cost(read), target.cost(written)));
        }
        BudgetBook.Outcome outcome = book.reserve(consumer, identity == null ? java.util.Set.of() : identity.groups(), cost,
            java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        if (outcome.refusal() != null)
        {
            reservation.settle(null);
            exchange.outcome(outcome.refusal().status() == 503 ? Exchange.Outcome.RATE_LIMIT_UNAVAILABLE : Exchange.Outcome.RATE_LIMITED);
            front.metrics.aiFailed(model.alias());
            exchange.addBytesOut(AiErrors.write(response, outcome.refusal()));
            return false;
        }
        spending = outcome.reservation();
        return true;
    }

    TokenLimits.Asker asker()
    {
        Identity identity = exchange.identity();
        String consumer = consumer();
        String fallback = identity != null && identity.key() != null ? identity.key() : "ip:" + exchange.clientAddress();
        return new TokenLimits.Asker(exchange.routeMatch().route().name(), model.alias(), consumer,
            identity == null ? java.util.Set.of() : identity.groups(), fallback);
    }

    /**
     * The completion tokens to hold: the request's max_tokens, else the largest any target of the
     * alias may send, for each of the {@code n} choices it asks for.
     */
    long completionReserve()
    {
        if (operation != AiFront.Operation.CHAT)
        {
            return 0;
        }
        long each = outputTokens;
        if (each == 0)
        {
            for (AiSettings.Target target : model.targets())
            {
                each = Math.max(each, target.maxTokens());
            }
        }
        // Saturates: a request asking for more than any limit holds is refused as too large.
        return choices > Long.MAX_VALUE / Math.max(1, each) ? Long.MAX_VALUE : each * choices;
    }

    long promptEstimate()
    {
        if (promptEstimate < 0)
        {
            promptEstimate = operation == AiFront.Operation.CHAT ? TokenCounter.prompt(body) : TokenCounter.embeddingInput(body);
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
            if (stopped || attemptsOfModel >= model.maxAttempts() || !order.hasNext())
            {
                if (stopped)
                {
                    lastError = AiFront.STOPPING;
                }
                AiErrors.Error error = lastError != null ? lastError
                    : new AiErrors.Error(503, "api_error", "No target of the model can answer now.", null, "no_target", 1);
                front.metrics.aiFailed(model.alias());
                unanswered();
                exchange.ai(new AiRecord(requestedAlias(), null, null, attempts, stream, null, 0, -1, -1, null, null, governed()));
                exchange.outcome(stopped ? Exchange.Outcome.STOPPING : error.status() == 504 ? Exchange.Outcome.UPSTREAM_TIMEOUT
                    : error.status() >= 500 || error.status() == 429 ? Exchange.Outcome.UPSTREAM_FAILED : Exchange.Outcome.BAD_REQUEST);
                // Synchronised with onTimeout: one error answer, whichever thread gets there first.
                synchronized (this)
                {
                    exchange.addBytesOut(AiErrors.write(response, withAttempts(error)));
                }
                complete();
                return;
            }
            AiSettings.Target target = order.next();
            AiSettings.Provider provider = settings.providers().get(target.provider());
            boolean relayed = relays(target, provider);
            if (relayOnly != null && !relayed)
            {
                // Not a target the request can be relayed to: through the chat form it would lose what the client asked. A
                // provider that failed the request before says more than this.
                lastError = attempts > 0 && lastError != null ? lastError
                    : AiErrors.invalid(notRelayable == null ? relayOnly.getMessage() : relayOnly.getMessage() + " " + notRelayable, relayOnly.param);
                continue;
            }
            byte[] payload;
            try
            {
                payload = relayed ? relayPayload(provider, target) : payload(provider, target);
            }
            catch (Unsupported x)
            {
                // This target's provider cannot take the request; another target's may.
                lastError = AiErrors.invalid(x.getMessage() + " Remove '" + x.field() + "', or ask the operator to set ai.model."
                    + model.key() + ".drop-unsupported = true.", x.field());
                continue;
            }
            catch (IOException x)
            {
                lastError = AiErrors.invalid("The request could not be prepared for the provider.", null);
                continue;
            }
            if (current != null)
            {
                current.span();
            }
            attemptsOfModel++;
            launch(target, provider, relayed, payload);
            return;
        }
    }

    /** One attempt at a target: sent now, or once its provider's queue has a slot for it. */
    private void launch(AiSettings.Target target, AiSettings.Provider provider, boolean relayed, byte[] payload)
    {
        attempts++;
        ProviderAttempt attempt = new ProviderAttempt(front, this, target, provider, relayed);
        current = attempt;
        Governance.QueueSpec queue = settings.governance().queues().get(target.provider());
        if (queue == null)
        {
            attempt.send(payload);
            return;
        }
        long asked = System.nanoTime();
        waiter = front.queues.acquire(target.provider(), queue, asker().queueKey(), () -> granted(attempt, target, payload, asked), error ->
        {
            waiter = null;
            lastError = error;
            next();
        });
    }

    /**
     * An attempt met a pooled connection the provider had closed while idle (see
     * {@link ProviderAttempt#onClosedConnection}): the same target again on a new connection, once
     * per call, not counted against the model's attempts nor held against the target.
     */
    void resendOnNewConnection(AiSettings.Target target, AiSettings.Provider provider, boolean relayed, byte[] payload)
    {
        resentOnNewConnection = true;
        launch(target, provider, relayed, payload);
    }

    AiRecord.Governed governed()
    {
        return cacheStatus == null && redactions == 0 && queuedNanos == 0 ? AiRecord.Governed.NONE
            : new AiRecord.Governed(cacheStatus, 0, redactions, queuedNanos);
    }

    /** The provider had a slot (at once or after waiting): the attempt goes out, unless the client left meanwhile. */
    private void granted(ProviderAttempt attempt, AiSettings.Target target, byte[] payload, long asked)
    {
        waiter = null;
        queuedNanos += System.nanoTime() - asked;
        attempt.holdsSlot = true;
        if (clientGone)
        {
            front.queues.release(target.provider());
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
            unanswered();
            complete();
            return;
        }
        attempt.send(payload);
    }

    String requestedAlias()
    {
        return body.path("model").asText();
    }

    private AiErrors.Error withAttempts(AiErrors.Error error)
    {
        response.setHeader(AiFront.ATTEMPTS_HEADER, Integer.toString(attempts));
        return error;
    }

    private byte[] payload(AiSettings.Provider provider, AiSettings.Target target) throws Unsupported, IOException
    {
        if (provider.type() == AiSettings.ProviderType.ANTHROPIC)
        {
            ObjectNode anthropic = AnthropicTranslation.request(body, target, model.dropUnsupported(),
                messages -> front.thinking.restore(consumer(), messages));
            if (provider.autoPromptCache())
            {
                AnthropicTranslation.cacheBreakpoints(anthropic);
            }
            anthropic.remove(provider.dropFields());
            return AnthropicTranslation.JSON.writeValueAsBytes(anthropic);
        }
        ObjectNode copy = body.deepCopy();
        // Before a Claude client's thinking is dropped below: it says what effort to ask for, and holds a Responses
        // client's encrypted reasoning for a Responses API target.
        OpenAiReasoning.fit(copy, target, model.dropUnsupported());
        if (target.responses())
        {
            if (!responsesClient())
            {
                // A client with no place for the model's reasoning: what Sluice kept of it (ReasoningReplay).
                front.reasoning.restore(consumer(), copy.path("messages"));
            }
            OpenAiResponses.keepReasoning(copy, target.id());
        }
        AnthropicTools.forOtherProviders(copy, model.dropUnsupported());
        if (response instanceof InboundResponse)
        {
            // What a translated request carries for Claude (an Anthropic client's cache breakpoints, fields of its own,
            // an earlier turn's thinking, also from a Responses client) is for Anthropic targets only.
            AnthropicInbound.forOtherProviders(copy, provider.reasoningHistory());
            if (copy.remove("web_search_options") != null && !response.isCommitted())
            {
                // A Responses client's web_search tool: Claude can search; a chat-form provider is left to answer without it.
                String dropped = response.getHeader(AiFront.DROPPED_TOOLS_HEADER);
                if (dropped == null || !List.of(dropped.split(", ")).contains("web_search"))
                {
                    response.setHeader(AiFront.DROPPED_TOOLS_HEADER, dropped == null ? "web_search" : dropped + ", web_search");
                }
            }
        }
        copy.put("model", target.model());
        if (copy.path("user").isTextual())
        {
            copy.put("user", UserIds.forOpenAi(copy.get("user").asText()));
        }
        if (provider.type() == AiSettings.ProviderType.OPENAI && response instanceof InboundResponse)
        {
            // What another provider attached to its calls (Gemini's thought signatures, ToolCallIds) is not OpenAI's.
            for (JsonNode message : copy.path("messages"))
            {
                for (JsonNode call : message.path("tool_calls"))
                {
                    if (call instanceof ObjectNode object)
                    {
                        object.remove("extra_content");
                    }
                }
            }
        }
        JsonNode maxTokens = provider.type() == AiSettings.ProviderType.OPENAI ? copy.remove("max_tokens") : null;
        if (maxTokens != null && !copy.hasNonNull("max_completion_tokens"))
        {
            // OpenAI's own name since 2024: its reasoning models (o-series, gpt-5) refuse max_tokens, which Anthropic's
            // clients always send and an alias may carry from any client to such a model.
            copy.set("max_completion_tokens", maxTokens);
        }
        if (stream)
        {
            // Always asked for, so every stream's tokens are known exactly; dropped for clients that did not ask.
            ObjectNode options = copy.path("stream_options").isObject() ? (ObjectNode)copy.get("stream_options") : copy.putObject("stream_options");
            options.put("include_usage", true);
        }
        copy.remove(provider.dropFields());
        return AnthropicTranslation.JSON.writeValueAsBytes(target.responses()
            ? OpenAiResponses.request(copy, model.dropUnsupported(), target.reasoning().taken()) : copy);
    }

    /**
     * Lets a Responses API client's request go to targets served through the Responses API as it
     * came: the front's governance has left its prompt as the client sent it.
     */
    void relayable(ObjectNode client)
    {
        relayable = client;
    }

    /** Why the front changed this Responses request's prompt, said when only a relay could have carried it. */
    void notRelayable(String why)
    {
        notRelayable = why;
    }

    /** What the Responses request's translation found: what only a relayed request carries, and whose conversation it continues. */
    void responses(ResponsesInbound inbound)
    {
        relayOnly = inbound.relayOnly();
        continuesRelayTo = inbound.continuesRelayTo();
    }

    /**
     * Whether this request goes to the target as the client sent it ({@link ResponsesRelay}): a
     * Responses request the target's provider serves through the same API, on a route that does
     * not cache (the cache keeps answers in the chat form); one that continues a response
     * ({@code previous_response_id}) only to the target that answered it relayed, which keeps the
     * conversation too (any other gets it from Sluice, in the chat form).
     */
    private boolean relays(AiSettings.Target target, AiSettings.Provider provider)
    {
        return relayable != null && target.relay() && provider.type() != AiSettings.ProviderType.ANTHROPIC && cache == null
            && (!relayable.hasNonNull("previous_response_id") || target.id().equals(continuesRelayTo))
            // Only OpenAI's own API compacts (another server's Responses API, vLLM's say, knows no trigger): Sluice does it for the rest.
            && (provider.type() == AiSettings.ProviderType.OPENAI || !Compaction.asked(relayable));
    }

    private byte[] relayPayload(AiSettings.Provider provider, AiSettings.Target target) throws Unsupported, IOException
    {
        ObjectNode fitted = body.deepCopy();
        OpenAiReasoning.fit(fitted, target, model.dropUnsupported());
        return AnthropicTranslation.JSON.writeValueAsBytes(ResponsesRelay.request(relayable, fitted, target, provider, front.responseStore, consumer()));
    }

    /** Whether the client called OpenAI's Responses API, whose reasoning items carry a model's encrypted reasoning back. */
    boolean responsesClient()
    {
        return response instanceof InboundResponse inbound && inbound.responsesApi();
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
        order = front.router.order(model, model.strategy() == AiSettings.Strategy.COST ? promptEstimate() : 0, outputTokens).iterator();
        return true;
    }

    void complete()
    {
        front.active.remove(this);
        ProviderAttempt attempt = current;
        if (attempt != null)
        {
            attempt.span();
        }
        if (completed.compareAndSet(false, true))
        {
            if (response instanceof InboundResponse inbound)
            {
                try
                {
                    inbound.finish();
                }
                catch (IOException x)
                {
                    exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
                }
            }
            if (clientGone)
            {
                output.abandon(null);
            }
            // Once the client has taken the answer, or is gone.
            output.closeThen(() ->
            {
                try
                {
                    async.complete();
                }
                catch (IllegalStateException x)
                {
                    AiFront.LOG.debug("{} AI exchange already completed: {}", exchange.id(), x.toString());
                }
            });
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
        reservation.settle(counted);
        double cost = target.cost(counted);
        if (spending != null)
        {
            spending.settle(cost);
        }
        String prompt = settings.logBodies() ? body.path(operation == AiFront.Operation.CHAT ? "messages" : "input").toString() : null;
        exchange.ai(new AiRecord(requestedAlias(), target.provider(), answeringModel != null ? answeringModel : target.model(), attempts, stream,
            counted, cost, ttftNanos, providerNanos, prompt, settings.logBodies() ? completion : null, governed()));
        Identity identity = exchange.identity();
        front.book.add(identity == null ? null : identity.consumer() != null ? identity.consumer().id() : identity.key(), model.alias(), counted, cost);
        front.metrics.aiCompleted(model.alias(), target.provider(), counted.promptTokens(), counted.completionTokens(), counted.cachedTokens(), cost, ttftNanos);
    }

    /** Gives every reserved token back: the request ended without an answer. */
    void unanswered()
    {
        reservation.settle(null);
        if (spending != null)
        {
            spending.settle(0);
        }
    }

    void headers(AiSettings.Target target, String answeringModel)
    {
        response.setHeader(AiFront.MODEL_HEADER, answeringModel != null ? answeringModel : target.model());
        response.setHeader(AiFront.PROVIDER_HEADER, target.provider());
        response.setHeader(AiFront.ATTEMPTS_HEADER, Integer.toString(attempts));
    }

    @Override
    public void onComplete(AsyncEvent event)
    {
    }

    /**
     * Only a container ending requests as it stops gets here (the AI front sets no timeout):
     * answered as Sluice's own stop, not left to the container's 500.
     */
    @Override
    public void onTimeout(AsyncEvent event)
    {
        AiFront.LOG.warn("{} ended: the container is stopping and timed the AI request out", exchange.id());
        stop();
        // The container completes with its own error unless the response is completed here and now.
        synchronized (this)
        {
            exchange.addBytesOut(AiErrors.write(response, AiFront.STOPPING));
        }
        complete();
    }

    /**
     * Ends the request as Sluice's own doing: 503 "stopping" when nothing was sent yet, an error
     * event when a stream had begun; never blamed on the provider.
     */
    void stop()
    {
        stopped = true;
        exchange.outcome(Exchange.Outcome.STOPPING);
        ProviderQueues.Waiter queued = waiter;
        if (queued != null && queued.cancel())
        {
            waiter = null;
            next();
            return;
        }
        ProviderAttempt attempt = current;
        if (attempt != null)
        {
            attempt.abort(new AiFront.Abort(AiFront.STOPPING));
        }
    }

    @Override
    public void onError(AsyncEvent event)
    {
        clientGone = true;
        output.abandon(event.getThrowable());
        ProviderQueues.Waiter queued = waiter;
        if (queued != null && queued.cancel())
        {
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
            unanswered();
            complete();
            return;
        }
        ProviderAttempt attempt = current;
        if (attempt != null)
        {
            attempt.abort(new AiFront.Abort(new AiErrors.Error(499, "api_error", "The client went away.", null, null, 0)));
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event)
    {
    }
}
