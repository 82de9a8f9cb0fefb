// Answers plain HTTP sent to the HTTPS port with a 400 problem, instead of a TLS alert nobody reads.
package dev.sluice.launcher;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.Callback;

/**
 * Reached only through the HTTPS connector's detector, for bytes that are not a TLS handshake.
 * The request is not read: one fixed response, then the connection is closed.
 */
final class PlainHttpRefusal extends AbstractConnectionFactory
{
    private static final byte[] RESPONSE;

    static
    {
        byte[] body = ProblemWriter.render(400, ProblemType.BAD_REQUEST, "This port speaks HTTPS only; use an https:// URL.", null);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: " + ProblemWriter.CONTENT_TYPE + "\r\nContent-Length: " + body.length
            + "\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        RESPONSE = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, RESPONSE, 0, headBytes.length);
        System.arraycopy(body, 0, RESPONSE, headBytes.length, body.length);
    }

    PlainHttpRefusal()
    {
        super("sluice-plain-http-refusal");
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint)
    {
        return configure(new Refusal(endPoint, connector), connector, endPoint);
    }

    /** Takes over from the detector (which has read the first bytes), answers once, closes. */
    private static final class Refusal extends AbstractConnection implements Connection.UpgradeTo
    {
        Refusal(EndPoint endPoint, Connector connector)
        {
            super(endPoint, connector.getExecutor());
        }

        @Override
        public void onUpgradeTo(ByteBuffer buffer)
        {
            // The bytes the detector read are a plain request: not needed to answer it.
        }

        @Override
        public void onOpen()
        {
            super.onOpen();
            getEndPoint().write(Callback.from(() -> getEndPoint().shutdownOutput(), failure -> getEndPoint().close()), ByteBuffer.wrap(RESPONSE));
        }

        @Override
        public void onFillable()
        {
            // The request is never read.
        }
    }
}
