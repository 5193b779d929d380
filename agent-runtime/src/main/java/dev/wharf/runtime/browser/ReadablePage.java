package dev.wharf.runtime.browser;

import java.util.List;

/**
 * What a model needs from a web page.
 *
 * @param title empty when the page has none
 * @param text  the visible text, one block per line
 * @param links in page order, each address once
 */
public record ReadablePage(String title, String text, List<PageLink> links) {
}
