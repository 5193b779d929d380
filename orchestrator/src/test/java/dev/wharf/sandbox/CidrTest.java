package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void matchesAddressesInsideThePrefixOnly() {
        Cidr subnet = Cidr.parse("172.18.0.0/16");
        assertTrue(subnet.contains("172.18.0.1"));
        assertTrue(subnet.contains("172.18.255.7"));
        assertFalse(subnet.contains("172.19.0.1"));
        assertFalse(subnet.contains("127.0.0.1"));
        assertFalse(subnet.contains("::1"), "IPv6 never matches an IPv4 range");
    }

    @Test
    void handlesPrefixesThatSplitAByte() {
        Cidr subnet = Cidr.parse("10.1.2.128/25");
        assertTrue(subnet.contains("10.1.2.200"));
        assertFalse(subnet.contains("10.1.2.100"));
    }
}
