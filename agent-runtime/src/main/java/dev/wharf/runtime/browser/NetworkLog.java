package dev.wharf.runtime.browser;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What Chromium's network log ({@code --log-net-log}) says about the page it loaded: the HTTP status of the main
 * document, and what the proxy answered to each CONNECT. {@code --dump-dom} prints neither, and both are how a page
 * refused by the egress proxy differs from any other: a 403 to a plain-HTTP request, or a 403 to the CONNECT of an
 * HTTPS one (which Chromium reports only as {@code net::ERR_TUNNEL_CONNECTION_FAILED}).
 *
 * <p>The log is JSON: {@code {"constants": {"logEventTypes": {name: number}, ...}, "events": [...]}}, constants first,
 * each event {@code {"params": {...}, "phase": 0|1|2, "source": {"id": n, ...}, "type": n}}. It is read as a stream,
 * keeping only the few fields below, so a page with many requests costs no memory; a log that is missing, truncated
 * (Chromium killed at its deadline), oversized or not a network log yields what was read so far, possibly nothing.
 * Chromium runs as the sandbox user, who can write the file, so it is opened without following a link.
 */
final class NetworkLog {

    /** Far above a heavy page's log (a few MB); past it the log is not read. */
    static final long MAX_BYTES = 64L << 20;
    /** Sources remembered; a page making more requests than this loses only the status of the later ones. */
    private static final int MAX_SOURCES = 100_000;
    private static final JsonFactory JSON = new JsonFactory();

    private static final String START_JOB = "URL_REQUEST_START_JOB";
    private static final String RESPONSE_HEADERS = "HTTP_TRANSACTION_READ_RESPONSE_HEADERS";
    private static final String TUNNEL_REQUEST = "HTTP_TRANSACTION_SEND_TUNNEL_HEADERS";
    private static final String TUNNEL_RESPONSE = "HTTP_TRANSACTION_READ_TUNNEL_RESPONSE_HEADERS";
    private static final String MAIN_FRAME = "main frame";
    private static final int PHASE_BEGIN = 1;

    /**
     * @param mainDocument the last main-frame request's address, if the log has one
     * @param statusLine   its last response's status line ({@code HTTP/1.1 403 Forbidden}), after any redirects
     * @param tunnels      per CONNECT target ({@code host:port}), the status line of the proxy's last answer
     * @param lastEvent    the type of the last event logged for the main document's request (its network log name)
     */
    record Navigation(Optional<String> mainDocument, Optional<String> statusLine, Map<String, String> tunnels,
                      Optional<String> lastEvent) {

        static final Navigation UNKNOWN = new Navigation(Optional.empty(), Optional.empty(), Map.of(),
                Optional.empty());

        Navigation(Optional<String> mainDocument, Optional<String> statusLine, Map<String, String> tunnels) {
            this(mainDocument, statusLine, tunnels, Optional.empty());
        }

        /** For a load that never finished: how far the main document's request got, as the log tells it. */
        String progress() {
            if (mainDocument.isEmpty()) {
                return "Chromium never started to request the page";
            }
            return "the request for " + mainDocument.get() + " got as far as "
                    + lastEvent.orElse("its start") + statusLine.map(line -> " (the answer was " + line + ")")
                    .orElse(" with no answer");
        }

        /** The proxy's answer to the CONNECT for this address's host and port, if it refused one. */
        Optional<String> tunnelStatusFor(URI url) {
            int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
            String host = url.getHost() == null ? "" : url.getHost();
            return Optional.ofNullable(tunnels.get(host.toLowerCase(Locale.ROOT) + ":" + port));
        }
    }

    private NetworkLog() {
    }

    static Navigation read(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() || attributes.size() > MAX_BYTES) {
                return Navigation.UNKNOWN;
            }
        } catch (IOException e) {
            return Navigation.UNKNOWN;
        }
        Reader reader = new Reader();
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             JsonParser parser = JSON.createParser(in)) {
            reader.read(parser);
        } catch (IOException | RuntimeException e) {
            // Truncated or malformed: what was read up to here still counts.
        }
        return reader.navigation();
    }

    /** The streaming state: event type numbers, then what each source said. */
    private static final class Reader {
        private final Map<String, Integer> types = new HashMap<>();
        private final Map<Integer, String> typeNames = new HashMap<>();
        private final Map<Long, String> lastEvents = new HashMap<>();
        private final Map<Long, String> mainFrames = new HashMap<>();
        private final Map<Long, String> statusLines = new HashMap<>();
        private final Map<Long, String> tunnelTargets = new HashMap<>();
        private final Map<String, String> tunnels = new HashMap<>();
        private long lastMainFrame = -1;

        void read(JsonParser parser) throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                if ("constants".equals(field) && value == JsonToken.START_OBJECT) {
                    readConstants(parser);
                } else if ("events".equals(field) && value == JsonToken.START_ARRAY && !types.isEmpty()) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        readEvent(parser);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }

        private void readConstants(JsonParser parser) throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                if ("logEventTypes".equals(field) && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.getCurrentName();
                        if (parser.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                            types.put(name, parser.getIntValue());
                            typeNames.put(parser.getIntValue(), name);
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }

        /** Fields come in any order (Chromium writes params before type), so the few that matter are kept first. */
        private void readEvent(JsonParser parser) throws IOException {
            int type = -1;
            int phase = 0;
            long source = -1;
            String url = null;
            String requestType = null;
            String line = null;
            String firstHeader = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                    type = parser.getIntValue();
                } else if ("phase".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
                    phase = parser.getIntValue();
                } else if ("source".equals(field) && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.getCurrentName();
                        if (parser.nextToken() == JsonToken.VALUE_NUMBER_INT && "id".equals(name)) {
                            source = parser.getLongValue();
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else if ("params".equals(field) && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.getCurrentName();
                        JsonToken parameter = parser.nextToken();
                        if (parameter == JsonToken.VALUE_STRING) {
                            switch (name) {
                                case "url" -> url = parser.getText();
                                case "request_type" -> requestType = parser.getText();
                                case "line" -> line = parser.getText();
                                default -> { }
                            }
                        } else if ("headers".equals(name) && parameter == JsonToken.START_ARRAY) {
                            for (JsonToken header = parser.nextToken(); header != null && header != JsonToken.END_ARRAY;
                                    header = parser.nextToken()) {
                                if (firstHeader == null && header == JsonToken.VALUE_STRING) {
                                    firstHeader = parser.getText();
                                }
                                parser.skipChildren();
                            }
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
            record(type, phase, source, url, requestType, line, firstHeader);
        }

        private void record(int type, int phase, long source, String url, String requestType, String line,
                            String firstHeader) {
            if (source < 0 || type < 0 || mainFrames.size() + statusLines.size() + tunnelTargets.size() + lastEvents.size() > MAX_SOURCES) {
                return;
            }
            if (mainFrames.containsKey(source) && typeNames.containsKey(type)) {
                lastEvents.put(source, typeNames.get(type));
            }
            if (type == typeOf(START_JOB) && phase == PHASE_BEGIN && MAIN_FRAME.equals(requestType) && url != null) {
                lastEvents.put(source, START_JOB);
                mainFrames.put(source, url);
                lastMainFrame = source;
            } else if (type == typeOf(RESPONSE_HEADERS) && firstHeader != null && mainFrames.containsKey(source)) {
                statusLines.put(source, firstHeader);
            } else if (type == typeOf(TUNNEL_REQUEST) && line != null) {
                // "CONNECT shop.example:443 HTTP/1.1"
                String[] parts = line.split(" ");
                if (parts.length >= 2 && "CONNECT".equals(parts[0])) {
                    tunnelTargets.put(source, parts[1].toLowerCase(Locale.ROOT));
                }
            } else if (type == typeOf(TUNNEL_RESPONSE) && firstHeader != null && tunnelTargets.containsKey(source)) {
                tunnels.put(tunnelTargets.get(source), firstHeader);
            }
        }

        private int typeOf(String name) {
            Integer number = types.get(name);
            return number == null ? Integer.MIN_VALUE : number;
        }

        Navigation navigation() {
            if (lastMainFrame < 0) {
                return new Navigation(Optional.empty(), Optional.empty(), Map.copyOf(tunnels));
            }
            return new Navigation(Optional.of(mainFrames.get(lastMainFrame)),
                    Optional.ofNullable(statusLines.get(lastMainFrame)), Map.copyOf(tunnels),
                    Optional.ofNullable(lastEvents.get(lastMainFrame)));
        }
    }
}
