package dev.wharf.runtime.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlTextTest {

    private static final URI PAGE = URI.create("https://example.org/docs/guide.html");

    @Test
    void aPageBecomesItsTitleBlocksAndLinks() {
        String html = "<!DOCTYPE html><html><head><title> The  Guide </title>"
                + "<style>body { color: red }</style><script>var x = '<p>not text</p>';</script></head>"
                + "<body><nav><a href=\"/home\">Home</a> | <a href=\"/about\">About</a></nav>"
                + "<h1>Getting   started</h1>\n<p>Install the\n   tool, then <a href=\"run.html\">run it</a>.</p>"
                + "<ul><li>one</li><li>two</li></ul><!-- a comment --><div>Last</div></body></html>";

        ReadablePage page = HtmlText.read(html, PAGE);

        assertEquals("The Guide", page.title());
        assertEquals("# Getting started\n\nInstall the tool, then run it.\n\n- one\n- two\n\nLast", page.text());
        assertEquals(List.of(new PageLink("https://example.org/docs/run.html", "run it")), page.links());
    }

    @Test
    void scriptsStylesAndOtherInvisibleContentAreDropped() {
        String html = "<body>a<script type=\"module\">if (1 < 2) document.write('<b>x</b>')</script>"
                + "<noscript>enable js</noscript><template><p>later</p></template>"
                + "<svg viewBox=\"0 0 1 1\"><title>icon</title><text>svg text</text></svg>"
                + "<STYLE>p{}</STYLE>b<iframe src=\"x\">frame</iframe>c</body>";

        assertEquals("abc", HtmlText.read(html, PAGE).text());
    }

    @Test
    void characterReferencesAreDecoded() {
        String html = "<p>Fish &amp; chips &lt;3 &#8212; caf&eacute; &#x41;&nbsp;B &copy; &bogus; AT&T</p>";

        assertEquals("Fish & chips <3 \u2014 caf&eacute; A B \u00a9 &bogus; AT&T", HtmlText.read(html, PAGE).text());
    }

    @Test
    void linksAreAbsoluteUniqueAndOnlyForTheWeb() {
        String html = "<a href='https://other.org/x'>Other</a>"
                + "<a href=\"../api/\">  API\n reference </a>"
                + "<a href=\"https://other.org/x\">Duplicate</a>"
                + "<a href=\"#section\">Jump</a><a href=\"mailto:me@example.org\">Mail</a>"
                + "<a href=\"javascript:void(0)\">JS</a><a href=\"ftp://example.org/f\">FTP</a>"
                + "<a href=\"/img\" title=\"A picture\"><img src=\"p.png\"></a>"
                + "<a name=\"anchor-without-href\">Anchor</a>"
                + "<a href=\"/q?a=1&amp;b=2\" data-x=\"a>b\">Query</a>";

        ReadablePage page = HtmlText.read(html, PAGE);

        assertEquals(List.of(new PageLink("https://other.org/x", "Other"),
                new PageLink("https://example.org/api/", "API reference"),
                new PageLink("https://example.org/img", "A picture"),
                new PageLink("https://example.org/q?a=1&b=2", "Query")), page.links());
        assertTrue(page.text().contains("Anchor"));
        assertFalse(page.text().contains("a>b"));
    }

    @Test
    void aBaseElementChangesWhereRelativeLinksPoint() {
        String html = "<head><base href=\"https://cdn.example.net/v2/\"></head><a href=\"page\">P</a>";

        assertEquals(List.of(new PageLink("https://cdn.example.net/v2/page", "P")),
                HtmlText.read(html, PAGE).links());
    }

    @Test
    void linksAreCapped() {
        StringBuilder html = new StringBuilder();
        for (int i = 0; i < HtmlText.MAX_LINKS + 20; i++) {
            html.append("<a href=\"/p").append(i).append("\">").append(i).append("</a> ");
        }

        List<PageLink> links = HtmlText.read(html.toString(), PAGE).links();

        assertEquals(HtmlText.MAX_LINKS, links.size());
        assertEquals("https://example.org/p0", links.get(0).url());
    }

    @Test
    void preformattedTextKeepsItsLines() {
        String html = "<p>Run:</p><pre>make  all\n  make test</pre><p>Done</p>";

        assertEquals("Run:\n\nmake  all\n  make test\n\nDone", HtmlText.read(html, PAGE).text());
    }

    @Test
    void tableCellsAreSeparatedAndRowsAreLines() {
        String html = "<table><tr><th>City</th><th>Temp</th></tr><tr><td>Paris</td><td>21</td></tr></table>";

        assertEquals("City Temp\nParis 21", HtmlText.read(html, PAGE).text());
    }

    @Test
    void brokenMarkupDoesNotStopTheReader() {
        String html = "<p>a < b and c <3 d</p><p>unclosed <b attr=\"oops>text";

        ReadablePage page = HtmlText.read(html, PAGE);

        assertTrue(page.text().startsWith("a < b and c <3 d"), page.text());
        assertEquals("", page.title());
    }

    @Test
    void relativeLinksNeedABase() {
        assertEquals(List.of(), HtmlText.read("<a href=\"x\">x</a>", null).links());
    }
}
