// The event-stream parser against every way a provider's bytes can be cut.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseParserTest
{
    private static List<String> parse(String stream, int... cuts)
    {
        List<String> events = new ArrayList<>();
        SseParser parser = new SseParser((event, data) -> events.add(event + "|" + data), 1024);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        int at = 0;
        for (int cut : cuts)
        {
            parser.feed(bytes, at, cut - at);
            at = cut;
        }
        parser.feed(bytes, at, bytes.length - at);
        return events;
    }

    @Test
    void eventsSplitAtEveryPossibleByteComeOutTheSame()
    {
        String stream = "event: message_start\r\ndata: {\"a\":1}\r\n\r\n: keep-alive\r\n\r\ndata: {\"b\":\"é\"}\n\ndata: line one\ndata: line two\n\n";
        List<String> expected = List.of("message_start|{\"a\":1}", "null|{\"b\":\"é\"}", "null|line one\nline two");
        assertEquals(expected, parse(stream));
        int length = stream.getBytes(StandardCharsets.UTF_8).length;
        for (int cut = 1; cut < length; cut++)
        {
            assertEquals(expected, parse(stream, cut), "cut at " + cut);
            for (int second = cut + 1; second < length; second += 3)
            {
                assertEquals(expected, parse(stream, cut, second), "cuts at " + cut + " and " + second);
            }
        }
    }

    @Test
    void severalEventsInOneReadAndLoneCarriageReturns()
    {
        assertEquals(List.of("x|1", "null|2", "null|3"), parse("event:x\rdata:1\r\rdata: 2\n\ndata: 3\r\n\r\n"));
    }

    @Test
    void commentsAndFieldsWithoutDataDispatchNothing()
    {
        assertEquals(List.of(), parse(": ping\n\nid: 4\nretry: 100\n\nevent: ping\n\n"));
        assertEquals(List.of("null|"), parse("data\n\n"), "a data line without colon is an empty data field");
    }

    @Test
    void anEventLargerThanTheLimitIsRefused()
    {
        SseParser parser = new SseParser((event, data) -> { }, 1024);
        byte[] big = ("data: " + "x".repeat(2000)).getBytes(StandardCharsets.UTF_8);
        assertThrows(SseParser.TooLarge.class, () -> parser.feed(big, 0, big.length));
        SseParser lines = new SseParser((event, data) -> { }, 1024);
        byte[] many = "data: xxxxxxxxxx\n".repeat(200).getBytes(StandardCharsets.UTF_8);
        assertThrows(SseParser.TooLarge.class, () -> lines.feed(many, 0, many.length), "many data lines of one event add up");
    }
}
