package dev.wharf.runtime.browser;

import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.ExecRequest;
import dev.wharf.runtime.exec.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads pages in a headless Chromium started for each call. It runs through {@link CommandRunner}
 * like any command, so it gets the deadline that kills its whole process tree, bounded output and
 * an environment without the sandbox token. Each call gets a fresh profile directory, deleted
 * afterwards, so no cookies or cache leak from one page load into the next.
 */
public final class HeadlessChromium {

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/chromium");

    /**
     * No GPU and no /dev/shm in a sandbox container; {@code --no-sandbox} because Chromium's own
     * sandbox needs namespaces the container does not grant (the container is the sandbox); the
     * rest stops background traffic that would only slow a one-shot load down.
     */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync");
    static final String SCREENSHOT_WINDOW = "--window-size=1280,800";
    /** The page HTML kept; the rest is cut, which only loses the end of very large pages. */
    static final int MAX_DOM_BYTES = 2 * 1024 * 1024;
    /** A 1280x800 PNG is far smaller; anything bigger is not worth sending to a model. */
    static final int MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024;
    private static final String PROFILE_PREFIX = "wharf-chromium-";
    private static final String SCREENSHOT_FILE = "shot.png";
    private static final String LOAD_FAILED = "Page load failed:";

    private final Path binary;
    private final CommandRunner commands;

    public HeadlessChromium(Path binary, CommandRunner commands) {
        this.binary = binary;
        this.commands = commands;
    }

    public boolean isInstalled() {
        return Files.isExecutable(binary);
    }

    /** The HTML of the page after it loaded and its scripts ran. */
    public String dumpDom(URI url, Duration timeout) throws IOException {
        Path scratch = newScratchDirectory();
        try {
            return run(scratch, timeout, List.of("--dump-dom", url.toString())).stdout().text();
        } finally {
            deleteQuietly(scratch);
        }
    }

    /** A PNG of the page's first screen at 1280x800. */
    public byte[] screenshot(URI url, Duration timeout) throws IOException {
        Path scratch = newScratchDirectory();
        try {
            Path shot = scratch.resolve(SCREENSHOT_FILE);
            run(scratch, timeout, List.of("--screenshot=" + shot, SCREENSHOT_WINDOW, url.toString()));
            if (!Files.isRegularFile(shot)) {
                throw new IOException("Chromium produced no screenshot of " + url);
            }
            if (Files.size(shot) > MAX_SCREENSHOT_BYTES) {
                throw new IOException("the screenshot is larger than " + MAX_SCREENSHOT_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(shot)) {
                return in.readAllBytes();
            }
        } finally {
            deleteQuietly(scratch);
        }
    }

    private ExecResult run(Path scratch, Duration timeout, List<String> task) throws IOException {
        if (!isInstalled()) {
            throw new IOException("no browser is installed in this sandbox (looked for " + binary + ")");
        }
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(FLAGS);
        argv.add("--user-data-dir=" + scratch.resolve("profile"));
        argv.addAll(task);
        ExecResult result = commands.run(new ExecRequest(argv, timeout, null, Map.of(), MAX_DOM_BYTES));
        if (result.timedOut()) {
            throw new IOException("the page did not finish loading within " + timeout.toSeconds() + " s");
        }
        String loadFailure = loadFailure(result.stderr().text());
        if (loadFailure != null) {
            throw new IOException("the page could not be loaded: " + loadFailure);
        }
        if (result.exitCode() != 0) {
            throw new IOException("the browser failed with exit code " + result.exitCode() + lastLine(result));
        }
        return result;
    }

    /**
     * Chromium exits with 0 and prints nothing when navigation fails (refused connection, unknown
     * host); only its log says why, e.g. {@code Page load failed: net::ERR_NAME_NOT_RESOLVED}.
     */
    static String loadFailure(String stderr) {
        int at = stderr.indexOf(LOAD_FAILED);
        if (at < 0) {
            return null;
        }
        int end = stderr.indexOf('\n', at);
        return stderr.substring(at + LOAD_FAILED.length(), end < 0 ? stderr.length() : end).strip();
    }

    /** Chromium's stderr is mostly harmless D-Bus noise; its last line is the likeliest cause. */
    private static String lastLine(ExecResult result) {
        String[] lines = result.stderr().text().strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return last.isEmpty() ? "" : ": " + last;
    }

    private static Path newScratchDirectory() throws IOException {
        return Files.createTempDirectory(PROFILE_PREFIX);
    }

    /** Chromium is dead by now (the runner kills its tree), so nothing writes here any more. */
    private static void deleteQuietly(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // A leftover profile in /tmp costs a little space and is gone with the container.
        }
    }
}
