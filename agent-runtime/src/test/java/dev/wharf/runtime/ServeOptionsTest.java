package dev.wharf.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServeOptionsTest {

    @Test
    void defaultsMatchTheSandboxImage() {
        ServeOptions options = ServeOptions.parse("serve");

        assertEquals(7070, options.port());
        assertEquals(Path.of("/workspace"), options.workspace());
        assertFalse(options.insecureNoToken());
    }

    @Test
    void everyOptionCanBeGivenSeparatedOrWithEquals() {
        ServeOptions spaced = ServeOptions.parse("serve", "--port", "0", "--workspace", "/tmp/w", "--insecure-no-token");
        ServeOptions joined = ServeOptions.parse("serve", "--port=8080", "--workspace=/srv/w");

        assertEquals(0, spaced.port());
        assertEquals(Path.of("/tmp/w"), spaced.workspace());
        assertTrue(spaced.insecureNoToken());
        assertEquals(8080, joined.port());
        assertEquals(Path.of("/srv/w"), joined.workspace());
    }

    @Test
    void mistakesAreExplained() {
        assertEquals("--port needs a value",
                assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse("serve", "--port")).getMessage());
        assertEquals("unknown option --prot",
                assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse("serve", "--prot", "1")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse("serve", "--port", "-1"))
                .getMessage().contains("from 0 to 65535"));
    }

    @Test
    void tokenFileAndCommandUser() {
        ServeOptions options = ServeOptions.parse("serve", "--token-file", "/run/wharf/token", "--run-as=1000:1000");
        assertEquals(java.util.Optional.of(java.nio.file.Path.of("/run/wharf/token")), options.tokenFile());
        assertEquals(java.util.Optional.of(new dev.wharf.runtime.exec.CommandUser(1000, 1000)), options.commandUser());
        assertTrue(ServeOptions.parse("serve").commandUser().isEmpty());
    }

    @Test
    void commandsNeverRunAsRootOrAnUnreadableUser() {
        for (String bad : new String[] {"0:0", "1000:0", "1000", "wharf:wharf", ":1000", "1000:"}) {
            assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse("serve", "--run-as", bad), bad);
        }
    }
}
