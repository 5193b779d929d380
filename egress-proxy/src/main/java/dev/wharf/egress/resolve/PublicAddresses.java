package dev.wharf.egress.resolve;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Decides whether an address is on the public internet. Everything a sandbox must not reach through the proxy is
 * refused: the host itself, private and carrier-grade NAT networks, link-local (cloud metadata), multicast,
 * broadcast, reserved ranges, and the IPv6 forms that embed one of those IPv4 addresses.
 */
public final class PublicAddresses {

    /** {network, prefix length} pairs, as 32-bit integers. */
    private static final long[][] REFUSED_V4 = {
            {ip4(0, 0, 0, 0), 8},        // "this network", unspecified
            {ip4(10, 0, 0, 0), 8},       // private
            {ip4(100, 64, 0, 0), 10},    // carrier-grade NAT
            {ip4(127, 0, 0, 0), 8},      // loopback
            {ip4(169, 254, 0, 0), 16},   // link-local, cloud metadata at 169.254.169.254
            {ip4(172, 16, 0, 0), 12},    // private (Docker bridges live here)
            {ip4(192, 0, 0, 0), 24},     // IETF protocol assignments
            {ip4(192, 168, 0, 0), 16},   // private
            {ip4(198, 18, 0, 0), 15},    // benchmarking
            {ip4(224, 0, 0, 0), 4},      // multicast
            {ip4(240, 0, 0, 0), 4},      // reserved, and 255.255.255.255 broadcast
    };

    private PublicAddresses() {
    }

    public static boolean isPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return isPublicV4(toInt(address.getAddress(), 0));
        }
        if (address instanceof Inet6Address) {
            return isPublicV6(address.getAddress());
        }
        return false;
    }

    private static boolean isPublicV4(long ip) {
        for (long[] range : REFUSED_V4) {
            long mask = (0xFFFFFFFFL << (32 - range[1])) & 0xFFFFFFFFL;
            if ((ip & mask) == range[0]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPublicV6(byte[] a) {
        int first = a[0] & 0xFF;
        int second = a[1] & 0xFF;
        if (allZero(a, 0, 10)) {
            int b10 = a[10] & 0xFF;
            int b11 = a[11] & 0xFF;
            // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped): judge the IPv4 inside.
            if ((b10 == 0 && b11 == 0) || (b10 == 0xFF && b11 == 0xFF)) {
                return isPublicV4(toInt(a, 12));
            }
            return false;
        }
        if (first == 0x00 && second == 0x64 && (a[2] & 0xFF) == 0xFF && (a[3] & 0xFF) == 0x9B) {
            // NAT64: 64:ff9b::/96 translates the IPv4 in its last 32 bits; 64:ff9b:1::/48 is for local use only.
            return allZero(a, 4, 12) && isPublicV4(toInt(a, 12));
        }
        if (first == 0x20 && second == 0x02) {
            return isPublicV4(toInt(a, 2)); // 6to4 embeds the IPv4 gateway in bits 16..47
        }
        if (first == 0x20 && second == 0x01 && a[2] == 0 && a[3] == 0) {
            return false; // Teredo hides an obfuscated IPv4; nothing legitimate needs it through this proxy
        }
        if ((first & 0xFE) == 0xFC) {
            return false; // unique local fc00::/7
        }
        if (first == 0xFE && (second & 0xC0) == 0x80) {
            return false; // link-local fe80::/10
        }
        if (first == 0xFE && (second & 0xC0) == 0xC0) {
            return false; // deprecated site-local fec0::/10
        }
        return first != 0xFF; // multicast ff00::/8
    }

    private static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static long toInt(byte[] a, int offset) {
        return ((a[offset] & 0xFFL) << 24) | ((a[offset + 1] & 0xFFL) << 16) | ((a[offset + 2] & 0xFFL) << 8)
                | (a[offset + 3] & 0xFFL);
    }

    private static long ip4(int a, int b, int c, int d) {
        return ((long) a << 24) | ((long) b << 16) | ((long) c << 8) | d;
    }
}
