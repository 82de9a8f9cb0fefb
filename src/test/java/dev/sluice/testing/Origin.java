// A loopback origin for cache tests: each path answers what the test scripted, and counts what it saw.
package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@link #script} sets how a path answers (a function of the request, so a test can answer 304
 * to a conditional request). Every request is recorded per path, headers included.
 */
public final class Origin implements AutoCloseable
{
    /** One scripted answer. */
    public record Answer(int status, List<String[]> headers, String body, long delayMillis)
    {
        public static Answer of(int status, String body, String... headerPairs)
        {
            List<String[]> headers = new java.util.ArrayList<>();
            for (int i = 0; i + 1 < headerPairs.length; i += 2)
            {
                headers.add(new String[] {headerPairs[i], headerPairs[i + 1]});
            }
            return new Answer(status, headers, body, 0);
        }

        public Answer delayed(long millis)
        {
            return new Answer(status, headers, body, millis);
        }
    }

    private final TestUpstream server;
    private final Map<String, Function<Request, Answer>> scripts = new ConcurrentHashMap<>();
    private final Map<String, List<HttpFields>> seen = new ConcurrentHashMap<>();

    public Origin() throws Exception
    {
        server = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                String path = request.getHttpURI().getPath();
                TestUpstream.record(request);
                seen.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(HttpFields.build(request.getHeaders()).asImmutable());
                Function<Request, Answer> script = scripts.getOrDefault(path, r -> Answer.of(200, "default"));
                Answer answer = script.apply(request);
                if (answer.delayMillis() > 0)
                {
                    Thread.sleep(answer.delayMillis());
                }
                response.setStatus(answer.status());
                for (String[] header : answer.headers())
                {
                    response.getHeaders().add(header[0], header[1]);
                }
                if (answer.body() == null || answer.status() == 304 || answer.status() == 204)
                {
                    callback.succeeded();
                }
                else
                {
                    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
                    response.getHeaders().put("Content-Length", bytes.length);
                    response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
                }
                return true;
            }
        });
    }

    public void script(String path, Function<Request, Answer> answer)
    {
        scripts.put(path, answer);
    }

    public void script(String path, Answer answer)
    {
        scripts.put(path, request -> answer);
    }

    /** How many requests reached this path. */
    public int count(String path)
    {
        return seen.getOrDefault(path, List.of()).size();
    }

    /** The headers of the n-th request (0-based) to this path. */
    public HttpFields request(String path, int index)
    {
        return seen.get(path).get(index);
    }

    public String url()
    {
        return server.url();
    }

    @Override
    public void close() throws Exception
    {
        server.close();
    }

}
