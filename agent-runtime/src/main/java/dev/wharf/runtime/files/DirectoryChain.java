package dev.wharf.runtime.files;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The open directories from the workspace root down to one directory, each opened by name from the
 * one above it with O_NOFOLLOW. Every file operation works relative to the last of them (openat,
 * fstatat, unlinkat, renameat on its descriptor), so once a directory is in the chain, renaming or
 * swapping anything above it cannot move the operation elsewhere. The root itself is opened by its
 * path, which user code cannot change: in a sandbox it is the mount point, on a read-only root file
 * system.
 *
 * <p>Directories cannot leave the workspace while held either: the workspace is its own mount, and
 * rename(2) refuses to move anything across mounts.
 */
final class DirectoryChain implements Closeable {

    /** Staging directories: made in the root, renamed into place. Listings hide them. */
    static final String STAGING_PREFIX = ".wharf-mkdir-";
    private static final int STAGING_NAME_ATTEMPTS = 5;
    private static final Path ITSELF = Path.of(".");

    private final Workspace workspace;
    private final List<SecureDirectoryStream<Path>> directories = new ArrayList<>();
    private final List<Path> names = new ArrayList<>();

    private DirectoryChain(Workspace workspace, SecureDirectoryStream<Path> root) {
        this.workspace = workspace;
        directories.add(root);
    }

    static DirectoryChain open(Workspace workspace) throws IOException {
        return new DirectoryChain(workspace, workspace.openRoot());
    }

    /** The directory every operation of this moment works in. */
    SecureDirectoryStream<Path> current() {
        return directories.get(directories.size() - 1);
    }

    /** The names from the root down to {@link #current()}: where it really is, every link resolved. */
    List<Path> names() {
        return List.copyOf(names);
    }

    /** What {@code name} in the current directory is, without following it; null when it does not exist. */
    PosixFileAttributes stat(Path name) throws IOException {
        return stat(current(), name);
    }

    /** The current directory's own attributes, from its descriptor. */
    PosixFileAttributes attributes() throws IOException {
        return current().getFileAttributeView(PosixFileAttributeView.class).readAttributes();
    }

    static PosixFileAttributes stat(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        try {
            return directory.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Whether a failure to open {@code name}, which a walk saw as {@code seen}, was a race: an error
     * a swap provokes, or an entry that is no longer what the walk saw (another file, another type, or
     * gone). Then the caller looks again instead of failing.
     */
    static boolean raced(SecureDirectoryStream<Path> directory, Path name, BasicFileAttributes seen,
                         IOException failure) {
        if (FileFailures.isRace(failure)) {
            return true;
        }
        try {
            BasicFileAttributes now = stat(directory, name);
            return now == null || !Objects.equals(now.fileKey(), seen.fileKey())
                    || now.isDirectory() != seen.isDirectory() || now.isSymbolicLink() != seen.isSymbolicLink()
                    || now.isRegularFile() != seen.isRegularFile();
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Opens the subdirectory {@code name}, which the caller just saw as a directory, and makes it the
     * current one. False when the open met a race (say, a symlink was swapped in, perhaps swapped out
     * again already): nothing is opened, and the caller looks at the name again.
     */
    boolean enter(Path name, BasicFileAttributes seen) throws IOException {
        SecureDirectoryStream<Path> child;
        try {
            child = current().newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            if (raced(current(), name, seen, e)) {
                return false;
            }
            throw e;
        }
        directories.add(child);
        names.add(name);
        return true;
    }

    /** Back to the parent of the current directory; false at the root, which has none here. */
    boolean leave() throws IOException {
        if (names.isEmpty()) {
            return false;
        }
        names.remove(names.size() - 1);
        directories.remove(directories.size() - 1).close();
        return true;
    }

    void toRoot() throws IOException {
        while (leave()) {
            // Every level is closed on the way up.
        }
    }

    /** A second, independent descriptor of the current directory, for its caller to read and close. */
    SecureDirectoryStream<Path> reopen() throws IOException {
        return current().newDirectoryStream(ITSELF, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The target of the symlink {@code name} in the current directory, or null when it changed while
     * being read (the caller looks again).
     *
     * <p>The JDK has no readlinkat, so the link is read by its path. That path can lead elsewhere if a
     * component above was swapped meanwhile; the link read is then checked to be the very inode the
     * walk saw (device and inode: nothing outside the workspace's file system can match). Whatever the
     * text, it is only ever resolved component by component from the chain's own descriptors, so a
     * stray one can cost an error, never a file outside.
     */
    Path readLink(Path name, BasicFileAttributes seen) {
        Path location = workspace.realRoot();
        for (Path directory : names) {
            location = location.resolve(directory);
        }
        location = location.resolve(name);
        try {
            Path target = Files.readSymbolicLink(location);
            BasicFileAttributes now = Files.readAttributes(location, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return now.isSymbolicLink() && Objects.equals(now.fileKey(), seen.fileKey()) ? target : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Creates the directory {@code name} in the current one, owned by {@code ownership}, and makes it the
     * current one. False when {@code name} exists after all, or user code interfered with the new
     * directory on its way: the caller looks again.
     *
     * <p>There is no mkdirat in the JDK. The new directory is made by path directly in the workspace
     * root, whose path nothing can redirect, opened from the root's descriptor, chowned through its own
     * descriptor, then renamed (renameat) from the root into the current directory: at no point is a
     * path below the root used. rename(2) replaces an empty directory of the same name, so the check
     * that the name is free and the rename happen under one lock: two requests never replace each
     * other's new directory. Only an empty directory user code makes in that instant can be replaced.
     */
    boolean create(Path name, Ownership ownership) throws IOException {
        synchronized (workspace.creationLock()) {
            if (stat(name) != null) {
                return false;
            }
            SecureDirectoryStream<Path> root = directories.get(0);
            Path staging = stage();
            SecureDirectoryStream<Path> created = null;
            boolean placed = false;
            try {
                try {
                    created = root.newDirectoryStream(staging, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    // User code moved it away or swapped it already: start over with a new one.
                    return false;
                }
                ownership.claim(created);
                Object identity = created.getFileAttributeView(PosixFileAttributeView.class).readAttributes().fileKey();
                try {
                    root.move(staging, current(), name);
                } catch (IOException e) {
                    if (stat(name) != null) {
                        return false;
                    }
                    throw e;
                }
                placed = true;
                // If user code swapped the staging directory before the rename, what landed is not ours:
                // look again at whatever is there now.
                BasicFileAttributes landed = stat(name);
                if (landed == null || !Objects.equals(landed.fileKey(), identity)) {
                    return false;
                }
                directories.add(created);
                names.add(name);
                created = null;
                return true;
            } finally {
                if (created != null) {
                    created.close();
                }
                if (!placed) {
                    removeStaging(root, staging);
                }
            }
        }
    }

    private Path stage() throws IOException {
        for (int attempt = 1; ; attempt++) {
            Path name = Path.of(STAGING_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                Files.createDirectory(workspace.realRoot().resolve(name));
                return name;
            } catch (FileAlreadyExistsException e) {
                if (attempt == STAGING_NAME_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static void removeStaging(SecureDirectoryStream<Path> root, Path staging) {
        try {
            root.deleteDirectory(staging);
        } catch (IOException e) {
            // Moved away or filled by user code meanwhile: it is theirs now, and listings hide the name.
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (int i = directories.size() - 1; i >= 0; i--) {
            try {
                directories.get(i).close();
            } catch (IOException e) {
                failure = e;
            }
        }
        directories.clear();
        names.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
