package dev.wharf.sandbox.docker;

import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The file system behind each workspace: a sparse ext4 image per workspace volume, so the kernel enforces the
 * byte and inode limits (ENOSPC inside the sandbox), not a poller that notices too late.
 *
 * <p>Docker's {@code local} driver cannot mount an image itself: it passes its options straight to mount(2), and
 * {@code o=loop} is a feature of the mount(8) program (the kernel answers EINVAL). So the orchestrator mounts
 * the image with mount(8) (which attaches an auto-clearing loop device) while a sandbox runs on it, and the
 * volume is a bind of the directory {@code data} <em>inside</em> the image. When the image is not mounted that
 * directory does not exist, so the engine refuses to start the container instead of letting it write to the
 * host's disk: the limit fails closed.
 *
 * <p>Layout: {@code <workspace-dir>/<deployment>/<volume>.img} and its mount point {@code <volume>.mnt}; a
 * directory per deployment, so deployments sharing a host never reconcile each other's images. All calls block
 * (processes, disk): callers run them on worker threads, outside transactions.
 */
@ApplicationScoped
public class WorkspaceImages {
    private static final Logger LOG = Logger.getLogger(WorkspaceImages.class);
    private static final String IMAGE_SUFFIX = ".img";
    /** An image being formatted; renamed to .img when complete, so a crash never leaves a half image in use. */
    private static final String PARTIAL_SUFFIX = ".img.partial";
    private static final String MOUNT_SUFFIX = ".mnt";
    /** The directory inside the image that the sandbox sees as /workspace (lost+found stays out of sight). */
    private static final String DATA = "data";
    /** The sandbox user (SandboxHardening.USER) owns the workspace. */
    private static final int SANDBOX_UID = 1000;
    private static final int SANDBOX_GID = 1000;
    /** The smallest image ext4 formats with room to spare for its journal and metadata. */
    public static final long MIN_BYTES = 16L << 20;
    /** mkfs, mount and umount finish in well under a second; past this something is wrong with the host. */
    private static final long COMMAND_TIMEOUT_SECONDS = 60;
    /** Volume names are ours ("wharf-ws-<id>"); anything else could escape the directory. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,200}");

    private final SandboxConfig config;
    private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

    public WorkspaceImages(SandboxConfig config) {
        this.config = config;
    }

    /** This deployment's image directory. */
    public Path root() {
        return Path.of(config.workspaceDir()).toAbsolutePath().resolve(config.deployment());
    }

    /** Creates the image directory, readable by root only: images hold every tenant's files. */
    public void createRoot() throws IOException {
        Path root = root();
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    }

    public Path image(String volumeName) {
        return root().resolve(checked(volumeName) + IMAGE_SUFFIX);
    }

    Path mountPoint(String volumeName) {
        return root().resolve(checked(volumeName) + MOUNT_SUFFIX);
    }

    /** The host path the workspace volume binds: exists only while the image is mounted. */
    public Path dataDir(String volumeName) {
        return mountPoint(volumeName).resolve(DATA);
    }

    public boolean exists(String volumeName) {
        return Files.exists(image(volumeName));
    }

    /** The file limit of a workspace of this size. */
    public long inodes(long bytes) {
        return Math.max(1, bytes / config.workspaceBytesPerInode());
    }

    /**
     * Makes the workspace usable: formats its image when there is none (sized {@code bytes}), mounts it when it is
     * not mounted, and returns the directory to bind. An existing image keeps the size it was made with.
     */
    public Path prepare(String volumeName, long bytes) {
        synchronized (lock(volumeName)) {
            try {
                Path image = image(volumeName);
                if (!Files.exists(image)) {
                    format(volumeName, bytes);
                }
                Path mountPoint = mountPoint(volumeName);
                if (!isMounted(mountPoint)) {
                    Files.createDirectories(mountPoint);
                    // nosuid/nodev: nothing in a workspace gains privileges or reaches a device, whoever wrote it.
                    run("mount", "-t", "ext4", "-o", "loop,nosuid,nodev,discard", image.toString(),
                            mountPoint.toString());
                }
                Path data = mountPoint.resolve(DATA);
                if (!Files.isDirectory(data)) {
                    Files.createDirectory(data);
                    Files.setAttribute(data, "unix:uid", SANDBOX_UID);
                    Files.setAttribute(data, "unix:gid", SANDBOX_GID);
                    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                return data;
            } catch (IOException e) {
                throw new SandboxException("workspace image for " + volumeName + " not usable: " + e.getMessage(),
                        e);
            }
        }
    }

    private void format(String volumeName, long bytes) throws IOException {
        createRoot();
        Path partial = root().resolve(volumeName + PARTIAL_SUFFIX);
        Files.deleteIfExists(partial);
        // A sparse file: the host spends disk only on what the sandbox writes, never more than its size.
        try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
            file.setLength(bytes);
        }
        // -m 0: no blocks reserved for root (the sandbox user could never use them); -N: the file limit;
        // lazy init keeps formatting instant, the kernel zeroes inode tables in the background.
        run("mkfs.ext4", "-q", "-F", "-m", "0", "-N", Long.toString(inodes(bytes)),
                "-E", "lazy_itable_init=1,lazy_journal_init=1", "-L", "wharf-workspace", partial.toString());
        Files.move(partial, image(volumeName), StandardCopyOption.ATOMIC_MOVE);
        LOG.debugf("workspace image %s: %d bytes, %d inodes", volumeName, bytes, inodes(bytes));
    }

    /**
     * Unmounts the image when no sandbox uses it, so a host holds loop devices for running sandboxes only. Best
     * effort: a busy mount stays, and the next start finds it mounted.
     */
    public void unmount(String volumeName) {
        synchronized (lock(volumeName)) {
            Path mountPoint = mountPoint(volumeName);
            if (isMounted(mountPoint) && !tryUnmount(mountPoint)) {
                LOG.debugf("workspace %s stays mounted: it is busy", volumeName);
            }
        }
    }

    /** False when the file system is busy (a process still has it open): it stays mounted. */
    private boolean tryUnmount(Path mountPoint) {
        try {
            run("umount", mountPoint.toString());
            return true;
        } catch (SandboxException busy) {
            return false;
        }
    }

    /** Unmounts and deletes the image and its mount point: the workspace's files are gone. Absent is fine. */
    public void remove(String volumeName) {
        synchronized (lock(volumeName)) {
            Path mountPoint = mountPoint(volumeName);
            if (isMounted(mountPoint) && !tryUnmount(mountPoint)) {
                // The volume is already removed; detach lazily so deleting the image frees its space.
                run("umount", "-l", mountPoint.toString());
            }
            try {
                Files.deleteIfExists(image(volumeName));
                Files.deleteIfExists(root().resolve(volumeName + PARTIAL_SUFFIX));
                if (!isMounted(mountPoint)) {
                    // Empty once unmounted; never recursive, so a mount that is still there is never emptied.
                    Files.deleteIfExists(mountPoint);
                }
            } catch (IOException e) {
                throw new SandboxException("workspace image for " + volumeName + " not removed: " + e.getMessage(),
                        e);
            }
            locks.remove(volumeName);
        }
    }

    /** The volume names of every image in this deployment's directory, complete or not. */
    public List<String> list() {
        Path root = root();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (file.endsWith(PARTIAL_SUFFIX)) {
                    names.add(file.substring(0, file.length() - PARTIAL_SUFFIX.length()));
                } else if (file.endsWith(IMAGE_SUFFIX)) {
                    names.add(file.substring(0, file.length() - IMAGE_SUFFIX.length()));
                }
            }
        } catch (IOException e) {
            throw new SandboxException("workspace directory " + root + " not readable: " + e.getMessage(), e);
        }
        return names.stream().filter(n -> NAME.matcher(n).matches()).toList();
    }

    /** Whether something is mounted exactly at {@code path}, by the kernel's own table. */
    static boolean isMounted(Path path) {
        String target = path.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && unescape(fields[4]).equals(target)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new SandboxException("mount table not readable: " + e.getMessage(), e);
        }
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private Object lock(String volumeName) {
        return locks.computeIfAbsent(checked(volumeName), k -> new Object());
    }

    private static String checked(String volumeName) {
        if (volumeName == null || !NAME.matcher(volumeName).matches()) {
            throw new IllegalArgumentException("not a workspace volume name: " + volumeName);
        }
        return volumeName;
    }

    private static void run(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new SandboxException(command[0] + " did not finish within " + COMMAND_TIMEOUT_SECONDS + "s", null);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0) {
                throw new SandboxException(String.join(" ", args) + " failed (exit " + process.exitValue() + "): "
                        + output, null);
            }
        } catch (IOException e) {
            throw new SandboxException(command[0] + " could not run (is e2fsprogs/util-linux installed?): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException(command[0] + " interrupted", e);
        }
    }
}
