package dev.wharf.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Entry point of the in-sandbox daemon. Prints {@code listening on <port>} once it serves, which
 * is how a caller that passed {@code --port 0} learns the port. {@code browse URL} instead runs the
 * browse tool once ({@link BrowseCommand}).
 */
public final class Main {

    /** Exit status for a bad command line or a missing token: the caller must fix how it starts us. */
    static final int EXIT_USAGE = 2;
    /** Exit status when serving failed, e.g. the port is taken or the workspace is unusable. */
    static final int EXIT_FAILURE = 1;

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("browse")) {
            System.exit(BrowseCommand.run(args, System.out, System.err));
            return;
        }
        ServeOptions options;
        try {
            options = ServeOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("agent-runtime: " + e.getMessage());
            System.err.print(ServeOptions.USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        String token;
        try {
            token = token(options);
        } catch (IOException e) {
            System.err.println("agent-runtime: cannot read the token: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        if (token == null || token.isBlank()) {
            if (!options.insecureNoToken()) {
                System.err.println("agent-runtime: no token (" + options.tokenFile().map(f -> f + " is empty")
                        .orElse(Daemon.TOKEN_VARIABLE + " is not set") + "); refusing to serve "
                        + "without authentication (pass --insecure-no-token to do so anyway)");
                System.exit(EXIT_USAGE);
                return;
            }
            token = null;
            System.err.println("agent-runtime: WARNING: serving without authentication (--insecure-no-token)");
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(options.port(), options.workspace(), token, options.commandUser());
        } catch (IOException | RuntimeException e) {
            System.err.println("agent-runtime: cannot serve: " + e.getMessage());
            System.exit(EXIT_FAILURE);
            return;
        }
        // SIGTERM from the container runtime runs this; the server's own thread then lets the JVM exit.
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "wharf-shutdown"));
        System.out.println("listening on " + daemon.port());
        System.out.flush();
    }

    /**
     * A token file keeps the token out of the process environment, which every child would otherwise inherit
     * and which {@code /proc/<pid>/environ} shows for the process's whole life. Only the first line counts.
     */
    private static String token(ServeOptions options) throws IOException {
        if (options.tokenFile().isEmpty()) {
            return System.getenv(Daemon.TOKEN_VARIABLE);
        }
        String content = Files.readString(options.tokenFile().get(), StandardCharsets.UTF_8);
        int end = content.indexOf('\n');
        return (end < 0 ? content : content.substring(0, end)).strip();
    }
}
