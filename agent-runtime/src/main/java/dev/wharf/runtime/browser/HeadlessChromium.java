package dev.wharf.runtime.browser;

import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.CommandUser;
import dev.wharf.runtime.exec.ExecRequest;
import dev.wharf.runtime.exec.ExecResult;
import dev.wharf.runtime.exec.MemoryLimit;
import dev.wharf.runtime.files.EntryRemoval;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads pages in a headless Chromium started for each call. It runs through {@link CommandRunner}
 * like any command, so it gets the deadline that kills its whole process tree, bounded output and
 * an environment without the sandbox token. Each call gets a fresh profile, NSS database and home
 * directory, deleted afterwards, so no cookies, cache or trust leak from one page load into the next.
 *
 * <p>The browser goes through the sandbox's egress proxy when it has one ({@link BrowserNetwork}) and
 * trusts the CAs the control plane gave the sandbox, imported with certutil into an NSS database in
 * its home directory for each launch (about 40 ms). When the proxy refuses a page (its 403, to a
 * plain request or to the CONNECT of an HTTPS one), the call fails saying that the network policy
 * denied it; Chromium's network log tells which it was.
 *
 * <p>The scratch directory is the daemon's (mode 0711); only its {@code home} belongs to the command
 * user, who runs Chromium. The daemon writes nothing there once it is handed over, reads from it only
 * without following links, and removes it without following links.
 */
public final class HeadlessChromium {

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/chromium");

    /**
     * No GPU and no /dev/shm in a sandbox container; {@code --no-sandbox} because Chromium's own
     * sandbox needs namespaces the container does not grant (the container is the sandbox); the
     * rest stops background traffic that would only slow a one-shot load down (network time queries
     * among it, which would otherwise reach the egress proxy with every load).
     */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-features=NetworkTimeServiceQuerying");
    static final String SCREENSHOT_WINDOW = "--window-size=1280,800";
    /** The page HTML kept; the rest is cut, which only loses the end of very large pages. */
    static final int MAX_DOM_BYTES = 2 * 1024 * 1024;
    /** A 1280x800 PNG is far smaller; anything bigger is not worth sending to a model. */
    static final int MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024;
    /** The egress CA and a few upstream CAs fit many times over. */
    static final int MAX_TRUSTED_BYTES = 1024 * 1024;
    /** What the Wharf egress proxy's refusal says first (its 403 body). */
    static final String PROXY_REFUSAL_PREFIX = "Wharf egress proxy:";
    /**
     * Runs first when there are CAs to add: an empty NSS database where Chromium looks for one
     * ({@code $HOME/.pki/nssdb}), each CA file (the arguments up to {@code --}) trusted to issue
     * server certificates, then Chromium itself (the rest).
     */
    static final String TRUST_PROLOGUE = "set -e\n"
            + "db=\"sql:$HOME/.pki/nssdb\"\n"
            + "mkdir -p \"$HOME/.pki/nssdb\"\n"
            + "certutil -N -d \"$db\" --empty-password\n"
            + "n=0\n"
            + "while [ \"$1\" != -- ]; do\n"
            + "  certutil -A -d \"$db\" -n \"wharf-ca-$n\" -t C,, -a -i \"$1\"\n"
            + "  n=$((n + 1)); shift\n"
            + "done\n"
            + "shift\n"
            + "exec \"$@\"\n";
    static final String NETWORK_LOG = "net-log.json";
    /** Measured peak of one headless page load (browser, renderer, utility processes and their mapped files). */
    static final int BROWSER_MIB = 200;
    private static final String PROFILE_PREFIX = "wharf-chromium-";
    private static final String HOME = "home";
    private static final String SCREENSHOT_FILE = "shot.png";
    private static final String LOAD_FAILED = "Page load failed:";
    private static final String TUNNEL_FAILED = "net::ERR_TUNNEL_CONNECTION_FAILED";
    private static final String PROXY_UNREACHABLE = "net::ERR_PROXY_CONNECTION_FAILED";
    private static final Pattern PEM_CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\S+ (\\d{3})(?: (.*))?");

    private final Path binary;
    private final CommandRunner commands;
    private final BrowserNetwork network;

    /** A browser without egress: direct connections and Chromium's own root store. */
    public HeadlessChromium(Path binary, CommandRunner commands) {
        this(binary, commands, BrowserNetwork.direct());
    }

    public HeadlessChromium(Path binary, CommandRunner commands, BrowserNetwork network) {
        this.binary = binary;
        this.commands = commands;
        this.network = network;
    }

    public boolean isInstalled() {
        return Files.isExecutable(binary);
    }

    /**
     * The page after it loaded and its scripts ran.
     *
     * @throws IOException when it did not load, saying so when the sandbox's network policy refused it
     */
    public LoadedPage dumpDom(URI url, Duration timeout) throws IOException {
        try (Scratch scratch = Scratch.create(commands.user(), trustedCertificates())) {
            ExecResult result = run(scratch, timeout, List.of("--dump-dom", url.toString()), url);
            String html = result.stdout().text();
            Optional<String> status = NetworkLog.read(scratch.home.resolve(NETWORK_LOG)).statusLine()
                    .map(HeadlessChromium::status);
            if (network.proxied() && status.map(s -> s.startsWith("403")).orElse(false)) {
                String text = HtmlText.read(html, url).text().strip();
                if (text.startsWith(PROXY_REFUSAL_PREFIX)) {
                    throw new IOException(denied(url, status.get() + " to " + url, firstLine(text)));
                }
            }
            return new LoadedPage(html, status);
        }
    }

    /** A PNG of the page's first screen at 1280x800. */
    public byte[] screenshot(URI url, Duration timeout) throws IOException {
        try (Scratch scratch = Scratch.create(commands.user(), trustedCertificates())) {
            Path shot = scratch.home.resolve(SCREENSHOT_FILE);
            run(scratch, timeout, List.of("--screenshot=" + shot, SCREENSHOT_WINDOW, url.toString()), url);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(shot, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new IOException("Chromium produced no screenshot of " + url);
            }
            if (!attributes.isRegularFile()) {
                throw new IOException("Chromium produced no screenshot of " + url);
            }
            if (attributes.size() > MAX_SCREENSHOT_BYTES) {
                throw new IOException("the screenshot is larger than " + MAX_SCREENSHOT_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(shot, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                byte[] png = in.readNBytes(MAX_SCREENSHOT_BYTES + 1);
                if (png.length > MAX_SCREENSHOT_BYTES) {
                    throw new IOException("the screenshot is larger than " + MAX_SCREENSHOT_BYTES + " bytes");
                }
                return png;
            }
        }
    }

    private ExecResult run(Scratch scratch, Duration timeout, List<String> task, URI url) throws IOException {
        if (!isInstalled()) {
            throw new IOException("no browser is installed in this sandbox (looked for " + binary + ")");
        }
        List<String> argv = arguments(binary, network, scratch.home, scratch.certificates, task);
        // A renderer killed for memory leaves Chromium waiting for the page until the deadline: end it then.
        OptionalLong limitHitsBefore = MemoryLimit.limitHits();
        ExecResult result = commands.run(new ExecRequest(argv, timeout, null,
                Map.of("HOME", scratch.home.toString()), MAX_DOM_BYTES), CommandRunner.OnOomKill.END);
        if (result.oomKilled()) {
            throw new IOException(outOfMemory(MemoryLimit.ofOwnCgroup(), null));
        }
        if (result.timedOut()) {
            // Killed at the deadline, Chromium leaves a truncated log; what it holds still tells where the load stood.
            NetworkLog.Navigation navigation = NetworkLog.read(scratch.home.resolve(NETWORK_LOG));
            if (navigation.mainDocument().isEmpty() && increased(limitHitsBefore, MemoryLimit.limitHits())) {
                // Not even started, at the memory limit: the kernel pages Chromium's own files out and in again
                // before it kills anything, and the start crawls until the deadline. Memory, not the page.
                throw new IOException(outOfMemory(MemoryLimit.ofOwnCgroup(), timeout));
            }
            throw new IOException("the page did not finish loading within " + timeout.toSeconds() + " s: "
                    + navigation.progress());
        }
        String loadFailure = loadFailure(result.stderr().text());
        if (loadFailure != null) {
            throw new IOException(explainFailure(url, loadFailure,
                    NetworkLog.read(scratch.home.resolve(NETWORK_LOG))));
        }
        if (result.exitCode() != 0) {
            throw new IOException("the browser failed with exit code " + result.exitCode() + lastLine(result));
        }
        return result;
    }

    /**
     * The command line: Chromium with its flags, the proxy, a profile and network log in its home, then the task;
     * behind {@link #TRUST_PROLOGUE} when there are CAs to add.
     */
    static List<String> arguments(Path binary, BrowserNetwork network, Path home, List<Path> certificates,
                                  List<String> task) {
        List<String> argv = new ArrayList<>();
        if (!certificates.isEmpty()) {
            argv.addAll(List.of("bash", "-c", TRUST_PROLOGUE, "wharf-browser"));
            certificates.forEach(certificate -> argv.add(certificate.toString()));
            argv.add("--");
        }
        argv.add(binary.toString());
        argv.addAll(FLAGS);
        argv.addAll(network.flags());
        argv.add("--user-data-dir=" + home.resolve("profile"));
        argv.add("--log-net-log=" + home.resolve(NETWORK_LOG));
        argv.addAll(task);
        return argv;
    }

    /**
     * What a failed load tells the model. Through the egress proxy, a refused tunnel is the network policy when the
     * proxy answered 403 to the CONNECT (the network log has its answer), and the proxy's failure otherwise.
     */
    String explainFailure(URI url, String failure, NetworkLog.Navigation navigation) {
        if (network.proxied() && failure.contains(TUNNEL_FAILED)) {
            Optional<String> answer = navigation.tunnelStatusFor(url).map(HeadlessChromium::status);
            String target = hostAndPort(url);
            if (answer.map(status -> status.startsWith("403")).orElse(false)) {
                return denied(url, answer.get() + " to CONNECT " + target, null);
            }
            if (answer.isPresent()) {
                return "the sandbox's egress proxy could not open a connection to " + target + ": it answered "
                        + answer.get() + " (" + failure + ")";
            }
            return "the sandbox's egress proxy refused the connection to " + target + " (" + failure
                    + "); this environment's network policy may not allow " + url.getHost();
        }
        if (network.proxied() && failure.contains(PROXY_UNREACHABLE)) {
            return "the sandbox's egress proxy (" + network.proxyServer().orElse("") + ") is not reachable ("
                    + failure + ")";
        }
        return "the page could not be loaded: " + failure;
    }

    /**
     * What a browser short of memory tells the model: not the page's fault, and not worth a retry as it is. With a
     * {@code timeout}, it was not killed but ran at the limit until the deadline.
     */
    static String outOfMemory(OptionalLong limitBytes, Duration timeout) {
        String limit = limitBytes.isPresent() ? " (" + (limitBytes.getAsLong() >> 20) + " MiB)" : "";
        String what = timeout == null
                ? "the kernel killed it, or one of its processes, at the sandbox's memory limit" + limit
                : "it ran at the sandbox's memory limit" + limit + " and could not load the page within "
                        + timeout.toSeconds() + " s";
        return "the browser ran out of memory: " + what + ", so the page was not loaded. Headless Chromium needs"
                + " about " + BROWSER_MIB + " MiB beside whatever else runs in the sandbox; end memory-hungry"
                + " processes, or use an environment with more memory.";
    }

    private static boolean increased(OptionalLong before, OptionalLong after) {
        return before.isPresent() && after.isPresent() && after.getAsLong() > before.getAsLong();
    }

    /** The sentence a refusal by the egress proxy becomes; the model must not take it for a passing failure. */
    static String denied(URI url, String answer, String proxySays) {
        return "the network policy denied this page: the sandbox's egress proxy answered " + answer
                + (proxySays == null ? "" : " (\"" + proxySays + "\")") + ". This environment may not reach "
                + url.getHost() + "; retrying will not help.";
    }

    /** "403 Forbidden" from "HTTP/1.1 403 Forbidden"; the line itself when it is no status line. */
    static String status(String statusLine) {
        Matcher matcher = STATUS_LINE.matcher(statusLine.strip());
        if (!matcher.matches()) {
            return statusLine.strip();
        }
        String reason = matcher.group(2);
        return matcher.group(1) + (reason == null || reason.isBlank() ? "" : " " + reason.strip());
    }

    /**
     * Chromium exits with 0 and prints nothing when navigation fails (refused connection, unknown
     * host); only its log says why, e.g. {@code Page load failed: net::ERR_NAME_NOT_RESOLVED}.
     */
    static String loadFailure(String stderr) {
        int at = stderr.indexOf(LOAD_FAILED);
        if (at < 0) {
            return null;
        }
        int end = stderr.indexOf('\n', at);
        return stderr.substring(at + LOAD_FAILED.length(), end < 0 ? stderr.length() : end).strip();
    }

    /** Each certificate of the trusted file, as PEM text; none when the file is missing or empty. */
    static List<String> certificates(String pem) {
        List<String> certificates = new ArrayList<>();
        Matcher matcher = PEM_CERTIFICATE.matcher(pem);
        while (matcher.find()) {
            certificates.add(matcher.group() + "\n");
        }
        return certificates;
    }

    private List<String> trustedCertificates() throws IOException {
        Path file = network.trustedCertificates();
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            return List.of();
        }
        if (Files.size(file) > MAX_TRUSTED_BYTES) {
            throw new IOException(file + " is larger than " + MAX_TRUSTED_BYTES + " bytes; the browser cannot use it");
        }
        return certificates(Files.readString(file, StandardCharsets.US_ASCII));
    }

    private static String hostAndPort(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }

    /** Chromium's stderr is mostly harmless D-Bus noise; its last line is the likeliest cause. */
    private static String lastLine(ExecResult result) {
        String[] lines = result.stderr().text().strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return last.isEmpty() ? "" : ": " + last;
    }

    /** One launch's directory: the CA files (the daemon's), and the home Chromium runs in (the command user's). */
    private static final class Scratch implements AutoCloseable {
        final Path root;
        final Path home;
        final List<Path> certificates;

        private Scratch(Path root, Path home, List<Path> certificates) {
            this.root = root;
            this.home = home;
            this.certificates = certificates;
        }

        /** Everything the daemon writes is written before the home is handed over. */
        static Scratch create(Optional<CommandUser> user, List<String> pems) throws IOException {
            Path root = Files.createTempDirectory(PROFILE_PREFIX);
            try {
                List<Path> files = new ArrayList<>();
                for (int i = 0; i < pems.size(); i++) {
                    files.add(Files.writeString(root.resolve("ca-" + i + ".pem"), pems.get(i),
                            StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                }
                Path home = Files.createDirectory(root.resolve(HOME),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                if (user.isPresent()) {
                    UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
                    PosixFileAttributeView view = Files.getFileAttributeView(home, PosixFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS);
                    view.setOwner(lookup.lookupPrincipalByName(Integer.toString(user.get().uid())));
                    view.setGroup(lookup.lookupPrincipalByGroupName(Integer.toString(user.get().gid())));
                }
                // The command user may enter (to its home) and read the CA files, but not list or change the rest.
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
                return new Scratch(root, home, List.copyOf(files));
            } catch (IOException | RuntimeException e) {
                removeQuietly(root);
                throw e;
            }
        }

        /** Chromium is dead by now (the runner kills its tree), so nothing writes here any more. */
        @Override
        public void close() {
            removeQuietly(root);
        }

        private static void removeQuietly(Path directory) {
            try {
                EntryRemoval.removeTree(directory);
            } catch (IOException e) {
                // A leftover profile in /tmp costs a little space and is gone with the container.
            }
        }
    }
}
