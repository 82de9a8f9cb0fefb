// An HTTP/1.1 client that sends its whole body before reading gets the answer Sluice or the upstream gave early, not a reset connection.
package dev.sluice.exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Python's {@code http.client} (and so {@code requests}), Java's {@code HttpURLConnection} and
 * many SDKs write the whole request before they read a byte of the answer. When the answer comes
 * first (a 413 from the declared length, a 401, a 502 for an upstream that is down, an
 * upstream's own early 413), Jetty closed the connection with the rest of the body unread, TCP
 * reset it, and such a client failed with "broken pipe" or "connection reset" on a 16 MiB body,
 * never seeing the status. Sluice now reads and drops the rest, as nginx's lingering close does.
 */
class RefusalsOverHttp1Test
{
    private static final int BODY = 16 * 1024 * 1024;

    private static TestUpstream upstream;
    private static ScriptedUpstream early;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        early = new ScriptedUpstream();
        early.scriptBeforeBodyKeptOpen("/held/x", "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "10\r\nupstream says no\r\n0\r\n\r\n");
        early.scriptBeforeBody("/early/x", "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\nContent-Length: 16\r\nConnection: close\r\n\r\nupstream says no");
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.app.url = %s
            route.limited.path = /limited
            route.limited.upstream = app
            route.limited.guard.max-body = 1KB
            consumer.alice.api-key.main = sha256:%s
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key
            route.open.path = /open
            route.open.upstream = app
            upstream.down.url = http://127.0.0.1:%d
            route.down.path = /down
            route.down.upstream = down
            upstream.early.url = %s
            route.early.path = /early
            route.early.upstream = early
            route.held.path = /held
            route.held.upstream = early
            route.ai.path = /v1
            route.ai.ai = on
            ai.max-request-body = 64KB
            ai.provider.oa.type = openai
            ai.provider.oa.base-url = http://127.0.0.1:%d/v1
            ai.provider.oa.api-key = not-used-here-0123456789
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            """.formatted(upstream.url(), java.util.HexFormat.of().formatHex(dev.sluice.auth.ApiKeys.sha256("a-key-for-alice-0123456789")), dev.sluice.testing.Ports.closed(),
            early.url(), dev.sluice.testing.Ports.closed()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        early.close();
        upstream.close();
    }

    @ParameterizedTest
    @CsvSource({"/limited/x, 413, payload-too-large", "/keyed/x, 401, unauthorized", "/down/x, 502, bad-gateway",
        // The upstream's own answer, given before it read the body, then the connection closed.
        "/early/x, 413, upstream says no",
        // The AI front's own limit (ai.max-request-body), which it once met by reading up to 1 MiB blocking.
        "/v1/chat/completions, 413, request_too_large"})
    void aClientThatWritesItsWholeBodyBeforeReadingGetsTheAnswer(String path, int status, String text) throws Exception
    {
        try (Socket socket = connect())
        {
            CompletableFuture<Void> written = writeInBackground(socket, head("POST", path, BODY), BODY);
            written.get(20, TimeUnit.SECONDS);
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
            assertEquals(status, reply.status(), reply.head());
            assertTrue(reply.body().contains(text), reply.body());
        }
    }

    @Test
    void anUpstreamThatAnswersEarlyAndHoldsTheConnectionDoesNotHoldTheAnswer() throws Exception
    {
        // As curl does: the answer is read while the body is being written, and the writing stops
        // once it is in (here after 1 MiB of 16). Jetty's client ends an exchange only once its
        // request is sent, so the 413's last chunk waited for the upstream to close, 20 s later;
        // and then for the rest of a body that was not coming.
        try (Socket socket = connect())
        {
            CompletableFuture<Void> written = writeInBackground(socket, head("POST", "/held/x", BODY), 1024 * 1024);
            long start = System.nanoTime();
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(413, reply.status(), reply.head());
            assertTrue(reply.body().endsWith("0\r\n\r\n") && reply.body().contains("upstream says no"), reply.body());
            assertTrue(millis < 5_000, "the whole answer took " + millis + " ms");
            socket.close();
            written.exceptionally(closed -> null).get(20, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @CsvSource({"/limited/x, 413", "/v1/chat/completions, 413", "/down/x, 502"})
    void aChunkedBodyThatGrowsPastTheLimitIsReadToItsEndToo(String path, int status) throws Exception
    {
        try (Socket socket = connect())
        {
            String head = "POST " + path + " HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            CompletableFuture<Void> written = CompletableFuture.runAsync(() ->
            {
                try
                {
                    OutputStream out = socket.getOutputStream();
                    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                    byte[] piece = new byte[64 * 1024];
                    java.util.Arrays.fill(piece, (byte)' ');
                    byte[] size = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    for (int sent = 0; sent < BODY; sent += piece.length)
                    {
                        out.write(size);
                        out.write(piece);
                        out.write(CRLF);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                catch (IOException x)
                {
                    throw new java.io.UncheckedIOException(x);
                }
            });
            written.get(20, TimeUnit.SECONDS);
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
            assertEquals(status, reply.status(), reply.head());
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    @Test
    void theConnectionServesTheNextRequestOnceTheRefusedBodyIsRead() throws Exception
    {
        try (Socket socket = connect())
        {
            writeInBackground(socket, head("PUT", "/limited/x", BODY), BODY).get(20, TimeUnit.SECONDS);
            assertEquals(413, RawHttp.read(socket.getInputStream()).status());

            OutputStream out = socket.getOutputStream();
            out.write("GET /open/next HTTP/1.1\r\nHost: sluice\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            RawHttp.Reply next = RawHttp.read(socket.getInputStream());
            assertEquals(200, next.status(), next.head());
            assertEquals("/open/next", upstream.take().target());
        }
    }

    @Test
    void aBodyThatStopsComingIsGivenUpOnAfterFiveSecondsOfSilence() throws Exception
    {
        try (Socket socket = connect())
        {
            OutputStream out = socket.getOutputStream();
            out.write(head("PUT", "/limited/x", 1_000_000).getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[100]);
            out.flush();
            InputStream in = socket.getInputStream();
            assertEquals(413, RawHttp.read(in).status());
            long answered = System.nanoTime();
            assertEquals(-1, readUntilClosed(in));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertTrue(millis >= 4_500 && millis < 10_000, "closed " + millis + " ms after the answer");
        }
    }

    @Test
    void aRequestWaitingFor100ContinueIsNotAskedForItsBody() throws Exception
    {
        try (Socket socket = connect())
        {
            OutputStream out = socket.getOutputStream();
            out.write(head("PUT", "/limited/x", BODY).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // Reading the body would have made the container send 100 Continue first.
            RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
            assertEquals(413, reply.status(), reply.head());
        }
    }

    private static Socket connect() throws IOException
    {
        Socket socket = new Socket("127.0.0.1", sluice.port());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String head(String method, String path, long length)
    {
        return method + " " + path + " HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /** Writes the head and the body on another thread, as one blocking write after another. */
    private static CompletableFuture<Void> writeInBackground(Socket socket, String head, int length)
    {
        return CompletableFuture.runAsync(() ->
        {
            try
            {
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                byte[] piece = new byte[64 * 1024];
                for (int sent = 0; sent < length; sent += piece.length)
                {
                    out.write(piece, 0, Math.min(piece.length, length - sent));
                }
                out.flush();
            }
            catch (IOException x)
            {
                throw new java.io.UncheckedIOException(x);
            }
        });
    }

    private static int readUntilClosed(InputStream in)
    {
        try
        {
            while (in.read() >= 0)
            {
                // Nothing more is expected; any byte would be a second answer.
            }
            return -1;
        }
        catch (IOException reset)
        {
            // Closed with unread bytes: a reset, which is closed too.
            return -1;
        }
    }
}
