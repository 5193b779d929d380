package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User code swapping a path component for a symlink out of the workspace, thousands of times, while
 * the daemon reads, lists, stats, writes, deletes and measures through it. Whatever the interleaving,
 * nothing outside is ever returned, changed, deleted or created, and every refusal is a request
 * error, never an internal one.
 */
class WorkspaceRaceTest {

    private static final int SWAPS = 5000;
    /** The swapper stops at whichever comes first, SWAPS or this; it bounds the test, never judges it. */
    private static final Duration SWAPPING_AT_MOST = Duration.ofSeconds(20);
    private static final String INSIDE = "the workspace copy\n";
    private static final String OUTSIDE = "root:x:0:0:outside marker\n";
    /** A name only the outside directory has: seeing it in any answer means a walk got out. */
    private static final String OUTSIDE_ONLY = "only-outside.bin";
    private static final int OUTSIDE_ONLY_BYTES = 1024 * 1024 + 1;

    @TempDir
    Path root;
    @TempDir
    Path outside;

    Workspace workspace;
    WorkspaceFiles files;
    Map<String, String> outsideBefore;
    final Queue<String> violations = new ConcurrentLinkedQueue<>();
    final Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicBoolean swapping = new AtomicBoolean(true);

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(outside.resolve("passwd"), OUTSIDE);
        Files.writeString(outside.resolve("victim"), OUTSIDE);
        Files.write(outside.resolve(OUTSIDE_ONLY), new byte[OUTSIDE_ONLY_BYTES]);
        Files.createDirectories(outside.resolve("keep"));
        Files.writeString(outside.resolve("keep/kept.txt"), OUTSIDE);
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/passwd"), INSIDE);
        Files.writeString(root.resolve("f"), INSIDE);
        workspace = new Workspace(root);
        files = new WorkspaceFiles(workspace);
        outsideBefore = contents(outside);
    }

    @Test
    void aDirectorySwappedForALinkOutNeverLetsAnOperationOut() throws Exception {
        WorkspaceSnapshot before = new WorkspaceChanges(workspace).snapshot();

        race(root.resolve("d"), outside,
                () -> {
                    checkRead("d/passwd");
                    checkStat("d/passwd");
                    checkListing("d", false);
                    attempt(() -> files.write("d/passwd", text(INSIDE)));
                    attempt(() -> files.write("d/victim", text(INSIDE)));
                    attempt(() -> files.delete("d/victim"));
                    attempt(() -> files.write("d/made/deeper/new.txt", text(INSIDE)));
                    attempt(() -> files.delete("d/made"));
                },
                () -> {
                    checkListing("", true);
                    checkUsage();
                    checkArtifacts(before);
                });

        assertUntouchedOutside();
    }

    @Test
    void aFileSwappedForALinkOutIsNeverReadOrWrittenThrough() throws Exception {
        race(root.resolve("f"), outside.resolve("passwd"),
                () -> {
                    checkRead("f");
                    checkStat("f");
                    attempt(() -> files.write("f", text(INSIDE)));
                    attempt(() -> files.delete("f"));
                },
                () -> {
                    checkListing("", false);
                    checkUsage();
                });

        assertUntouchedOutside();
    }

    /**
     * Swaps {@code swapped} between what it is and a symlink to {@code target} while each of the
     * workers repeats its round, then restores it.
     */
    private void race(Path swapped, Path target, Round... workers) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (Round worker : workers) {
            threads.add(new Thread(() -> {
                while (swapping.get()) {
                    worker.run();
                }
            }));
        }
        threads.forEach(Thread::start);
        long end = System.nanoTime() + SWAPPING_AT_MOST.toNanos();
        try {
            for (int i = 0; i < SWAPS && System.nanoTime() < end; i++) {
                swap(swapped, target, i);
            }
        } finally {
            swapping.set(false);
            for (Thread thread : threads) {
                thread.join();
            }
        }
        assertEquals(List.of(), List.copyOf(violations), "an operation reached outside the workspace");
        assertEquals(List.of(), List.copyOf(unexpected), "operations failed other than with a request error");
    }

    /**
     * What user code would do: step the real entry aside, put a link in its place, remove the link,
     * step the real one back. Anything the daemon created under the name meanwhile is moved out of
     * the way, so the swapping goes on.
     */
    private static void swap(Path swapped, Path target, int round) {
        Path away = swapped.resolveSibling(swapped.getFileName() + ".away");
        Path trash = swapped.resolveSibling("trash-" + round);
        quietly(() -> Files.move(swapped, away, StandardCopyOption.ATOMIC_MOVE));
        quietly(() -> Files.createSymbolicLink(swapped, target));
        quietly(() -> {
            if (Files.isSymbolicLink(swapped)) {
                Files.delete(swapped);
            }
        });
        quietly(() -> {
            if (Files.exists(swapped, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(swapped, trash, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(away, swapped, StandardCopyOption.ATOMIC_MOVE);
        });
    }

    private void checkRead(String path) {
        attempt(() -> {
            Download download = files.open(path);
            String content;
            try (InputStream in = download.content()) {
                content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!content.equals(INSIDE)) {
                violations.add("read " + path + " gave " + content);
            }
        });
    }

    private void checkStat(String path) {
        attempt(() -> {
            for (FileEntry entry : files.list(path, false).entries()) {
                if (entry.sizeBytes() != INSIDE.length()) {
                    violations.add("stat " + path + " gave " + entry);
                }
            }
        });
    }

    private void checkListing(String path, boolean recursive) {
        attempt(() -> {
            for (FileEntry entry : files.list(path, recursive).entries()) {
                if (entry.path().contains(OUTSIDE_ONLY) || entry.path().contains("keep")
                        || entry.sizeBytes() == OUTSIDE.length()) {
                    violations.add("listing " + path + " showed " + entry);
                }
            }
        });
    }

    private void checkUsage() {
        attempt(() -> {
            Usage usage = new WorkspaceUsage(workspace).measure();
            if (usage.sizeBytes() >= OUTSIDE_ONLY_BYTES) {
                violations.add("usage counted " + usage);
            }
        });
    }

    private void checkArtifacts(WorkspaceSnapshot before) {
        attempt(() -> {
            String outsideDigest = sha256(OUTSIDE.getBytes(StandardCharsets.UTF_8));
            for (Artifact artifact : new WorkspaceChanges(workspace).since(before)) {
                if (artifact.sha256().equals(outsideDigest) || artifact.sizeBytes() == OUTSIDE_ONLY_BYTES
                        || artifact.path().contains("keep")) {
                    violations.add("artifact " + artifact);
                }
            }
        });
    }

    /** Runs one operation; a refusal is fine, as long as it is a request error and not an internal one. */
    private void attempt(Operation operation) {
        try {
            operation.run();
        } catch (RequestException e) {
            if (e.status() == ErrorStatus.INTERNAL) {
                unexpected.add(e);
            }
        } catch (Exception | Error e) {
            unexpected.add(e);
        }
    }

    private void assertUntouchedOutside() throws IOException {
        assertEquals(outsideBefore, contents(outside), "something outside the workspace changed");
    }

    /** Every file and directory below {@code directory}, with the content of each file. */
    private static Map<String, String> contents(Path directory) throws IOException {
        Map<String, String> contents = new TreeMap<>();
        try (Stream<Path> all = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) all::iterator) {
                String key = directory.relativize(path).toString();
                contents.put(key, Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "<directory>"
                        : sha256(Files.readAllBytes(path)));
            }
        }
        return contents;
    }

    private static InputStream text(String content) {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void quietly(Operation step) {
        try {
            step.run();
        } catch (Exception e) {
            // The daemon got there first; the next round tries again.
        }
    }

    private interface Operation {
        void run() throws Exception;
    }

    /** One worker's round of operations, repeated while the swapping lasts. */
    private interface Round {
        void run();
    }
}
