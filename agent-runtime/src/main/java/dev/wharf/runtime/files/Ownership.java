package dev.wharf.runtime.files;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * Hands what the daemon creates to a {@link FileOwner}, only ever through a directory descriptor:
 * fchown on a directory's own descriptor, or on an entry opened by name with O_NOFOLLOW from its
 * parent's. A path is never chowned, since a swapped component could redirect it out of the
 * workspace.
 */
final class Ownership {

    /** Leaves the daemon's own uid and gid on what it creates. */
    static final Ownership NONE = new Ownership(null, null);

    private final UserPrincipal user;
    private final GroupPrincipal group;

    private Ownership(UserPrincipal user, GroupPrincipal group) {
        this.user = user;
        this.group = group;
    }

    /** The JDK takes a number that names no user or group as that uid or gid. */
    static Ownership of(FileOwner owner) throws IOException {
        if (owner == null) {
            return NONE;
        }
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        return new Ownership(lookup.lookupPrincipalByName(Integer.toString(owner.uid())),
                lookup.lookupPrincipalByGroupName(Integer.toString(owner.gid())));
    }

    /** The directory the stream has open. */
    void claim(SecureDirectoryStream<Path> directory) throws IOException {
        if (user != null) {
            set(directory.getFileAttributeView(PosixFileAttributeView.class));
        }
    }

    /** The entry {@code name} of {@code directory}, which must not be a symlink. */
    void claim(SecureDirectoryStream<Path> directory, Path name) throws IOException {
        if (user != null) {
            set(directory.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private void set(PosixFileAttributeView view) throws IOException {
        view.setOwner(user);
        view.setGroup(group);
    }
}
