package dev.wharf.sandbox;

/** The sandbox daemon did not answer: the container may have died, which the caller should diagnose. */
public class SandboxUnreachableException extends RuntimeException {
    public SandboxUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
