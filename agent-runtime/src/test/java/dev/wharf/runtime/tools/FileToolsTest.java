package dev.wharf.runtime.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.runtime.files.FileOwner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** read_file, write_file, edit_file and list_files as the model sees them. */
class FileToolsTest {

    @TempDir
    Path sandbox;
    Path workspace;
    ToolTestBench bench;

    @BeforeEach
    void setUp() throws IOException {
        workspace = Files.createDirectory(sandbox.resolve("workspace"));
        bench = new ToolTestBench(workspace, sandbox.resolve("no-chromium"));
    }

    @AfterEach
    void tearDown() {
        bench.close();
    }

    @Test
    void writeCreatesParentsAndReadReturnsTheText() throws IOException {
        ToolOutput written = bench.call("write_file", Map.of("path", "notes/day one.md", "content", "h\u00e9llo\n"));
        ToolOutput read = bench.call("read_file", Map.of("path", "notes/day one.md"));

        assertEquals(ToolOutput.success("wrote 7 bytes to notes/day one.md"), written);
        assertEquals(ToolOutput.success("h\u00e9llo\n"), read);
        assertEquals("h\u00e9llo\n", Files.readString(workspace.resolve("notes/day one.md")));
    }

    @Test
    void writeReplacesAnExistingFileWhole() throws IOException {
        Files.writeString(workspace.resolve("a.txt"), "a much longer old content");

        bench.call("write_file", Map.of("path", "a.txt", "content", "new"));

        assertEquals("new", Files.readString(workspace.resolve("a.txt")));
    }

    @Test
    void readCutsLargeFilesAndSaysSo() throws IOException {
        Files.writeString(workspace.resolve("big.txt"), "0123456789");

        ToolOutput read = bench.call("read_file", Map.of("path", "big.txt", "max_bytes", 4));

        assertFalse(read.isError());
        assertEquals("0123\n[truncated: showing the first 4 of 10 bytes]", read.text());
    }

    @Test
    void readCapsEvenWithoutMaxBytes() throws IOException {
        Files.write(workspace.resolve("huge.txt"), new byte[ReadFileTool.MAX_READ_BYTES + 10]);

        ToolOutput read = bench.call("read_file", Map.of("path", "huge.txt"));

        assertTrue(read.text().endsWith("[truncated: showing the first " + ReadFileTool.MAX_READ_BYTES + " of "
                + (ReadFileTool.MAX_READ_BYTES + 10) + " bytes]"), read.text().substring(read.text().length() - 80));
    }

    @Test
    void readingWhatIsNotAFileIsAnError() throws IOException {
        Files.createDirectory(workspace.resolve("dir"));

        assertEquals(ToolOutput.error("no such file or directory: missing.txt"),
                bench.call("read_file", Map.of("path", "missing.txt")));
        assertEquals(ToolOutput.error("path is a directory: dir"), bench.call("read_file", Map.of("path", "dir")));
    }

    @ParameterizedTest
    @CsvSource({"read_file, ../secret.txt", "read_file, /etc/passwd", "write_file, ../planted.txt",
            "edit_file, ../secret.txt", "list_files, ..", "read_file, link-out/secret.txt", "write_file, link-out/x"})
    void pathsLeavingTheWorkspaceAreErrorResults(String tool, String path) throws IOException {
        Files.writeString(sandbox.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(workspace.resolve("link-out"), sandbox);

        ToolOutput output = bench.call(tool, Map.of("path", path, "content", "x", "old_text", "secret",
                "new_text", "gone"));

        assertTrue(output.isError(), output.toString());
        assertTrue(output.text().contains("escapes") || output.text().contains("relative"), output.text());
        assertEquals("secret", Files.readString(sandbox.resolve("secret.txt")));
        assertFalse(Files.exists(sandbox.resolve("planted.txt")));
    }

    @Test
    void editReplacesTheOneOccurrence() throws IOException {
        Files.writeString(workspace.resolve("app.py"), "x = 1\ny = 2\n");

        ToolOutput output = bench.call("edit_file", Map.of("path", "app.py", "old_text", "y = 2", "new_text", "y = 3"));

        assertEquals(ToolOutput.success("replaced 1 occurrence in app.py"), output);
        assertEquals("x = 1\ny = 3\n", Files.readString(workspace.resolve("app.py")));
    }

    @Test
    void editRefusesAbsentOrAmbiguousTextAndLeavesTheFileAlone() throws IOException {
        Files.writeString(workspace.resolve("app.py"), "a = 1\na = 1\naaa\n");

        ToolOutput absent = bench.call("edit_file", Map.of("path", "app.py", "old_text", "b = 1", "new_text", "c"));
        ToolOutput twice = bench.call("edit_file", Map.of("path", "app.py", "old_text", "a = 1", "new_text", "c"));
        ToolOutput overlapping = bench.call("edit_file", Map.of("path", "app.py", "old_text", "aa", "new_text", "c"));
        ToolOutput empty = bench.call("edit_file", Map.of("path", "app.py", "old_text", "", "new_text", "c"));

        assertTrue(absent.isError() && absent.text().contains("not found"), absent.text());
        assertTrue(twice.isError() && twice.text().contains("occurs 2 times"), twice.text());
        assertTrue(overlapping.isError() && overlapping.text().contains("occurs 2 times"), overlapping.text());
        assertTrue(empty.isError(), empty.text());
        assertEquals("a = 1\na = 1\naaa\n", Files.readString(workspace.resolve("app.py")));
    }

    @Test
    void editRefusesFilesThatAreNotUtf8() throws IOException {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 'a', 'b'};
        Files.write(workspace.resolve("blob.bin"), binary);

        ToolOutput output = bench.call("edit_file", Map.of("path", "blob.bin", "old_text", "ab", "new_text", "cd"));

        assertTrue(output.isError() && output.text().contains("not UTF-8"), output.text());
        assertEquals(4, Files.size(workspace.resolve("blob.bin")));
    }

    @Test
    void listShowsPathsTypesAndSizes() throws IOException {
        Files.createDirectories(workspace.resolve("src/pkg"));
        Files.writeString(workspace.resolve("src/pkg/main.py"), "print(1)\n");
        Files.writeString(workspace.resolve("README.md"), "hi");

        ToolOutput top = bench.call("list_files", Map.of());
        ToolOutput all = bench.call("list_files", Map.of("recursive", true));
        ToolOutput sub = bench.call("list_files", Map.of("path", "src/pkg"));

        assertEquals(ToolOutput.success("README.md (2 bytes)\nsrc/\n"), top);
        assertEquals(ToolOutput.success("README.md (2 bytes)\nsrc/\nsrc/pkg/\nsrc/pkg/main.py (9 bytes)\n"), all);
        assertEquals(ToolOutput.success("src/pkg/main.py (9 bytes)\n"), sub);
    }

    @Test
    void listCutsLongListingsAndSaysSo() throws IOException {
        for (int i = 0; i < ListFilesTool.MAX_ENTRIES + 5; i++) {
            Files.createFile(workspace.resolve(String.format("f%05d", i)));
        }
        Files.createDirectory(workspace.resolve("empty"));

        ToolOutput listing = bench.call("list_files", Map.of());

        assertTrue(listing.text().endsWith("[truncated after " + ListFilesTool.MAX_ENTRIES
                + " entries; list a subdirectory instead]\n"));
        assertEquals(ToolOutput.success("(empty directory)"), bench.call("list_files", Map.of("path", "empty")));
    }

    @Test
    void writtenAndEditedFilesBelongToTheOwnerTheToolsAreGiven() throws IOException {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "only root may chown");
        FileOwner user = new FileOwner(54321, 54322);
        Path owned = Files.createDirectory(sandbox.resolve("owned"));
        Files.writeString(owned.resolve("old.py"), "x = 1\n");
        try (ToolTestBench asUser = new ToolTestBench(owned, sandbox.resolve("no-chromium"), user)) {
            asUser.call("write_file", Map.of("path", "src/new.py", "content", "y = 2\n"));
            asUser.call("edit_file", Map.of("path", "old.py", "old_text", "x = 1", "new_text", "x = 3"));
        }

        for (String path : List.of("src", "src/new.py", "old.py")) {
            assertEquals(List.of(user.uid(), user.gid()), List.of(Files.getAttribute(owned.resolve(path), "unix:uid"),
                    Files.getAttribute(owned.resolve(path), "unix:gid")), path);
        }
        assertEquals("x = 3\n", Files.readString(owned.resolve("old.py")));
    }

    @Test
    void badArgumentsAreErrorResultsTheModelCanFix() {
        assertEquals(ToolOutput.error("the argument path is required"), bench.call("read_file", Map.of()));
        assertEquals(ToolOutput.error("the argument path must be a string"),
                bench.call("read_file", Map.of("path", 7)));
        assertEquals(ToolOutput.error("the argument recursive must be true or false"),
                bench.call("list_files", Map.of("recursive", "yes")));
        assertEquals(ToolOutput.error("the argument max_bytes must be an integer from 1 to "
                + ReadFileTool.MAX_READ_BYTES), bench.call("read_file", Map.of("path", "a", "max_bytes", 0)));
        assertEquals(ToolOutput.error("the arguments must be a JSON object"), bench.call("list_files", (Object) "[1]"));
        assertEquals(ToolOutput.error("the arguments are not valid JSON"), bench.call("list_files", (Object) "{nope"));
    }

    @Test
    void argumentsSentAsAJsonStringAreAccepted() throws IOException {
        Files.writeString(workspace.resolve("a.txt"), "text");

        assertEquals(ToolOutput.success("text"), bench.call("read_file", (Object) "{\"path\": \"a.txt\"}"));
    }
}
