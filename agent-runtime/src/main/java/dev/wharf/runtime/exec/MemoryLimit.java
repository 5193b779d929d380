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
     * How often the sandbox's memory use has reached its limit, which makes the kernel reclaim (and, for a program
     * whose own files are paged out again and again, slows it to a crawl) before it kills anything: cgroup v2's
     * {@code max} event count, then v1's {@code memory.failcnt}.
     */
    static final List<Path> LIMIT_HIT_FILES = List.of(
            Path.of("/sys/fs/cgroup/memory.events"),
            Path.of("/sys/fs/cgroup/memory/memory.failcnt"));

    /** The number of times the limit was reached so far; empty where neither file can be read. */
    public static OptionalLong limitHits() {
        return limitHits(LIMIT_HIT_FILES);
    }

    static OptionalLong limitHits(List<Path> candidates) {
        for (Path candidate : candidates) {
            List<String> lines;
            try {
                lines = Files.readAllLines(candidate);
            } catch (IOException e) {
                continue;
            }
            for (String line : lines) {
                String[] fields = line.trim().split("\\s+");
                try {
                    if (fields.length == 1 && !fields[0].isEmpty()) {
                        return OptionalLong.of(Long.parseLong(fields[0]));
                    }
                    if (fields.length == 2 && fields[0].equals("max")) {
                        return OptionalLong.of(Long.parseLong(fields[1]));
                    }
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
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
