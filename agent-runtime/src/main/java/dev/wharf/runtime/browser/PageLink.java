package dev.wharf.runtime.browser;

/**
 * A link on a page.
 *
 * @param url  absolute, http or https
 * @param text what the page shows for it, whitespace collapsed; may be empty
 */
public record PageLink(String url, String text) {
}
