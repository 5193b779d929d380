package dev.wharf.runtime;

import dev.wharf.runtime.exec.CommandUser;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line: {@code serve [--port N] [--workspace DIR] [--token-file FILE] [--run-as UID:GID]
 * [--insecure-no-token]}.
 *
 * @param port 0 picks a free port, which the daemon then prints
 * @param tokenFile where the token is read from; empty means the {@code WHARF_SANDBOX_TOKEN} variable
 * @param commandUser the uid and gid commands run as; empty means the daemon's own
 */
public record ServeOptions(int port, Path workspace, Optional<Path> tokenFile, Optional<CommandUser> commandUser,
                           boolean insecureNoToken) {

    public static final int DEFAULT_PORT = 7070;
    public static final Path DEFAULT_WORKSPACE = Path.of("/workspace");
    private static final int MAX_PORT = 65_535;

    public static final String USAGE =
            "usage: agent-runtime serve [--port N] [--workspace DIR] [--token-file FILE] [--run-as UID:GID]\n"
            + "                           [--insecure-no-token]\n"
            + "  --port N             port to listen on, 0 for any free one (default " + DEFAULT_PORT + ")\n"
            + "  --workspace DIR      the directory commands and file calls work in (default "
            + DEFAULT_WORKSPACE + ")\n"
            + "  --token-file FILE    read the bearer token from FILE (default: the WHARF_SANDBOX_TOKEN variable)\n"
            + "  --run-as UID:GID     run commands, and own the files the daemon creates, as this user, which\n"
            + "                       must differ from the daemon's (needs CAP_SETUID, CAP_SETGID and CAP_KILL)\n"
            + "  --insecure-no-token  serve without authentication when no token is given\n";

    /** @throws IllegalArgumentException with a message fit for the user */
    public static ServeOptions parse(String... args) {
        if (args.length == 0 || !args[0].equals("serve")) {
            throw new IllegalArgumentException("expected the command 'serve'");
        }
        int port = DEFAULT_PORT;
        Path workspace = DEFAULT_WORKSPACE;
        Optional<Path> tokenFile = Optional.empty();
        Optional<CommandUser> commandUser = Optional.empty();
        boolean insecureNoToken = false;
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            String inlineValue = null;
            int equals = option.indexOf('=');
            if (option.startsWith("--") && equals > 0) {
                inlineValue = option.substring(equals + 1);
                option = option.substring(0, equals);
            }
            switch (option) {
                case "--port":
                    port = port(inlineValue != null ? inlineValue : valueAfter(args, i++, option));
                    break;
                case "--workspace":
                    workspace = Path.of(inlineValue != null ? inlineValue : valueAfter(args, i++, option));
                    break;
                case "--token-file":
                    tokenFile = Optional.of(Path.of(inlineValue != null ? inlineValue : valueAfter(args, i++, option)));
                    break;
                case "--run-as":
                    commandUser = Optional.of(CommandUser.parse(inlineValue != null ? inlineValue
                            : valueAfter(args, i++, option)));
                    break;
                case "--insecure-no-token":
                    insecureNoToken = true;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }
        return new ServeOptions(port, workspace, tokenFile, commandUser, insecureNoToken);
    }

    private static String valueAfter(String[] args, int index, String option) {
        if (index + 1 >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index + 1];
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= MAX_PORT) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below, with the value the user gave.
        }
        throw new IllegalArgumentException("--port must be a number from 0 to " + MAX_PORT + ", not " + value);
    }
}
