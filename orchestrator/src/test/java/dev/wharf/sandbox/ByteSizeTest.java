package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesDockerStyleSizes() {
        assertEquals(512, ByteSize.parse("512"));
        assertEquals(256L << 20, ByteSize.parse("256m"));
        assertEquals(1L << 30, ByteSize.parse("1g"));
        assertEquals(64L << 10, ByteSize.parse("64K"));
        assertEquals(2L << 30, ByteSize.parse("2GB"));
    }

    @Test
    void refusesNonsense() {
        assertThrows(NumberFormatException.class, () -> ByteSize.parse("lots"));
    }
}
