package dev.wharf.sandbox;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP range such as {@code 172.18.0.0/16}, for telling whether a caller sits on the sandbox network. */
public record Cidr(byte[] network, int prefixLength) {

    public static Cidr parse(String cidr) {
        String[] parts = cidr.split("/", 2);
        try {
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * Byte.SIZE;
            return new Cidr(address, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR range: " + cidr, e);
        }
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (UnknownHostException e) {
            return "?/" + prefixLength;
        }
    }

    public boolean contains(String ip) {
        byte[] candidate;
        try {
            candidate = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return false;
        }
        if (candidate.length != network.length) {
            return false;
        }
        int remaining = prefixLength;
        for (int i = 0; i < network.length && remaining > 0; i++) {
            int bits = Math.min(Byte.SIZE, remaining);
            int mask = (0xFF << (Byte.SIZE - bits)) & 0xFF;
            if ((candidate[i] & mask) != (network[i] & mask)) {
                return false;
            }
            remaining -= bits;
        }
        return true;
    }
}
