package dev.wharf.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental parser for server-sent events (the WHATWG {@code text/event-stream} format) as model
 * providers stream them. Bytes arrive in arbitrary network buffers, so lines are assembled as bytes and
 * decoded only when complete: a multi-byte UTF-8 character or a {@code \r\n} pair split across two
 * buffers is never mangled. Lines end in {@code \n}, {@code \r\n} or {@code \r}; comment lines
 * ({@code :...}) are skipped; several {@code data:} lines join with {@code \n}; a blank line dispatches.
 * Not thread-safe: one parser per response, fed from that response's context.
 */
public final class SseParser {

    /** One dispatched event. {@code event} is null when the stream named none (the spec's "message"). */
    public record Event(String event, String data, String id) {
    }

    private final Consumer<Event> onEvent;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean lastWasCarriageReturn;
    private String eventName;
    private String lastId;
    private StringBuilder data;

    public SseParser(Consumer<Event> onEvent) {
        this.onEvent = onEvent;
    }

    /** Feeds the next chunk of the stream; complete events are dispatched before this returns. */
    public void feed(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n' && lastWasCarriageReturn) {
                // Second half of a \r\n whose \r already ended the line.
                lastWasCarriageReturn = false;
                continue;
            }
            lastWasCarriageReturn = b == '\r';
            if (b == '\n' || b == '\r') {
                processLine(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    public void feed(String text) {
        feed(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The stream ended. A trailing line without its newline is still read, and an event that lacks only
     * its closing blank line is dispatched: some servers close the stream straight after the last data line.
     */
    public void end() {
        if (line.size() > 0) {
            processLine(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
        dispatch();
    }

    private void processLine(String text) {
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            case "event" -> eventName = value;
            case "id" -> lastId = value;
            default -> {
                // "retry" and unknown fields do not matter to a one-shot model call.
            }
        }
    }

    private void dispatch() {
        if (data == null) {
            // The spec drops events without data; an event: line alone resets nothing worth keeping.
            eventName = null;
            return;
        }
        Event event = new Event(eventName, data.toString(), lastId);
        data = null;
        eventName = null;
        onEvent.accept(event);
    }
}
