// What a template reads of one exchange: its consumer, token claims, client, ids and the request itself.
package dev.sluice.transform;

import dev.sluice.auth.Identity;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.QueryString;
import jakarta.servlet.http.HttpServletRequest;

/** Reads lazily from the exchange and the client's request; nothing is copied up front. */
public final class RequestSource implements Template.Source
{
    private final Exchange exchange;
    private final HttpServletRequest request;

    public RequestSource(Exchange exchange, HttpServletRequest request)
    {
        this.exchange = exchange;
        this.request = request;
    }

    @Override
    public String consumerId()
    {
        Identity identity = exchange.identity();
        return identity == null ? null : identity.consumer() != null ? identity.consumer().id() : identity.credential();
    }

    @Override
    public String consumerUsername()
    {
        Identity identity = exchange.identity();
        return identity == null || identity.consumer() == null ? null : identity.consumer().username();
    }

    @Override
    public String claim(String name)
    {
        Identity identity = exchange.identity();
        return identity == null ? null : identity.claims().get(name);
    }

    @Override
    public String clientIp()
    {
        return exchange.clientAddress();
    }

    @Override
    public String requestId()
    {
        return exchange.id();
    }

    @Override
    public String route()
    {
        return exchange.routeMatch() == null ? null : exchange.routeMatch().route().name();
    }

    @Override
    public String header(String name)
    {
        return request.getHeader(name);
    }

    @Override
    public String query(String name)
    {
        return QueryString.parameter(request.getQueryString(), name);
    }
}
