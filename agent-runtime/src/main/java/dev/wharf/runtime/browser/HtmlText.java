package dev.wharf.runtime.browser;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the HTML of a rendered page into what a reader sees: the title, the visible text with one
 * block per line, and the links. It is a small forgiving scanner, not an HTML parser: its input is
 * Chromium's serialisation of the live DOM, which is well formed, and a page it misreads only
 * costs the model some noise. One instance reads one page.
 */
public final class HtmlText {

    /** Links beyond this many are dropped; navigation-heavy pages have hundreds. */
    static final int MAX_LINKS = 100;
    /** A link's text is cut here; some sites wrap whole cards in one anchor. */
    static final int MAX_LINK_TEXT_CHARS = 200;

    /** Elements whose content a reader never sees as text, or that is navigation noise. */
    private static final Set<String> SKIPPED = Set.of("script", "style", "noscript", "template", "svg", "math",
            "canvas", "iframe", "object", "nav");
    /** Elements whose content is text up to their end tag, never markup. */
    private static final Set<String> RAW_TEXT = Set.of("script", "style", "noscript", "iframe", "textarea",
            "title", "xmp");
    /** Elements set off from their surroundings by a blank line. */
    private static final Set<String> PARAGRAPHS = Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table",
            "blockquote", "figure", "ul", "ol", "dl");
    /** Elements that start a new line. */
    private static final Set<String> LINES = Set.of("address", "article", "aside", "body", "br", "caption", "dd",
            "details", "dialog", "div", "dt", "fieldset", "figcaption", "footer", "form", "header", "hr", "li",
            "main", "section", "summary", "tbody", "tfoot", "thead", "tr");
    private static final Set<String> CELLS = Set.of("td", "th");
    private static final Map<String, String> NAMED_ENTITIES = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"), Map.entry("mdash", "\u2014"),
            Map.entry("ndash", "\u2013"), Map.entry("hellip", "\u2026"), Map.entry("copy", "\u00a9"),
            Map.entry("reg", "\u00ae"), Map.entry("trade", "\u2122"), Map.entry("lsquo", "\u2018"),
            Map.entry("rsquo", "\u2019"), Map.entry("ldquo", "\u201c"), Map.entry("rdquo", "\u201d"),
            Map.entry("laquo", "\u00ab"), Map.entry("raquo", "\u00bb"), Map.entry("middot", "\u00b7"),
            Map.entry("bull", "\u2022"), Map.entry("euro", "\u20ac"), Map.entry("pound", "\u00a3"),
            Map.entry("deg", "\u00b0"), Map.entry("times", "\u00d7"));
    /** The longest entity name above, so a stray {@code &} does not start a long search. */
    private static final int MAX_ENTITY_LENGTH = 8;

    private final String html;
    private final StringBuilder text = new StringBuilder();
    private final Map<String, String> links = new LinkedHashMap<>();
    private URI base;
    private String title = "";
    /** How many skipped elements we are inside; text counts only at 0. */
    private int skipDepth;
    private int preDepth;
    private StringBuilder anchorText;
    private Map<String, String> anchorAttributes;

    private HtmlText(String html, URI base) {
        this.html = html;
        this.base = base;
    }

    /**
     * @param base the page's address, against which relative links resolve (a {@code <base href>}
     *             on the page takes over); null leaves relative links out
     */
    public static ReadablePage read(String html, URI base) {
        HtmlText reader = new HtmlText(html, base);
        reader.scan();
        List<PageLink> links = new ArrayList<>();
        reader.links.forEach((url, text) -> links.add(new PageLink(url, text)));
        return new ReadablePage(reader.title, reader.text.toString().strip(), links);
    }

    private void scan() {
        int length = html.length();
        int at = 0;
        while (at < length) {
            if (html.charAt(at) == '<') {
                int next = markup(at);
                if (next > at) {
                    at = next;
                    continue;
                }
            }
            int end = html.indexOf('<', at + 1);
            end = end < 0 ? length : end;
            characters(html.substring(at, end));
            at = end;
        }
        endAnchor();
    }

    /** Consumes the markup starting at {@code at}; returns where scanning continues, or {@code at} if it is text. */
    private int markup(int at) {
        int length = html.length();
        if (html.startsWith("<!--", at)) {
            int end = html.indexOf("-->", at + 4);
            return end < 0 ? length : end + 3;
        }
        if (at + 1 < length && (html.charAt(at + 1) == '!' || html.charAt(at + 1) == '?')) {
            int end = html.indexOf('>', at);
            return end < 0 ? length : end + 1;
        }
        boolean closing = at + 1 < length && html.charAt(at + 1) == '/';
        int nameStart = closing ? at + 2 : at + 1;
        if (nameStart >= length || !Character.isLetter(html.charAt(nameStart))) {
            return at;
        }
        Tag tag = Tag.parse(html, nameStart);
        if (closing) {
            endTag(tag.name);
            return tag.end;
        }
        if (!RAW_TEXT.contains(tag.name) || tag.selfClosing) {
            startTag(tag);
            return tag.end;
        }
        int close = indexOfIgnoreCase("</" + tag.name, tag.end);
        String content = html.substring(tag.end, close < 0 ? length : close);
        rawText(tag, content);
        if (close < 0) {
            return length;
        }
        int end = html.indexOf('>', close);
        return end < 0 ? length : end + 1;
    }

    private void startTag(Tag tag) {
        String name = tag.name;
        if (SKIPPED.contains(name)) {
            if (!tag.selfClosing) {
                skipDepth++;
            }
            return;
        }
        if (skipDepth > 0) {
            return;
        }
        switch (name) {
            case "base":
                String href = tag.attributes.get("href");
                URI resolved = href == null ? null : resolve(href);
                if (resolved != null) {
                    base = resolved;
                }
                break;
            case "a":
                endAnchor();
                if (tag.attributes.containsKey("href")) {
                    anchorText = new StringBuilder();
                    anchorAttributes = tag.attributes;
                }
                break;
            case "pre":
                paragraphBreak();
                preDepth++;
                break;
            case "li":
                lineBreak();
                text.append("- ");
                break;
            default:
                if (name.length() == 2 && name.charAt(0) == 'h' && name.charAt(1) >= '1' && name.charAt(1) <= '6') {
                    paragraphBreak();
                    text.append("#".repeat(name.charAt(1) - '0')).append(' ');
                } else if (PARAGRAPHS.contains(name)) {
                    paragraphBreak();
                } else if (LINES.contains(name)) {
                    lineBreak();
                } else if (CELLS.contains(name)) {
                    space();
                }
        }
    }

    private void endTag(String name) {
        if (RAW_TEXT.contains(name)) {
            // Their content, and so their own end tag, was consumed with the start tag: this one is stray.
            return;
        }
        if (SKIPPED.contains(name)) {
            skipDepth = Math.max(0, skipDepth - 1);
            return;
        }
        if (skipDepth > 0) {
            return;
        }
        if (name.equals("a")) {
            endAnchor();
        } else if (name.equals("pre")) {
            preDepth = Math.max(0, preDepth - 1);
            paragraphBreak();
        } else if (PARAGRAPHS.contains(name) || (name.length() == 2 && name.charAt(0) == 'h'
                && Character.isDigit(name.charAt(1)))) {
            paragraphBreak();
        } else if (LINES.contains(name)) {
            lineBreak();
        }
    }

    /** Script and style content is never text; a title is the page's name, a textarea shows its text. */
    private void rawText(Tag tag, String content) {
        if (skipDepth > 0 || SKIPPED.contains(tag.name)) {
            return;
        }
        if (tag.name.equals("title")) {
            if (title.isEmpty()) {
                title = collapse(decode(content)).strip();
            }
        } else {
            characters(content);
        }
    }

    private void characters(String raw) {
        if (skipDepth > 0) {
            return;
        }
        String decoded = decode(raw);
        if (anchorText != null) {
            anchorText.append(decoded);
        }
        if (preDepth > 0) {
            text.append(decoded);
            return;
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (isSpace(c)) {
                space();
            } else {
                text.append(c);
            }
        }
    }

    private void endAnchor() {
        if (anchorText == null) {
            return;
        }
        String label = collapse(anchorText.toString()).strip();
        Map<String, String> attributes = anchorAttributes;
        anchorText = null;
        anchorAttributes = null;
        if (label.isEmpty()) {
            label = attributes.getOrDefault("aria-label", attributes.getOrDefault("title", "")).strip();
        }
        if (label.length() > MAX_LINK_TEXT_CHARS) {
            label = label.substring(0, MAX_LINK_TEXT_CHARS) + "\u2026";
        }
        String href = attributes.get("href").strip();
        if (href.isEmpty() || href.startsWith("#") || links.size() == MAX_LINKS) {
            return;
        }
        URI target = resolve(href);
        if (target != null && WebAddress.isWebPage(target)) {
            links.putIfAbsent(target.toString(), label);
        }
    }

    private URI resolve(String href) {
        try {
            URI reference = new URI(href.strip().replace(" ", "%20"));
            if (reference.isAbsolute()) {
                return reference;
            }
            return base == null ? null : base.resolve(reference);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** One space between words, none at the start of a line. */
    private void space() {
        int length = text.length();
        if (length > 0 && text.charAt(length - 1) != ' ' && text.charAt(length - 1) != '\n') {
            text.append(' ');
        }
    }

    private void lineBreak() {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == ' ') {
            end--;
        }
        text.setLength(end);
        if (end > 0 && text.charAt(end - 1) != '\n') {
            text.append('\n');
        }
    }

    private void paragraphBreak() {
        lineBreak();
        int length = text.length();
        if (length > 0 && !(length >= 2 && text.charAt(length - 2) == '\n')) {
            text.append('\n');
        }
    }

    private int indexOfIgnoreCase(String needle, int from) {
        for (int at = html.indexOf('<', from); at >= 0; at = html.indexOf('<', at + 1)) {
            if (html.regionMatches(true, at, needle, 0, needle.length())) {
                return at;
            }
        }
        return -1;
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u00a0';
    }

    static String collapse(String value) {
        StringBuilder collapsed = new StringBuilder(value.length());
        boolean pendingSpace = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isSpace(c)) {
                pendingSpace = collapsed.length() > 0;
            } else {
                if (pendingSpace) {
                    collapsed.append(' ');
                    pendingSpace = false;
                }
                collapsed.append(c);
            }
        }
        return collapsed.toString();
    }

    /** Character references: the common named ones and all numeric ones; anything else stays as written. */
    static String decode(String value) {
        int amp = value.indexOf('&');
        if (amp < 0) {
            return value;
        }
        StringBuilder decoded = new StringBuilder(value.length());
        int copied = 0;
        while (amp >= 0) {
            int semicolon = value.indexOf(';', amp + 1);
            String replacement = null;
            if (semicolon > amp + 1 && semicolon - amp <= MAX_ENTITY_LENGTH + 2) {
                replacement = reference(value.substring(amp + 1, semicolon));
            }
            if (replacement != null) {
                decoded.append(value, copied, amp).append(replacement);
                copied = semicolon + 1;
            }
            amp = value.indexOf('&', replacement != null ? semicolon + 1 : amp + 1);
        }
        return decoded.append(value, copied, value.length()).toString();
    }

    private static String reference(String name) {
        if (name.charAt(0) != '#') {
            return NAMED_ENTITIES.get(name);
        }
        try {
            boolean hex = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X');
            int codePoint = Integer.parseInt(name.substring(hex ? 2 : 1), hex ? 16 : 10);
            return Character.isValidCodePoint(codePoint) && codePoint != 0 ? Character.toString(codePoint) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A start or end tag: its lower-case name, attributes, and where the text after it begins. */
    private static final class Tag {
        final String name;
        final Map<String, String> attributes;
        final boolean selfClosing;
        final int end;

        private Tag(String name, Map<String, String> attributes, boolean selfClosing, int end) {
            this.name = name;
            this.attributes = attributes;
            this.selfClosing = selfClosing;
            this.end = end;
        }

        /** Reads attributes one by one, so a {@code >} inside a quoted value does not end the tag. */
        static Tag parse(String html, int nameStart) {
            int length = html.length();
            int at = nameStart;
            while (at < length && isNameChar(html.charAt(at))) {
                at++;
            }
            String name = html.substring(nameStart, at).toLowerCase(Locale.ROOT);
            Map<String, String> attributes = new HashMap<>();
            boolean selfClosing = false;
            while (at < length) {
                char c = html.charAt(at);
                if (c == '>') {
                    return new Tag(name, attributes, selfClosing, at + 1);
                }
                if (Character.isWhitespace(c)) {
                    at++;
                    continue;
                }
                if (c == '/') {
                    selfClosing = true;
                    at++;
                    continue;
                }
                selfClosing = false;
                int attributeStart = at;
                while (at < length && !Character.isWhitespace(html.charAt(at)) && html.charAt(at) != '='
                        && html.charAt(at) != '>' && html.charAt(at) != '/') {
                    at++;
                }
                if (at == attributeStart) {
                    at++;
                    continue;
                }
                String attribute = html.substring(attributeStart, at).toLowerCase(Locale.ROOT);
                at = skipSpaces(html, at);
                String value = "";
                if (at < length && html.charAt(at) == '=') {
                    at = skipSpaces(html, at + 1);
                    if (at < length && (html.charAt(at) == '"' || html.charAt(at) == '\'')) {
                        char quote = html.charAt(at);
                        int close = html.indexOf(quote, at + 1);
                        close = close < 0 ? length : close;
                        value = html.substring(at + 1, close);
                        at = Math.min(length, close + 1);
                    } else {
                        int valueStart = at;
                        while (at < length && !Character.isWhitespace(html.charAt(at)) && html.charAt(at) != '>') {
                            at++;
                        }
                        value = html.substring(valueStart, at);
                    }
                }
                attributes.putIfAbsent(attribute, decode(value));
            }
            return new Tag(name, attributes, selfClosing, length);
        }

        private static boolean isNameChar(char c) {
            return Character.isLetterOrDigit(c) || c == '-' || c == ':' || c == '_';
        }

        private static int skipSpaces(String html, int at) {
            while (at < html.length() && Character.isWhitespace(html.charAt(at))) {
                at++;
            }
            return at;
        }
    }
}
