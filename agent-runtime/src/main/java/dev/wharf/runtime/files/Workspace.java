package dev.wharf.runtime.files;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.http.RequestText;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.StringJoiner;

/**
 * Owns the rules for which paths a caller may touch, and the one way of reaching a path: every file
 * operation and every exec {@code cwd} goes through here.
 *
 * <p>Why this matters even though exec can run anything: files are read and written by the daemon,
 * not by the sandboxed user, and the daemon may hold more than the user does (its environment holds
 * the sandbox token; it may run as another uid, with capabilities). A symlink planted by a command
 * (say {@code out -> /proc/self/environ}), or swapped in while a request is under way, must not turn
 * a download into a token leak or an upload into a write outside.
 *
 * <p>Syntax first: the path must be relative ({@code ""} and {@code "."} mean the root), must not
 * contain NUL, backslashes or {@code ..} segments. Then the path is walked from a descriptor of the
 * workspace root one component at a time, each opened relative to the one before with O_NOFOLLOW
 * ({@link DirectoryChain}); a symlink met on the way is followed by the walk itself, by reading its
 * target and walking that too, so a link can lead anywhere inside the workspace but {@code ..} past
 * the root, or an absolute target elsewhere, is refused before anything outside is looked at. A
 * concurrent swap of any component can therefore yield an error or another entry inside the
 * workspace, never one outside.
 */
public final class Workspace {

    /** Linux's own limit (MAXSYMLINKS): more links than this on one path is a loop. */
    static final int MAX_LINK_HOPS = 40;
    /** How often one walk looks again at a component that changed under it before giving up. */
    static final int MAX_CHANGES = 16;

    /** Which symlinks a walk follows. */
    enum Follow {
        /** Every one, the last component's too: reading, listing, a command's working directory. */
        ALL,
        /** Those on the way, never the last component's: deleting a link removes the link. */
        PARENTS,
        /**
         * Those on the way, creating missing directories the caller named; the last component's only
         * when it leads to an existing entry, otherwise the link itself is the target: writing.
         */
        WRITE,
        /** None: a link anywhere counts as missing. For files a walk already found without following links. */
        NONE
    }

    private final Path root;
    private final Path realRoot;
    /** Held while a new directory's name is checked and the directory renamed there. */
    private final Object creationLock = new Object();

    /** @param root an existing directory */
    public Workspace(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException("workspace " + this.root + " is not a directory");
        }
        // Fails at start, not at the first request, where the file system has no openat.
        openRoot().close();
    }

    /** The workspace as configured; what callers see in messages. */
    public Path root() {
        return root;
    }

    /** Where the workspace really is, after symlinks. Only ever opened itself, never a path below it. */
    public Path realRoot() {
        return realRoot;
    }

    /**
     * Accepts a path for something that will open it by name itself: a command's working directory.
     * The path is walked like every other, so the location names the directory the walk found, every
     * link resolved; a path that does not exist yields its lexical location, where nothing is found.
     * A swap after the walk can only change where the command starts, which gives it nothing its own
     * {@code cd} could not.
     */
    public WorkspacePath locate(String requested) throws IOException {
        String relative = relativize(requested);
        Path location = realRoot;
        try (WorkspaceEntry target = find(relative, Follow.ALL)) {
            for (Path name : target.location()) {
                location = location.resolve(name);
            }
        } catch (RequestException e) {
            if (e.status() != ErrorStatus.NOT_FOUND) {
                throw e;
            }
            location = realRoot.resolve(relative);
        } catch (IOException e) {
            throw FileFailures.translate(e, display(relative), "opened");
        }
        return new WorkspacePath(relative, location);
    }

    /** The syntactic rules: yields a clean, {@code /} separated relative path. */
    String relativize(String requested) {
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

    /** Walks a path {@link #relativize} accepted. */
    WorkspaceEntry find(String relative, Follow follow) throws IOException {
        return walk(components(relative), display(relative), follow, Ownership.NONE);
    }

    /** Walks a path for writing: missing directories on the way are created, owned by {@code ownership}. */
    WorkspaceEntry findForWrite(String relative, Ownership ownership) throws IOException {
        return walk(components(relative), display(relative), Follow.WRITE, ownership);
    }

    /** Walks names a previous walk found (such as {@link WorkspaceEntry#location()}), exactly as they are. */
    WorkspaceEntry find(List<Path> location, Follow follow) throws IOException {
        StringJoiner display = new StringJoiner("/");
        location.forEach(name -> display.add(name.toString()));
        return walk(location, display(display.toString()), follow, Ownership.NONE);
    }

    SecureDirectoryStream<Path> openRoot() throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(realRoot);
        if (stream instanceof SecureDirectoryStream) {
            return (SecureDirectoryStream<Path>) stream;
        }
        stream.close();
        throw new IOException("the file system of " + root + " offers no secure directory streams (openat)");
    }

    Object creationLock() {
        return creationLock;
    }

    RequestException escapes() {
        return RequestException.invalid("path escapes " + root);
    }

    private WorkspaceEntry walk(List<Path> components, String display, Follow follow, Ownership ownership)
            throws IOException {
        DirectoryChain chain = DirectoryChain.open(this);
        try {
            return walk(chain, components, display, follow, ownership);
        } catch (IOException | RuntimeException e) {
            try {
                chain.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private WorkspaceEntry walk(DirectoryChain chain, List<Path> components, String display, Follow follow,
                                Ownership ownership) throws IOException {
        Deque<Step> pending = new ArrayDeque<>();
        components.forEach(name -> pending.add(new Step(name, true)));
        int hops = 0;
        int changes = 0;
        while (true) {
            Step step = pending.poll();
            if (step == null) {
                return new WorkspaceEntry(chain, null, chain.attributes());
            }
            String text = step.name().toString();
            if (text.isEmpty() || text.equals(".")) {
                continue;
            }
            if (text.equals("..")) {
                if (!chain.leave()) {
                    throw escapes();
                }
                continue;
            }
            boolean last = pending.isEmpty();
            PosixFileAttributes attributes = chain.stat(step.name());
            if (attributes == null) {
                if (last) {
                    return new WorkspaceEntry(chain, step.name(), null);
                }
                if (follow != Follow.WRITE) {
                    throw notFound(display);
                }
                // Like mkdir -p, a directory a link points to is never created for it.
                if (!step.requested()) {
                    throw notADirectory(display);
                }
                if (!chain.create(step.name(), ownership)) {
                    changes = lookAgain(changes, display);
                    pending.push(step);
                }
                continue;
            }
            if (attributes.isSymbolicLink()) {
                if (follow == Follow.NONE) {
                    throw notFound(display);
                }
                if (last && follow == Follow.PARENTS) {
                    return new WorkspaceEntry(chain, step.name(), attributes);
                }
                if (last && follow == Follow.WRITE) {
                    return throughLink(chain, step.name(), attributes, display);
                }
                if (++hops > MAX_LINK_HOPS) {
                    throw RequestException.precondition("too many levels of symbolic links: " + display);
                }
                Path target = chain.readLink(step.name(), attributes);
                if (target == null) {
                    changes = lookAgain(changes, display);
                    pending.push(step);
                } else {
                    expand(chain, target, pending);
                }
                continue;
            }
            if (last) {
                return new WorkspaceEntry(chain, step.name(), attributes);
            }
            if (!attributes.isDirectory()) {
                throw follow == Follow.WRITE ? notADirectory(display) : notFound(display);
            }
            if (!chain.enter(step.name(), attributes)) {
                changes = lookAgain(changes, display);
                pending.push(step);
            }
        }
    }

    /**
     * Writing onto a link writes its target when that exists inside the workspace. A link leading
     * nowhere is replaced itself, as rename(2) replaces it, so the write never creates a file the link
     * names; one leading out of the workspace is refused whether or not its target exists, which is
     * never looked at.
     */
    private WorkspaceEntry throughLink(DirectoryChain chain, Path name, PosixFileAttributes link, String display)
            throws IOException {
        List<Path> location = new ArrayList<>(chain.names());
        location.add(name);
        WorkspaceEntry target;
        try {
            target = walk(location, display, Follow.ALL, Ownership.NONE);
        } catch (RequestException e) {
            if (e.status() == ErrorStatus.INVALID_ARGUMENT) {
                throw e;
            }
            return new WorkspaceEntry(chain, name, link);
        }
        if (!target.exists()) {
            target.close();
            return new WorkspaceEntry(chain, name, link);
        }
        chain.close();
        return target;
    }

    /**
     * Puts a link's target in front of what is left to walk. An absolute target must name the workspace
     * (as configured or as it really is); the walk then starts over at the root's descriptor.
     */
    private void expand(DirectoryChain chain, Path target, Deque<Step> pending) throws IOException {
        Path relative = target;
        if (target.isAbsolute()) {
            Path base = target.startsWith(realRoot) ? realRoot : target.startsWith(root) ? root : null;
            if (base == null) {
                throw escapes();
            }
            chain.toRoot();
            if (target.getNameCount() == base.getNameCount()) {
                return;
            }
            relative = target.subpath(base.getNameCount(), target.getNameCount());
        }
        for (int i = relative.getNameCount() - 1; i >= 0; i--) {
            pending.push(new Step(relative.getName(i), false));
        }
    }

    /** Counts one more look at a component that changed under the walk; refuses past the limit. */
    private static int lookAgain(int changes, String display) {
        if (changes == MAX_CHANGES) {
            throw RequestException.precondition(display + " kept changing while it was opened; try again");
        }
        return changes + 1;
    }

    private static List<Path> components(String relative) {
        List<Path> components = new ArrayList<>();
        if (!relative.isEmpty()) {
            for (String name : relative.split("/")) {
                components.add(Path.of(name));
            }
        }
        return components;
    }

    static String display(String relative) {
        return relative.isEmpty() ? "." : relative;
    }

    private static RequestException notFound(String display) {
        return RequestException.notFound("no such file or directory: " + display);
    }

    private static RequestException notADirectory(String display) {
        return RequestException.precondition("a parent of the path is not a directory: " + display);
    }

    /** One name left to walk; {@code requested} when the caller named it, rather than a link's target. */
    private record Step(Path name, boolean requested) {
    }
}
