// A request body read, transformed (JSON edits, JSON to XML) and handed to the proxy as the new body.
package dev.sluice.transform;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.http.ClientText;
import dev.sluice.http.ContentCoding;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * Only JSON bodies ({@code application/json}, {@code +json}) up to {@code max-body} are
 * transformed; others pass untouched (or, over the limit on a route with {@code required}, are
 * refused). A gzip body is decompressed (the limit applies to both sizes) and compressed again;
 * one in another coding passes untouched (415 where transforming is required). Malformed JSON or
 * gzip from a client is the client's error (400). The body is read blocking,
 * bounded by {@code max-body}, which keeps this off routes that do not transform bodies.
 */
public final class RequestBody
{
    private static final ObjectMapper JSON = dev.sluice.http.Json.strictMapper();

    private RequestBody()
    {
    }

    /** Why a request body was refused. */
    public static final class Refused extends Exception
    {
        private final int status;

        Refused(int status, String message)
        {
            super(message, null, false, false);
            this.status = status;
        }

        public int status()
        {
            return status;
        }
    }

    /**
     * The request to forward: the same one when there is nothing to do, or one whose body,
     * Content-Length (and Content-Type, for XML) are the transformed body's.
     */
    public static HttpServletRequest transform(HttpServletRequest request, RouteTransform transform, Template.Source source,
                                               dev.sluice.config.ProxySettings pace) throws IOException, Refused
    {
        String type = request.getContentType();
        String media = dev.sluice.http.MediaTypes.essence(type);
        if (!dev.sluice.http.MediaTypes.json(media))
        {
            return request;
        }
        long declared = request.getContentLengthLong();
        if (!dev.sluice.http.RequestBodies.expected(request))
        {
            return request;
        }
        // A compressed body is JSON too: gzip is undone and done again; another coding cannot be read.
        String coding = ContentCoding.of(request.getHeader("Content-Encoding"));
        boolean gzip = ContentCoding.gzip(coding);
        if (coding != null && !gzip)
        {
            if (transform.required())
            {
                throw new Refused(415, "The request body's Content-Encoding is '" + ClientText.quoted(coding, 32)
                    + "'; this route transforms bodies sent as they are or with gzip.");
            }
            return request;
        }
        if (declared > transform.maxBody())
        {
            if (transform.required())
            {
                throw new Refused(413, "The request body is " + declared + " bytes; this route transforms bodies of at most " + transform.maxBody() + ".");
            }
            return request;
        }
        byte[] head = dev.sluice.http.RequestBodies.readAtMost(request, transform.maxBody() + 1, pace);
        InputStream in = request.getInputStream();
        if (head.length > transform.maxBody())
        {
            if (transform.required())
            {
                throw new Refused(413, "The request body is larger than the " + transform.maxBody() + " bytes this route transforms.");
            }
            // Larger than what is transformed: what was read, then the rest, untouched.
            return new Replaced(request, new SequenceInputStream(new ByteArrayInputStream(head), in), -1, null);
        }
        byte[] plain = head;
        if (gzip)
        {
            try
            {
                plain = ContentCoding.gunzip(head, transform.maxBody());
            }
            catch (IOException x)
            {
                throw new Refused(400, "The request body is not valid gzip, which its Content-Encoding says it is.");
            }
            if (plain == null)
            {
                if (transform.required())
                {
                    throw new Refused(413, "The request body is larger than the " + transform.maxBody() + " bytes this route transforms, once decompressed.");
                }
                return new Replaced(request, new ByteArrayInputStream(head), head.length, null);
            }
        }
        JsonNode tree;
        try
        {
            tree = JSON.readTree(plain);
        }
        catch (JsonProcessingException x)
        {
            String fault = dev.sluice.http.Json.fault(x);
            throw new Refused(400, fault == null ? "The request body is not valid JSON." : "The request body is not valid JSON: " + fault + ".");
        }
        if (tree == null)
        {
            throw new Refused(400, "The request body is not valid JSON.");
        }
        boolean changed = Transforms.json(transform.requestJson(), source, tree);
        byte[] body;
        String contentType = null;
        if (transform.jsonToXmlRoot() != null)
        {
            body = XmlJson.toXml(tree, transform.jsonToXmlRoot());
            contentType = "application/xml";
        }
        else if (!changed)
        {
            return new Replaced(request, new ByteArrayInputStream(head), head.length, null);
        }
        else
        {
            body = JSON.writeValueAsBytes(tree);
        }
        if (gzip)
        {
            // The client's Content-Encoding goes on with the body: it stays what it says.
            body = ContentCoding.gzip(body);
        }
        return new Replaced(request, new ByteArrayInputStream(body), body.length, contentType);
    }

    /** The request with a body already read (by a check that needed it), to be forwarded from memory. */
    public static HttpServletRequest buffered(HttpServletRequest request, byte[] body)
    {
        return new Replaced(request, new ByteArrayInputStream(body), body.length, null);
    }

    /** As above, with a new {@code Content-Type} for the body. */
    public static HttpServletRequest buffered(HttpServletRequest request, byte[] body, String contentType)
    {
        return new Replaced(request, new ByteArrayInputStream(body), body.length, contentType);
    }

    /** Whether the request's body is one this class put in place. */
    public static boolean replaced(HttpServletRequest request) throws IOException
    {
        return request.getInputStream() instanceof Body;
    }

    /** The request with a new body: headers about the body follow it. */
    static final class Replaced extends HttpServletRequestWrapper
    {
        private final Body body;
        private final long length;
        private final String contentType;

        Replaced(HttpServletRequest request, InputStream body, long length, String contentType)
        {
            super(request);
            this.body = new Body(body);
            this.length = length;
            this.contentType = contentType;
        }

        @Override
        public ServletInputStream getInputStream()
        {
            return body;
        }

        @Override
        public int getContentLength()
        {
            return length < 0 ? super.getContentLength() : (int)length;
        }

        @Override
        public long getContentLengthLong()
        {
            return length < 0 ? super.getContentLengthLong() : length;
        }

        @Override
        public String getContentType()
        {
            return contentType != null ? contentType : super.getContentType();
        }

        @Override
        public String getHeader(String name)
        {
            if (length >= 0 && "Content-Length".equalsIgnoreCase(name))
            {
                return Long.toString(length);
            }
            if (length >= 0 && "Transfer-Encoding".equalsIgnoreCase(name))
            {
                return null;
            }
            if (contentType != null && "Content-Type".equalsIgnoreCase(name))
            {
                return contentType;
            }
            return super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name)
        {
            String value = getHeader(name);
            if (length >= 0 && ("Content-Length".equalsIgnoreCase(name) || "Transfer-Encoding".equalsIgnoreCase(name))
                || contentType != null && "Content-Type".equalsIgnoreCase(name))
            {
                return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames()
        {
            List<String> names = new ArrayList<>();
            for (String name : Collections.list(super.getHeaderNames()))
            {
                if (!(length >= 0 && "Transfer-Encoding".equalsIgnoreCase(name)))
                {
                    names.add(name);
                }
            }
            if (length >= 0 && names.stream().noneMatch("Content-Length"::equalsIgnoreCase))
            {
                names.add("Content-Length");
            }
            return Collections.enumeration(names);
        }
    }

    /**
     * The new body. Always ready: it is in memory, or the rest of a body read blocking. A read
     * listener is called at once, as a container would for a body already received.
     */
    static final class Body extends ServletInputStream
    {
        private final InputStream in;
        private boolean finished;

        Body(InputStream in)
        {
            this.in = in;
        }

        @Override
        public boolean isFinished()
        {
            return finished;
        }

        @Override
        public boolean isReady()
        {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener)
        {
            // The reader's end is reported by its owner (the proxy's reader asks replaced()), not here.
            try
            {
                listener.onDataAvailable();
            }
            catch (IOException x)
            {
                listener.onError(x);
            }
        }

        @Override
        public int read() throws IOException
        {
            int b = in.read();
            finished |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException
        {
            int read = in.read(buffer, offset, length);
            finished |= read < 0;
            return read;
        }
    }
}
