package dev.wharf.environment;

import java.util.List;

/** A directory listing, or the one entry of a file. */
public record FileList(List<FileEntry> files, String nextPageToken) {
}
