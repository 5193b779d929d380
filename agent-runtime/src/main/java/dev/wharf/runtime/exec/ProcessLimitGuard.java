package dev.wharf.runtime.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Ends the command whose processes exhaust the sandbox's process limit (a fork bomb, or a runaway pool of
 * workers). Without it the bomb's orphans outlive its command, every later command fails to fork, and the
 * sandbox is useless until someone restarts it. A session is the unit: the one holding the most processes is
 * killed whole, and its command reports that, when the sandbox's pids cgroup nears its limit or refused a fork
 * since the last look (its {@code pids.events} counter; a bomb's count swings too fast for sampling alone).
 *
 * <p>Only sessions this daemon's commands started are candidates, plus, when commands run as their own user, any
 * process of that user (code that left its session on purpose): on a developer's machine, where the daemon sees
 * the host's processes, nothing else is ever touched.
 */
public final class ProcessLimitGuard implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProcessLimitGuard.class.getName());

    /** How often the cgroup's counters are read: two small files, so the cost is negligible. */
    static final Duration INTERVAL = Duration.ofMillis(200);
    /** The guard acts at this share of the limit, leaving room for the daemon's own threads and the kill. */
    static final double TRIGGER_SHARE = 0.9;
    /** Sessions with no process left are forgotten this often. */
    static final Duration PRUNE_INTERVAL = Duration.ofSeconds(10);
    /** cgroup v2, then v1 (where Docker shows the container's own pids controller at this path). */
    static final List<Path> CGROUP_DIRECTORIES = List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/pids"));

    private final Optional<Path> cgroup;
    private final CommandSessions sessions;
    private final Optional<CommandUser> user;
    private final Thread thread;
    private volatile boolean closed;
    private long lastPrune = System.nanoTime();
    private long refusedForks;

    ProcessLimitGuard(Optional<Path> cgroup, CommandSessions sessions, Optional<CommandUser> user) {
        this.cgroup = cgroup;
        this.sessions = sessions;
        this.user = user;
        this.thread = new Thread(this::watch, "wharf-process-limit");
        this.thread.setDaemon(true);
    }

    /** The guard for the pids cgroup this daemon runs in; it does nothing where there is no limit to read. */
    static ProcessLimitGuard ofOwnCgroup(CommandSessions sessions, Optional<CommandUser> user) {
        Optional<Path> cgroup = CGROUP_DIRECTORIES.stream()
                .filter(dir -> Files.isReadable(dir.resolve("pids.max")) && Files.isReadable(dir.resolve("pids.current")))
                .findFirst();
        return new ProcessLimitGuard(cgroup, sessions, user);
    }

    public void start() {
        if (cgroup.isPresent()) {
            refusedForks = refusedForks(cgroup.get().resolve("pids.events"));
            thread.start();
        }
    }

    private void watch() {
        while (!closed) {
            try {
                checkOnce();
                Thread.sleep(INTERVAL.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "process limit check failed", e);
            }
        }
    }

    void checkOnce() {
        if (System.nanoTime() - lastPrune > PRUNE_INTERVAL.toNanos()) {
            lastPrune = System.nanoTime();
            sessions.forgetEmpty(membership().keySet());
        }
        if (cgroup.isEmpty()) {
            return;
        }
        OptionalLong limit = read(cgroup.get().resolve("pids.max"));
        OptionalLong current = read(cgroup.get().resolve("pids.current"));
        long refused = refusedForks(cgroup.get().resolve("pids.events"));
        boolean refusedSinceLastLook = refused > refusedForks;
        refusedForks = refused;
        if (limit.isEmpty() || current.isEmpty()
                || (!refusedSinceLastLook && current.getAsLong() < limit.getAsLong() * TRIGGER_SHARE)) {
            return;
        }
        membership().entrySet().stream().max(Map.Entry.comparingByValue()).ifPresent(largest -> {
            long session = largest.getKey();
            LOG.log(System.Logger.Level.WARNING, "the sandbox holds " + current.getAsLong() + " of its "
                    + limit.getAsLong() + " processes; killing session " + session + " (" + largest.getValue()
                    + " processes)");
            sessions.endedAtLimit(session);
            ProcessTree.killSession(session);
        });
    }

    /** Candidate sessions and how many live processes each holds. */
    private Map<Long, Integer> membership() {
        Set<Long> started = new HashSet<>(sessions.started());
        long ownSession = ProcessTree.sessionOf(ProcessHandle.current().pid()).orElse(-1);
        Map<Long, Integer> counts = new HashMap<>();
        ProcessHandle.allProcesses().forEach(process -> {
            OptionalLong session = ProcessTree.sessionOf(process.pid());
            if (session.isEmpty() || session.getAsLong() == ownSession) {
                return;
            }
            if (started.contains(session.getAsLong()) || ownedByCommandUser(process.pid())) {
                counts.merge(session.getAsLong(), 1, Integer::sum);
            }
        });
        return counts;
    }

    private boolean ownedByCommandUser(long pid) {
        if (user.isEmpty()) {
            return false;
        }
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid")) == user.get().uid();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The {@code max} line of pids.events: forks refused at the limit since the cgroup was made. */
    private static long refusedForks(Path events) {
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.US_ASCII)) {
                if (line.startsWith("max ")) {
                    return Long.parseLong(line.substring("max ".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Older kernels have no pids.events; the share of the limit still triggers.
        }
        return 0;
    }

    private static OptionalLong read(Path file) {
        try {
            String value = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return value.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
