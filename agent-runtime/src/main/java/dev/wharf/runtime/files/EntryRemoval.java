package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Removes an entry and, for a directory, everything below it, through descriptors only: each
 * directory is opened with O_NOFOLLOW from its parent's descriptor and emptied by unlinkat on its
 * own. A symlink is unlinked as a link wherever it is met, so nothing it points at is ever touched,
 * and a directory swapped for a link during the removal is removed as the link. The walk keeps its
 * own stack, so the depth of a tree costs heap and descriptors, not Java stack.
 */
public final class EntryRemoval {

    /** How often one entry is looked at again when it changed between the look and the removal. */
    private static final int ATTEMPTS = 3;
    /** How often a directory is emptied again when entries appeared in it meanwhile. */
    private static final int PASSES = 3;

    private EntryRemoval() {
    }

    /**
     * Removes {@code path} and everything below it, not following any link on the way (outside the workspace too: the
     * browser's scratch directories under /tmp, which the sandbox user can write while the browser runs). Gone
     * already counts as done.
     */
    public static void removeTree(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException("refusing to remove the root directory");
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent)) {
            if (!(stream instanceof SecureDirectoryStream)) {
                throw new IOException("this file system cannot remove " + absolute + " without following links");
            }
            SecureDirectoryStream<Path> directory = (SecureDirectoryStream<Path>) stream;
            BasicFileAttributes seen = DirectoryChain.stat(directory, absolute.getFileName());
            if (seen != null) {
                remove(directory, absolute.getFileName(), seen);
            }
        }
    }

    /** Removes {@code name} from {@code parent}, as the caller saw it; gone already counts as done. */
    static void remove(SecureDirectoryStream<Path> parent, Path name, BasicFileAttributes seen) throws IOException {
        BasicFileAttributes attributes = seen;
        for (int attempt = 1; ; attempt++) {
            try {
                if (attributes.isDirectory()) {
                    removeTree(Level.open(parent, name, 1));
                } else {
                    parent.deleteFile(name);
                }
                return;
            } catch (IOException e) {
                if (attempt == ATTEMPTS || !DirectoryChain.raced(parent, name, attributes, e)) {
                    throw e;
                }
                attributes = DirectoryChain.stat(parent, name);
                if (attributes == null) {
                    return;
                }
            }
        }
    }

    private static void removeTree(Level top) throws IOException {
        Deque<Level> levels = new ArrayDeque<>();
        levels.push(top);
        try {
            while (!levels.isEmpty()) {
                Level level = levels.peek();
                Path child = level.next();
                if (child != null) {
                    Level below = removeChild(level.directory, child);
                    if (below != null) {
                        levels.push(below);
                    }
                    continue;
                }
                levels.pop().directory.close();
                try {
                    level.parent.deleteDirectory(level.name);
                } catch (NoSuchFileException e) {
                    // Removed meanwhile by someone else: what the caller asked for.
                } catch (DirectoryNotEmptyException e) {
                    if (level.pass == PASSES) {
                        throw e;
                    }
                    try {
                        levels.push(Level.open(level.parent, level.name, level.pass + 1));
                    } catch (NoSuchFileException gone) {
                        // Emptied and removed by someone else after all.
                    }
                }
            }
        } finally {
            for (Level level : levels) {
                level.directory.close();
            }
        }
    }

    /** Unlinks a child that is no directory; for a directory, opens it to be emptied first. */
    private static Level removeChild(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        for (int attempt = 1; ; attempt++) {
            BasicFileAttributes attributes = DirectoryChain.stat(directory, name);
            if (attributes == null) {
                return null;
            }
            try {
                if (attributes.isDirectory()) {
                    return Level.open(directory, name, 1);
                }
                directory.deleteFile(name);
                return null;
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                if (attempt == ATTEMPTS || !DirectoryChain.raced(directory, name, attributes, e)) {
                    throw e;
                }
            }
        }
    }

    /** A directory being emptied, and where to remove it from once it is. */
    private static final class Level {
        final SecureDirectoryStream<Path> parent;
        final Path name;
        final SecureDirectoryStream<Path> directory;
        final Iterator<Path> entries;
        final int pass;

        private Level(SecureDirectoryStream<Path> parent, Path name, SecureDirectoryStream<Path> directory, int pass) {
            this.parent = parent;
            this.name = name;
            this.directory = directory;
            this.entries = directory.iterator();
            this.pass = pass;
        }

        static Level open(SecureDirectoryStream<Path> parent, Path name, int pass) throws IOException {
            return new Level(parent, name, parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS), pass);
        }

        /** The next entry's name, or null when all were seen. */
        Path next() throws IOException {
            try {
                return entries.hasNext() ? entries.next().getFileName() : null;
            } catch (DirectoryIteratorException e) {
                throw e.getCause();
            }
        }
    }
}
