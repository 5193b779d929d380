package dev.wharf.interaction;

/** The interaction was deleted while work on it was still finishing; there is nothing left to record. */
public class InteractionGoneException extends RuntimeException {
    public InteractionGoneException(String id) {
        super("interaction " + id + " no longer exists", null, false, false);
    }
}
