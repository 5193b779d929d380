package dev.wharf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
    private final List<SseParser.Event> events = new ArrayList<>();
    private final SseParser parser = new SseParser(events::add);

    @Test
    void eventsSplitAcrossBuffersAtEveryPossiblePointParseTheSame() {
        byte[] stream = ("event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
                + ": keep-alive comment\r\n"
                + "data: first line\r\ndata: second line\r\nid: 7\r\n\r\n"
                + "data:no-space\n\n").getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= stream.length; cut++) {
            List<SseParser.Event> seen = new ArrayList<>();
            SseParser split = new SseParser(seen::add);
            split.feed(Arrays.copyOfRange(stream, 0, cut));
            split.feed(Arrays.copyOfRange(stream, cut, stream.length));
            split.end();
            assertEquals(List.of(
                    new SseParser.Event("message_start", "{\"a\":1}", null),
                    new SseParser.Event(null, "first line\nsecond line", "7"),
                    new SseParser.Event(null, "no-space", "7")), seen, "cut at byte " + cut);
        }
    }

    @Test
    void multiByteCharactersSplitAcrossBuffersSurvive() {
        byte[] stream = "data: héllo → 世界\n\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < stream.length; i++) {
            parser.feed(new byte[] {stream[i]});
        }
        assertEquals(List.of(new SseParser.Event(null, "héllo → 世界", null)), events);
    }

    @Test
    void bareCarriageReturnsEndLines() {
        parser.feed("data: a\rdata: b\r\r");
        assertEquals(List.of(new SseParser.Event(null, "a\nb", null)), events);
    }

    @Test
    void anEventMissingOnlyItsBlankLineIsDispatchedAtTheEnd() {
        parser.feed("data: [DONE]");
        assertEquals(List.of(), events);
        parser.end();
        assertEquals(List.of(new SseParser.Event(null, "[DONE]", null)), events);
    }

    @Test
    void eventsWithoutDataAreDropped() {
        parser.feed("event: ping\n\n: just a comment\n\nretry: 100\n\n");
        parser.end();
        assertEquals(List.of(), events);
    }
}
