package dev.wharf.network;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.egress.EgressProxy;
import dev.wharf.support.EgressSandboxes;
import dev.wharf.support.EgressTestProfile;
import dev.wharf.support.EgressUpstreams;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The package managers, git and Java in a sandbox reach allowlisted hosts through the egress proxy with no flag from
 * the user: pip from a PEP 503 index, npm from a registry, git over HTTPS, and Java's HttpClient and
 * HttpURLConnection, each from a local server on a test name (tunnelled: the client checks the server's own
 * certificate against the operator CA the sandbox trusts), and the browser through an intercepted host.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EgressClientsTest {

    @Inject
    EgressProxy proxy;
    @io.quarkus.test.common.http.TestHTTPResource
    java.net.URL application;

    private String environment;

    @BeforeAll
    void sitesAndSandbox() throws Exception {
        dev.wharf.support.Api.bindToRunningApp(application);
        Path sites = Path.of("target", "egress-sites").toAbsolutePath();
        if (Files.exists(sites)) {
            try (var old = Files.walk(sites)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        EgressUpstreams upstreams = EgressUpstreams.get();
        upstreams.site("pypi.test", pythonIndex(sites.resolve("pypi")));
        upstreams.site("npm.test", npmRegistry(sites.resolve("npm")));
        upstreams.site("git.test", gitRepository(sites.resolve("git")));
        EgressSandboxes.awaitProxy(proxy);
        environment = EgressSandboxes.environment(() -> given(), Map.of("allowlist", List.of(
                Map.of("domain", "pypi.test"), Map.of("domain", "npm.test"), Map.of("domain", "git.test"),
                Map.of("domain", "secure.test"), Map.of("domain", "api.test", "transform", Map.of("X-Via", "wharf")))),
                null);
    }

    @AfterAll
    void deleteSandbox() {
        dev.wharf.support.Api.bindToRunningApp(application);
        if (environment != null) {
            given().delete("/v1/environments/" + environment);
        }
    }

    private String out(String command) {
        return EgressSandboxes.out(environment, command);
    }

    @Test
    void pipDownloadsAndInstallsFromAnIndex() {
        assertEquals("wharf_probe-1.0-py3-none-any.whl\n", out("d=$(mktemp -d) && pip download -q --no-deps"
                + " --index-url https://pypi.test/simple/ -d $d wharf-probe && ls $d"));
        assertEquals("imported probe\n", out("pip install -q --no-deps --user --index-url https://pypi.test/simple/"
                + " wharf-probe 2>/dev/null && python3 -c 'import wharf_probe; print(\"imported\", wharf_probe.VALUE)'"));
    }

    @Test
    void npmReadsAndInstallsFromARegistry() {
        assertEquals("1.0.0\n", out("npm view wharf-probe version --registry https://npm.test/"));
        assertEquals("imported probe\n", out("cd $(mktemp -d) && npm install --silent --no-audit --no-fund"
                + " --registry https://npm.test/ wharf-probe && node -p '\"imported \" + require(\"wharf-probe\")'"));
    }

    @Test
    void gitClonesOverHttps() {
        assertTrue(out("git ls-remote https://git.test/repo.git").contains("refs/heads/main"));
        assertEquals("egress works\n", out("d=$(mktemp -d) && git clone -q https://git.test/repo.git $d/repo"
                + " && cat $d/repo/README"));
    }

    @Test
    void javaUsesTheProxyWithoutFlags() {
        out("mkdir -p /tmp/check && cat > /tmp/check/Fetch.java <<'EOF'\n"
                + "import java.net.URI;\nimport java.net.http.*;\n"
                + "public class Fetch {\n  public static void main(String[] a) throws Exception {\n"
                + "    var c = HttpClient.newBuilder().proxy(java.net.ProxySelector.getDefault()).build();\n"
                + "    System.out.print(c.send(HttpRequest.newBuilder(URI.create(a[0])).build(),"
                + " HttpResponse.BodyHandlers.ofString()).body());\n"
                + "    var u = (java.net.HttpURLConnection) URI.create(a[1]).toURL().openConnection();\n"
                + "    System.out.print(new String(u.getInputStream().readAllBytes()));\n  }\n}\nEOF");
        assertEquals("ok /java-client\nok /java-url\n", out("java /tmp/check/Fetch.java https://secure.test/java-client"
                + " https://api.test/java-url 2>/dev/null"));
    }

    @Test
    void theBrowserLoadsTunnelledAndInterceptedHosts() {
        EgressUpstreams.get().page("browser", "<html><head><title>Probe</title></head><body>scripts <span id=s>"
                + "</span><script>document.getElementById('s').textContent='ran'</script></body></html>");
        for (String host : List.of("secure.test", "api.test")) {
            String page = out("java -jar /opt/wharf/agent-runtime.jar browse https://" + host + "/page/browser"
                    + " 2>/dev/null");
            assertTrue(page.contains("scripts ran"), host + ": " + page);
        }
        assertTrue(EgressUpstreams.get().to("api.test").stream().anyMatch(r -> "wharf".equals(r.header("x-via"))),
                "the intercepted host saw the transform");
    }

    // ---- The sites ----------------------------------------------------------------------------------------------

    /** A PEP 503 index holding one pure-Python wheel, wharf-probe 1.0, whose module sets VALUE = "probe". */
    private static Path pythonIndex(Path root) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("wharf_probe/__init__.py", "VALUE = \"probe\"\n".getBytes(StandardCharsets.UTF_8));
        files.put("wharf_probe-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: wharf-probe\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8));
        files.put("wharf_probe-1.0.dist-info/WHEEL", ("Wheel-Version: 1.0\nGenerator: wharf-test\n"
                + "Root-Is-Purelib: true\nTag: py3-none-any\n").getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            record.append(file.getKey()).append(",sha256=").append(Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(file.getValue()))).append(',')
                    .append(file.getValue().length).append('\n');
        }
        record.append("wharf_probe-1.0.dist-info/RECORD,,\n");
        files.put("wharf_probe-1.0.dist-info/RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream wheel = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(wheel)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
        String wheelName = "wharf_probe-1.0-py3-none-any.whl";
        Files.createDirectories(root.resolve("simple/wharf-probe"));
        Files.createDirectories(root.resolve("files"));
        Files.write(root.resolve("files").resolve(wheelName), wheel.toByteArray());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(wheel.toByteArray()));
        Files.writeString(root.resolve("simple/index.html"),
                "<html><body><a href=\"wharf-probe/\">wharf-probe</a></body></html>\n");
        Files.writeString(root.resolve("simple/wharf-probe/index.html"), "<html><body><a href=\"../../files/"
                + wheelName + "#sha256=" + sha + "\">" + wheelName + "</a></body></html>\n");
        return root;
    }

    /** An npm registry holding wharf-probe 1.0.0, whose main module exports "probe". */
    private static Path npmRegistry(Path root) throws Exception {
        Path pkg = root.resolve("src/package");
        Files.createDirectories(pkg);
        Files.writeString(pkg.resolve("package.json"), "{\"name\": \"wharf-probe\", \"version\": \"1.0.0\","
                + " \"main\": \"index.js\"}\n");
        Files.writeString(pkg.resolve("index.js"), "module.exports = \"probe\";\n");
        Path tarballs = root.resolve("site/wharf-probe/-");
        Files.createDirectories(tarballs);
        Path tgz = tarballs.resolve("wharf-probe-1.0.0.tgz");
        run(root, "tar", "czf", tgz.toString(), "-C", root.resolve("src").toString(), "package");
        byte[] bytes = Files.readAllBytes(tgz);
        String shasum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        String integrity = "sha512-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-512").digest(bytes));
        String version = "{\"name\": \"wharf-probe\", \"version\": \"1.0.0\", \"main\": \"index.js\", \"dist\": {"
                + "\"tarball\": \"https://npm.test/wharf-probe/-/wharf-probe-1.0.0.tgz\", \"shasum\": \"" + shasum
                + "\", \"integrity\": \"" + integrity + "\"}}";
        Files.writeString(root.resolve("site/wharf-probe/index.html"), "{\"name\": \"wharf-probe\","
                + " \"dist-tags\": {\"latest\": \"1.0.0\"}, \"versions\": {\"1.0.0\": " + version + "}}");
        return root.resolve("site");
    }

    /** A repository served over dumb HTTP (git update-server-info), branch main, one README. */
    private static Path gitRepository(Path root) throws Exception {
        Path work = root.resolve("work");
        Path site = root.resolve("site");
        Files.createDirectories(work);
        Files.createDirectories(site);
        run(work, "git", "init", "-q", "-b", "main");
        Files.writeString(work.resolve("README"), "egress works\n");
        run(work, "git", "add", "README");
        run(work, "git", "-c", "user.name=wharf", "-c", "user.email=wharf@localhost", "commit", "-q", "-m", "probe");
        run(site, "git", "clone", "-q", "--bare", work.toString(), "repo.git");
        run(site.resolve("repo.git"), "git", "update-server-info");
        return site;
    }

    private static void run(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), () -> String.join(" ", command) + ": " + output);
    }
}
