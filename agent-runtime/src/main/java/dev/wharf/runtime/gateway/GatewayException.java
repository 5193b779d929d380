package dev.wharf.runtime.gateway;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.Map;

/** The model gateway did not do what the runtime asked, and retrying will not change that. */
public final class GatewayException extends RuntimeException {

    /** What the loop should make of it. */
    public enum Reason {
        /**
         * The control plane has already ended the run: cancelled or timed out (400
         * FAILED_PRECONDITION), or out of token budget (429). It decided the outcome, so the runtime
         * stops without reporting one.
         */
        RUN_ENDED,
        /** Any other error answer, such as a provider failure behind {@code /model} (5xx). */
        FAILED,
        /** No answer at all for the whole retry window; the control plane will notice the silence. */
        UNREACHABLE
    }

    private static final int BAD_REQUEST = 400;
    private static final int TOO_MANY_REQUESTS = 429;

    private final Reason reason;
    private final String call;

    GatewayException(Reason reason, String call, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.call = call;
    }

    /** Classifies an error answer in the envelope {@code {"error":{"code","message","status"}}}. */
    static GatewayException fromAnswer(String call, int httpStatus, byte[] body) {
        String status = "";
        String message = "HTTP " + httpStatus;
        try {
            Object error = JSON.std.mapFrom(body).get("error");
            if (error instanceof Map) {
                Map<?, ?> envelope = (Map<?, ?>) error;
                status = String.valueOf(envelope.get("status"));
                if (envelope.get("message") instanceof String) {
                    message = (String) envelope.get("message");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not our envelope (a proxy's error page, say): the HTTP status is all we know.
        }
        boolean runEnded = (httpStatus == BAD_REQUEST && status.equals("FAILED_PRECONDITION"))
                || httpStatus == TOO_MANY_REQUESTS;
        return new GatewayException(runEnded ? Reason.RUN_ENDED : Reason.FAILED, call, message);
    }

    public Reason reason() {
        return reason;
    }

    /** Which call failed, e.g. {@code /model}. */
    public String call() {
        return call;
    }
}
