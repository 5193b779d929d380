package dev.wharf.runtime.files;

import static dev.wharf.runtime.ApiClient.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.runtime.ApiClient;
import dev.wharf.runtime.ApiResponse;
import dev.wharf.runtime.RunningDaemon;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesEndpointTest {

    private static final String RFC3339_UTC_SECONDS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z";

    @TempDir
    static Path workspace;
    @TempDir
    static Path outside;
    static RunningDaemon daemon;
    static ApiClient api;

    @BeforeAll
    static void start() {
        daemon = RunningDaemon.start(workspace);
        api = daemon.client();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        daemon.close();
    }

    @Test
    void aChunkedUploadOfSeveralMegabytesDownloadsByteIdentical() {
        byte[] data = new byte[5 * 1024 * 1024 + 123];
        new Random(42).nextBytes(data);

        // ofInputStream has no known length, so the client sends it chunked.
        Map<String, Object> entry = api.put("/files/content?path=" + encode("big/blob.bin"),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data))).ok().json();
        ApiResponse download = api.get("/files/content?path=" + encode("big/blob.bin")).ok();

        assertEquals("blob.bin", entry.get("name"));
        assertEquals("big/blob.bin", entry.get("path"));
        assertEquals("file", entry.get("type"));
        assertEquals(data.length, ((Number) entry.get("size_bytes")).longValue());
        assertArrayEquals(data, download.body());
        assertEquals(String.valueOf(data.length), download.header("content-length"));
        assertEquals("application/octet-stream", download.header("content-type"));
    }

    @Test
    void uploadCreatesParentsAndReplacesContentKeepingPermissions() throws IOException {
        upload("deep/er/still/script.sh", "echo one\n").ok();
        Path script = workspace.resolve("deep/er/still/script.sh");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        upload("deep/er/still/script.sh", "echo two\n").ok();

        assertEquals("echo two\n", Files.readString(script));
        assertTrue(Files.isExecutable(script), "re-uploading a script must keep it executable");
        assertEquals("two\n", api.exec(Map.of("command", "./script.sh", "cwd", "deep/er/still")).ok().get("stdout"));
    }

    @Test
    void emptyFilesRoundTrip() {
        upload("empty.txt", "").ok();

        ApiResponse download = api.get("/files/content?path=empty.txt").ok();

        assertEquals(0, download.body().length);
        assertEquals("0", download.header("content-length"));
    }

    @Test
    void uploadingOntoADirectoryOrUnderAFileIsAPreconditionFailure() throws IOException {
        Files.createDirectories(workspace.resolve("a-directory"));
        Files.writeString(workspace.resolve("a-file"), "x");

        upload("a-directory", "x").error(400, "FAILED_PRECONDITION");
        upload("a-file/child.txt", "x").error(400, "FAILED_PRECONDITION");
        upload("", "x").error(400, "FAILED_PRECONDITION");
        assertTrue(Files.isDirectory(workspace.resolve("a-directory")));
        assertEquals("x", Files.readString(workspace.resolve("a-file")));
    }

    @Test
    void anAbortedUploadLeavesNeitherAPartialFileNorTheOldContentDamaged() throws Exception {
        upload("aborted/kept.txt", "original").ok();
        Path directory = workspace.resolve("aborted");

        for (String target : List.of("aborted/new.bin", "aborted/kept.txt")) {
            try (Socket socket = new Socket("127.0.0.1", daemon.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("PUT /files/content?path=" + target + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + daemon.token() + "\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write("4000\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[0x2000]);
                out.flush();
                assertTrue(eventually(() -> uploadsIn(directory) > 0), "the upload never started");
            }
            assertTrue(eventually(() -> uploadsIn(directory) == 0), "the partial upload was not cleaned up");
        }

        assertFalse(Files.exists(directory.resolve("new.bin")));
        assertEquals("original", Files.readString(directory.resolve("kept.txt")));
    }

    @Test
    void listingADirectoryShowsItsChildrenSortedAndRecursiveShowsAllDepthFirst() {
        upload("tree/b.txt", "bb").ok();
        upload("tree/a/z.csv", "z").ok();
        upload("tree/a/y/x.md", "x").ok();
        upload("tree/c.json", "{}").ok();

        List<Map<String, Object>> children = api.get("/files?path=tree").ok().files();
        List<Map<String, Object>> all = api.get("/files?path=tree&recursive=true").ok().files();

        assertEquals(List.of("tree/a", "tree/b.txt", "tree/c.json"), paths(children));
        assertEquals(List.of("tree/a", "tree/a/y", "tree/a/y/x.md", "tree/a/z.csv", "tree/b.txt", "tree/c.json"),
                paths(all));
        Map<String, Object> directory = children.get(0);
        assertEquals("a", directory.get("name"));
        assertEquals("directory", directory.get("type"));
        assertFalse(directory.containsKey("mime_type"));
        Map<String, Object> file = children.get(1);
        assertEquals("file", file.get("type"));
        assertEquals(2, file.get("size_bytes"));
        assertEquals("text/plain", file.get("mime_type"));
        assertTrue(((String) file.get("created")).matches(RFC3339_UTC_SECONDS), file.toString());
        assertTrue(((String) file.get("modified")).matches(RFC3339_UTC_SECONDS), file.toString());
        assertNull(api.get("/files?path=tree&recursive=true").json().get("truncated"));
    }

    @Test
    void listingAFileGivesItsOwnEntry() {
        upload("single/report.csv", "a,b\n1,2\n").ok();

        List<Map<String, Object>> files = api.get("/files?path=" + encode("single/report.csv")).ok().files();

        assertEquals(1, files.size());
        assertEquals("single/report.csv", files.get(0).get("path"));
        assertEquals("text/csv", files.get(0).get("mime_type"));
        assertEquals(8, files.get(0).get("size_bytes"));
    }

    @Test
    void emptyPathAndDotListTheWorkspaceRoot() {
        upload("root-marker.txt", "x").ok();

        assertTrue(paths(api.get("/files").ok().files()).contains("root-marker.txt"));
        assertTrue(paths(api.get("/files?path=").ok().files()).contains("root-marker.txt"));
        assertTrue(paths(api.get("/files?path=.").ok().files()).contains("root-marker.txt"));
    }

    @Test
    void hugeListingsStopAtTheCapAndSaySo() {
        api.exec(Map.of("command", "mkdir many && cd many && seq -f 'f%05g' 1 10005 | xargs touch",
                "timeout_seconds", 60)).ok();

        Map<String, Object> listing = api.get("/files?path=many&recursive=true").ok().json();
        List<String> paths = paths(api.get("/files?path=many").ok().files());

        assertEquals(true, listing.get("truncated"));
        assertEquals(10_000, ((List<?>) listing.get("files")).size());
        assertEquals("many/f00001", paths.get(0));
        assertEquals("many/f10000", paths.get(paths.size() - 1));
    }

    @Test
    void symlinksInsideAreListedWithTheirTargetsMetadataAndEscapingOnesAreLeftOut() throws IOException {
        upload("links/real/data.csv", "1,2\n").ok();
        Files.createSymbolicLink(workspace.resolve("links/to-data"), workspace.resolve("links/real/data.csv"));
        Files.createSymbolicLink(workspace.resolve("links/to-real"), workspace.resolve("links/real"));
        Files.createSymbolicLink(workspace.resolve("links/to-outside"), outside);
        Files.createSymbolicLink(workspace.resolve("links/dangling"), workspace.resolve("links/nothing"));

        List<Map<String, Object>> all = api.get("/files?path=links&recursive=true").ok().files();

        assertEquals(List.of("links/real", "links/real/data.csv", "links/to-data", "links/to-real"), paths(all));
        assertEquals("text/csv", all.get(2).get("mime_type"));
        assertEquals(4, all.get(2).get("size_bytes"));
        assertEquals("directory", all.get(3).get("type"));
        assertEquals("1,2\n", api.get("/files/content?path=links/to-data").ok().text());
        assertEquals(List.of("links/to-real/data.csv"), paths(api.get("/files?path=links/to-real").ok().files()));
    }

    @Test
    void theDaemonsUnfinishedUploadsAndDirectoriesAreNeverListed() throws IOException {
        Files.createDirectories(workspace.resolve("busy/.wharf-mkdir-0123"));
        Files.writeString(workspace.resolve("busy/.wharf-upload-4567"), "partial");
        Files.writeString(workspace.resolve("busy/.wharf-other"), "a user's own dot file");

        assertEquals(List.of("busy/.wharf-other"), paths(api.get("/files?path=busy&recursive=true").ok().files()));
    }

    @Test
    void missingPathsAreNotFound() {
        api.get("/files?path=nowhere").error(404, "NOT_FOUND");
        api.get("/files/content?path=nowhere/file.txt").error(404, "NOT_FOUND");
        api.delete("/files?path=nowhere").error(404, "NOT_FOUND");
    }

    @Test
    void downloadingADirectoryIsAPreconditionFailure() throws IOException {
        Files.createDirectories(workspace.resolve("just-a-dir"));

        Map<String, Object> error = api.get("/files/content?path=just-a-dir").error(400, "FAILED_PRECONDITION");
        assertTrue(((String) error.get("message")).contains("directory"), error.toString());
    }

    @Test
    void downloadsCarryTheFilesMimeType() {
        for (Map.Entry<String, String> file : Map.of(
                "types/t.csv", "text/csv",
                "types/t.json", "application/json",
                "types/t.md", "text/markdown",
                "types/t.png", "image/png",
                "types/t.tar.gz", "application/gzip",
                "types/t.parquet", "application/vnd.apache.parquet").entrySet()) {
            upload(file.getKey(), "x").ok();

            assertEquals(file.getValue(), api.get("/files/content?path=" + encode(file.getKey())).ok()
                    .header("content-type"), file.getKey());
        }
    }

    @Test
    void deletingAFileOrAWholeDirectoryTree() {
        upload("doomed/one.txt", "1").ok();
        upload("doomed/sub/two.txt", "2").ok();
        upload("survivor.txt", "3").ok();

        assertEquals(Map.of(), api.delete("/files?path=" + encode("doomed/one.txt")).ok().json());
        assertEquals(List.of("doomed/sub"), paths(api.get("/files?path=doomed").ok().files()));
        api.delete("/files?path=doomed").ok();

        assertFalse(Files.exists(workspace.resolve("doomed")));
        assertTrue(Files.exists(workspace.resolve("survivor.txt")));
    }

    @Test
    void theWorkspaceRootCannotBeDeleted() {
        api.delete("/files?path=").error(400, "INVALID_ARGUMENT");
        api.delete("/files?path=.").error(400, "INVALID_ARGUMENT");
        api.delete("/files").error(400, "INVALID_ARGUMENT");

        assertTrue(Files.isDirectory(workspace));
    }

    @Test
    void deletingASymlinkRemovesTheLinkAndNeverItsTarget() throws IOException {
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createDirectories(workspace.resolve("linkdir"));
        Files.createSymbolicLink(workspace.resolve("linkdir/to-precious"), precious);
        Files.createSymbolicLink(workspace.resolve("linkdir/to-outside-dir"), outside);

        api.delete("/files?path=linkdir/to-precious").ok();
        api.delete("/files?path=linkdir").ok();

        assertEquals("keep me", Files.readString(precious));
        assertFalse(Files.exists(workspace.resolve("linkdir"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void usageCountsRegularFilesWithoutFollowingSymlinks(@TempDir Path fresh) throws Exception {
        Files.createDirectories(fresh.resolve("a/b"));
        Files.write(fresh.resolve("a/one.bin"), new byte[1000]);
        Files.write(fresh.resolve("a/b/two.bin"), new byte[234]);
        Files.write(fresh.resolve(".hidden"), new byte[6]);
        Files.write(outside.resolve("big-outside.bin"), new byte[50_000]);
        Files.createSymbolicLink(fresh.resolve("link-to-big"), outside.resolve("big-outside.bin"));
        Files.createSymbolicLink(fresh.resolve("link-to-outside"), outside);

        try (RunningDaemon other = RunningDaemon.start(fresh)) {
            Map<String, Object> usage = other.client().get("/usage").ok().json();

            assertEquals(3, usage.get("file_count"));
            assertEquals(1240, usage.get("size_bytes"));
        }
    }

    private static ApiResponse upload(String path, String content) {
        return api.put("/files/content?path=" + encode(path),
                HttpRequest.BodyPublishers.ofString(content, StandardCharsets.UTF_8));
    }

    private static List<String> paths(List<Map<String, Object>> entries) {
        return entries.stream().map(entry -> (String) entry.get("path")).collect(Collectors.toList());
    }

    private static long uploadsIn(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().startsWith(".wharf-upload-")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
