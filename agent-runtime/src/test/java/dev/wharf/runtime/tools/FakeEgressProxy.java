package dev.wharf.runtime.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forward proxy on loopback that behaves like Wharf's egress proxy towards a denied host: 403 with its sentence to
 * every CONNECT and to every absolute-form request, except the pages it serves itself. It never connects anywhere.
 */
final class FakeEgressProxy implements AutoCloseable {

    private final ServerSocket server;
    private final Map<String, String> pages;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** @param pages absolute URL to HTML served with 200; "/missing" paths of the same hosts get 404 */
    FakeEgressProxy(Map<String, String> pages) throws IOException {
        this.pages = Map.copyOf(pages);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "fake-egress-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every request line the proxy received, e.g. {@code CONNECT shop.example:443 HTTP/1.1}. */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread handler = new Thread(() -> handle(socket), "fake-egress-proxy-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            String head = readHead(in);
            if (head.isEmpty()) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            requestLines.add(requestLine);
            String[] parts = requestLine.split(" ");
            String target = parts.length > 1 ? parts[1] : "";
            String host = parts[0].equals("CONNECT") ? target.replaceFirst(":\\d+$", "")
                    : target.replaceFirst("^https?://", "").replaceFirst("[:/].*$", "");
            String page = pages.get(target);
            if (!parts[0].equals("CONNECT") && page != null) {
                respond(out, "200 OK", "text/html", page);
            } else if (!parts[0].equals("CONNECT") && target.endsWith("/missing")
                    && pages.keySet().stream().anyMatch(url -> url.contains("//" + host + "/"))) {
                respond(out, "404 Not Found", "text/html", "<html><head><title>Nothing here</title></head>"
                        + "<body>No such page.</body></html>");
            } else {
                respond(out, "403 Forbidden", "text/plain; charset=utf-8",
                        "Wharf egress proxy: " + host + " is not in this environment's allowlist\n");
            }
        } catch (IOException e) {
            // The browser hung up.
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void respond(OutputStream out, String status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
