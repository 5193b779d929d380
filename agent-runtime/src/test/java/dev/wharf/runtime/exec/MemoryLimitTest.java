package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryLimitTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFirstCgroupFileThatExists() throws IOException {
        Path v1 = Files.writeString(dir.resolve("memory.limit_in_bytes"), "268435456\n");
        assertEquals(OptionalLong.of(256L << 20), MemoryLimit.read(List.of(dir.resolve("memory.max"), v1)));
    }

    @Test
    void noLimitIsEmptyInEitherVersion() throws IOException {
        Path v2 = Files.writeString(dir.resolve("memory.max"), "max\n");
        Path v1 = Files.writeString(dir.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        assertEquals(OptionalLong.empty(), MemoryLimit.read(List.of(v2)));
        assertEquals(OptionalLong.empty(), MemoryLimit.read(List.of(v1)));
        assertEquals(OptionalLong.empty(), MemoryLimit.read(List.of(dir.resolve("absent"))));
    }

    @Test
    void limitHitsComeFromTheMaxEventOrThePeakAgainstTheLimit() throws IOException {
        Path v2 = Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 17\noom 1\noom_kill 1\n");
        Path limit = Files.writeString(dir.resolve("memory.limit_in_bytes"), "134217728\n");
        Path below = Files.writeString(dir.resolve("below"), Long.toString(100L << 20));
        Path at = Files.writeString(dir.resolve("at"), "134217728\n");
        Path absent = dir.resolve("absent");
        assertEquals(OptionalLong.of(17), MemoryLimit.limitHits(v2, at, limit));
        assertEquals(OptionalLong.of(0), MemoryLimit.limitHits(absent, below, limit));
        assertEquals(OptionalLong.of(1), MemoryLimit.limitHits(absent, at, limit));
        assertEquals(OptionalLong.empty(), MemoryLimit.limitHits(absent, absent, limit));
    }
}
