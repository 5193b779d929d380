package dev.wharf.sandbox.docker;

import dev.wharf.sandbox.SandboxConfig;
import dev.wharf.sandbox.SandboxConfig.FirewallMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Fences the host off from its sandboxes. The sandbox network is internal (no route out), but the host itself has
 * an address on it, the bridge gateway, and a packet from a sandbox to that address goes through the host's INPUT
 * chain, not FORWARD, so Docker's own rules never see it: anything on the host bound to 0.0.0.0 would be reachable.
 *
 * <p>Two kinds of chain, because several deployments may share one network and each must allow its own gateway
 * port without refusing another's:
 * <pre>
 * INPUT:           -i BRIDGE -j WHARF-&lt;bridge&gt;                       (first rule)
 * WHARF-&lt;bridge&gt;:  ESTABLISHED,RELATED ACCEPT; -j WHARF-&lt;deployment chain&gt; (one per deployment);
 *                  tcp REJECT tcp-reset; REJECT icmp-port-unreachable
 * WHARF-&lt;dep&gt;-&lt;hash&gt;: -d GATEWAY -p tcp --dport PORT ACCEPT (per allowed port; otherwise it returns)
 * </pre>
 * Every install rebuilds both in one iptables-restore commit (atomic: never an empty chain in between), so a
 * leftover from a crash or a chain flushed by hand is replaced. Wharf processes on one host serialise on a file lock,
 * because a read-modify-write of the shared chain must not interleave.
 */
@ApplicationScoped
public class HostFirewall {
    private static final Logger LOG = Logger.getLogger(HostFirewall.class);
    private static final String PREFIX = "WHARF-";
    /** iptables' limit on chain names (29 bytes with the terminating NUL). */
    private static final int MAX_CHAIN = 28;
    /** iptables waits this long for the kernel's xtables lock (-w) before failing. */
    private static final int XTABLES_WAIT_SECONDS = 5;
    /** A command that has not finished by then is hung (the xtables wait is included). */
    private static final long COMMAND_TIMEOUT_SECONDS = 15;
    /** Shared by every Wharf process on the host, whatever its deployment. */
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "wharf-host-firewall.lock");

    /** Where Debian puts iptables; a non-root PATH often lacks them, and auto must not turn the firewall off for it. */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin");

    private final SandboxConfig config;
    private final String command;
    private volatile Installed installed;

    public HostFirewall(SandboxConfig config) {
        this.config = config;
        this.command = resolve(config.firewallCommand());
    }

    private static String resolve(String name) {
        if (name.contains("/")) {
            return name;
        }
        List<String> directories = new ArrayList<>(
                Arrays.asList(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
        directories.addAll(SBIN);
        return directories.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(java.nio.file.Files::isExecutable).map(Path::toString).findFirst().orElse(name);
    }

    /** What this process installed: the bridge it guards and the gateway address its ports are open on. */
    public record Installed(String bridge, String gateway, String networkChain, String deploymentChain) {
    }

    /** The firewall failed where it is required (wharf.sandbox.firewall=on, or iptables exists but refuses). */
    public static class FirewallException extends RuntimeException {
        public FirewallException(String message) {
            super(message);
        }
    }

    /** This deployment's chain on this network: readable prefix, then a hash of both names (the names may be long). */
    public String deploymentChain() {
        String readable = config.deployment().replaceAll("[^A-Za-z0-9_.-]", "_");
        String hash = sha256(config.deployment() + "\0" + config.network()).substring(0, 8);
        int room = MAX_CHAIN - PREFIX.length() - 1 - hash.length();
        return PREFIX + readable.substring(0, Math.min(room, readable.length())) + "-" + hash;
    }

    /** The chain every packet from {@code bridge} to the host passes through, shared by deployments on it. */
    static String networkChain(String bridge) {
        return (PREFIX + bridge).substring(0, Math.min(MAX_CHAIN, PREFIX.length() + bridge.length()));
    }

    /** What is installed now, or null (off, or not yet). */
    public Installed installed() {
        return installed;
    }

    /**
     * Installs (or replaces) the rules for this deployment's sandbox network. Blocking: runs iptables.
     *
     * @return false when the firewall is off (configured, or auto without iptables on this host)
     * @throws FirewallException when it is required and cannot be installed
     */
    public synchronized boolean install(String bridge, String gateway) {
        if (config.firewall() == FirewallMode.OFF) {
            LOG.warnf("host firewall off (wharf.sandbox.firewall=off): sandboxes can reach every service listening on"
                    + " %s", gateway);
            return false;
        }
        if (!commandExists()) {
            String message = "the host firewall needs '" + config.firewallCommand() + "', which is not installed"
                    + " (apt-get install iptables)";
            if (config.firewall() == FirewallMode.ON) {
                throw new FirewallException(message + "; or set wharf.sandbox.firewall=off");
            }
            LOG.warnf("host firewall off: %s; sandboxes can reach every service listening on %s", message, gateway);
            return false;
        }
        String networkChain = networkChain(bridge);
        String ownChain = deploymentChain();
        withHostLock(() -> {
            List<String> rules = listRules();
            // Other deployments' chains on this network are found again by the gateway they open ports on, so a
            // network chain flushed by hand gets them back too.
            Set<String> members = new LinkedHashSet<>();
            for (String rule : rules) {
                String[] words = rule.split(" ");
                if (words.length > 3 && words[0].equals("-A") && words[1].startsWith(PREFIX)
                        && !words[1].equals(networkChain) && rule.contains("-d " + gateway + "/32 ")
                        && rule.endsWith("-j ACCEPT")) {
                    members.add(words[1]);
                }
            }
            members.add(ownChain);
            StringBuilder restore = new StringBuilder("*filter\n");
            restore.append(':').append(ownChain).append(" - [0:0]\n");
            for (int port : config.firewallPorts()) {
                restore.append("-A ").append(ownChain).append(" -d ").append(gateway)
                        .append("/32 -p tcp -m tcp --dport ").append(port).append(" -j ACCEPT\n");
            }
            restore.append(':').append(networkChain).append(" - [0:0]\n");
            restore.append("-A ").append(networkChain)
                    .append(" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
            for (String member : members) {
                restore.append("-A ").append(networkChain).append(" -j ").append(member).append('\n');
            }
            restore.append("-A ").append(networkChain).append(" -p tcp -j REJECT --reject-with tcp-reset\n");
            restore.append("-A ").append(networkChain).append(" -j REJECT --reject-with icmp-port-unreachable\n");
            String jump = "-A INPUT -i " + bridge + " -j " + networkChain;
            if (!rules.contains(jump)) {
                // First in INPUT: an earlier ACCEPT (a host firewall's "allow all from docker") must not bypass it.
                restore.append("-I INPUT 1 -i ").append(bridge).append(" -j ").append(networkChain).append('\n');
            }
            restore.append("COMMIT\n");
            run(restore.toString(), command + "-restore", "-w", String.valueOf(XTABLES_WAIT_SECONDS),
                    "--noflush");
        });
        installed = new Installed(bridge, gateway, networkChain, ownChain);
        LOG.infof("host firewall: sandboxes on %s reach only %s, tcp ports %s (chains %s, %s)", bridge, gateway,
                config.firewallPorts(), networkChain, ownChain);
        return true;
    }

    /**
     * Removes this deployment's rules; the network's chain goes too unless another deployment still uses it or
     * {@code sandboxesRemain}: sandboxes that outlive the control plane stay fenced until the next start replaces
     * the rules. Blocking: runs iptables.
     */
    public synchronized void remove(boolean sandboxesRemain) {
        Installed current = installed;
        if (current == null) {
            return;
        }
        withHostLock(() -> {
            List<String> rules = listRules();
            String memberJump = "-A " + current.networkChain() + " -j " + current.deploymentChain();
            if (rules.contains(memberJump)) {
                iptables("-D", current.networkChain(), "-j", current.deploymentChain());
            }
            if (rules.contains("-N " + current.deploymentChain())) {
                iptables("-F", current.deploymentChain());
                iptables("-X", current.deploymentChain());
            }
            boolean othersRemain = rules.stream().anyMatch(rule -> rule.startsWith("-A " + current.networkChain()
                    + " -j " + PREFIX) && !rule.equals(memberJump));
            if (othersRemain || sandboxesRemain) {
                LOG.infof("host firewall: %s kept (%s)", current.networkChain(),
                        othersRemain ? "other deployments use it" : "sandboxes are still running on the network");
                return;
            }
            String jump = "-A INPUT -i " + current.bridge() + " -j " + current.networkChain();
            for (String rule : rules) {
                if (rule.equals(jump)) {
                    iptables("-D", "INPUT", "-i", current.bridge(), "-j", current.networkChain());
                }
            }
            if (rules.contains("-N " + current.networkChain())) {
                iptables("-F", current.networkChain());
                iptables("-X", current.networkChain());
            }
            LOG.infof("host firewall removed from %s", current.bridge());
        });
        installed = null;
    }

    /** The filter table as {@code iptables -S} prints it, one rule a line. */
    public List<String> listRules() {
        return Arrays.asList(iptables("-S").split("\n"));
    }

    private String iptables(String... args) {
        List<String> arguments = new ArrayList<>(List.of("-w", String.valueOf(XTABLES_WAIT_SECONDS)));
        arguments.addAll(List.of(args));
        return run(null, command, arguments.toArray(String[]::new));
    }

    private boolean commandExists() {
        try {
            run(null, command, "--version");
            return true;
        } catch (CommandMissing e) {
            return false;
        }
    }

    private static final class CommandMissing extends FirewallException {
        CommandMissing(String message) {
            super(message);
        }
    }

    private static String run(String input, String program, String... args) {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new CommandMissing("cannot run " + program + ": " + e.getMessage());
        }
        try {
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (input != null) {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            String stdout = read(process.getInputStream());
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new FirewallException(String.join(" ", command) + " did not finish in "
                        + COMMAND_TIMEOUT_SECONDS + "s");
            }
            if (process.exitValue() != 0) {
                String error = stderr.join().lines()
                        .filter(line -> !line.startsWith("# Warning:")).reduce((a, b) -> a + "; " + b).orElse("");
                String hint = error.toLowerCase(Locale.ROOT).contains("permission denied")
                        ? " (the control plane needs CAP_NET_ADMIN: run it as root or grant the capability,"
                        + " or set wharf.sandbox.firewall=off and install equivalent rules yourself)"
                        : "";
                throw new FirewallException(String.join(" ", command) + " failed (exit " + process.exitValue()
                        + "): " + error + hint);
            }
            return stdout;
        } catch (IOException e) {
            process.destroyForcibly();
            throw new FirewallException(String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FirewallException(String.join(" ", command) + " interrupted");
        }
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void withHostLock(Runnable work) {
        FileChannel channel;
        try {
            channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // Another user's lock file (a non-root deployment beside a root one): iptables' own lock still keeps
            // each command whole; only the read-modify-write of a shared chain may race, and the next start heals it.
            LOG.debugf("host firewall lock %s unavailable (%s); going on without it", LOCK, e.getMessage());
            work.run();
            return;
        }
        try (channel; FileLock ignored = channel.lock()) {
            work.run();
        } catch (IOException e) {
            throw new FirewallException("host firewall lock " + LOCK + ": " + e.getMessage());
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
