package dev.wharf.runtime.files;

import java.io.InputStream;

/**
 * An open workspace file ready to stream. The caller owns {@code content} and must close it.
 *
 * @param sizeBytes the size when it was opened; exactly this many bytes are served even if the
 *                  file grows meanwhile, so the declared Content-Length stays true
 */
public record Download(InputStream content, long sizeBytes, String mimeType) {
}
