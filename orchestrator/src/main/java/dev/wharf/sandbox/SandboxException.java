package dev.wharf.sandbox;

/** A sandbox could not be started or reached; carries the diagnosis when the engine gave one. */
public class SandboxException extends RuntimeException {
    private final transient SandboxFailure failure;

    public SandboxException(String message, SandboxFailure failure, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public SandboxException(String message, Throwable cause) {
        this(message, null, cause);
    }

    public SandboxFailure failure() {
        return failure;
    }
}
