package dev.wharf.sandbox;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The container environment that sends every common client in a sandbox through the egress proxy, trusting the
 * files of {@link SandboxTrustFiles}. A sandbox has no DNS resolver, so each client must hand the host name to the
 * proxy (absolute-form HTTP, CONNECT for HTTPS) and never resolve it itself; every variable below makes one do so:
 *
 * <ul>
 *   <li>{@code http_proxy}, {@code https_proxy} and their upper-case forms: curl (lower-case {@code http_proxy}
 *       only), git, Python's urllib, requests and pip, npm, undici (Node's fetch, through the preload), Chromium
 *       (the browse tool turns them into {@code --proxy-server}). {@code no_proxy}/{@code NO_PROXY}: loopback only,
 *       so servers a command starts inside the sandbox stay reachable.</li>
 *   <li>{@code SSL_CERT_FILE}, {@code REQUESTS_CA_BUNDLE}, {@code PIP_CERT}: the bundle, for a Python, requests or
 *       pip installed into a venv with its own certifi; {@code NODE_EXTRA_CA_CERTS}: the upstream and egress CAs on
 *       top of Node's own roots.</li>
 *   <li>{@code NODE_OPTIONS}: preloads {@value #NODE_PRELOAD} (from the image), which points Node 18's global
 *       fetch, deaf to the proxy variables, at the proxy.</li>
 *   <li>{@code WHARF_COMMAND_ENV_JAVA_TOOL_OPTIONS}: the JVM's proxy properties (the JRE reads no proxy variable).
 *       The sandbox daemon is itself a JVM started from this environment, so the variable must not be called
 *       {@code JAVA_TOOL_OPTIONS} here: the daemon would print "Picked up JAVA_TOOL_OPTIONS" and take the proxy
 *       for its own calls. The daemon gives every command each {@value #COMMAND_ONLY_PREFIX}NAME variable as NAME
 *       (and never the prefixed name), so {@code java} in a command gets {@code JAVA_TOOL_OPTIONS}.</li>
 * </ul>
 */
public final class EgressProxyVariables {

    /** Never through the proxy: the sandbox's own loopback. */
    public static final String NO_PROXY = "localhost,127.0.0.1,::1";
    /** The same for the JVM's {@code http.nonProxyHosts} syntax. */
    public static final String JAVA_NON_PROXY_HOSTS = "localhost|127.*|[::1]";
    /** The Node preload shipped in the sandbox image (sandbox-image/node/egress.cjs). */
    public static final String NODE_PRELOAD = "/opt/wharf/node/egress.cjs";
    /** Variables for commands only; the agent-runtime daemon strips the prefix (CommandRunner, same constant). */
    public static final String COMMAND_ONLY_PREFIX = "WHARF_COMMAND_ENV_";
    /** An IPv4 literal: the proxy's address is all a sandbox can reach without a resolver. */
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d"
            + "|1\\d\\d|[1-9]?\\d)){3}");

    private EgressProxyVariables() {
    }

    /**
     * The variables for a proxy, in a fixed order (so the container's environment, and whatever hashes it, is stable).
     *
     * @param proxy {@code http://<IPv4>:<port>}, e.g. {@code http://172.18.0.1:7072}: an IP address because the
     *              sandbox cannot resolve a name, not even the proxy's; IPv6 is off on sandbox networks
     */
    public static Map<String, String> forProxy(URI proxy) {
        String host = proxy.getHost();
        int port = proxy.getPort();
        if (!"http".equals(proxy.getScheme()) || host == null || !IPV4.matcher(host).matches() || port <= 0
                || proxy.getUserInfo() != null || !(proxy.getRawPath() == null || proxy.getRawPath().isEmpty()
                || proxy.getRawPath().equals("/")) || proxy.getRawQuery() != null || proxy.getRawFragment() != null) {
            throw new IllegalArgumentException("the egress proxy must be given as http://<IPv4 address>:<port>, not "
                    + proxy);
        }
        String url = "http://" + host + ":" + port;
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("http_proxy", url);
        variables.put("https_proxy", url);
        variables.put("HTTP_PROXY", url);
        variables.put("HTTPS_PROXY", url);
        variables.put("no_proxy", NO_PROXY);
        variables.put("NO_PROXY", NO_PROXY);
        variables.put("SSL_CERT_FILE", SandboxTrustFiles.BUNDLE_PATH);
        variables.put("REQUESTS_CA_BUNDLE", SandboxTrustFiles.BUNDLE_PATH);
        variables.put("PIP_CERT", SandboxTrustFiles.BUNDLE_PATH);
        variables.put("NODE_EXTRA_CA_CERTS", SandboxTrustFiles.EXTRA_CA_PATH);
        variables.put("NODE_OPTIONS", "--require " + NODE_PRELOAD);
        variables.put(COMMAND_ONLY_PREFIX + "JAVA_TOOL_OPTIONS", String.join(" ",
                "-Dhttp.proxyHost=" + host, "-Dhttp.proxyPort=" + port,
                "-Dhttps.proxyHost=" + host, "-Dhttps.proxyPort=" + port,
                "-Dhttp.nonProxyHosts=" + JAVA_NON_PROXY_HOSTS));
        return variables;
    }

    /** The same as Docker's {@code NAME=value} list. */
    public static List<String> asDockerEnv(Map<String, String> variables) {
        return variables.entrySet().stream().map(variable -> variable.getKey() + "=" + variable.getValue()).toList();
    }
}
