package dev.wharf.runtime.files;

import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One file or directory as the API describes it.
 *
 * @param sizeBytes 0 for directories: their on-disk size says nothing a caller can use
 * @param mimeType  null for directories
 * @param created   the birth time where the file system records one, otherwise the modification time
 */
public record FileEntry(String name, String path, boolean directory, long sizeBytes, String mimeType,
                        FileTime created, FileTime modified) {

    /**
     * @param relative the path the caller should see
     * @param typeName the file's real name, which decides the MIME type: for a symlink, its target's
     */
    static FileEntry of(String relative, Path typeName, BasicFileAttributes attributes) {
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        boolean directory = attributes.isDirectory();
        String mimeType = directory ? null : MimeTypes.of(typeName);
        return new FileEntry(name, relative, directory, directory ? 0 : attributes.size(), mimeType,
                attributes.creationTime(), attributes.lastModifiedTime());
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("path", path);
        json.put("type", directory ? "directory" : "file");
        json.put("size_bytes", sizeBytes);
        if (mimeType != null) {
            json.put("mime_type", mimeType);
        }
        json.put("created", rfc3339(created));
        json.put("modified", rfc3339(modified));
        return json;
    }

    /** Whole seconds in UTC, e.g. {@code 2026-11-21T00:50:49Z}, as the public API formats them. */
    private static String rfc3339(FileTime time) {
        return DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }
}
