package dev.wharf.runtime.tools;

import java.time.Duration;

/**
 * The bounds a run puts on the tools that start processes.
 *
 * @param timeout        how long one {@code execute_code} call may run before its process tree is killed
 * @param maxOutputBytes how much of stdout, and separately of stderr, a call keeps
 */
public record ToolLimits(Duration timeout, int maxOutputBytes) {
}
