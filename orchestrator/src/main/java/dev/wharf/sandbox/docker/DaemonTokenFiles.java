package dev.wharf.sandbox.docker;

import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Hands each sandbox's daemon its token as a file instead of an environment variable: a process's environment
 * is inherited by every child and readable in {@code /proc/<pid>/environ}, and the engine shows it to anyone who
 * may inspect the container. The file is {@code <token-dir>/<deployment>/<environment>.token}, mode 0400 and
 * owned by the daemon's uid, bound read-only at {@link SandboxHardening#TOKEN_FILE}: inside, user code (another
 * uid) cannot read it, and nothing in the sandbox can change it. All calls block (disk).
 */
@ApplicationScoped
public class DaemonTokenFiles {
    private static final Logger LOG = Logger.getLogger(DaemonTokenFiles.class);
    private static final String SUFFIX = ".token";
    /** Environment ids are ours; anything else could escape the directory. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,200}");

    private final SandboxConfig config;

    public DaemonTokenFiles(SandboxConfig config) {
        this.config = config;
    }

    /** This deployment's directory, readable by root only. */
    Path root() {
        return Path.of(config.tokenDir()).toAbsolutePath().resolve(config.deployment());
    }

    public Path file(String environmentId) {
        if (!ID.matcher(environmentId).matches()) {
            throw new IllegalArgumentException("not an environment id: " + environmentId);
        }
        return root().resolve(environmentId + SUFFIX);
    }

    /**
     * Writes the token for a sandbox about to start, replacing any earlier one atomically (a running sandbox of
     * the same environment keeps the file it has bound).
     */
    public Path write(String environmentId, String token) {
        Path target = file(environmentId);
        try {
            Files.createDirectories(root());
            Files.setPosixFilePermissions(root(), PosixFilePermissions.fromString("rwx------"));
            Path partial = Files.createTempFile(root(), environmentId + ".", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(partial, token, StandardCharsets.UTF_8);
                Files.setAttribute(partial, "unix:uid", SandboxHardening.DAEMON_UID, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(partial, "unix:gid", SandboxHardening.DAEMON_UID, LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("r--------"));
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return target;
        } catch (IOException | UnsupportedOperationException e) {
            throw new SandboxException("cannot write the sandbox daemon's token file under " + root()
                    + " (the control plane must run as root): " + e.getMessage(), null, e);
        }
    }

    public void remove(String environmentId) {
        try {
            Files.deleteIfExists(file(environmentId));
        } catch (IOException e) {
            LOG.warnf("token file of environment %s not removed: %s", environmentId, e.getMessage());
        }
    }

    /** Removes the token files of environments with no sandbox container left (one removed behind our back). */
    public void removeAllBut(Set<String> environmentIds) {
        if (!Files.isDirectory(root())) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root(), "*" + SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String id = name.substring(0, name.length() - SUFFIX.length());
                if (!environmentIds.contains(id)) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            LOG.warnf("token files under %s not swept: %s", root(), e.getMessage());
        }
    }
}
