package dev.wharf.runtime.files;

import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.http.RequestText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;

/**
 * Owns the rules for which paths a caller may touch; every file operation and every exec
 * {@code cwd} goes through here.
 *
 * <p>Why this matters even though exec can run anything: the daemon's own environment holds the
 * sandbox token, and files are read by the daemon, not by the sandboxed user. A symlink planted by
 * a command (say {@code out -> /proc/self/environ}) must not turn a download into a token leak.
 *
 * <p>Rules, in order: the path must be relative ({@code ""} and {@code "."} mean the root), must not
 * contain NUL, backslashes or {@code ..} segments; then the real path of the target, or of its
 * nearest existing ancestor when the target does not exist yet, must lie inside the workspace's
 * real path. Symlinks that stay inside the workspace are allowed.
 */
public final class Workspace {

    private final Path root;
    private final Path realRoot;

    /** @param root an existing directory */
    public Workspace(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException("workspace " + this.root + " is not a directory");
        }
    }

    /** The workspace as configured; what callers see in messages. */
    public Path root() {
        return root;
    }

    /** Where the workspace really is, after symlinks. All I/O happens under this. */
    public Path realRoot() {
        return realRoot;
    }

    /**
     * Accepts a path for reading or writing. Symlinks on the way are resolved, so the returned
     * location is the file the caller will actually get.
     */
    public WorkspacePath locate(String requested) throws IOException {
        String relative = relativize(requested);
        return new WorkspacePath(relative, confine(realRoot.resolve(relative)));
    }

    /**
     * Accepts a path for removal: the entry itself, not what a symlink points at. Only the parent
     * directory has to resolve inside the workspace, which lets a caller delete a symlink that
     * points outside without ever touching its target.
     */
    public WorkspacePath locateEntry(String requested) throws IOException {
        String relative = relativize(requested);
        if (relative.isEmpty()) {
            return new WorkspacePath(relative, realRoot);
        }
        Path lexical = realRoot.resolve(relative);
        Path parent = confine(lexical.getParent());
        return new WorkspacePath(relative, parent.resolve(lexical.getFileName().toString()));
    }

    /** The syntactic rules: yields a clean, {@code /} separated relative path. */
    private String relativize(String requested) {
        if (requested == null || requested.isEmpty()) {
            return "";
        }
        RequestText.require("path", requested);
        if (requested.indexOf('\\') >= 0) {
            throw RequestException.invalid("path must not contain backslashes");
        }
        if (requested.startsWith("/")) {
            throw RequestException.invalid("path must be relative to " + root);
        }
        StringJoiner clean = new StringJoiner("/");
        for (String segment : requested.split("/")) {
            if (segment.equals("..")) {
                throw escapes();
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                clean.add(segment);
            }
        }
        return clean.toString();
    }

    /**
     * The symlink rule. A dangling symlink counts as missing, so writing onto one replaces the
     * link itself (an atomic rename never follows it) instead of creating its target.
     */
    private Path confine(Path lexical) throws IOException {
        Path existing = lexical;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw escapes();
        }
        Path real = existing.toRealPath();
        if (!real.startsWith(realRoot)) {
            throw escapes();
        }
        Path rest = existing.relativize(lexical);
        return rest.toString().isEmpty() ? real : real.resolve(rest);
    }

    private RequestException escapes() {
        return RequestException.invalid("path escapes " + root);
    }
}
