package dev.wharf.egress.resolve;

import io.netty.util.NetUtil;

import java.net.InetAddress;

/** Parses an address literal without ever consulting a resolver (unlike {@link InetAddress#getByName}). */
final class Literals {

    private Literals() {
    }

    /** Null when {@code text} is not a standard IPv4 or IPv6 literal. */
    static InetAddress parse(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(t);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException impossible) {
            return null;
        }
    }
}
