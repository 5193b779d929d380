package dev.wharf.runtime.exec;

/**
 * What was kept of one output stream.
 *
 * @param text      the kept bytes decoded as UTF-8; a character cut by the limit, or any invalid
 *                  sequence, shows as U+FFFD
 * @param truncated whether the stream produced more than was kept
 */
public record CapturedOutput(String text, boolean truncated) {
}
