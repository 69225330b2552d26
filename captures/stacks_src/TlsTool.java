import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.*;
import javax.net.ssl.*;

/** Tiny JSSE client/server for tlstui's captures: key=value arguments. */
public class TlsTool {
    public static void main(String[] a) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String s : a) { int i = s.indexOf('='); o.put(s.substring(0, i), s.substring(i + 1)); }
        char[] pw = "changeit".toCharArray();
        KeyManager[] km = null;
        TrustManager[] tm = null;
        if (o.containsKey("keystore")) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(o.get("keystore"))) { ks.load(in, pw); }
            KeyManagerFactory f = KeyManagerFactory.getInstance("PKIX");
            f.init(ks, pw);
            km = f.getKeyManagers();
        }
        if (o.containsKey("truststore")) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(o.get("truststore"))) { ts.load(in, pw); }
            TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
            f.init(ts);
            tm = f.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(km, tm, null);
        String host = o.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(o.get("port"));
        String[] protos = o.containsKey("protocols") ? o.get("protocols").split(",") : null;
        String[] suites = o.containsKey("ciphers") ? o.get("ciphers").split(",") : null;
        String[] alpn = o.containsKey("alpn") ? o.get("alpn").split(",") : null;
        if (o.getOrDefault("mode", "client").equals("server")) {
            SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 16, InetAddress.getByName(host));
            while (true) {
                SSLSocket s = (SSLSocket) ss.accept();
                SSLParameters p = s.getSSLParameters();
                if (protos != null) p.setProtocols(protos);
                if (suites != null) p.setCipherSuites(suites);
                if (alpn != null) p.setApplicationProtocols(alpn);
                if (o.containsKey("require")) p.setNeedClientAuth(true);
                s.setSSLParameters(p);
                s.setSoTimeout(5000);
                try {
                    s.startHandshake();
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    String line;
                    while ((line = r.readLine()) != null && !line.isEmpty()) { }
                    String body = "hello from tlstui\n";
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.0 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (Exception e) {
                    System.err.println("server: " + e);
                } finally {
                    try { s.close(); } catch (Exception e) { }
                }
            }
        }
        int n = Integer.parseInt(o.getOrDefault("n", "1"));
        int timeout = Integer.parseInt(o.getOrDefault("timeout_ms", "5000"));
        int rc = 0;
        SSLSocketFactory sf = ctx.getSocketFactory();
        for (int i = 0; i < n; i++) {
            Socket raw = new Socket();
            raw.connect(new InetSocketAddress(host, port), timeout);
            SSLSocket s = (SSLSocket) sf.createSocket(raw, o.getOrDefault("servername", "localhost"), port, true);
            SSLParameters p = s.getSSLParameters();
            if (protos != null) p.setProtocols(protos);
            if (suites != null) p.setCipherSuites(suites);
            if (alpn != null) p.setApplicationProtocols(alpn);
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(o.getOrDefault("servername", "localhost"))));
            s.setSSLParameters(p);
            s.setSoTimeout(timeout);
            try {
                s.startHandshake();
                System.out.println("client: handshake ok " + s.getSession().getProtocol() + " alpn=" + s.getApplicationProtocol());
                OutputStream out = s.getOutputStream();
                out.write("GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                byte[] b = s.getInputStream().readAllBytes();
                System.out.println("client: got " + b.length + " bytes");
            } catch (Exception e) {
                System.err.println("client: " + e);
                rc = 1;
            } finally {
                s.close();
            }
        }
        System.exit(rc);
    }
}
