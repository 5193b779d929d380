package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Visits every entry below the workspace root that is not a directory, depth-first, through
 * descriptors: each directory is opened with O_NOFOLLOW from its parent's, so the walk never
 * follows a symlink, not even one swapped in for a directory it is about to enter. Directories the
 * daemon may not read, or that changed as they were entered, are skipped: commands can create and
 * swap anything.
 */
final class FileTree {

    /** Sees one entry, by its path below the root and its own name; answers false to end the walk. */
    interface Visitor {
        boolean visit(String relative, Path name, PosixFileAttributes attributes);
    }

    private FileTree() {
    }

    static void walk(Workspace workspace, Visitor visitor) throws IOException {
        Deque<Level> levels = new ArrayDeque<>();
        levels.push(new Level(workspace.openRoot(), ""));
        try {
            while (!levels.isEmpty()) {
                Level level = levels.peek();
                Path name = level.next();
                if (name == null) {
                    levels.pop().directory.close();
                    continue;
                }
                PosixFileAttributes attributes = stat(level.directory, name);
                if (attributes == null) {
                    continue;
                }
                String relative = level.child(name);
                if (!attributes.isDirectory()) {
                    if (!visitor.visit(relative, name, attributes)) {
                        return;
                    }
                    continue;
                }
                try {
                    levels.push(new Level(level.directory.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS),
                            relative));
                } catch (IOException e) {
                    // Unreadable, or no longer a directory: nothing to count there.
                }
            }
        } finally {
            for (Level level : levels) {
                level.directory.close();
            }
        }
    }

    private static PosixFileAttributes stat(SecureDirectoryStream<Path> directory, Path name) {
        try {
            return DirectoryChain.stat(directory, name);
        } catch (IOException e) {
            return null;
        }
    }

    /** One open directory of the walk. */
    private static final class Level {
        final SecureDirectoryStream<Path> directory;
        final String relative;
        final Iterator<Path> entries;

        Level(SecureDirectoryStream<Path> directory, String relative) {
            this.directory = directory;
            this.relative = relative;
            this.entries = directory.iterator();
        }

        /** The next entry's name; null at the end, or when the directory cannot be read further. */
        Path next() {
            try {
                return entries.hasNext() ? entries.next().getFileName() : null;
            } catch (DirectoryIteratorException e) {
                return null;
            }
        }

        String child(Path name) {
            return relative.isEmpty() ? name.toString() : relative + "/" + name;
        }
    }
}
