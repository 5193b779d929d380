package dev.wharf.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * The certificate authorities a sandbox with an egress proxy trusts, as files written by {@link SandboxTrustFiles},
 * and where each is bound (read-only) in the container. A sandbox created with these mounts trusts exactly: the
 * control plane's JDK default roots, the operator's upstream CAs, and the egress proxy's CA.
 *
 * @param directory the host directory holding the files
 * @param mounts    one read-only bind per file, in a fixed order
 */
public record SandboxTrust(Path directory, List<SandboxBindMount> mounts) {

    public SandboxTrust {
        mounts = List.copyOf(mounts);
    }
}
