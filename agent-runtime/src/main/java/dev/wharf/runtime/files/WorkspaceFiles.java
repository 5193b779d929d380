package dev.wharf.runtime.files;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads, lists, writes and deletes workspace files. Every caller path goes through
 * {@link Workspace} first; nothing here interprets a raw path.
 */
public final class WorkspaceFiles {

    /** Listings stop here and say so, so one huge tree cannot exhaust the daemon's small heap. */
    public static final int MAX_LISTED_ENTRIES = 10_000;

    /**
     * Uploads land in a file with this prefix next to their target and are renamed into place, so
     * a failed upload never leaves a partial file under the real name. Listings hide these files.
     */
    static final String UPLOAD_PREFIX = ".wharf-upload-";

    private static final Comparator<Child> BY_NAME = Comparator.comparing(child -> child.entry().name());

    private final Workspace workspace;

    public WorkspaceFiles(Workspace workspace) {
        this.workspace = workspace;
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
        WorkspacePath target = workspace.locate(path);
        BasicFileAttributes attributes = existing(target);
        if (!attributes.isDirectory()) {
            return new Listing(List.of(FileEntry.of(target.relative(), target.location(), attributes)), false);
        }
        List<FileEntry> entries = new ArrayList<>();
        Deque<Iterator<Child>> pending = new ArrayDeque<>();
        pending.push(children(target, MAX_LISTED_ENTRIES).iterator());
        while (!pending.isEmpty()) {
            Iterator<Child> siblings = pending.peek();
            if (!siblings.hasNext()) {
                pending.pop();
                continue;
            }
            if (entries.size() == MAX_LISTED_ENTRIES) {
                return new Listing(entries, true);
            }
            Child child = siblings.next();
            entries.add(child.entry());
            if (recursive && child.descend()) {
                pending.push(readableChildren(child.path(), MAX_LISTED_ENTRIES - entries.size()).iterator());
            }
        }
        return new Listing(entries, false);
    }

    /** Opens a regular file for streaming. */
    public Download open(String path) throws IOException {
        WorkspacePath target = workspace.locate(path);
        BasicFileAttributes attributes = existing(target);
        if (attributes.isDirectory()) {
            throw RequestException.precondition("path is a directory: " + display(target));
        }
        if (!attributes.isRegularFile()) {
            throw RequestException.precondition("path is not a regular file: " + display(target));
        }
        // The location is fully resolved, so refusing a final symlink only stops one swapped in
        // after the check.
        InputStream content = Files.newInputStream(target.location(), LinkOption.NOFOLLOW_LINKS);
        return new Download(content, attributes.size(), MimeTypes.of(target.location()));
    }

    /**
     * Streams {@code body} into the file at {@code path}, creating parent directories. Readers see
     * the old content or the new, never a mix: the bytes go to a temporary file in the same
     * directory, which is renamed over the target only once complete. A replaced file keeps its
     * permissions, so re-uploading a script leaves it executable.
     */
    public FileEntry write(String path, InputStream body) throws IOException {
        WorkspacePath target = workspace.locate(path);
        if (target.isRoot()) {
            throw RequestException.precondition("path must name a file, not the workspace root");
        }
        Path location = target.location();
        if (Files.isDirectory(location)) {
            throw RequestException.precondition("path is a directory: " + display(target));
        }
        Path directory = location.getParent();
        try {
            Files.createDirectories(directory);
        } catch (FileAlreadyExistsException e) {
            throw RequestException.precondition("a parent of the path is not a directory: " + display(target));
        }
        Path upload = directory.resolve(UPLOAD_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean placed = false;
        try {
            try (OutputStream out = Files.newOutputStream(upload, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.transferTo(out);
            }
            if (Files.isRegularFile(location)) {
                Files.setPosixFilePermissions(upload, Files.getPosixFilePermissions(location));
            }
            Files.move(upload, location, StandardCopyOption.ATOMIC_MOVE);
            placed = true;
        } catch (IOException e) {
            if (isOutOfSpace(e)) {
                throw new RequestException(ErrorStatus.RESOURCE_EXHAUSTED, "the workspace is out of disk space");
            }
            throw e;
        } finally {
            if (!placed) {
                Files.deleteIfExists(upload);
            }
        }
        return FileEntry.of(target.relative(), location,
                Files.readAttributes(location, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Removes a file, or a directory with everything in it. A symlink is removed itself; its target
     * is never touched, even when it points outside the workspace.
     */
    public void delete(String path) throws IOException {
        WorkspacePath target = workspace.locateEntry(path);
        if (target.isRoot()) {
            throw RequestException.invalid("the workspace root itself cannot be deleted");
        }
        Path location = target.location();
        if (!Files.exists(location, LinkOption.NOFOLLOW_LINKS)) {
            throw notFound(target);
        }
        if (!Files.isDirectory(location, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(location);
            return;
        }
        // walkFileTree does not follow links by default: links inside are deleted as links.
        Files.walkFileTree(location, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null && !(failure instanceof NoSuchFileException)) {
                    throw failure;
                }
                Files.deleteIfExists(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * The children of a directory, sorted by name. Only the {@code room + 1} smallest names are
     * kept (one more than can be shown, so truncation is still detected): a directory with a
     * million files costs a bounded heap, not a million entries.
     */
    private List<Child> children(WorkspacePath directory, int room) throws IOException {
        PriorityQueue<Child> smallest = new PriorityQueue<>(BY_NAME.reversed());
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory.location())) {
            for (Path entry : stream) {
                String name = entry.getFileName().toString();
                if (name.startsWith(UPLOAD_PREFIX)) {
                    continue;
                }
                Child child = describe(directory, name);
                if (child != null) {
                    smallest.add(child);
                    if (smallest.size() > room + 1) {
                        smallest.poll();
                    }
                }
            }
        }
        List<Child> sorted = new ArrayList<>(smallest);
        sorted.sort(BY_NAME);
        return sorted;
    }

    /**
     * Only the directory the caller named must be readable: a subdirectory the daemon may not read
     * (commands can chmod anything) is listed but not entered.
     */
    private List<Child> readableChildren(WorkspacePath directory, int room) {
        try {
            return children(directory, room);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Null when the entry vanished meanwhile, or is a symlink the API would not serve. */
    private Child describe(WorkspacePath directory, String name) {
        Path location = directory.location().resolve(name);
        String relative = directory.child(name);
        try {
            BasicFileAttributes own = Files.readAttributes(location, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!own.isSymbolicLink()) {
                return new Child(new WorkspacePath(relative, location),
                        FileEntry.of(relative, location, own), own.isDirectory());
            }
            Path target = location.toRealPath();
            if (!target.startsWith(workspace.realRoot())) {
                return null;
            }
            BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class);
            return new Child(new WorkspacePath(relative, target), FileEntry.of(relative, target, attributes), false);
        } catch (IOException e) {
            return null;
        }
    }

    private BasicFileAttributes existing(WorkspacePath target) throws IOException {
        try {
            return Files.readAttributes(target.location(), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw notFound(target);
        }
    }

    private static boolean isOutOfSpace(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("No space left on device") || message.contains("Disk quota exceeded");
    }

    private RequestException notFound(WorkspacePath target) {
        return RequestException.notFound("no such file or directory: " + display(target));
    }

    private static String display(WorkspacePath target) {
        return target.isRoot() ? "." : target.relative();
    }

    /** A directory entry on its way into a listing. */
    private record Child(WorkspacePath path, FileEntry entry, boolean descend) {
    }
}
