package dev.wharf.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into the contract's error envelope. Nothing else writes error bodies for JAX-RS. */
public class ApiExceptionMappers {
    private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

    private final ResourceMethods resourceMethods;

    public ApiExceptionMappers(ResourceMethods resourceMethods) {
        this.resourceMethods = resourceMethods;
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status().httpStatus())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.of(e.status(), e.getMessage()));
        e.retryAfter().ifPresent(wait -> response.header("Retry-After", ErrorBody.retryAfterSeconds(wait)));
        return response.build();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return respond(ApiStatus.INVALID_ARGUMENT, "Invalid JSON body: " + jsonProblem(e));
    }

    /**
     * More specific than {@link #malformedJson}: without it Quarkus' built-in mapper for this type answers 400 with an
     * empty body. Bodies are read by {@link RequestJson}, so this is a safety net for any binder still in the path.
     */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        return respond(ApiStatus.INVALID_ARGUMENT, RequestJson.mismatchProblem(e));
    }

    /** Vert.x's own JSON decoding, should anything still use it on a request body. */
    @ServerExceptionMapper
    public Response undecodableJson(io.vertx.core.json.DecodeException e) {
        return respond(ApiStatus.INVALID_ARGUMENT, "the request body is not valid JSON");
    }

    /**
     * A route RESTEasy did not match may still be a known path asked with a wrong method: where one resource's path
     * lies under another's (a tenant's budget under the tenants), RESTEasy reports it as not found. Such a path
     * answers 405 like any other.
     */
    @ServerExceptionMapper
    public Response notFound(NotFoundException e, HttpServerRequest request, UriInfo uri) {
        String allowed = resourceMethods.allowed(uri.getRequestUri().getRawPath());
        if (!allowed.isEmpty() && !java.util.Arrays.asList(allowed.split(", ")).contains(request.method().name())) {
            return notAllowed(new NotAllowedException("wrong method"), request, uri);
        }
        return respond(ApiStatus.NOT_FOUND, "No such resource or route");
    }

    /** 405 with the methods the path takes in {@code Allow}; see {@link MethodNotAllowed} for the status name. */
    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpServerRequest request, UriInfo uri) {
        String allow = resourceMethods.allowed(uri.getRequestUri().getRawPath());
        return Response.status(MethodNotAllowed.CODE)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.ALLOW, allow)
                .entity(ErrorBody.of(MethodNotAllowed.CODE, MethodNotAllowed.STATUS,
                        MethodNotAllowed.message(request.method().name(), allow)))
                .build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int code = e.getResponse().getStatus();
        if (code == 413) {
            return respond(ApiStatus.REQUEST_TOO_LARGE, "the request body is larger than this route accepts");
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return malformedJson(json);
        }
        if (code == 415) {
            return respond(ApiStatus.INVALID_ARGUMENT, "Unsupported content type; send application/json");
        }
        if (code >= 400 && code < 500) {
            return respond(ApiStatus.INVALID_ARGUMENT, "Bad request");
        }
        LOG.error("Request failed", e);
        return respond(ApiStatus.INTERNAL, "Internal error");
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (ApiException.unexpected(e)) {
            LOG.error("Unhandled failure", e);
        }
        return api(ApiException.of(e));
    }

    /** Names the offending field without leaking class names from the binder. */
    private static String jsonProblem(JsonProcessingException e) {
        if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            return RequestJson.mismatchProblem(mismatch);
        }
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        int cut = message.indexOf('`');
        return (cut >= 0 ? message.substring(0, cut) : message).lines().findFirst().orElse("unreadable").strip();
    }

    static Response respond(ApiStatus status, String message) {
        return Response.status(status.httpStatus())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.of(status, message))
                .build();
    }
}
