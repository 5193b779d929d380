package dev.wharf.sandbox;

import java.nio.file.Path;

/**
 * A host file bound into a sandbox container at a fixed path. Provider-neutral: the Docker provider turns it into a
 * bind {@code Mount}, another provider into its own kind of volume.
 *
 * @param source    absolute path on the host
 * @param target    absolute path inside the container
 * @param readOnly  whether the sandbox may only read it (every mount this package produces is read-only)
 */
public record SandboxBindMount(Path source, String target, boolean readOnly) {

    public SandboxBindMount {
        if (!source.isAbsolute()) {
            throw new IllegalArgumentException("a bind mount's source must be an absolute host path: " + source);
        }
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("a bind mount's target must be an absolute container path: " + target);
        }
    }
}
