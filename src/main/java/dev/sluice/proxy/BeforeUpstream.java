// A routed request's last checks and rewrites before it goes upstream: injected aborts, JSON limits, OpenAPI validation, body transforms, gRPC-Web.
package dev.sluice.proxy;

import java.io.IOException;

import dev.sluice.exchange.Exchange;
import dev.sluice.guard.JsonGuard;
import dev.sluice.guard.JsonLimits;
import dev.sluice.http.GrpcWebType;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.RequestBodies;
import dev.sluice.openapi.ApiValidation;
import dev.sluice.openapi.OpenApiSettings;
import dev.sluice.route.Fault;
import dev.sluice.transform.RequestBody;
import dev.sluice.transform.RequestSource;
import dev.sluice.transform.RouteTransform;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The steps of {@code SluiceProxyServlet.service} that may answer a request themselves or
 * replace its body, in the order they run there. Each returns the request to go on with (the
 * same one, or one whose body was read and replaced), or null once it has answered the client
 * with problem+json and recorded why on the exchange.
 */
final class BeforeUpstream
{
    private BeforeUpstream()
    {
    }

    /**
     * The route's injected abort ({@code fault.abort}), JSON limits ({@code guard.json.*}),
     * OpenAPI validation and request-body transform, in that order.
     */
    static HttpServletRequest checked(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange) throws IOException
    {
        String route = exchange.routeMatch().route().name();
        Fault fault = exchange.routeMatch().route().fault();
        if (fault != null && fault.aborts())
        {
            exchange.outcome(Exchange.Outcome.FAULT_ABORT);
            exchange.addBytesOut(ProblemWriter.write(proxyResponse, fault.abortStatus(), ProblemType.FAULT_INJECTED,
                "Injected by route." + route + ".fault.abort.", exchange.id()));
            return null;
        }
        JsonLimits jsonLimits = exchange.settings().guard().guard(route).json();
        if (jsonLimits != null)
        {
            clientRequest = JsonGuard.check(clientRequest, proxyResponse, exchange, jsonLimits);
            if (clientRequest == null)
            {
                return null;
            }
        }
        OpenApiSettings.RouteApi api = exchange.settings().openapi().route(route);
        if (api != null)
        {
            clientRequest = ApiValidation.check(clientRequest, proxyResponse, exchange, api);
            if (clientRequest == null)
            {
                return null;
            }
        }
        RouteTransform transform = exchange.settings().transform().route(route);
        return transform != null && transform.requestBody() ? transformed(clientRequest, proxyResponse, exchange, transform) : clientRequest;
    }

    private static HttpServletRequest transformed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange,
                                                  RouteTransform transform) throws IOException
    {
        try
        {
            return RequestBody.transform(clientRequest, transform, new RequestSource(exchange, clientRequest), exchange.settings().proxy());
        }
        catch (IOException x)
        {
            exchange.addBytesOut(RequestBodies.refuse(proxyResponse, exchange, x));
            return null;
        }
        catch (RequestBody.Refused x)
        {
            exchange.outcome(Exchange.Outcome.BAD_REQUEST);
            ProblemType type = switch (x.status())
            {
                case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
                case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
                default -> ProblemType.BAD_REQUEST;
            };
            if (type == ProblemType.UNSUPPORTED_MEDIA_TYPE)
            {
                // RFC 9110 §15.5.16: a 415 for a content coding names the ones that are taken.
                proxyResponse.setHeader("Accept-Encoding", "gzip");
            }
            exchange.addBytesOut(ProblemWriter.write(proxyResponse, type, x.getMessage(), exchange.id(), exchange.traceId()));
            return null;
        }
    }

    /** gRPC-Web to a gRPC service: the body read whole (one message), decoded when base64, typed as gRPC. */
    static HttpServletRequest grpcWeb(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange, GrpcWebType web)
        throws IOException
    {
        try
        {
            return RequestBody.buffered(clientRequest, GrpcWeb.body(clientRequest, web, exchange.settings().proxy()), GrpcWeb.upstreamType(web));
        }
        catch (IOException x)
        {
            exchange.addBytesOut(RequestBodies.refuse(proxyResponse, exchange, x));
            return null;
        }
        catch (GrpcWeb.Refused x)
        {
            exchange.outcome(Exchange.Outcome.BAD_REQUEST);
            exchange.addBytesOut(ProblemWriter.write(proxyResponse, x.type(), x.getMessage(), exchange.id(), exchange.traceId()));
            return null;
        }
    }
}
