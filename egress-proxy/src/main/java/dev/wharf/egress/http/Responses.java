package dev.wharf.egress.http;

import dev.wharf.egress.decision.Denial;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** The proxy's own answers: plain text a person reads in a terminal, and a machine-readable reason header. */
final class Responses {

    static final String DENIED_HEADER = "X-Wharf-Egress-Denied";

    private Responses() {
    }

    static FullHttpResponse denial(Denial denial, boolean close) {
        FullHttpResponse response = text(HttpResponseStatus.valueOf(denial.reason().status()), denial.body(), close);
        response.headers().set(DENIED_HEADER, denial.reason().code());
        return response;
    }

    static FullHttpResponse text(HttpResponseStatus status, String body, boolean close) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    static FullHttpResponse badRequest(HttpResponseStatus status, String sentence) {
        return text(status, "Wharf egress proxy: " + sentence + "\n", true);
    }
}
