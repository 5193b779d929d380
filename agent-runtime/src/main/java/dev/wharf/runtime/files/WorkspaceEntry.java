package dev.wharf.runtime.files;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a walk through the workspace found: the open directory that holds the entry (with the chain of
 * directories above it), the entry's name there, and what the walk saw. Everything done to the entry
 * goes through the holding directory's descriptor. Closing this closes the chain.
 */
final class WorkspaceEntry implements Closeable {

    private final DirectoryChain chain;
    private final Path name;
    private final PosixFileAttributes attributes;

    /**
     * @param name       null when the entry is the chain's current directory itself (the root, or a link
     *                   to {@code .})
     * @param attributes null when there is no such entry (yet)
     */
    WorkspaceEntry(DirectoryChain chain, Path name, PosixFileAttributes attributes) {
        this.chain = chain;
        this.name = name;
        this.attributes = attributes;
    }

    boolean exists() {
        return attributes != null;
    }

    boolean isDirectory() {
        return attributes != null && attributes.isDirectory();
    }

    /** What the walk saw, never following a link; null when missing. */
    PosixFileAttributes attributes() {
        return attributes;
    }

    /** The directory holding the entry; the entry itself when {@link #name()} is null. */
    SecureDirectoryStream<Path> directory() {
        return chain.current();
    }

    /** The entry's name in {@link #directory()}; null for the directory itself. */
    Path name() {
        return name;
    }

    /** Where the entry really is, as names below the workspace root. */
    List<Path> location() {
        List<Path> location = new ArrayList<>(chain.names());
        if (name != null) {
            location.add(name);
        }
        return location;
    }

    /** The name that decides a file's MIME type: after links, the target's. */
    Path typeName() {
        List<Path> location = location();
        return location.isEmpty() ? Path.of("") : location.get(location.size() - 1);
    }

    /** Whether {@code failure}, met opening the entry, was a race, so walking again may succeed. */
    boolean raced(IOException failure) {
        return name != null && attributes != null && DirectoryChain.raced(directory(), name, attributes, failure);
    }

    /** A new descriptor of the entry as a directory, for the caller to read and close. */
    SecureDirectoryStream<Path> openDirectory() throws IOException {
        return name == null ? chain.reopen() : directory().newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Opens the entry for reading. O_NOFOLLOW refuses a link swapped in since the walk; a directory
     * swapped in would open, so one positional read proves it is a file before anyone relies on it.
     */
    FileChannel openFile() throws IOException {
        FileChannel channel = (FileChannel) directory().newByteChannel(name,
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        try {
            channel.read(ByteBuffer.allocate(1), 0);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        chain.close();
    }
}
