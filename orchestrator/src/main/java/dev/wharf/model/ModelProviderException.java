package dev.wharf.model;

/**
 * A model call failed: the provider answered an error ({@code httpStatus} &gt; 0), could not be reached
 * ({@code httpStatus} 0), or is not configured. The message is safe to show to the caller: it never contains
 * credentials.
 */
public class ModelProviderException extends RuntimeException {
    private final String provider;
    private final int httpStatus;

    public ModelProviderException(String provider, int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.provider = provider;
        this.httpStatus = httpStatus;
    }

    public ModelProviderException(String provider, int httpStatus, String message) {
        this(provider, httpStatus, message, null);
    }

    public String provider() {
        return provider;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
