// Jetty's server-level error handler for the embedded launcher: its rejections are problem+json too.
package dev.sluice.launcher;

import java.nio.ByteBuffer;

import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty refuses some requests before any web application sees them: unparseable requests,
 * a bad {@code Host}, ambiguous paths ({@code %2F}, {@code %2e%2e}, {@code ..;}). Those refusals
 * are good; their HTML pages are not what an API client expects. This handler writes them as
 * problem+json, with the container's status and a generic detail (the container's message
 * can quote the request back).
 */
final class ProblemErrorHandler extends ErrorHandler
{
    /**
     * Jetty writes error bodies only for GET, POST and HEAD, so a PUT with a malformed header got
     * an empty 400; an API client of any method gets its problem (a HEAD answer still has no body).
     */
    @Override
    public boolean errorPageForMethod(String method)
    {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
    {
        String id = RequestIds.accept(request.getHeaders().get(HeaderNames.REQUEST_ID));
        byte[] body = ProblemWriter.render(code, ProblemType.forStatus(code), null, id);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ProblemWriter.CONTENT_TYPE);
        response.getHeaders().put(HeaderNames.REQUEST_ID, id);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields)
    {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, ProblemWriter.CONTENT_TYPE));
        return ByteBuffer.wrap(ProblemWriter.render(status, ProblemType.forStatus(status), null, null));
    }
}
