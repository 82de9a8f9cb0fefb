// Sends a response whose whole body arrived in one piece straight to Jetty's output, without
// a WriteListener and the thread hand-off that setting one costs.
package dev.sluice.http;

import java.nio.ByteBuffer;

import jakarta.servlet.ServletOutputStream;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's {@code AsyncProxyServlet} writes every response through a {@code WriteListener};
 * setting one makes Jetty run {@code onWritePossible} as a new job on its thread pool, so even a
 * 200-byte answer crosses to a second thread. {@link HttpOutput#sendContent(ByteBuffer, Callback)}
 * is Jetty's own non-blocking write of a whole body: the bytes go to the connection from the
 * thread that read them from the upstream, and the callback runs when the client has taken them,
 * so a client that does not read still holds no thread.
 *
 * <p>Only used where Sluice's classes see Jetty's ee10 servlet classes: the launcher and an
 * embedded Jetty. A WAR in Tomcat, or in a standalone Jetty (which hides its server classes from
 * web applications), keeps the WriteListener path: {@link #available()} says which, and
 * {@link #send} is never called where it is false (loading this class needs no Jetty server
 * class; only running {@code send} does).</p>
 */
public final class WholeBodyWrite
{
    private WholeBodyWrite()
    {
    }

    /** Whether Jetty's ee10 {@code HttpOutput} is visible to Sluice's class loader. */
    public static boolean available()
    {
        try
        {
            Class.forName("org.eclipse.jetty.ee10.servlet.HttpOutput", false, WholeBodyWrite.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException | LinkageError x)
        {
            return false;
        }
    }

    /**
     * Sends the body and ends the response when {@code output} is Jetty's own (a response wrapper's
     * stream is not); returns false, having done nothing, otherwise.
     */
    public static boolean send(ServletOutputStream output, byte[] buffer, int offset, int length, Callback callback)
    {
        if (output instanceof HttpOutput jetty)
        {
            jetty.sendContent(ByteBuffer.wrap(buffer, offset, length), callback);
            return true;
        }
        return false;
    }
}
