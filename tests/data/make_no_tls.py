#!/usr/bin/env python3
"""Re-create ``no_tls_http.pcap``: one plain-HTTP exchange on loopback, no TLS at all.

The TUI's empty-capture test and snapshot read it.  Run as root (tcpdump needs capture rights):

    python tests/data/make_no_tls.py
"""

from __future__ import annotations

import http.server
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

OUT = Path(__file__).resolve().parent / "no_tls_http.pcap"


class Hello(http.server.BaseHTTPRequestHandler):
    """A fixed tiny reply, so the capture holds nothing from the machine that made it."""

    server_version = "test"
    sys_version = ""

    def do_GET(self) -> None:
        body = b"hello, plain HTTP\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dump = subprocess.Popen(
        ["tcpdump", "-i", "lo", "-U", "-w", str(OUT), f"tcp port {port}"],
        stderr=subprocess.PIPE,
    )
    # Wait until tcpdump says it is listening.
    assert dump.stderr is not None
    for line in dump.stderr:
        if b"listening on" in line:
            break
    time.sleep(1.0)  # tcpdump prints "listening" a little before it captures
    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
    with socket.create_connection(("127.0.0.1", port)) as s:  # a second, minimal request
        s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
        s.recv(4096)
    time.sleep(1.0)
    dump.send_signal(signal.SIGINT)
    dump.wait(timeout=10)
    server.shutdown()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
