// One request to one model target: sent, read as it arrives, and judged (answer, fall back, or fail).
package dev.sluice.ai;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.exchange.Exchange;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One request to one target. A non-streamed answer is read whole (up to {@code ai.max-response-body}),
 * then translated when the provider is Anthropic and written in one go. A streamed one is parsed
 * and translated read by read, held back only until its first content token — so a stream that
 * fails or ends before it can still fall back — and written and flushed at once after it. Before
 * the first byte reaches the client, a provider error is mapped ({@link AiErrors}) and, when worth
 * it, handed back to the call for the next target; after it, a failure ends the stream with an
 * error event. Every attempt feeds the router's statistics and, when the exchange is traced, a
 * CLIENT span with GenAI attributes.
 */
final class ProviderAttempt implements Response.Listener
{
    private final AiFront front;
    private final AiCall call;
    private final AiSettings.Target target;
    private final AiSettings.Provider provider;
    /** Whether the client's Responses request goes to the provider as it came and the answer back as it comes ({@link ResponsesRelay}). */
    private final boolean relayed;
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
    private String spanId;
    private volatile Result result;
    private boolean spanned;
    private String answeringModel;
    private Usage answerUsage;
    /** Whether this attempt holds one of its provider's queue slots, to give back when it ends. */
    volatile boolean holdsSlot;
    /** What was sent, for sending it again on a new connection ({@link #onClosedConnection}). */
    private byte[] payload;

    ProviderAttempt(AiFront front, AiCall call, AiSettings.Target target, AiSettings.Provider provider, boolean relayed)
    {
        this.front = front;
        this.call = call;
        this.target = target;
        this.provider = provider;
        this.relayed = relayed;
        long created = System.currentTimeMillis() / 1000;
        this.chat = !call.stream ? null : switch (form())
        {
            case RELAYED -> new RelayedStream(true);
            case MESSAGES -> new AnthropicStream(call.includeUsage, true, created);
            case RESPONSES -> new ResponsesStream(call.includeUsage, true, created, target.id(), reasoningCarriedFor() != null);
            default -> new OpenAiStream(call.includeUsage, true);
        };
        if (chat instanceof AnthropicStream anthropic && chatClient())
        {
            anthropic.recordThinking();
        }
    }

    /**
     * Whether the client speaks the chat form, which has no way to send Claude's thinking back
     * that its clients use ({@link ThinkingReplay}); Anthropic clients send it, and the Responses
     * API's carry it sealed in their reasoning items.
     */
    private boolean chatClient()
    {
        return call.operation == AiFront.Operation.CHAT && !(call.response instanceof InboundResponse);
    }

    /**
     * The target whose encrypted reasoning goes to the client, which then sends it back (only a Responses API client has a
     * place for it, in its reasoning items); null for other clients.
     */
    private String reasoningCarriedFor()
    {
        return call.responsesClient() ? target.id() : null;
    }

    /** A request to the provider with its key, version and headers, its idle and total timeouts. */
    static Request providerRequest(AiFront front, AiSettings.Provider provider, AiSettings.Target target, AiFront.Operation operation, boolean stream,
        byte[] payload)
    {
        return providerRequest(front, provider, target, operation, target.responses(), stream, payload);
    }

    /** @param responsesApi whether the request is one for the provider's Responses API */
    private static Request providerRequest(AiFront front, AiSettings.Provider provider, AiSettings.Target target, AiFront.Operation operation,
        boolean responsesApi, boolean stream, byte[] payload)
    {
        String path = (operation != AiFront.Operation.CHAT ? provider.embeddingsPath() : responsesApi ? provider.responsesPath() : provider.chatPath())
            .replace("{model}", URLEncoder.encode(target.model(), StandardCharsets.UTF_8));
        String query = provider.apiVersion() == null ? "" : "?api-version=" + URLEncoder.encode(provider.apiVersion(), StandardCharsets.UTF_8);
        Request request = front.client(provider).newRequest(URI.create(provider.baseUrl() + path + query))
            .method(HttpMethod.POST)
            .body(new BytesRequestContent("application/json", payload))
            .idleTimeout(provider.idle().toMillis(), TimeUnit.MILLISECONDS)
            .headers(headers ->
            {
                headers.put(HttpHeader.ACCEPT, stream ? "text/event-stream" : "application/json");
                // A provider URL that leads back to Sluice's own AI route is a loop too.
                headers.put(dev.sluice.http.CdnLoop.HEADER, dev.sluice.http.CdnLoop.ID);
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
        return request;
    }

    void send(byte[] payload)
    {
        if (call.operation == AiFront.Operation.EMBEDDINGS && front.batcher.batching(call.settings.governance()))
        {
            // Merged with other callers' inputs into one provider call; the answer comes back through batched().
            call.exchange.attempted(target.id());
            front.router.started(target);
            sentNanos = System.nanoTime();
            front.batcher.submit(call.settings.governance(), target, provider, call.body, this);
            return;
        }
        Request request = providerRequest(front, provider, target, call.operation, relayed || target.responses(), call.stream, payload);
        String beta = provider.type() == AiSettings.ProviderType.ANTHROPIC ? AnthropicInbound.beta(call.request) : null;
        if (beta != null)
        {
            // An Anthropic client's betas (features such as the 1M-token context window) for an Anthropic target, after any the provider sets.
            request.headers(headers -> headers.put(AnthropicInbound.BETA_HEADER,
                headers.get(AnthropicInbound.BETA_HEADER) == null ? beta : headers.get(AnthropicInbound.BETA_HEADER) + "," + beta));
        }
        if (call.exchange.spans() != null && call.exchange.trace() != null)
        {
            // Recorded: the attempt is a span of its own, and the provider's parent if it traces.
            spanId = dev.sluice.exchange.TraceContext.newSpanId();
            String traceparent = call.exchange.trace().upstreamTraceparent(spanId);
            request.headers(headers -> headers.put("traceparent", traceparent));
        }
        providerRequest = request;
        this.payload = payload;
        call.exchange.attempted(target.id());
        front.router.started(target);
        sentNanos = System.nanoTime();
        if (call.stream)
        {
            firstTokenTimer = front.scheduler.schedule(() -> abort(new AiFront.Abort(new AiErrors.Error(504, "timeout",
                "The model provider sent no first token within " + provider.firstToken().toMillis() + " ms.", null, "provider_timeout", 0))),
                provider.firstToken().toMillis(), TimeUnit.MILLISECONDS);
        }
        request.send(this);
    }

    long maxResponseBody()
    {
        return call.settings.maxResponseBody();
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
            parser = new SseParser(chat, AiFront.MAX_EVENT);
        }
    }

    /** Reads the provider's answer further only while the client takes what it is sent ({@link ClientOutput#whenTaken}). */
    @Override
    public void onContent(Response response, org.eclipse.jetty.io.Content.Chunk chunk, Runnable demand)
    {
        onContent(response, chunk.getByteBuffer());
        call.output.whenTaken(demand);
    }

    @Override
    public void onContent(Response response, ByteBuffer content)
    {
        if (parser == null)
        {
            long max = status == 200 ? call.settings.maxResponseBody() : AiFront.MAX_ERROR_BODY;
            if (collected.length() + content.remaining() > max)
            {
                abort(new AiFront.Abort(new AiErrors.Error(502, "api_error", "The model provider's answer is larger than Sluice takes.", null, "provider_error", 0)));
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
            abort(new AiFront.Abort(new AiErrors.Error(502, "api_error", "The model provider sent an event larger than Sluice takes.", null, "provider_error", 0)));
            return;
        }
        if (chat.error() != null)
        {
            if (!committed)
            {
                abort(new AiFront.Abort(streamError()));
                return;
            }
            writeOut();
            sendErrorEvent(streamError());
            abort(new AiFront.Abort(streamError()));
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
        if (relayed)
        {
            verbatim();
        }
        committed = true;
    }

    /** What goes to the client from now on is the provider's relayed answer, already in the client's form. */
    private void verbatim()
    {
        if (call.response instanceof InboundResponse inbound)
        {
            inbound.verbatim();
        }
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
            call.captured(out.array(), out.length());
            call.exchange.addBytesOut(out.length());
        }
        catch (IOException | IllegalStateException x)
        {
            call.clientGone = true;
            abort(new AiFront.Abort(new AiErrors.Error(499, "api_error", "The client went away.", null, null, 0)));
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
            byte[] event = chat instanceof RelayedStream relay ? relay.failure(error) : error.event();
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
        this.result = result;
        try
        {
            completed(result);
        }
        finally
        {
            span();
        }
    }

    /**
     * Adds this attempt's span, once; the call asks for it before the exchange completes (when the
     * server span is ended with its children) or the next attempt starts.
     */
    void span()
    {
        Result result = this.result;
        if (spanId == null || result == null || spanned || call.exchange.spans() == null)
        {
            return;
        }
        spanned = true;
        Response response = result.getResponse();
        int code = response == null ? 0 : response.getStatus();
        Usage usage = answerUsage != null ? answerUsage : chat != null ? chat.usage() : null;
        String model = answeringModel != null ? answeringModel : chat != null ? chat.model() : null;
        Throwable failure = failureOf(result);
        call.exchange.spans().modelAttempt(spanId, sentNanos, System.nanoTime(), call.operation == AiFront.Operation.CHAT ? "chat" : "embeddings",
            provider.type() == AiSettings.ProviderType.ANTHROPIC ? "anthropic" : "openai", target.model(), model, provider.baseUrl().getHost(),
            provider.baseUrl().getPort() > 0 ? provider.baseUrl().getPort() : "https".equals(provider.baseUrl().getScheme()) ? 443 : 80, code,
            usage == null ? -1 : usage.promptTokens(), usage == null ? -1 : usage.completionTokens(),
            failure == null ? null : failure instanceof AiFront.Abort abort ? abort.error.code() : failure.getClass().getName());
    }

    /**
     * This attempt's share of a merged embeddings call: its own answer, or the merged call's
     * failure (a provider error status with its body, or a transport failure).
     */
    void batched(int status, byte[] body, long retryAfter, Throwable failure)
    {
        this.status = status;
        this.retryAfterSeconds = retryAfter;
        if (body != null)
        {
            collected.write(body);
        }
        completed(failure);
    }

    /**
     * Whether this attempt's request reached no model, with nothing of an answer read, so that it
     * goes again on a new connection, once per call, as the providers' own SDKs send a request
     * again after a connection error. Two ways:
     * <ul>
     * <li>It failed on an HTTP/1.1 connection that had carried an answer before: the provider
     * closed it while it sat idle in the pool, as servers do after their own keep-alive timeout
     * (uvicorn's 5 s, behind vLLM and LiteLLM; Node's 5 s), just as Sluice sent the next request on
     * it.</li>
     * <li>An HTTP/2 provider said so: a GOAWAY whose last stream is below this one (a front end
     * rotating or draining its connections) or the stream refused (REFUSED_STREAM), which RFC 9113
     * section 8.7 makes safe to send again ({@link dev.sluice.http.ClientFailures#unprocessed}).</li>
     * </ul>
     * Not after a timeout or an abort of Sluice's, nor once the client is gone or Sluice stops.
     */
    private boolean onClosedConnection(Throwable failure)
    {
        Request request = providerRequest;
        if (call.resentOnNewConnection || call.stopped || call.clientGone || status != 0 || committed || request == null)
        {
            return false;
        }
        if (dev.sluice.http.ClientFailures.unprocessed(failure))
        {
            return true;
        }
        return dev.sluice.http.ClientFailures.closedWhileIdle(request, failure);
    }

    private void completed(Result result)
    {
        Throwable failure = failureOf(result);
        if (failure == null && result.getFailure() != null)
        {
            AiFront.LOG.debug("{} AI target {} answered {} before taking the whole request: {}", call.exchange.id(), target.id(), status,
                result.getFailure().toString());
        }
        completed(failure);
    }

    /**
     * The attempt's failure, or null when the provider answered in full but stopped taking the
     * request's body: an HTTP/2 server may answer before it has read the body and then reset the
     * stream with NO_ERROR (RFC 9113 section 8.1; Envoy does, with an early 401, 413 or 429 to a
     * large prompt), and an HTTP/1.1 one may close after such an answer. The answer is the
     * result, as on the proxy path; before, the client got a 502 and the target its cool-down.
     */
    static Throwable failureOf(Result result)
    {
        Throwable failure = result.getFailure();
        if (failure != null && result.getResponseFailure() == null && result.getResponse() != null && result.getResponse().getStatus() > 0)
        {
            return null;
        }
        return failure;
    }

    private void completed(Throwable failure)
    {
        front.router.ended(target);
        if (holdsSlot)
        {
            holdsSlot = false;
            front.queues.release(target.provider());
        }
        if (firstTokenTimer != null)
        {
            firstTokenTimer.cancel();
        }
        if (failure == null && chat != null)
        {
            chat.ended();
        }
        long now = System.nanoTime();
        long providerNanos = now - sentNanos;
        long ttft = firstTokenNanos < 0 ? -1 : firstTokenNanos - call.exchange.startNanos();
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
        if (failure != null && onClosedConnection(failure))
        {
            AiFront.LOG.debug("{} AI target {}: the request reached no model, the connection closed or the stream refused ({}); sent again on a new connection",
                call.exchange.id(), target.id(), failure.toString());
            call.resendOnNewConnection(target, provider, relayed, payload);
            return;
        }
        if (failure != null)
        {
            AiErrors.Error error = errorFor(failure);
            if (call.stopped)
            {
                call.lastError = error;
                call.next();
                return;
            }
            // Quoted: a provider's own error text (a stream's error event) may hold line breaks.
            AiFront.LOG.warn("{} AI target {} failed: {}", call.exchange.id(), target.id(), dev.sluice.http.ClientText.quoted(failure.toString(), 500));
            front.router.failed(target, call.settings.cooldown(), 0);
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
                front.router.failed(target, call.settings.cooldown(), 0);
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
            AiErrors.Error error = failure instanceof AiFront.Abort abort ? abort.error : failure != null ? errorFor(failure)
                : new AiErrors.Error(502, "api_error", "The model provider's stream ended before the answer was complete.", null, "provider_error", 0);
            writeOut();
            sendErrorEvent(error);
            if (!call.stopped)
            {
                front.router.failed(target, call.settings.cooldown(), 0);
            }
            call.exchange.outcome(call.stopped ? Exchange.Outcome.STOPPING : Exchange.Outcome.UPSTREAM_FAILED);
            call.record(target, chat.model(), null, ttft, providerNanos, chat.text());
            call.complete();
            return;
        }
        writeOut();
        Usage counted = usage;
        front.router.succeeded(target, ttft < 0 ? -1 : firstTokenNanos - sentNanos, firstTokenNanos < 0 ? 0 : System.nanoTime() - firstTokenNanos,
            counted == null ? 0 : counted.completionTokens());
        call.record(target, chat.model(), counted, ttft, providerNanos, chat.text());
        JsonNode thought = chat instanceof AnthropicStream anthropic ? anthropic.thinking() : null;
        if (thought != null)
        {
            front.thinking.keep(call.consumer(), thought);
        }
        if (chat instanceof ResponsesStream responses && responses.finished() && reasoningCarriedFor() == null)
        {
            front.reasoning.keep(call.consumer(), responses.reasoning(), responses.calls());
        }
        if (chat instanceof RelayedStream relay)
        {
            keepRelayed(relay.response());
        }
        if (counted != null)
        {
            call.store(target, null, counted);
        }
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
            AiFront.LOG.debug("{} prompt too long for {}; falling back to alias {}", call.exchange.id(), target.id(), call.model.alias());
            call.next();
            return;
        }
        AiErrors.Error mapped = AiErrors.fromProvider(status, error, retryAfterSeconds);
        if (status == 401 || status == 403)
        {
            AiFront.LOG.warn("{} AI provider '{}' refused Sluice's credentials ({})", call.exchange.id(), provider.name(), status);
        }
        if (AiErrors.retryable(status))
        {
            front.router.failed(target, call.settings.cooldown(), TimeUnit.SECONDS.toNanos(retryAfterSeconds));
            call.lastError = mapped;
            call.next();
            return;
        }
        call.exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        call.unanswered();
        call.exchange.ai(new AiRecord(call.requestedAlias(), provider.name(), target.model(), call.attempts, call.stream, null, 0, -1,
            System.nanoTime() - sentNanos, null, null, call.governed()));
        call.headers(target, null);
        call.exchange.addBytesOut(AiErrors.write(call.response, mapped));
        call.complete();
    }

    private void garbage(String why)
    {
        AiFront.LOG.warn("{} AI target {}: {}", call.exchange.id(), target.id(), why);
        front.router.failed(target, call.settings.cooldown(), 0);
        call.lastError = new AiErrors.Error(502, "api_error", why, null, "provider_error", 0);
        call.next();
    }

    /**
     * What a provider's answer is: the chat form, Anthropic's Messages, OpenAI's Responses (to translate, or relayed as it
     * is), or embeddings.
     */
    private enum Form
    {
        CHAT, MESSAGES, RESPONSES, RELAYED, EMBEDDINGS
    }

    private Form form()
    {
        if (call.operation == AiFront.Operation.EMBEDDINGS)
        {
            return Form.EMBEDDINGS;
        }
        if (relayed)
        {
            return Form.RELAYED;
        }
        return provider.type() == AiSettings.ProviderType.ANTHROPIC ? Form.MESSAGES : target.responses() ? Form.RESPONSES : Form.CHAT;
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
        Form form = form();
        boolean documented = parsed != null && parsed.isObject() && switch (form)
        {
            case CHAT -> parsed.path("choices").isArray();
            case MESSAGES -> parsed.path("content").isArray();
            case RESPONSES, RELAYED -> parsed.path("output").isArray();
            case EMBEDDINGS -> parsed.path("data").isArray();
        };
        if (!documented)
        {
            garbage("The model provider's answer is not what its API documents.");
            return;
        }
        if ((form == Form.RESPONSES || form == Form.RELAYED) && "failed".equals(parsed.path("status").asText()))
        {
            garbage("The model provider failed: " + parsed.path("error").path("message").asText("no reason given") + ".");
            return;
        }
        byte[] out;
        Usage usage;
        String answeringModel;
        String text;
        if (form == Form.RELAYED)
        {
            // Already the client's form: passed on byte for byte.
            out = java.util.Arrays.copyOf(collected.array(), collected.length());
            usage = ResponsesRelay.usage(parsed);
            answeringModel = parsed.path("model").asText(null);
            text = relayedText(parsed.path("output"));
            verbatim();
            keepRelayed(parsed);
        }
        else if (form == Form.MESSAGES || form == Form.RESPONSES)
        {
            ObjectNode translated;
            if (form == Form.RESPONSES)
            {
                translated = OpenAiResponses.chatCompletion(parsed, System.currentTimeMillis() / 1000, reasoningCarriedFor());
                usage = OpenAiResponses.usage(parsed.path("usage"));
                if (reasoningCarriedFor() == null)
                {
                    front.reasoning.keep(call.consumer(), OpenAiResponses.reasoningBlocks(parsed, target.id()),
                        translated.path("choices").path(0).path("message").path("tool_calls"));
                }
            }
            else
            {
                translated = ClaudeAnswers.chatCompletion(parsed, System.currentTimeMillis() / 1000);
                if (chatClient())
                {
                    front.thinking.keep(call.consumer(), parsed.path("content"));
                }
                usage = parsed.has("usage") ? ClaudeAnswers.usage(parsed.get("usage")) : null;
            }
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
            // Already the client's format: passed on byte for byte, but for vectors in another
            // encoding than the client asked for.
            out = call.operation == AiFront.Operation.EMBEDDINGS && EmbeddingVectors.base64Asked(call.body) && EmbeddingVectors.toBase64(parsed)
                ? bytes(parsed) : java.util.Arrays.copyOf(collected.array(), collected.length());
            if (out == null)
            {
                garbage("The model provider's answer could not be re-encoded.");
                return;
            }
            usage = parsed.path("usage").isObject() ? OpenAiStream.usage(parsed.get("usage")) : null;
            answeringModel = parsed.path("model").asText(null);
            text = call.operation == AiFront.Operation.CHAT ? parsed.path("choices").path(0).path("message").path("content").asText("") : "";
        }
        Usage counted = usage;
        if (counted == null)
        {
            counted = new Usage(call.promptEstimate(), TokenCounter.count(text), 0, 0, true);
        }
        front.router.succeeded(target, providerNanos, 0, 0);
        call.record(target, answeringModel, counted, -1, providerNanos, text);
        this.answeringModel = answeringModel;
        this.answerUsage = counted;
        HttpServletResponse response = call.response;
        response.setStatus(200);
        response.setContentType("application/json");
        call.headers(target, answeringModel);
        response.setHeader(AiFront.COST_HEADER, AiFront.cost(target.cost(counted)));
        response.setContentLength(out.length);
        call.store(target, out, counted);
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

    /** The text of a relayed response's messages. */
    private static String relayedText(JsonNode output)
    {
        StringBuilder text = new StringBuilder();
        for (JsonNode item : output)
        {
            for (JsonNode part : item.path("content"))
            {
                if ("message".equals(item.path("type").asText()) && "output_text".equals(part.path("type").asText()))
                {
                    text.append(part.path("text").asText(""));
                }
            }
        }
        return text.toString();
    }

    /** Keeps a relayed answer for references to it, as Sluice keeps those it translates (unless the client said {@code store: false}). */
    private void keepRelayed(JsonNode response)
    {
        if (response != null && call.response instanceof InboundResponse inbound && inbound.dialect() instanceof ResponsesAnswers answers
            && response.path("id").isTextual())
        {
            answers.keptRelayed(response.path("id").asText(), response.path("output"), target.id());
        }
    }

    private static byte[] bytes(JsonNode answer)
    {
        try
        {
            return AnthropicTranslation.JSON.writeValueAsBytes(answer);
        }
        catch (IOException x)
        {
            return null;
        }
    }

    private AiErrors.Error errorFor(Throwable failure)
    {
        if (failure instanceof AiFront.Abort abort)
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
