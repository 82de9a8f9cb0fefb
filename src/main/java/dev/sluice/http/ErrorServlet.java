// The web application's error page: whatever the container rejects becomes problem+json too.
package dev.sluice.http;

import java.io.IOException;

import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.RequestIds;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Declared as the {@code <error-page>} in {@code web.xml}, so a status the container chooses
 * (a malformed request it rejected, an uncaught exception) is still answered with
 * problem+json and no stack trace. Reached directly (not as an error dispatch) it is a 404.
 */
public final class ErrorServlet extends HttpServlet
{
    /** Where web.xml maps this servlet. */
    public static final String PATH = "/-/error";
    /**
     * Set on a request whose committed response must be cut off (its upstream broke off mid-body)
     * before it is dispatched here; on containers without an abort, failing the dispatch is the
     * portable way to make them close the connection instead of ending the body cleanly.
     */
    public static final String ABORT_ATTRIBUTE = ErrorServlet.class.getName() + ".abort";
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Exchange exchange = Exchange.of(request);
        String id = exchange != null ? exchange.id() : RequestIds.accept(request.getHeader(HeaderNames.REQUEST_ID));
        if (request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(ABORT_ATTRIBUTE) != null)
        {
            throw new UpstreamBrokeOff();
        }
        if (request.getDispatcherType() != DispatcherType.ERROR)
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
            return;
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value && value >= 400 && value <= 599 ? value : 500;
        ProblemType problemType = ProblemType.forStatus(status);
        response.setHeader(HeaderNames.REQUEST_ID, id);
        // The container's message may quote the request back; the title says enough.
        ProblemWriter.write(response, status, problemType, null, id);
    }

    /** Thrown only to make a container cut a committed response; carries no stack trace. */
    static final class UpstreamBrokeOff extends IOException
    {
        private static final long serialVersionUID = 1L;

        UpstreamBrokeOff()
        {
            super("the upstream response broke off; the client connection is cut", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace()
        {
            return this;
        }
    }
}
