package dev.wharf.interaction;

import dev.wharf.api.ApiException;
import dev.wharf.model.ModelProviderException;
import dev.wharf.platform.DatabaseBusy;
import dev.wharf.sandbox.SandboxUnreachableException;
import io.vertx.core.json.JsonObject;

/** Turns whatever stopped an interaction into an {@code errors} entry a caller can act on. */
final class InteractionFailures {
    static final String MODEL_ERROR = "model_error";
    static final String SANDBOX_ERROR = "sandbox_error";
    static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    static final String BUDGET_EXCEEDED = "budget_exceeded";
    static final String INTERNAL = "internal";
    static final String UNAVAILABLE = "unavailable";

    private InteractionFailures() {
    }

    static JsonObject describe(Throwable failure) {
        if (failure instanceof InteractionGoneException gone) {
            throw gone;
        }
        if (failure instanceof ModelProviderException model) {
            String status = model.httpStatus() > 0 ? " (HTTP " + model.httpStatus() + ")" : "";
            return InteractionViews.error(MODEL_ERROR, "model provider " + model.provider() + " failed" + status
                    + ": " + model.getMessage());
        }
        if (failure instanceof SandboxUnreachableException || failure instanceof dev.wharf.sandbox.SandboxException) {
            return InteractionViews.error(SANDBOX_ERROR, failure.getMessage());
        }
        if (DatabaseBusy.is(failure)) {
            return InteractionViews.error(UNAVAILABLE, "the control plane was too busy to carry this interaction"
                    + " through (its database connections were all in use); submit it again");
        }
        if (failure instanceof ApiException api) {
            return InteractionViews.error(api.status().name().toLowerCase(java.util.Locale.ROOT), api.getMessage());
        }
        org.jboss.logging.Logger.getLogger(InteractionFailures.class).error("interaction failed", failure);
        return InteractionViews.error(INTERNAL, "internal error; see the control plane's log");
    }
}
