package dev.wharf.runtime.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drains one output pipe of a command, keeping its first {@code limit} bytes. It reads to the end
 * even past the limit, because a command blocks forever once a pipe nobody reads fills up.
 */
final class OutputCapture implements Runnable {

    private static final int READ_CHUNK_BYTES = 8192;

    private final InputStream source;
    private final int limit;
    private final CountDownLatch drained = new CountDownLatch(1);

    private byte[] kept = new byte[0];
    private int size;
    private boolean truncated;
    private boolean sealed;

    OutputCapture(InputStream source, int limit) {
        this.source = source;
        this.limit = limit;
    }

    @Override
    public void run() {
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        try (InputStream in = source) {
            int read;
            while ((read = in.read(chunk)) != -1) {
                keep(chunk, read);
            }
        } catch (IOException e) {
            // The pipe broke: the command is gone, and what was kept is all there is.
        } finally {
            drained.countDown();
        }
    }

    /** Waits until the pipe is closed, or until {@code deadlineNanos} on the System.nanoTime clock. */
    void awaitEnd(long deadlineNanos) throws InterruptedException {
        drained.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /**
     * Takes what was kept. Anything a lingering background process writes afterwards is read and
     * dropped, so this reader keeps no memory alive while it waits for that process to go away.
     */
    synchronized CapturedOutput seal() {
        sealed = true;
        String text = new String(kept, 0, size, StandardCharsets.UTF_8);
        kept = null;
        return new CapturedOutput(text, truncated);
    }

    private synchronized void keep(byte[] chunk, int length) {
        if (sealed) {
            return;
        }
        int room = Math.min(limit - size, length);
        if (room > 0) {
            if (size + room > kept.length) {
                // Grow geometrically but never past the limit: most commands print little.
                kept = Arrays.copyOf(kept, Math.min(limit, Math.max(size + room, kept.length * 2)));
            }
            System.arraycopy(chunk, 0, kept, size, room);
            size += room;
        }
        if (length > room) {
            truncated = true;
        }
    }
}
