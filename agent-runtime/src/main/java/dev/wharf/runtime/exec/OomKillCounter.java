package dev.wharf.runtime.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads how many processes the kernel's OOM killer has killed in the sandbox's memory cgroup.
 * A command that died of SIGKILL while this went up was, as far as we can tell, killed for memory.
 */
public final class OomKillCounter {

    /** cgroup v2 first, then v1; both have a line {@code oom_kill N}. */
    static final List<Path> CGROUP_FILES = List.of(
            Path.of("/sys/fs/cgroup/memory.events"),
            Path.of("/sys/fs/cgroup/memory/memory.oom_control"));

    private static final String COUNTER = "oom_kill";

    private final List<Path> candidates;

    public OomKillCounter(List<Path> candidates) {
        this.candidates = List.copyOf(candidates);
    }

    /** The counter of the cgroup this daemon runs in. */
    public static OomKillCounter ofOwnCgroup() {
        return new OomKillCounter(CGROUP_FILES);
    }

    /** Empty when no candidate file exists or none has the counter, e.g. outside a container. */
    public OptionalLong read() {
        for (Path candidate : candidates) {
            try {
                OptionalLong count = parse(Files.readAllLines(candidate));
                if (count.isPresent()) {
                    return count;
                }
            } catch (IOException e) {
                // Not this cgroup version; try the next.
            }
        }
        return OptionalLong.empty();
    }

    static OptionalLong parse(List<String> lines) {
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals(COUNTER)) {
                try {
                    return OptionalLong.of(Long.parseLong(fields[1]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
