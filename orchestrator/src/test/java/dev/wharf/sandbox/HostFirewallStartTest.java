package dev.wharf.sandbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.sandbox.SandboxConfig.FirewallMode;
import dev.wharf.sandbox.docker.HostFirewall;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees when the firewall cannot be installed: a required one stops the start with the reason and
 * the fix; auto without iptables goes on without it. No rule is touched: every case fails before writing.
 */
class HostFirewallStartTest {
    @TempDir
    Path dir;

    @Test
    void requiredButMissingFailsWithTheFix() {
        HostFirewall firewall = new HostFirewall(config(FirewallMode.ON, dir.resolve("iptables").toString()));
        HostFirewall.FirewallException e = assertThrows(HostFirewall.FirewallException.class,
                () -> firewall.install("br-000000000000", "172.31.255.1"));
        assertTrue(e.getMessage().contains("not installed") && e.getMessage().contains("apt-get install iptables")
                && e.getMessage().contains("wharf.sandbox.firewall=off"), e.getMessage());
        assertNull(firewall.installed());
    }

    @Test
    void autoWithoutIptablesStartsWithoutIt() {
        HostFirewall firewall = new HostFirewall(config(FirewallMode.AUTO, dir.resolve("iptables").toString()));
        assertFalse(firewall.install("br-000000000000", "172.31.255.1"));
        assertNull(firewall.installed());
    }

    @Test
    void presentButNotPermittedFailsEvenOnAuto() throws Exception {
        // The real iptables, run as nobody: what a control plane without CAP_NET_ADMIN gets.
        Path iptables = dir.resolve("iptables");
        Files.writeString(iptables, "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups"
                + " /usr/sbin/iptables \"$@\"\n");
        Files.setPosixFilePermissions(iptables, PosixFilePermissions.fromString("rwxr-xr-x"));
        HostFirewall firewall = new HostFirewall(config(FirewallMode.AUTO, iptables.toString()));
        HostFirewall.FirewallException e = assertThrows(HostFirewall.FirewallException.class,
                () -> firewall.install("br-000000000000", "172.31.255.1"));
        assertTrue(e.getMessage().contains("Permission denied") && e.getMessage().contains("CAP_NET_ADMIN"),
                e.getMessage());
    }

    private static SandboxConfig config(FirewallMode mode, String command) {
        return (SandboxConfig) Proxy.newProxyInstance(SandboxConfig.class.getClassLoader(),
                new Class<?>[] {SandboxConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "firewall" -> mode;
                    case "firewallCommand" -> command;
                    case "firewallPorts" -> List.of(17999);
                    case "deployment" -> "start-test";
                    case "network" -> "no-such-network";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
