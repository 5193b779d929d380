package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OomKillCounterTest {

    @TempDir
    Path dir;

    @Test
    void readsCgroupV2MemoryEvents() throws IOException {
        Path events = Files.writeString(dir.resolve("memory.events"),
                "low 0\nhigh 0\nmax 17\noom 4\noom_kill 3\noom_group_kill 0\n");

        assertEquals(OptionalLong.of(3), new OomKillCounter(List.of(events)).read());
    }

    @Test
    void readsCgroupV1OomControl() throws IOException {
        Path control = Files.writeString(dir.resolve("memory.oom_control"),
                "oom_kill_disable 0\nunder_oom 0\noom_kill 12\n");

        assertEquals(OptionalLong.of(12), new OomKillCounter(List.of(control)).read());
    }

    @Test
    void fallsBackToTheNextCandidateWhenTheFirstIsMissing() throws IOException {
        Path control = Files.writeString(dir.resolve("memory.oom_control"), "oom_kill 5\n");

        assertEquals(OptionalLong.of(5),
                new OomKillCounter(List.of(dir.resolve("memory.events"), control)).read());
    }

    @Test
    void noCgroupFileMeansNoCounter() {
        assertEquals(OptionalLong.empty(),
                new OomKillCounter(List.of(dir.resolve("memory.events"), dir.resolve("oom_control"))).read());
    }

    @Test
    void aFileWithoutTheCounterOrWithGarbageYieldsNothing() throws IOException {
        Path old = Files.writeString(dir.resolve("old"), "oom_kill_disable 0\nunder_oom 0\n");
        Path garbage = Files.writeString(dir.resolve("garbage"), "oom_kill lots\n");

        assertEquals(OptionalLong.empty(), new OomKillCounter(List.of(old)).read());
        assertEquals(OptionalLong.empty(), new OomKillCounter(List.of(garbage)).read());
    }
}
