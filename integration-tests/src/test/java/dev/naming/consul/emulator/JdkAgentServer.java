package dev.naming.consul.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLContext;

/** The emulator on the JDK's {@code HttpServer}: HTTP/1.1, plain or over TLS. */
final class JdkAgentServer implements AgentExchange.Server {

    private final HttpServer server;

    private JdkAgentServer(HttpServer server) {
        this.server = server;
    }

    static JdkAgentServer start(InetAddress address, int port, SSLContext tls, ExecutorService workers,
                                AgentExchange.Handler handler) throws IOException {
        HttpServer s;
        if (tls == null) {
            s = HttpServer.create(new InetSocketAddress(address, port), 64);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(address, port), 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            s = https;
        }
        s.createContext("/", ex -> handler.handle(new Exchange(ex)));
        s.setExecutor(workers);
        s.start();
        return new JdkAgentServer(s);
    }

    @Override
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    @Override
    public int connections() {
        return -1;
    }

    private static final class Exchange implements AgentExchange {
        private final HttpExchange ex;
        private Map<String, List<String>> headers;

        Exchange(HttpExchange ex) {
            this.ex = ex;
        }

        @Override
        public String method() {
            return ex.getRequestMethod();
        }

        @Override
        public URI uri() {
            return ex.getRequestURI();
        }

        @Override
        public byte[] body() throws IOException {
            try (InputStream in = ex.getRequestBody()) {
                return in.readAllBytes();
            }
        }

        @Override
        public Map<String, List<String>> headers() {
            if (headers == null) {
                Map<String, List<String>> h = new LinkedHashMap<>();
                ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
                headers = h;
            }
            return headers;
        }

        @Override
        public void setHeader(String name, String value) {
            ex.getResponseHeaders().set(name, value);
        }

        @Override
        public OutputStream respond(int status, long length) throws IOException {
            // HttpServer: 0 is "length unknown", sent chunked; -1 is "no body"
            ex.sendResponseHeaders(status, length == UNKNOWN_LENGTH ? 0 : length <= 0 ? -1 : length);
            return ex.getResponseBody();
        }

        @Override
        public void close() {
            // without a reply sent, HttpServer closes the connection
            ex.close();
        }
    }
}
