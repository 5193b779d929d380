package dev.wharf.runtime.files;

import dev.wharf.runtime.error.RequestException;
import dev.wharf.runtime.files.Workspace.Follow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads, lists, writes and deletes workspace files. Every caller path is walked by {@link Workspace}
 * from the root's descriptor, and every operation then works through the descriptor of the directory
 * holding the entry; nothing here opens a path by name from anywhere else.
 *
 * <p>A walk and the operation after it are two steps, and user code can change the entry in between.
 * The operation opens with O_NOFOLLOW and checks what it opened, so the change costs at most a fresh
 * walk ({@link #ATTEMPTS}) or an error, never an entry outside the workspace.
 */
public final class WorkspaceFiles {

    /** Listings stop here and say so, so one huge tree cannot exhaust the daemon's small heap. */
    public static final int MAX_LISTED_ENTRIES = 10_000;

    /**
     * Uploads land in a file with this prefix next to their target and are renamed into place, so
     * a failed upload never leaves a partial file under the real name. Listings hide these files.
     */
    static final String UPLOAD_PREFIX = ".wharf-upload-";

    /** How often an operation walks again when its entry changed between the walk and the open. */
    private static final int ATTEMPTS = 3;

    private static final Comparator<Child> BY_NAME = Comparator.comparing(child -> child.entry().name());
    private static final Set<OpenOption> NEW_FILE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);

    private final Workspace workspace;
    private final Ownership ownership;

    /** Whatever the daemon creates keeps the daemon's own uid and gid. */
    public WorkspaceFiles(Workspace workspace) {
        this.workspace = workspace;
        this.ownership = Ownership.NONE;
    }

    /** @param owner given to every file and directory created here: uploads, tool output, parents */
    public WorkspaceFiles(Workspace workspace, FileOwner owner) throws IOException {
        this.workspace = workspace;
        this.ownership = Ownership.of(Objects.requireNonNull(owner, "owner"));
    }

    /** The daemon's unfinished uploads and new directories, which no listing shows. */
    static boolean isTransient(Path name) {
        String text = name.toString();
        return text.startsWith(UPLOAD_PREFIX) || text.startsWith(DirectoryChain.STAGING_PREFIX);
    }

    /**
     * A file yields its own entry; a directory its children, or with {@code recursive} all its
     * descendants depth-first, siblings sorted by name (so a directory's contents follow it).
     *
     * <p>Listing never descends through a symlink, which rules out cycles and double counting. A
     * symlink whose target stays inside the workspace is listed with its target's metadata; one
     * that escapes or dangles is left out, since no other endpoint would serve it either.
     */
    public Listing list(String path, boolean recursive) throws IOException {
        String relative = workspace.relativize(path);
        String display = Workspace.display(relative);
        for (int attempt = 1; ; attempt++) {
            try (WorkspaceEntry target = workspace.find(relative, Follow.ALL)) {
                if (!target.exists()) {
                    throw notFound(display);
                }
                if (!target.isDirectory()) {
                    return new Listing(List.of(FileEntry.of(relative, target.typeName(), target.attributes())),
                            false);
                }
                SecureDirectoryStream<Path> directory;
                try {
                    directory = target.openDirectory();
                } catch (IOException e) {
                    if (attempt < ATTEMPTS && target.raced(e)) {
                        continue;
                    }
                    throw e;
                }
                return listTree(new Level(directory, relative, target.location()), recursive);
            } catch (IOException e) {
                throw FileFailures.translate(e, display, "listed");
            }
        }
    }

    /** Opens a regular file for streaming. */
    public Download open(String path) throws IOException {
        String relative = workspace.relativize(path);
        String display = Workspace.display(relative);
        for (int attempt = 1; ; attempt++) {
            try (WorkspaceEntry target = workspace.find(relative, Follow.ALL)) {
                if (!target.exists()) {
                    throw notFound(display);
                }
                if (target.isDirectory()) {
                    throw RequestException.precondition("path is a directory: " + display);
                }
                if (!target.attributes().isRegularFile()) {
                    throw RequestException.precondition("path is not a regular file: " + display);
                }
                FileChannel channel;
                try {
                    channel = target.openFile();
                } catch (IOException e) {
                    if (attempt < ATTEMPTS && target.raced(e)) {
                        continue;
                    }
                    throw e;
                }
                try {
                    // The size of what is open, not of what the walk saw: the length promised is the file's.
                    return new Download(Channels.newInputStream(channel), channel.size(),
                            MimeTypes.of(target.typeName()));
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
            } catch (IOException e) {
                throw FileFailures.translate(e, display, "read");
            }
        }
    }

    /**
     * Streams {@code body} into the file at {@code path}, creating parent directories. Readers see
     * the old content or the new, never a mix: the bytes go to a temporary file in the same
     * directory, which is renamed over the target only once complete. A replaced file keeps its
     * permissions, so re-uploading a script leaves it executable.
     */
    public FileEntry write(String path, InputStream body) throws IOException {
        String relative = workspace.relativize(path);
        if (relative.isEmpty()) {
            throw RequestException.precondition("path must name a file, not the workspace root");
        }
        try (WorkspaceEntry target = workspace.findForWrite(relative, ownership)) {
            if (target.name() == null || target.isDirectory()) {
                throw RequestException.precondition("path is a directory: " + relative);
            }
            return place(target, body, relative);
        } catch (IOException e) {
            throw FileFailures.translate(e, relative, "written");
        }
    }

    /**
     * Removes a file, or a directory with everything in it. A symlink is removed itself; its target
     * is never touched, even when it points outside the workspace.
     */
    public void delete(String path) throws IOException {
        String relative = workspace.relativize(path);
        if (relative.isEmpty()) {
            throw RequestException.invalid("the workspace root itself cannot be deleted");
        }
        try (WorkspaceEntry target = workspace.find(relative, Follow.PARENTS)) {
            if (!target.exists()) {
                throw notFound(relative);
            }
            EntryRemoval.remove(target.directory(), target.name(), target.attributes());
        } catch (IOException e) {
            throw FileFailures.translate(e, relative, "deleted");
        }
    }

    /**
     * The upload file is created with O_CREAT|O_EXCL|O_NOFOLLOW in the target's directory, given the
     * replaced file's permissions and then its owner (chown after chmod, so a daemon allowed to chown
     * but not to chmod other users' files still gets both), and renamed over the target by renameat.
     */
    private FileEntry place(WorkspaceEntry target, InputStream body, String relative) throws IOException {
        SecureDirectoryStream<Path> directory = target.directory();
        Path upload = Path.of(UPLOAD_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean placed = false;
        try {
            try (SeekableByteChannel channel = directory.newByteChannel(upload, NEW_FILE)) {
                PosixFileAttributes replaced = target.attributes();
                if (replaced != null && replaced.isRegularFile()) {
                    directory.getFileAttributeView(upload, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setPermissions(replaced.permissions());
                }
                ownership.claim(directory, upload);
                body.transferTo(Channels.newOutputStream(channel));
            }
            PosixFileAttributes written = DirectoryChain.stat(directory, upload);
            if (written == null) {
                throw changedWhileWritten(relative);
            }
            try {
                directory.move(upload, directory, target.name());
            } catch (NoSuchFileException e) {
                throw changedWhileWritten(relative);
            } catch (IOException e) {
                PosixFileAttributes now = DirectoryChain.stat(directory, target.name());
                if (now != null && now.isDirectory()) {
                    throw RequestException.precondition("path is a directory: " + relative);
                }
                throw e;
            }
            placed = true;
            return FileEntry.of(relative, target.typeName(), written);
        } finally {
            if (!placed) {
                try {
                    directory.deleteFile(upload);
                } catch (IOException e) {
                    // Never created, or already gone.
                }
            }
        }
    }

    private Listing listTree(Level top, boolean recursive) throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        Deque<Level> levels = new ArrayDeque<>();
        levels.push(top);
        try {
            top.siblings = children(top, MAX_LISTED_ENTRIES).iterator();
            while (!levels.isEmpty()) {
                Level level = levels.peek();
                if (!level.siblings.hasNext()) {
                    levels.pop().directory.close();
                    continue;
                }
                if (entries.size() == MAX_LISTED_ENTRIES) {
                    return new Listing(entries, true);
                }
                Child child = level.siblings.next();
                entries.add(child.entry());
                if (recursive && child.descend()) {
                    Level below = enter(level, child);
                    if (below != null) {
                        levels.push(below);
                        below.siblings = readableChildren(below, MAX_LISTED_ENTRIES - entries.size()).iterator();
                    }
                }
            }
            return new Listing(entries, false);
        } finally {
            for (Level level : levels) {
                level.directory.close();
            }
        }
    }

    /**
     * Only the directory the caller named must be readable: a subdirectory the daemon may not read
     * (commands can chmod anything), or one swapped for something else meanwhile, is listed but not
     * entered.
     */
    private static Level enter(Level level, Child child) {
        try {
            SecureDirectoryStream<Path> directory = level.directory.newDirectoryStream(child.name(),
                    LinkOption.NOFOLLOW_LINKS);
            List<Path> location = new ArrayList<>(level.location);
            location.add(child.name());
            return new Level(directory, child.entry().path(), location);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The children of a directory, sorted by name. Only the {@code room + 1} smallest names are
     * kept (one more than can be shown, so truncation is still detected): a directory with a
     * million files costs a bounded heap, not a million entries.
     */
    private List<Child> children(Level level, int room) throws IOException {
        PriorityQueue<Child> smallest = new PriorityQueue<>(BY_NAME.reversed());
        try {
            for (Path entry : level.directory) {
                Path name = entry.getFileName();
                if (isTransient(name)) {
                    continue;
                }
                Child child = describe(level, name);
                if (child != null) {
                    smallest.add(child);
                    if (smallest.size() > room + 1) {
                        smallest.poll();
                    }
                }
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        List<Child> sorted = new ArrayList<>(smallest);
        sorted.sort(BY_NAME);
        return sorted;
    }

    private List<Child> readableChildren(Level level, int room) {
        try {
            return children(level, room);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Null when the entry vanished meanwhile, or is a symlink the API would not serve. A link is
     * resolved by a walk of its own from the root, so its target is judged by the same rules as a
     * path the caller names.
     */
    private Child describe(Level level, Path name) {
        String relative = level.child(name);
        try {
            PosixFileAttributes own = DirectoryChain.stat(level.directory, name);
            if (own == null) {
                return null;
            }
            if (!own.isSymbolicLink()) {
                return new Child(name, FileEntry.of(relative, name, own), own.isDirectory());
            }
            List<Path> location = new ArrayList<>(level.location);
            location.add(name);
            try (WorkspaceEntry target = workspace.find(location, Follow.ALL)) {
                return target.exists()
                        ? new Child(name, FileEntry.of(relative, target.typeName(), target.attributes()), false)
                        : null;
            }
        } catch (IOException | RequestException e) {
            return null;
        }
    }

    private static RequestException changedWhileWritten(String relative) {
        return RequestException.precondition(relative + " changed while it was being written; try again");
    }

    private static RequestException notFound(String display) {
        return RequestException.notFound("no such file or directory: " + display);
    }

    /** One open directory of a listing, and the children still to show. */
    private static final class Level {
        final SecureDirectoryStream<Path> directory;
        /** As the caller sees it; {@code ""} for the workspace root. */
        final String relative;
        /** Where it really is, for resolving the links it holds. */
        final List<Path> location;
        Iterator<Child> siblings;

        Level(SecureDirectoryStream<Path> directory, String relative, List<Path> location) {
            this.directory = directory;
            this.relative = relative;
            this.location = location;
        }

        String child(Path name) {
            return relative.isEmpty() ? name.toString() : relative + "/" + name;
        }
    }

    /** A directory entry on its way into a listing. */
    private record Child(Path name, FileEntry entry, boolean descend) {
    }
}
