package dev.wharf.runtime.files;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;

/**
 * Turns what the file system answered into what the caller is told. Every call here works on an
 * entry the walk has just checked, so a refusal such as "is a directory" or "too many levels of
 * symbolic links" (O_NOFOLLOW meeting a link) means user code changed the entry meanwhile: the caller
 * gets a 400 saying so, not a 500. Only failures of the disk itself stay internal errors.
 */
final class FileFailures {

    /** strerror texts of the errors a concurrent rename, swap or removal provokes. */
    private static final List<String> RACES = List.of(
            "Too many levels of symbolic links", // ELOOP
            "Is a directory", // EISDIR
            "Not a directory", // ENOTDIR
            "Directory not empty", // ENOTEMPTY
            "File exists", // EEXIST
            "Invalid argument", // EINVAL: a directory renamed into itself
            "Device or resource busy", // EBUSY
            "No such device or address", // ENXIO: a socket swapped in
            "Illegal seek"); // ESPIPE: a pipe swapped in

    private FileFailures() {
    }

    /**
     * The refusal to throw for {@code failure}; {@code failure} itself is rethrown when it is none.
     *
     * @param display the path as the caller named it
     * @param doing   what was being done to it, for the message: "read", "written", "deleted"
     */
    static RuntimeException translate(IOException failure, String display, String doing) throws IOException {
        if (failure instanceof NoSuchFileException) {
            return RequestException.notFound("no such file or directory: " + display);
        }
        if (failure instanceof AccessDeniedException) {
            return new RequestException(ErrorStatus.PERMISSION_DENIED, "permission denied: " + display);
        }
        if (isOutOfSpace(failure)) {
            return new RequestException(ErrorStatus.RESOURCE_EXHAUSTED, "the workspace is out of disk space");
        }
        if (isRace(failure)) {
            return RequestException.precondition(display + " changed while it was being " + doing + "; try again");
        }
        throw failure;
    }

    /**
     * Whether {@code failure} is what a concurrent rename, swap or removal provokes. Such a failure
     * says nothing about the entry as it is now (it may be back as it was: a swap and a swap back), so
     * the caller looks again rather than trusting a second look alone.
     */
    static boolean isRace(IOException failure) {
        if (failure instanceof NoSuchFileException || failure instanceof NotDirectoryException
                || failure instanceof DirectoryNotEmptyException || failure instanceof FileAlreadyExistsException) {
            return true;
        }
        String reason = failure instanceof FileSystemException
                ? ((FileSystemException) failure).getReason() : failure.getMessage();
        return mentionsRace(reason);
    }

    static boolean isOutOfSpace(IOException failure) {
        String message = String.valueOf(failure.getMessage());
        return message.contains("No space left on device") || message.contains("Disk quota exceeded");
    }

    private static boolean mentionsRace(String message) {
        if (message == null) {
            return false;
        }
        for (String race : RACES) {
            if (message.contains(race)) {
                return true;
            }
        }
        return false;
    }
}
