package dev.wharf.credential;

/**
 * A stored secret that cannot be opened: the wrong key, a value altered or moved in the database, or an unknown
 * format. It is never answered with a guess; its message says why and holds none of the value.
 */
public class SecretUnreadableException extends RuntimeException {
    public SecretUnreadableException(String message) {
        super(message);
    }
}
