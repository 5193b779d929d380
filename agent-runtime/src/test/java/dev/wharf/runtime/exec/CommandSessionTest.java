package dev.wharf.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.runtime.files.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands as sessions of their own: a timeout kills the orphans a tree walk no longer finds, and the process limit
 * guard ends the session holding most processes (over a pids cgroup directory of real files, which the test
 * fills in as the kernel would), never a process it did not start.
 */
class CommandSessionTest {

    @TempDir
    Path workspace;
    @TempDir
    Path cgroup;

    private final ExecutorService readers = Executors.newCachedThreadPool();
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private CommandRunner runner;
    /** Unique in this run, so the test finds its own processes among the host's. */
    private final String marker = Long.toString(3_000_000 + (UUID.randomUUID().getMostSignificantBits() & 0xFFFFF));

    @BeforeEach
    void setUp() throws IOException {
        runner = new CommandRunner(new Workspace(workspace), new OomKillCounter(List.of()), readers, Set.of(),
                Optional.empty());
        Files.writeString(cgroup.resolve("pids.max"), "100\n");
        Files.writeString(cgroup.resolve("pids.current"), "5\n");
        Files.writeString(cgroup.resolve("pids.events"), "max 0\n");
    }

    @AfterEach
    void tearDown() {
        runner.close();
        readers.shutdownNow();
        callers.shutdownNow();
        ProcessHandle.allProcesses().filter(this::isMarked).forEach(ProcessHandle::destroyForcibly);
    }

    private ExecResult run(String command, int timeoutSeconds) throws IOException {
        return runner.run(ExecRequest.fromJson(Map.of("command", command, "timeout_seconds", timeoutSeconds)));
    }

    private boolean isMarked(ProcessHandle process) {
        return process.info().arguments().map(args -> List.of(args).contains(marker)).orElse(false);
    }

    private long marked() {
        return ProcessHandle.allProcesses().filter(this::isMarked).filter(ProcessHandle::isAlive).count();
    }

    @Test
    void aCommandLeadsItsOwnSessionAtALowerPriority() throws IOException {
        ExecResult result = run("ps -o sid=,ni= -p $$; echo $$", 10);

        String[] lines = result.stdout().text().trim().split("\n");
        String[] sidAndNice = lines[0].trim().split("\\s+");
        assertEquals(lines[1].trim(), sidAndNice[0], "session id is the command's pid");
        assertEquals(String.valueOf(CommandRunner.COMMAND_NICENESS), sidAndNice[1]);
    }

    @Test
    void aTimeoutKillsOrphansTheTreeNoLongerShows() throws IOException {
        // The subshell exits at once, so its sleeper is re-parented away from the command's tree.
        ExecResult result = run("(sleep " + marker + " &); sleep " + marker, 1);

        assertTrue(result.timedOut());
        assertEquals(0, marked(), "an orphan of the command survived its timeout");
    }

    @Test
    void theGuardEndsTheSessionHoldingMostProcessesWhenTheLimitNears() throws Exception {
        // A bystander started outside the runner, in a session of its own: never a candidate.
        Process bystander = new ProcessBuilder("setsid", "sleep", marker).start();
        CompletableFuture<ExecResult> few = CompletableFuture.supplyAsync(() -> call(
                "sleep " + marker + " & wait"), callers);
        CompletableFuture<ExecResult> many = CompletableFuture.supplyAsync(() -> call(
                "for i in 1 2 3 4 5 6; do sleep " + marker + " & done; wait"), callers);
        awaitMarked(1 + 1 + 6);
        ProcessLimitGuard guard = runner.processLimitGuard(cgroup);

        guard.checkOnce();
        assertFalse(many.isDone(), "below the limit nothing is touched");

        Files.writeString(cgroup.resolve("pids.current"), "95\n");
        guard.checkOnce();
        ExecResult killed = many.get(30, TimeUnit.SECONDS);
        assertTrue(killed.processLimitKilled(), "the largest session was ended");
        assertEquals(137, killed.exitCode());
        assertFalse(few.isDone(), "one session at a time");

        // Below the share again, but the kernel refused a fork since the last look: that counts too.
        Files.writeString(cgroup.resolve("pids.current"), "5\n");
        Files.writeString(cgroup.resolve("pids.events"), "max 3\n");
        guard.checkOnce();
        assertTrue(few.get(30, TimeUnit.SECONDS).processLimitKilled());
        assertTrue(bystander.isAlive(), "a process the runner did not start was never touched");
        bystander.destroyForcibly();
    }

    private ExecResult call(String command) {
        try {
            return run(command, 120);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitMarked(long count) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (marked() < count) {
            if (System.nanoTime() > until) {
                fail("only " + marked() + " of " + count + " processes started");
            }
            Thread.sleep(50);
        }
    }
}
