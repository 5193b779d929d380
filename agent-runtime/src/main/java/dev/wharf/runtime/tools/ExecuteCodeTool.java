package dev.wharf.runtime.tools;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.wharf.runtime.exec.CommandRunner;
import dev.wharf.runtime.exec.ExecRequest;
import dev.wharf.runtime.exec.ExecResult;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code execute_code}: runs a Python or bash snippet in the workspace through the same runner as
 * {@code POST /exec}, so it gets the same deadline, output caps, OOM diagnosis and hidden token.
 */
public final class ExecuteCodeTool implements Tool {

    public static final String NAME = "execute_code";
    static final String PYTHON = "python";
    static final String BASH = "bash";

    private static final Map<String, Object> PARAMETERS = ParameterSchema.object()
            .requiredChoice("language", List.of(PYTHON, BASH), "python runs the code with python3 -c, "
                    + "bash with bash -c")
            .required("code", "string", "The program text")
            .toJson();

    private final CommandRunner commands;
    private final ToolLimits limits;

    public ExecuteCodeTool(CommandRunner commands, ToolLimits limits) {
        this.commands = commands;
        this.limits = limits;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Runs Python 3 or bash code in the sandbox, with the workspace as the working directory. "
                + "Files written there persist between calls. Returns JSON with exit_code, stdout, stderr "
                + "and timed_out; a call is killed after " + limits.timeout().toSeconds() + " s and each "
                + "output stream is cut after " + limits.maxOutputBytes() + " bytes.";
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    /** A non-zero exit, a timeout included, is an error result: the code did not do its job. */
    @Override
    public ToolOutput execute(ToolArguments arguments) throws IOException {
        String language = arguments.requiredString("language");
        String code = arguments.requiredString("code");
        List<String> argv;
        if (language.equals(PYTHON)) {
            argv = List.of("python3", "-c", code);
        } else if (language.equals(BASH)) {
            argv = List.of("bash", "-c", code);
        } else {
            throw new ToolException("language must be " + PYTHON + " or " + BASH + ", not " + language);
        }
        ExecResult result = commands.run(new ExecRequest(argv, limits.timeout(), null, Map.of(),
                limits.maxOutputBytes()));
        String text = JSON.std.asString(result.toJson());
        return result.exitCode() == 0 && !result.timedOut() ? ToolOutput.success(text) : ToolOutput.error(text);
    }
}
