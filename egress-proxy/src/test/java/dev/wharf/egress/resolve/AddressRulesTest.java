package dev.wharf.egress.resolve;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Address literals and ranges, judged without any resolver. */
class AddressRulesTest {

    @Test
    void ipLiteralsInEverySpellingAreRecognised() {
        for (String literal : new String[] {"127.0.0.1", "2130706433", "0x7f.1", "0x7f000001", "017700000001",
                "127.1", "[::1]", "::ffff:127.0.0.1", "1.2.3.4.", "foo.123"}) {
            assertTrue(IpLiterals.isLiteral(literal), literal);
        }
        for (String name : new String[] {"api.test", "163.com", "1password.com", "x1.y2", "0x.example"}) {
            assertFalse(IpLiterals.isLiteral(name), name);
        }
    }

    @Test
    void privateLoopbackAndSpecialRangesAreNotPublic() throws UnknownHostException {
        for (String address : new String[] {"127.0.0.1", "0.0.0.0", "0.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                "192.168.1.1", "100.64.0.1", "100.127.255.255", "169.254.169.254", "224.0.0.1", "255.255.255.255",
                "192.0.0.8", "198.18.0.1", "198.19.255.255", "240.0.0.1", "::", "::1", "fc00::1", "fd12::1", "fe80::1",
                "ff02::1", "::ffff:10.0.0.1", "::127.0.0.1", "2002:7f00:1::", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
                "2001::1"}) {
            assertFalse(PublicAddresses.isPublic(literal(address)), address);
        }
        for (String address : new String[] {"8.8.8.8", "172.32.0.1", "100.128.0.1", "192.0.1.1", "198.20.0.1",
                "2606:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::", "64:ff9b::808:808"}) {
            assertTrue(PublicAddresses.isPublic(literal(address)), address);
        }
    }

    @Test
    void hostMapPortEntriesWinAndMalformedEntriesAreNamed() {
        HostMap map = HostMap.parse("api.test=127.0.0.1:1000, api.test:443=127.0.0.1:2000,v6.test=[::1]:3000");
        assertEquals(1000, map.lookup("api.test", 80).orElseThrow().getPort());
        assertEquals(2000, map.lookup("api.test", 443).orElseThrow().getPort());
        assertEquals(3000, map.lookup("v6.test", 1).orElseThrow().getPort());
        assertTrue(map.lookup("other.test", 80).isEmpty());
        for (String bad : new String[] {"api.test", "api.test=localhost:80", "api.test=127.0.0.1", "=1.2.3.4:5",
                "api.test:x=127.0.0.1:1", "127.0.0.1=127.0.0.1:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostMap.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    private static InetAddress literal(String text) {
        InetAddress address = Literals.parse(text);
        if (address == null) {
            throw new AssertionError("not a literal: " + text);
        }
        return address;
    }
}
