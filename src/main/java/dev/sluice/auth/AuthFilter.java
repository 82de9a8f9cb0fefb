// Authenticates requests on routes that ask for it and tells the upstream who the caller is.
package dev.sluice.auth;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.Cookies;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.QueryString;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs after the exchange filter. On a route with {@code route.<name>.auth} it takes the
 * credentials out of the request, lets {@link Authenticator} judge them, and either records the
 * {@link Identity} on the exchange (the proxy servlet turns it into {@code X-Consumer-*} headers)
 * or answers itself: 401 with {@code WWW-Authenticate}, 403, or 503 with {@code Retry-After} when
 * an identity provider is down. Public routes pass straight through; on every route the proxy
 * servlet drops client copies of the identity headers.
 *
 * <p>Settings: {@code consumer.<id>.*}; {@code auth.api-key.header} (default apikey),
 * {@code auth.api-key.query} (default none), {@code auth.realm} (default sluice),
 * {@code auth.token-cache-size} (default 10000); {@code auth.jwt.<name>.*} and
 * {@code auth.introspection.<name>.*}; per route {@code auth}, {@code auth.anonymous},
 * {@code auth.scopes}, {@code auth.groups}, {@code auth.audience}, {@code auth.hide-credentials},
 * {@code auth.token-cookie}, {@code auth.token-query}. Each is documented in
 * {@code conf/sluice.properties}.</p>
 *
 * <p>JWKS fetches and introspection calls block the request thread for at most their configured
 * timeouts; their results are cached, so that happens once per key set or token, not per
 * request.</p>
 */
public final class AuthFilter implements Filter
{
    private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);
    /** Servlet attribute holding the verified client certificate chain (Servlet 6, §3.10). */
    static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    /** Seconds a client is told to wait when an identity provider is down. */
    static final String RETRY_AFTER_SECONDS = "5";
    private static final String BEARER = "bearer ";
    private static final String BASIC = "Basic ";
    private static final Credentials.Basic UNREADABLE = new Credentials.Basic("", "");

    private static final io.opentelemetry.api.common.AttributeKey<String> AUTH_METHOD = io.opentelemetry.api.common.AttributeKey.stringKey("sluice.auth.method");
    private static final io.opentelemetry.api.common.AttributeKey<String> AUTH_RESULT = io.opentelemetry.api.common.AttributeKey.stringKey("sluice.auth.result");

    private final Clock clock = Clock.systemUTC();
    private final Map<String, JwksSource> jwksSources = new ConcurrentHashMap<>();
    private ConfigStore config;
    private AuthHttp http;
    private volatile Authenticator authenticator;
    private final FailedAttempts failures = new FailedAttempts(100_000);

    @Override
    public void init(FilterConfig filterConfig) throws ServletException
    {
        config = ConfigStore.of(filterConfig.getServletContext());
        http = new AuthHttp();
        authenticator = build(config.current().auth());
    }

    @Override
    public void destroy()
    {
        if (http != null)
        {
            http.close();
        }
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)servletRequest;
        HttpServletResponse response = (HttpServletResponse)servletResponse;
        Exchange exchange = Exchange.of(request);
        AuthSettings settings = exchange.settings().auth();
        RoutePolicy policy = settings.policy(exchange.routeMatch().route().name());
        ForwardAuth forward = settings.forwardAuth(exchange.routeMatch().route().name());
        if (policy.isPublic())
        {
            if (forward != null)
            {
                exchange.authMethod("forward");
                if (!forwardAuth(request, response, exchange, forward, settings))
                {
                    return;
                }
            }
            chain.doFilter(request, response);
            return;
        }

        long blocked = failures.blockedSeconds(exchange.clientAddress(), settings.maxFailures(), settings.failureWindow(), clock.millis());
        if (blocked > 0)
        {
            exchange.authMethod("blocked");
            exchange.outcome(Exchange.Outcome.RATE_LIMITED);
            response.setHeader(HeaderNames.RETRY_AFTER, Long.toString(blocked));
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.RATE_LIMITED,
                "Too many failed authentication attempts from this address; try again later.", exchange.id(), exchange.traceId()));
            return;
        }
        long started = System.nanoTime();
        Credentials credentials = credentials(request, policy, settings, exchange.routeMatch().route().ai());
        Authenticator.Outcome outcome = authenticatorFor(settings).authenticate(policy, credentials);
        exchange.authMethod(outcome.method());
        if (exchange.spans() != null)
        {
            exchange.spans().add("auth", io.opentelemetry.api.trace.SpanKind.INTERNAL, started, System.nanoTime(),
                io.opentelemetry.api.common.Attributes.of(AUTH_METHOD, outcome.method(), AUTH_RESULT,
                    outcome.rejection() == null ? "success" : outcome.rejection().kind().name().toLowerCase(java.util.Locale.ROOT)),
                outcome.rejection() != null && outcome.rejection().kind() != Rejection.Kind.UNAUTHENTICATED && outcome.rejection().kind() != Rejection.Kind.FORBIDDEN);
        }
        if (outcome.rejection() != null)
        {
            if (outcome.rejection().kind() == Rejection.Kind.UNAUTHENTICATED && credentials.presented())
            {
                failures.failed(exchange.clientAddress(), settings.failureWindow(), clock.millis());
            }
            reject(response, exchange, policy, settings, outcome.rejection());
            return;
        }
        if (credentials.hmac() != null && "hmac".equals(outcome.method()) && settings.hmac().validateBody())
        {
            request = signedBody(request, response, exchange, policy, settings, credentials.hmac());
            if (request == null)
            {
                return;
            }
        }
        exchange.identity(outcome.identity());
        if (policy.hideCredentials())
        {
            hideCredentials(exchange, policy, settings);
        }
        if (forward != null && !forwardAuth(request, response, exchange, forward, settings))
        {
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * Asks the route's authorization service about this request (see {@link ForwardAuth}): true
     * when it may go on, with the service's upstream headers recorded on the exchange (and, when
     * the route authenticated nobody, the caller its consumer header names); false when it was
     * answered here, with the service's own refusal or a 503.
     */
    private boolean forwardAuth(HttpServletRequest request, HttpServletResponse response, Exchange exchange, ForwardAuth service, AuthSettings settings)
        throws IOException
    {
        long started = System.nanoTime();
        AuthHttp.Answer answer;
        try
        {
            answer = http.forward(service.url(), ForwardAuthRequest.fields(request, exchange, service, settings), service.timeout());
        }
        catch (IOException x)
        {
            LOG.warn("{} forward auth '{}' failed: {}", exchange.id(), service.name(), x.getMessage());
            answer = null;
        }
        if (exchange.spans() != null)
        {
            exchange.spans().add("auth forward", io.opentelemetry.api.trace.SpanKind.CLIENT, started, System.nanoTime(),
                io.opentelemetry.api.common.Attributes.of(AUTH_METHOD, "forward:" + service.name(), AUTH_RESULT,
                    answer == null ? "unavailable" : Integer.toString(answer.status())), answer == null || answer.status() >= 500);
        }
        if (answer == null || answer.status() >= 500 || answer.status() < 200)
        {
            if (answer != null)
            {
                LOG.warn("{} forward auth '{}' answered {}", exchange.id(), service.name(), answer.status());
            }
            reject(response, exchange, RoutePolicy.PUBLIC, settings, Rejection.unavailable("The authorization service for this route cannot be reached."));
            return false;
        }
        if (answer.status() >= 300)
        {
            ForwardAuthRequest.relay(response, exchange, answer);
            return false;
        }
        exchange.hideFromUpstream(service.upstreamHeaders());
        for (String name : service.upstreamHeaders())
        {
            for (String value : answer.headers().getValuesList(name))
            {
                exchange.addUpstreamHeader(name, value);
            }
        }
        for (String name : service.responseHeaders())
        {
            for (String value : answer.headers().getValuesList(name))
            {
                exchange.addClientHeader(name, value);
            }
        }
        if (exchange.identity() == null && service.consumerHeader() != null)
        {
            exchange.identity(ForwardAuthRequest.caller(answer.headers().get(service.consumerHeader()), service, settings));
        }
        return true;
    }

    /**
     * The authenticator for this configuration snapshot; rebuilt when a reload changed the
     * authentication settings. Fetched key sets survive the rebuild (they are per URL).
     */
    private Authenticator authenticatorFor(AuthSettings settings)
    {
        Authenticator current = authenticator;
        if (current.settings() == settings)
        {
            return current;
        }
        synchronized (this)
        {
            if (authenticator.settings() != settings)
            {
                authenticator = build(settings);
            }
            return authenticator;
        }
    }

    private Authenticator build(AuthSettings settings)
    {
        JwtVerifier jwt = new JwtVerifier(settings.issuers().values(), this::jwksSource, settings.consumers(), settings.tokenCacheSize(), clock);
        Map<String, Introspector> introspectors = new HashMap<>();
        settings.introspection().forEach((name, endpoint) -> introspectors.put(name, new Introspector(endpoint,
            (target, form) -> http.postForm(target.url(), target.clientId(), target.clientSecret(), form, target.timeout()),
            settings.consumers(), settings.tokenCacheSize(), clock)));
        return new Authenticator(settings, jwt, introspectors);
    }

    private JwksSource jwksSource(JwtIssuer issuer)
    {
        String key = issuer.jwksUrl() + " " + issuer.jwksRefresh() + " " + issuer.jwksCooldown() + " " + issuer.jwksTimeout();
        return jwksSources.computeIfAbsent(key, ignored ->
            new JwksSource(issuer.jwksUrl(), issuer.jwksRefresh(), issuer.jwksCooldown(), issuer.jwksTimeout(), http::get, clock));
    }

    static Credentials credentials(HttpServletRequest request, RoutePolicy policy, AuthSettings settings, boolean aiRoute)
    {
        String apiKey = null;
        if (policy.accepts(RoutePolicy.Type.API_KEY))
        {
            apiKey = settings.apiKeyHeader() == null ? null : request.getHeader(settings.apiKeyHeader());
            if (apiKey == null)
            {
                apiKey = QueryString.parameter(request.getQueryString(), settings.apiKeyQuery());
            }
            if (apiKey == null && aiRoute)
            {
                // Anthropic's SDKs send their key in x-api-key; on AI routes that is a Sluice key too.
                apiKey = request.getHeader("x-api-key");
            }
        }
        String token = bearer(request.getHeader(HeaderNames.AUTHORIZATION));
        if (apiKey == null && token != null && !policy.acceptsTokens())
        {
            // OpenAI's and most SDKs send their key as a bearer token; on a route that takes no
            // tokens, that is where an API key is.
            apiKey = token;
        }
        if (token == null && policy.tokenCookie() != null)
        {
            token = Cookies.value(request, policy.tokenCookie());
        }
        if (token == null)
        {
            token = QueryString.parameter(request.getQueryString(), policy.tokenQuery());
        }
        X509Certificate certificate = null;
        if (request.getAttribute(CERTIFICATES_ATTRIBUTE) instanceof X509Certificate[] chain && chain.length > 0)
        {
            certificate = chain[0];
        }
        Credentials.Basic basic = policy.accepts(RoutePolicy.Type.BASIC) ? basic(request.getHeader(HeaderNames.AUTHORIZATION)) : null;
        HmacSignatures.Presented hmac = policy.accepts(RoutePolicy.Type.HMAC) ? HmacRequest.presented(request, request.getHeader(HeaderNames.AUTHORIZATION)) : null;
        return new Credentials(apiKey, token, certificate, basic, hmac);
    }

    /**
     * The user name and password of an {@code Authorization: Basic} header (RFC 7617: base64 of
     * {@code user-id:password} in UTF-8, the scheme case-insensitive), or null for another
     * scheme. One that cannot be read (not base64, not UTF-8, no ':') comes back with an empty
     * user name, which no consumer has: refused as a wrong password, not ignored.
     */
    static Credentials.Basic basic(String authorization)
    {
        if (authorization == null || authorization.length() < BASIC.length() || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length()))
        {
            return null;
        }
        try
        {
            byte[] decoded = java.util.Base64.getDecoder().decode(authorization.substring(BASIC.length()).strip());
            String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(decoded)).toString();
            int colon = text.indexOf(':');
            return colon <= 0 ? UNREADABLE : new Credentials.Basic(text.substring(0, colon), text.substring(colon + 1));
        }
        catch (IllegalArgumentException | java.nio.charset.CharacterCodingException x)
        {
            return UNREADABLE;
        }
    }

    /**
     * The token of an {@code Authorization: Bearer} header (scheme case-insensitive, RFC 6750
     * §2.1), or null for another scheme. An empty token is returned as such and refused.
     */
    static String bearer(String authorization)
    {
        if (authorization == null || authorization.length() < BEARER.length()
            || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length()))
        {
            return null;
        }
        return authorization.substring(BEARER.length()).strip();
    }

    private static void hideCredentials(Exchange exchange, RoutePolicy policy, AuthSettings settings)
    {
        List<String> headers = new ArrayList<>();
        Set<String> query = new HashSet<>();
        for (RoutePolicy.Method method : policy.methods())
        {
            if (method.type() == RoutePolicy.Type.API_KEY)
            {
                if (settings.apiKeyHeader() != null)
                {
                    headers.add(settings.apiKeyHeader());
                }
                if (settings.apiKeyQuery() != null)
                {
                    query.add(settings.apiKeyQuery());
                }
            }
            else if (method.type() != RoutePolicy.Type.MTLS)
            {
                headers.add(HeaderNames.AUTHORIZATION);
                if (policy.tokenQuery() != null)
                {
                    query.add(policy.tokenQuery());
                }
                if (policy.tokenCookie() != null)
                {
                    exchange.hiddenCookie(policy.tokenCookie());
                }
            }
        }
        exchange.hideFromUpstream(headers, query);
    }

    /**
     * The request with its body read (up to {@code auth.hmac.max-body}) and matched against the
     * digest field its signature covers ({@link BodyDigests}), to be forwarded from memory; null
     * when answered here: 401 for a body that does not match, 413 for one too large to check,
     * 400 for one that could not be read.
     */
    private static HttpServletRequest signedBody(HttpServletRequest request, HttpServletResponse response, Exchange exchange, RoutePolicy policy,
                                                 AuthSettings settings, HmacSignatures.Presented presented)
    {
        long max = settings.hmac().maxBody();
        boolean hasBody = dev.sluice.http.RequestBodies.expected(request);
        byte[] body = new byte[0];
        if (hasBody)
        {
            try
            {
                body = dev.sluice.http.RequestBodies.readUpTo(request, max, exchange.settings().proxy());
            }
            catch (IOException x)
            {
                exchange.addBytesOut(dev.sluice.http.RequestBodies.refuse(response, exchange, x));
                return null;
            }
            if (body == null)
            {
                exchange.outcome(Exchange.Outcome.BAD_REQUEST);
                exchange.addBytesOut(ProblemWriter.write(response, ProblemType.PAYLOAD_TOO_LARGE,
                    "The request body is larger than the " + max + " bytes whose signed digest this route checks.", exchange.id(), exchange.traceId()));
                return null;
            }
        }
        String mismatch = BodyDigests.mismatch(request.getHeader("Digest"), request.getHeader("Content-Digest"), presented.headers(), body);
        if (mismatch != null)
        {
            reject(response, exchange, policy, settings, Rejection.invalidSignature(mismatch));
            return null;
        }
        return hasBody ? dev.sluice.transform.RequestBody.buffered(request, body) : request;
    }

    private static void reject(HttpServletResponse response, Exchange exchange, RoutePolicy policy, AuthSettings settings, Rejection rejection)
    {
        LOG.debug("{} refused: {}", exchange.id(), rejection.description());
        ProblemType problem;
        switch (rejection.kind())
        {
            case UNAUTHENTICATED ->
            {
                exchange.outcome(Exchange.Outcome.UNAUTHORIZED);
                problem = ProblemType.UNAUTHORIZED;
                challenges(policy, settings.realm(), rejection, settings.hmac().enforced()).forEach(value -> response.addHeader(HeaderNames.WWW_AUTHENTICATE, value));
            }
            case FORBIDDEN ->
            {
                exchange.outcome(Exchange.Outcome.FORBIDDEN);
                problem = rejection.scope() != null ? ProblemType.INSUFFICIENT_SCOPE : ProblemType.FORBIDDEN;
                if (rejection.scope() != null)
                {
                    response.addHeader(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"" + settings.realm() + "\", error=\"insufficient_scope\", scope=\""
                        + rejection.scope() + "\"");
                }
            }
            default ->
            {
                exchange.outcome(Exchange.Outcome.AUTH_UNAVAILABLE);
                problem = ProblemType.AUTH_UNAVAILABLE;
                response.setHeader(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
            }
        }
        exchange.addBytesOut(ProblemWriter.write(response, problem, rejection.description(), exchange.id(), exchange.traceId()));
    }

    /**
     * One challenge per kind of credential the route accepts (RFC 9110 §11.6.1). The error code
     * and description go on the challenge of the credential that failed.
     */
    static List<String> challenges(RoutePolicy policy, String realm, Rejection rejection, List<String> enforced)
    {
        List<String> challenges = new ArrayList<>();
        boolean key = false;
        boolean bearer = false;
        boolean certificate = false;
        boolean password = false;
        boolean signature = false;
        for (RoutePolicy.Method method : policy.methods())
        {
            signature |= method.type() == RoutePolicy.Type.HMAC;
            key |= method.type() == RoutePolicy.Type.API_KEY;
            password |= method.type() == RoutePolicy.Type.BASIC;
            certificate |= method.type() == RoutePolicy.Type.MTLS;
            bearer |= method.type() == RoutePolicy.Type.JWT || method.type() == RoutePolicy.Type.INTROSPECTION;
        }
        if (bearer)
        {
            String challenge = "Bearer realm=\"" + realm + "\"";
            if ("invalid_token".equals(rejection.error()))
            {
                challenge += ", error=\"invalid_token\", error_description=\"" + rejection.description() + "\"";
            }
            challenges.add(challenge);
        }
        if (key)
        {
            challenges.add("Key realm=\"" + realm + "\"");
        }
        if (password)
        {
            // Browsers ask for a user name and password when they see this one.
            challenges.add("Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
        }
        if (signature)
        {
            // Kong's scheme, with what a signature must cover here.
            challenges.add("hmac realm=\"" + realm + "\", headers=\"" + String.join(" ", enforced) + "\"");
        }
        if (certificate)
        {
            // No registered scheme names TLS client certificates, but a 401 must carry a
            // challenge (RFC 9110 §15.5.2); HTTP clients treat a 401 without one as a protocol error.
            challenges.add("ClientCertificate realm=\"" + realm + "\"");
        }
        return challenges;
    }
}
