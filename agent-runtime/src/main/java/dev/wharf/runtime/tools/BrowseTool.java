package dev.wharf.runtime.tools;

import dev.wharf.runtime.browser.HeadlessChromium;
import dev.wharf.runtime.browser.HtmlText;
import dev.wharf.runtime.browser.LoadedPage;
import dev.wharf.runtime.browser.PageLink;
import dev.wharf.runtime.browser.ReadablePage;
import dev.wharf.runtime.browser.WebAddress;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * {@code browse}: loads a web page in headless Chromium and returns it as text a model can read,
 * with its links, and optionally a screenshot.
 */
public final class BrowseTool implements Tool {

    public static final String NAME = "browse";
    /** Each browser start (the page, then the screenshot) is killed after this long. */
    static final Duration PAGE_TIMEOUT = Duration.ofSeconds(30);
    /** The page text is cut here; a long article fits, a whole documentation site does not. */
    static final int MAX_TEXT_CHARS = 40_000;

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .required("url", "string", "The http or https address of the page")
            .optional("screenshot", "boolean", "Also return a 1280x800 screenshot of the page (default false)")
            .toJson();

    private final HeadlessChromium chromium;

    public BrowseTool(HeadlessChromium chromium) {
        this.chromium = chromium;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Opens a web page in a headless browser (scripts run) and returns its title, readable text "
                + "and links. Set screenshot to also see the page as an image. Only http and https URLs.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        URI url;
        try {
            url = WebAddress.parse(arguments.requiredString("url"));
        } catch (IllegalArgumentException e) {
            throw new ToolException(e.getMessage());
        }
        boolean screenshot = arguments.optionalBoolean("screenshot", false);
        LoadedPage loaded = chromium.dumpDom(url, PAGE_TIMEOUT);
        ReadablePage page = HtmlText.read(loaded.html(), url);
        ToolOutput output = ToolOutput.success(describe(url, page,
                loaded.unsuccessful() ? loaded.status() : Optional.empty()));
        if (screenshot) {
            byte[] png = chromium.screenshot(url, PAGE_TIMEOUT);
            output = output.withImage(new ToolImage("image/png", Base64.getEncoder().encodeToString(png)));
        }
        return output;
    }

    static String describe(URI url, ReadablePage page) {
        return describe(url, page, Optional.empty());
    }

    /**
     * Title, address, text, then the links, in the order a reader would take them in; after the address, the HTTP
     * status when the server did not answer with success (the text is then its error page).
     */
    static String describe(URI url, ReadablePage page, Optional<String> unsuccessfulStatus) {
        StringBuilder text = new StringBuilder();
        text.append("Title: ").append(page.title()).append('\n');
        text.append("URL: ").append(url).append('\n');
        unsuccessfulStatus.ifPresent(status -> text.append("Status: ").append(status).append('\n'));
        text.append('\n');
        String body = page.text();
        if (body.length() > MAX_TEXT_CHARS) {
            text.append(body, 0, MAX_TEXT_CHARS)
                    .append("\n[text truncated after ").append(MAX_TEXT_CHARS).append(" of ")
                    .append(body.length()).append(" characters]");
        } else {
            text.append(body.isEmpty() ? "(no text)" : body);
        }
        text.append("\n\nLinks:\n");
        if (page.links().isEmpty()) {
            text.append("(none)\n");
        }
        for (PageLink link : page.links()) {
            text.append("- [").append(link.text()).append("](").append(link.url()).append(")\n");
        }
        return text.toString();
    }
}
