package dev.wharf.egress.http;

import dev.wharf.egress.tls.ClientHello;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Looks at what a client sends first inside an established CONNECT (a TLS ClientHello and its server name, plain
 * HTTP, or something else) without consuming it, lets the session install what handles it, and steps aside; the
 * bytes it held then flow on to those handlers unchanged.
 */
final class FirstBytes extends ByteToMessageDecoder {

    /** A ClientHello larger than any legitimate one is refused rather than buffered further. */
    private static final int MAX_HELLO_BYTES = 80 * 1024;

    enum Kind { TLS, HTTP, OTHER, MALFORMED }

    interface Listener {
        /** Installs the next handlers after {@code ctx}; {@code serverName} is set only for TLS that named one. */
        void classified(ChannelHandlerContext ctx, Kind kind, String serverName);
    }

    private final Listener listener;

    FirstBytes(Listener listener) {
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        Kind kind;
        String serverName = null;
        if (ClientHello.startsLikeTls(in)) {
            ClientHello.Result hello = ClientHello.read(in);
            if (hello instanceof ClientHello.NeedMore) {
                if (in.readableBytes() <= MAX_HELLO_BYTES) {
                    return;
                }
                kind = Kind.MALFORMED;
            } else if (hello instanceof ClientHello.Parsed parsed) {
                kind = Kind.TLS;
                serverName = parsed.serverName();
            } else {
                kind = Kind.MALFORMED;
            }
        } else {
            int first = in.getUnsignedByte(in.readerIndex());
            kind = first >= 'A' && first <= 'Z' ? Kind.HTTP : Kind.OTHER;
        }
        if (kind == Kind.MALFORMED) {
            in.skipBytes(in.readableBytes());
        }
        listener.classified(ctx, kind, serverName);
        ctx.pipeline().remove(this);
    }
}
