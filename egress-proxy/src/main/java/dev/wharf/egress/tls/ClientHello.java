package dev.wharf.egress.tls;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Reads the server name (SNI) from the start of a TLS connection without consuming anything, so the same bytes can
 * then go to a TLS handler or on to the upstream unchanged.
 */
public final class ClientHello {

    /** Larger handshakes exist only to exhaust memory; legitimate ones, post-quantum key shares included, fit. */
    private static final int MAX_HANDSHAKE = 64 * 1024;
    private static final int HANDSHAKE_RECORD = 22;

    /** What the bytes seen so far say. */
    public sealed interface Result {
    }

    public record NeedMore() implements Result {
    }

    public record Malformed() implements Result {
    }

    /** @param serverName null when the client sent none */
    public record Parsed(String serverName) implements Result {
    }

    private ClientHello() {
    }

    public static boolean startsLikeTls(ByteBuf in) {
        return in.readableBytes() > 0 && in.getUnsignedByte(in.readerIndex()) == HANDSHAKE_RECORD;
    }

    public static Result read(ByteBuf in) {
        // The handshake message may span several records; gather their payloads.
        byte[] handshake = new byte[0];
        int at = in.readerIndex();
        int end = in.writerIndex();
        while (true) {
            if (handshake.length >= 4) {
                int length = ((handshake[1] & 0xFF) << 16) | ((handshake[2] & 0xFF) << 8) | (handshake[3] & 0xFF);
                if (handshake[0] != 1 || length > MAX_HANDSHAKE) {
                    return new Malformed();
                }
                if (handshake.length >= 4 + length) {
                    return parse(handshake, 4, 4 + length);
                }
            }
            if (end - at < 5) {
                return new NeedMore();
            }
            if (in.getUnsignedByte(at) != HANDSHAKE_RECORD || in.getUnsignedByte(at + 1) != 3) {
                return new Malformed();
            }
            int recordLength = in.getUnsignedShort(at + 3);
            if (recordLength == 0 || recordLength > 16384 + 2048) {
                return new Malformed();
            }
            if (end - at - 5 < recordLength) {
                return new NeedMore();
            }
            if (handshake.length + recordLength > MAX_HANDSHAKE + 4) {
                return new Malformed();
            }
            byte[] grown = new byte[handshake.length + recordLength];
            System.arraycopy(handshake, 0, grown, 0, handshake.length);
            in.getBytes(at + 5, grown, handshake.length, recordLength);
            handshake = grown;
            at += 5 + recordLength;
        }
    }

    private static Result parse(byte[] b, int from, int to) {
        try {
            int p = from + 2 + 32; // legacy version, random
            p += 1 + (b[p] & 0xFF); // session id
            p += 2 + u16(b, p); // cipher suites
            p += 1 + (b[p] & 0xFF); // compression methods
            if (p == to) {
                return new Parsed(null);
            }
            int extensionsEnd = p + 2 + u16(b, p);
            p += 2;
            if (extensionsEnd > to) {
                return new Malformed();
            }
            while (p + 4 <= extensionsEnd) {
                int type = u16(b, p);
                int length = u16(b, p + 2);
                p += 4;
                if (p + length > extensionsEnd) {
                    return new Malformed();
                }
                if (type == 0) {
                    return serverName(b, p, p + length);
                }
                p += length;
            }
            return new Parsed(null);
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return new Malformed();
        }
    }

    private static Result serverName(byte[] b, int from, int to) {
        int listEnd = from + 2 + u16(b, from);
        int p = from + 2;
        if (listEnd > to) {
            return new Malformed();
        }
        while (p + 3 <= listEnd) {
            int nameType = b[p] & 0xFF;
            int length = u16(b, p + 1);
            p += 3;
            if (p + length > listEnd) {
                return new Malformed();
            }
            if (nameType == 0) {
                return new Parsed(new String(b, p, length, StandardCharsets.US_ASCII));
            }
            p += length;
        }
        return new Parsed(null);
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }
}
