// The launcher's outermost handler: gzips answers on their way to clients that accept gzip, as compression.* says.
package dev.sluice.launcher;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

import dev.sluice.cache.CacheControl;
import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.CompressionSettings;
import dev.sluice.http.MediaTypes;
import dev.sluice.route.RouteMatch;
import org.eclipse.jetty.compression.gzip.GzipCompression;
import org.eclipse.jetty.compression.gzip.GzipEncoderConfig;
import org.eclipse.jetty.compression.gzip.internal.GzipEncoderSink;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.compression.DeflaterPool;

/**
 * Decides per answer, when its first bytes are written (the route and the upstream's fields are
 * known then), and leaves the encoding to Jetty's {@link GzipCompression}, which writes
 * asynchronously through Jetty's buffer pool. Every write is flushed through the deflater, so a
 * streamed answer reaches the client as it arrives, as nginx's gzip does when the upstream
 * flushes.
 *
 * <p>Not compressed: a client that does not accept gzip, {@code HEAD}, statuses without content
 * and {@code 206}, an answer that already has a {@code Content-Encoding} or a
 * {@code Content-Range}, one marked {@code Cache-Control: no-transform} (RFC 9110 §7.7) or
 * carrying a digest of its bytes, a media
 * type not in {@code compression.types} or none, gRPC, and one whose {@code Content-Length} is below
 * {@code compression.min-size}. A compressed answer loses its {@code Content-Length} and its
 * {@code ETag} becomes weak (nginx's choice: the bytes differ, the representation does not); every
 * answer of a listed type gets {@code Vary: Accept-Encoding}, compressed or not, so caches
 * downstream keep the two apart.</p>
 *
 * <p>Jetty's own {@code CompressionHandler} was not used: it compresses ranges, ignores
 * {@code no-transform}, cannot tell routes apart and decompresses request bodies unless told not
 * to.</p>
 */
final class ResponseCompression extends Handler.Wrapper
{
    /**
     * Deflaters kept for reuse per level; more are made when more answers are compressed at once.
     * Each holds ~260 KiB of native memory (zlib: 256 KiB at the default window and memory level), so Jetty's default of 1,024 is not kept.
     */
    private static final int POOLED_DEFLATERS = 64;

    /**
     * Input and output buffers of an answer's encoder. Jetty's default of 512 bytes flushed the
     * deflater and wrote a chunk to the client for every 512 bytes of input.
     */
    private static final int ENCODER_BUFFER_BYTES = 32 * 1024;

    private final WebAppContext webapp;
    private volatile ConfigStore store;
    /** Per level, 1 to 9: an encoder configuration and a pool of deflaters made at that level. */
    private final GzipCompression[] gzip = new GzipCompression[10];
    private final GzipEncoderConfig[] levels = new GzipEncoderConfig[10];

    ResponseCompression(Handler handler, WebAppContext webapp)
    {
        super(handler);
        this.webapp = webapp;
        for (int level = 1; level < levels.length; level++)
        {
            GzipEncoderConfig config = new GzipEncoderConfig();
            config.setCompressionLevel(level);
            config.setSyncFlush(true);
            config.setBufferSize(ENCODER_BUFFER_BYTES);
            levels[level] = config;
            // The pool's deflaters are made at the configuration's level: the JDK's Deflater, told
            // a new level, only applies it on the next deflate and does not flush that one, so a
            // streamed answer's first part would wait for the second.
            gzip[level] = new GzipCompression();
            gzip[level].setDeflaterPool(new DeflaterPool(POOLED_DEFLATERS, level, true));
            addBean(gzip[level]);
        }
    }

    @Override
    protected void doStart() throws Exception
    {
        for (int level = 1; level < gzip.length; level++)
        {
            gzip[level].setByteBufferPool(getServer().getByteBufferPool());
        }
        super.doStart();
        webapp.setAttribute(CompressionSettings.APPLIED_ATTRIBUTE, Boolean.TRUE);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        CompressionSettings settings = current();
        if (settings == null || !settings.anywhere() || HttpMethod.HEAD.is(request.getMethod()))
        {
            return super.handle(request, response, callback);
        }
        Compressing compressing = new Compressing(request, response, acceptsGzip(request.getHeaders()));
        return super.handle(request, compressing, new Callback.Nested(callback)
        {
            @Override
            public void failed(Throwable x)
            {
                compressing.abandon();
                super.failed(x);
            }
        });
    }

    /** Deflaters taken from the pools and not yet given back. */
    int deflatersInUse()
    {
        int inUse = 0;
        for (int level = 1; level < gzip.length; level++)
        {
            inUse += gzip[level].getDeflaterPool().getPool().getInUseCount();
        }
        return inUse;
    }

    /** The configuration's compression now; null until the web application has loaded one. */
    private CompressionSettings current()
    {
        ConfigStore known = store;
        if (known == null && webapp.getServletContext().getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore loaded)
        {
            store = known = loaded;
        }
        return known == null ? null : known.current().compression();
    }

    /**
     * Whether {@code Accept-Encoding} lists gzip (or {@code x-gzip}, or {@code *} without
     * excluding gzip) with a quality above zero.
     */
    static boolean acceptsGzip(HttpFields headers)
    {
        Boolean gzip = null;
        Boolean any = null;
        for (HttpField field : headers)
        {
            if (field.getHeader() != HttpHeader.ACCEPT_ENCODING)
            {
                continue;
            }
            for (String element : field.getValue().split(","))
            {
                int semicolon = element.indexOf(';');
                String coding = (semicolon < 0 ? element : element.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
                boolean accepted = semicolon < 0 || quality(element.substring(semicolon + 1)) > 0;
                switch (coding)
                {
                    case "gzip", "x-gzip" -> gzip = gzip == null ? accepted : gzip || accepted;
                    case "*" -> any = accepted;
                    default ->
                    {
                    }
                }
            }
        }
        return gzip != null ? gzip : any != null && any;
    }

    /** The {@code q} parameter's value among a coding's parameters; 1 when absent, 0 when unreadable. */
    private static double quality(String parameters)
    {
        for (String parameter : parameters.split(";"))
        {
            String trimmed = parameter.trim();
            if (trimmed.length() > 2 && (trimmed.charAt(0) == 'q' || trimmed.charAt(0) == 'Q') && trimmed.charAt(1) == '=')
            {
                try
                {
                    return Double.parseDouble(trimmed.substring(2).trim());
                }
                catch (NumberFormatException x)
                {
                    return 0;
                }
            }
        }
        return 1;
    }

    /** Decides at the first write; from then on every write goes through the encoder or straight on. */
    private final class Compressing extends Response.Wrapper
    {
        private final boolean clientAcceptsGzip;
        private boolean decided;
        private GzipSink encoder;
        private Exchange exchange;
        // Guarded by this: whether a write is in the encoder, the last one has been given to it,
        // the answer was abandoned, and its deflater given back.
        private boolean writing;
        private boolean lastGiven;
        private boolean abandoned;
        private boolean freed;

        Compressing(Request request, Response wrapped, boolean clientAcceptsGzip)
        {
            super(request, wrapped);
            this.clientAcceptsGzip = clientAcceptsGzip;
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback)
        {
            if (!decided)
            {
                decided = true;
                encoder = decide(last, content);
            }
            if (encoder == null)
            {
                super.write(last, content, callback);
                return;
            }
            exchange.compressed(content == null ? 0 : content.remaining(), 0);
            synchronized (this)
            {
                writing = true;
                lastGiven |= last;
            }
            encoder.write(last, content, Callback.from(callback.getInvocationType(), () ->
            {
                written();
                callback.succeeded();
            }, failure ->
            {
                written();
                callback.failed(failure);
            }));
        }

        private void written()
        {
            boolean free;
            synchronized (this)
            {
                writing = false;
                free = abandoned && !lastGiven && !freed;
                freed |= free;
            }
            if (free)
            {
                encoder.free();
            }
        }

        /**
         * The answer ends without its last write (the client or the upstream went away): the
         * encoder would keep its deflater out of the pool for good, as Jetty's gives it back only
         * after a last write. Given back here, or when the write in progress is done.
         */
        void abandon()
        {
            boolean free;
            synchronized (this)
            {
                abandoned = true;
                free = encoder != null && !writing && !lastGiven && !freed;
                freed |= free;
            }
            if (free)
            {
                encoder.free();
            }
        }

        /** The encoder when this answer is compressed, else null; sets the fields either way. */
        private GzipSink decide(boolean last, ByteBuffer content)
        {
            if (!(getRequest().getAttribute(Exchange.ATTRIBUTE) instanceof Exchange exchange))
            {
                // Jetty's own error answers: small, and of no route.
                return null;
            }
            CompressionSettings settings = exchange.settings().compression();
            RouteMatch match = exchange.routeMatch();
            if (!settings.appliesTo(match == null ? null : match.route().name()))
            {
                return null;
            }
            int status = getStatus();
            HttpFields.Mutable fields = getHeaders();
            if (status < 200 || status == HttpStatus.NO_CONTENT_204 || status == HttpStatus.RESET_CONTENT_205
                || status == HttpStatus.PARTIAL_CONTENT_206 || status == HttpStatus.NOT_MODIFIED_304
                || !settings.compressible(MediaTypes.essence(fields.get(HttpHeader.CONTENT_TYPE)))
                || fields.contains(HttpHeader.CONTENT_ENCODING) || fields.contains(HttpHeader.CONTENT_RANGE) || noTransform(fields)
                || digested(fields))
            {
                return null;
            }
            fields.ensureField(VARY_ACCEPT_ENCODING);
            long length = fields.getLongField(HttpHeader.CONTENT_LENGTH);
            if (length < 0 && last)
            {
                length = content == null ? 0 : content.remaining();
            }
            if (!clientAcceptsGzip || (length >= 0 && length < settings.minSize()))
            {
                return null;
            }
            GzipCompression compression = gzip[settings.level()];
            fields.put(compression.getContentEncodingField());
            fields.remove(HttpHeader.CONTENT_LENGTH);
            String etag = fields.get(HttpHeader.ETAG);
            if (etag != null && etag.startsWith("\""))
            {
                fields.put(HttpHeader.ETAG, "W/" + etag);
            }
            this.exchange = exchange;
            // What leaves the encoder is what the client is sent: counted for the log and metrics.
            Response wrapped = getWrapped();
            Content.Sink counted = (lastPart, bytes, written) ->
            {
                exchange.compressed(0, bytes == null ? 0 : bytes.remaining());
                wrapped.write(lastPart, bytes, written);
            };
            return new GzipSink(compression, counted, levels[settings.level()]);
        }
    }

    /** Jetty's gzip encoder, whose deflater can be given back when the answer is abandoned. */
    private static final class GzipSink extends GzipEncoderSink
    {
        GzipSink(GzipCompression compression, Content.Sink sink, GzipEncoderConfig config)
        {
            super(compression, sink, config);
        }

        void free()
        {
            release();
        }
    }

    private static final HttpField VARY_ACCEPT_ENCODING = new HttpField(HttpHeader.VARY, HttpHeader.ACCEPT_ENCODING.asString());

    /**
     * Whether the answer carries a digest of its bytes (RFC 9530's {@code Content-Digest} and
     * {@code Repr-Digest}, RFC 3230's {@code Digest}, {@code Content-MD5}): compressed, it would
     * no longer match them, and a client checking would take it for corrupt.
     */
    private static boolean digested(HttpFields fields)
    {
        return fields.contains("Content-Digest") || fields.contains("Repr-Digest") || fields.contains("Digest") || fields.contains(HttpHeader.CONTENT_MD5);
    }

    /** {@code Cache-Control: no-transform}, read as the cache reads the field. */
    private static boolean noTransform(HttpFields fields)
    {
        List<String> values = fields.getValuesList(HttpHeader.CACHE_CONTROL);
        return !values.isEmpty() && CacheControl.parse(values).has("no-transform");
    }
}
