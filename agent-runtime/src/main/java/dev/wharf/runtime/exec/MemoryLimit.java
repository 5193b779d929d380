package dev.wharf.runtime.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory limit of the sandbox's cgroup and how often it was reached, for messages that tell a user why
 * something ran out of memory.
 */
public final class MemoryLimit {

    /** cgroup v2 ({@code max} when unlimited), then v1 (a huge number when unlimited). */
    static final List<Path> CGROUP_FILES = List.of(
            Path.of("/sys/fs/cgroup/memory.max"),
            Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
    /** cgroup v1 reports "no limit" as a page-rounded Long.MAX_VALUE; anything this large is no limit. */
    private static final long UNLIMITED_FROM = 1L << 60;

    private MemoryLimit() {
    }

    /**
     * Whether, and how often, the sandbox's memory use has reached its limit, which makes the kernel reclaim (and,
     * for a program whose own files are paged out again and again, slows it to a crawl) before it kills anything.
     * cgroup v2 counts it ({@code max} in memory.events); v1 keeps only a high-water mark, so there it reads 1 once
     * the peak usage came within {@link #AT_LIMIT_MARGIN} of the limit, else 0 (its failcnt stays 0 on kernels
     * that reclaim instead of failing the charge).
     */
    static final Path V2_EVENTS = Path.of("/sys/fs/cgroup/memory.events");
    static final Path V1_PEAK = Path.of("/sys/fs/cgroup/memory/memory.max_usage_in_bytes");
    static final Path V1_LIMIT = Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    static final long AT_LIMIT_MARGIN = 2L << 20;

    /** The limit-reached count so far; empty where neither cgroup version's files can be read. */
    public static OptionalLong limitHits() {
        return limitHits(V2_EVENTS, V1_PEAK, V1_LIMIT);
    }

    static OptionalLong limitHits(Path v2Events, Path v1Peak, Path v1Limit) {
        try {
            for (String line : Files.readAllLines(v2Events)) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length == 2 && fields[0].equals("max")) {
                    return OptionalLong.of(Long.parseLong(fields[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not cgroup v2; try v1.
        }
        try {
            long peak = Long.parseLong(Files.readString(v1Peak).strip());
            OptionalLong limit = read(List.of(v1Limit));
            if (limit.isEmpty()) {
                return OptionalLong.of(0);
            }
            return OptionalLong.of(peak >= limit.getAsLong() - AT_LIMIT_MARGIN ? 1 : 0);
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The limit in bytes; empty when there is none or it cannot be read (outside a container). */
    public static OptionalLong ofOwnCgroup() {
        return read(CGROUP_FILES);
    }

    static OptionalLong read(List<Path> candidates) {
        for (Path candidate : candidates) {
            String text;
            try {
                text = Files.readString(candidate).strip();
            } catch (IOException e) {
                continue;
            }
            if (text.equals("max")) {
                return OptionalLong.empty();
            }
            try {
                long bytes = Long.parseLong(text);
                return bytes <= 0 || bytes >= UNLIMITED_FROM ? OptionalLong.empty() : OptionalLong.of(bytes);
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
