package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	mode := flag.String("mode", "client", "client|server")
	addr := flag.String("addr", "127.0.0.1:4433", "")
	cert := flag.String("cert", "", "")
	key := flag.String("key", "", "")
	ca := flag.String("ca", "", "trust anchors (client) / client CA (server)")
	require := flag.Bool("require", false, "server: require and verify a client cert")
	minv := flag.String("min", "", "1.0|1.1|1.2|1.3")
	maxv := flag.String("max", "", "")
	curves := flag.String("curves", "", "x25519,p256,p384")
	ciphers := flag.String("ciphers", "", "comma list of suite names (TLS 1.2)")
	alpn := flag.String("alpn", "", "comma list")
	keylog := flag.String("keylog", "", "")
	sni := flag.String("servername", "localhost", "")
	timeout := flag.Duration("timeout", 5*time.Second, "client: handshake/read deadline")
	n := flag.Int("n", 1, "client: connections (resumption uses one session cache)")
	rawClose := flag.Bool("rawclose", false, "server: close TCP after the response, without close_notify")
	flag.Parse()
	cfg := &tls.Config{ServerName: *sni}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0644)
		if err != nil {
			panic(err)
		}
		cfg.KeyLogWriter = f
	}
	vers := map[string]uint16{"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}
	cfg.MinVersion = vers[*minv]
	cfg.MaxVersion = vers[*maxv]
	if *curves != "" {
		m := map[string]tls.CurveID{"x25519": tls.X25519, "p256": tls.CurveP256, "p384": tls.CurveP384}
		for _, c := range strings.Split(*curves, ",") {
			cfg.CurvePreferences = append(cfg.CurvePreferences, m[c])
		}
	}
	if *ciphers != "" {
		byName := map[string]uint16{}
		for _, s := range tls.CipherSuites() {
			byName[s.Name] = s.ID
		}
		for _, s := range tls.InsecureCipherSuites() {
			byName[s.Name] = s.ID
		}
		for _, c := range strings.Split(*ciphers, ",") {
			cfg.CipherSuites = append(cfg.CipherSuites, byName[c])
		}
	}
	if *alpn != "" {
		cfg.NextProtos = strings.Split(*alpn, ",")
	}
	if *cert != "" {
		kp, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			panic(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	if *ca != "" {
		pool := x509.NewCertPool()
		pem, err := os.ReadFile(*ca)
		if err != nil {
			panic(err)
		}
		pool.AppendCertsFromPEM(pem)
		if *mode == "server" {
			cfg.ClientCAs = pool
		} else {
			cfg.RootCAs = pool
		}
	}
	if *require {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if *mode == "server" {
		serve(cfg, *addr, *rawClose)
		return
	}
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	rc := 0
	for i := 0; i < *n; i++ {
		if err := client(cfg, *addr, *timeout); err != nil {
			fmt.Fprintln(os.Stderr, "client:", err)
			rc = 1
		}
	}
	os.Exit(rc)
}

func client(cfg *tls.Config, addr string, timeout time.Duration) error {
	raw, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(timeout))
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		return err
	}
	st := c.ConnectionState()
	fmt.Printf("client: handshake ok %x resumed=%v alpn=%q\n", st.Version, st.DidResume, st.NegotiatedProtocol)
	fmt.Fprintf(c, "GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n")
	b, _ := io.ReadAll(c)
	fmt.Printf("client: got %d bytes\n", len(b))
	return c.Close()
}

func serve(cfg *tls.Config, addr string, rawClose bool) {
	ln, err := tls.Listen("tcp", addr, cfg)
	if err != nil {
		panic(err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			tc := c.(*tls.Conn)
			if rawClose {
				// like a proxy that drops the socket: TCP FIN, no close_notify
				defer tc.NetConn().Close()
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if err := tc.Handshake(); err != nil {
				fmt.Fprintln(os.Stderr, "server:", err)
				return
			}
			r := bufio.NewReader(tc)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					fmt.Fprintln(os.Stderr, "server read:", err)
					return
				}
				if line == "\r\n" || line == "\n" {
					break
				}
			}
			body := "hello from tlstui\n"
			fmt.Fprintf(tc, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			if rawClose {
				return
			}
			tc.Close()
		}(conn)
	}
}
