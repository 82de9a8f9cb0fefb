// 1 GiB each way through a Sluice JVM capped at 128 MiB of heap.
package dev.sluice.proxy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.zip.CRC32;

import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bodies are streamed, never buffered whole: 1 GiB goes up and 1 GiB comes down through a Sluice
 * whose heap is capped at 128 MiB (a separate JVM, so the cap is real). The peak resident size
 * of that JVM is printed for the record.
 */
class StreamingTest
{
    private static final long GIB = 1L << 30;
    private static final int CHUNK = 256 * 1024;
    private static TestUpstream upstream;
    private static SluiceProcess sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                if (request.getMethod().equals("GET"))
                {
                    response.getHeaders().put("Content-Type", "application/octet-stream");
                    try (OutputStream out = Content.Sink.asOutputStream(response))
                    {
                        byte[] chunk = pattern();
                        for (long sent = 0; sent < GIB; sent += chunk.length)
                        {
                            out.write(chunk);
                        }
                    }
                    callback.succeeded();
                    return true;
                }
                CRC32 crc = new CRC32();
                long total = 0;
                byte[] buffer = new byte[CHUNK];
                try (InputStream in = Content.Source.asInputStream(request))
                {
                    int read;
                    while ((read = in.read(buffer)) >= 0)
                    {
                        crc.update(buffer, 0, read);
                        total += read;
                    }
                }
                Content.Sink.write(response, true, total + " " + Long.toHexString(crc.getValue()), callback);
                return true;
            }
        });
        sluice = SluiceProcess.start("upstream.app.url = " + upstream.url() + "\nroute.app.path = /\nroute.app.upstream = app\n",
            List.of("-Xmx128m"));
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (sluice != null)
        {
            System.out.println("StreamingTest: Sluice JVM (-Xmx128m) peak resident memory after 1 GiB up and 1 GiB down: "
                + sluice.peakResidentKiB() / 1024 + " MiB");
            sluice.close();
        }
        upstream.close();
    }

    private static byte[] pattern()
    {
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < chunk.length; i++)
        {
            chunk[i] = (byte)(i * 31 + 7);
        }
        return chunk;
    }

    @Test
    void aOneGibUploadStreamsThrough() throws Exception
    {
        HttpURLConnection connection = (HttpURLConnection)sluice.uri("/upload").toURL().openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setChunkedStreamingMode(CHUNK);
        CRC32 crc = new CRC32();
        byte[] chunk = pattern();
        try (OutputStream out = connection.getOutputStream())
        {
            for (long sent = 0; sent < GIB; sent += chunk.length)
            {
                out.write(chunk);
                crc.update(chunk);
            }
        }
        assertEquals(200, connection.getResponseCode());
        try (InputStream in = connection.getInputStream())
        {
            assertEquals(GIB + " " + Long.toHexString(crc.getValue()), new String(in.readAllBytes()));
        }
    }

    @Test
    void aOneGibDownloadStreamsThrough() throws Exception
    {
        HttpURLConnection connection = (HttpURLConnection)sluice.uri("/download").toURL().openConnection();
        assertEquals(200, connection.getResponseCode());
        CRC32 expected = new CRC32();
        byte[] chunk = pattern();
        for (long sent = 0; sent < GIB; sent += chunk.length)
        {
            expected.update(chunk);
        }
        CRC32 actual = new CRC32();
        long total = 0;
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = connection.getInputStream())
        {
            int read;
            while ((read = in.read(buffer)) >= 0)
            {
                actual.update(buffer, 0, read);
                total += read;
            }
        }
        assertEquals(GIB, total);
        assertEquals(expected.getValue(), actual.getValue());
    }
}
