package dev.wharf.api;

import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyReader;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * Reads every JAX-RS {@link JsonObject} body through {@link RequestJson}, in place of the built-in reader (whose
 * decode failures were unmapped 500s). Resources whose body is a record take a JsonObject and bind it with
 * {@link RequestJson#bind}, so this is the only body reader the API uses.
 */
@Provider
@Consumes(MediaType.APPLICATION_JSON)
public class JsonBodyReader implements ServerMessageBodyReader<JsonObject> {
    private final RequestJson json;

    public JsonBodyReader(RequestJson json) {
        this.json = json;
    }

    @Override
    public boolean isReadable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo lazyMethod,
                              MediaType mediaType) {
        return JsonObject.class.equals(type);
    }

    @Override
    public JsonObject readFrom(Class<JsonObject> type, Type genericType, MediaType mediaType,
                               ServerRequestContext context) throws IOException {
        return read(context.getInputStream());
    }

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return JsonObject.class.equals(type);
    }

    @Override
    public JsonObject readFrom(Class<JsonObject> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                               MultivaluedMap<String, String> httpHeaders, InputStream entityStream) throws IOException {
        return read(entityStream);
    }

    private JsonObject read(InputStream body) throws IOException {
        // The route already bounded the body (BodyLimit and quarkus.http.limits.max-body-size); read one byte more
        // than the limit so a body that slipped past them is still refused, not held whole.
        byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, json.maxBodyBytes() + 1));
        return json.object(bytes);
    }
}
