package dev.wharf.egress.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLEngine;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class ClientHelloTest {

    @Test
    void readsTheServerNameWithoutConsumingAndWaitsForTheWholeHello() throws Exception {
        ByteBuf hello = helloFor("api.test");
        int readable = hello.readableBytes();

        ClientHello.Result partial = ClientHello.read(hello.slice(0, readable - 1));
        ClientHello.Result whole = ClientHello.read(hello);

        assertInstanceOf(ClientHello.NeedMore.class, partial);
        assertEquals("api.test", ((ClientHello.Parsed) whole).serverName());
        assertEquals(readable, hello.readableBytes());
    }

    @Test
    void aHelloWithoutServerNameHasNone() throws Exception {
        assertNull(((ClientHello.Parsed) ClientHello.read(helloFor(null))).serverName());
    }

    @Test
    void garbageIsMalformed() {
        ByteBuf junk = Unpooled.wrappedBuffer(new byte[] {22, 3, 1, 0, 5, 9, 9, 9, 9, 9});
        assertInstanceOf(ClientHello.Malformed.class, ClientHello.read(junk));
    }

    private static ByteBuf helloFor(String serverName) throws Exception {
        SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        SSLEngine engine = serverName == null ? context.newEngine(ByteBufAllocator.DEFAULT)
                : context.newEngine(ByteBufAllocator.DEFAULT, serverName, 443);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        return Unpooled.wrappedBuffer(out);
    }
}
