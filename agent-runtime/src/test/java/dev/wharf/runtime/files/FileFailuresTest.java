package dev.wharf.runtime.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.error.ErrorStatus;
import dev.wharf.runtime.error.RequestException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failures a swap provokes, produced by the real system calls, and what the caller is told. A
 * swap and a swap back can leave the entry looking exactly as the walk saw it by the time anyone
 * looks again, so the failure itself has to be recognised as a race: a sandbox swapping in a tight
 * loop got 500s from exactly that.
 */
class FileFailuresTest {

    @TempDir
    Path root;
    SecureDirectoryStream<Path> directory;

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("dir"));
        directory = new Workspace(root).openRoot();
    }

    @AfterEach
    void tearDown() throws IOException {
        directory.close();
    }

    @Test
    void enteringALinkIsARaceEvenWhenTheLinkLooksAsTheWalkSawIt() throws IOException {
        IOException failure = assertThrows(IOException.class,
                () -> directory.newDirectoryStream(Path.of("link"), LinkOption.NOFOLLOW_LINKS));
        BasicFileAttributes unchanged = DirectoryChain.stat(directory, Path.of("link"));

        assertTrue(DirectoryChain.raced(directory, Path.of("link"), unchanged, failure), failure.toString());
        assertRefusedAsChanged(failure);
    }

    @Test
    void openingALinkAsAFileIsARace() throws IOException {
        IOException failure = assertThrows(IOException.class, () -> directory.newByteChannel(Path.of("link"),
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
        BasicFileAttributes unchanged = DirectoryChain.stat(directory, Path.of("link"));

        assertTrue(DirectoryChain.raced(directory, Path.of("link"), unchanged, failure), failure.toString());
        assertRefusedAsChanged(failure);
    }

    @Test
    void readingADirectoryOpenedAsAFileIsARace() throws IOException {
        IOException failure;
        try (FileChannel channel = (FileChannel) directory.newByteChannel(Path.of("dir"),
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            failure = assertThrows(IOException.class, () -> channel.read(ByteBuffer.allocate(1), 0));
        }

        assertTrue(FileFailures.isRace(failure), failure.toString());
        assertRefusedAsChanged(failure);
    }

    @Test
    void missingDeniedAndFullAreTheirOwnAnswers() throws IOException {
        IOException missing = assertThrows(IOException.class,
                () -> directory.newDirectoryStream(Path.of("nothing"), LinkOption.NOFOLLOW_LINKS));

        assertEquals(ErrorStatus.NOT_FOUND, refusal(missing).status());
        assertEquals(ErrorStatus.PERMISSION_DENIED, refusal(new AccessDeniedException("x")).status());
        assertEquals(ErrorStatus.RESOURCE_EXHAUSTED,
                refusal(new FileSystemException("x", null, "No space left on device")).status());
    }

    @Test
    void aFailureOfTheDiskItselfStaysAnInternalError() {
        IOException broken = new FileSystemException("x", null, "Input/output error");

        assertFalse(FileFailures.isRace(broken));
        assertSame(broken, assertThrows(IOException.class, () -> FileFailures.translate(broken, "x", "read")));
    }

    private static void assertRefusedAsChanged(IOException failure) throws IOException {
        RequestException refused = refusal(failure);
        assertEquals(ErrorStatus.FAILED_PRECONDITION, refused.status());
        assertEquals("a/b changed while it was being read; try again", refused.getMessage());
    }

    private static RequestException refusal(IOException failure) throws IOException {
        return (RequestException) FileFailures.translate(failure, "a/b", "read");
    }
}
