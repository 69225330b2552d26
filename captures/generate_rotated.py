#!/usr/bin/env python3
"""Record one TLS connection that spans two files of a rotating tcpdump (``-G 1``).

Usage (as root, or with capture rights for tcpdump):

    python captures/generate_rotated.py

``openssl s_server -www`` listens on 127.0.0.1; a Python ``ssl`` client completes the TLS 1.3
handshake, waits 1.5 s, sends an HTTP request and reads the answer.  ``tcpdump -G 1`` starts a
new file for the first packet of every new second (``-Z root``: it must create them after
starting), so the handshake and the request/response
land in different files of ``captures/rotated/`` (``rot-EPOCH.pcap``), as a long-running
rotating capture splits real connections.  Each file gets the merged key log beside it.  Every
process runs under ``timeout`` and is stopped by its PID; tshark checks that the ClientHello
and the server's application data are in different files.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_proxy import (  # noqa: E402
    SNI,
    Issued,
    free_port,
    make_pki,
    start,
    stop_group,
    wait_listening,
)

OUT = HERE / "rotated"
IP = "127.0.0.1"


def client(port: int, ca: Path, keylog: Path) -> None:
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.keylog_filename = str(keylog)
    with (
        socket.create_connection((IP, port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname=SNI) as tls,
    ):
        time.sleep(1.5)  # the next packet opens the next file
        tls.sendall(b"GET / HTTP/1.0\r\nHost: app.example\r\n\r\n")
        with contextlib.suppress(OSError, ssl.SSLError):
            while tls.recv(65536):
                pass


def tshark(path: Path, display_filter: str) -> int:
    out = subprocess.run(
        ["tshark", "-r", str(path), "-Y", display_filter, "-T", "fields", "-e", "frame.number"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return len(out.split())


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("rot-*"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="tlstui-rot-") as tmp:
        pki = make_pki(Path(tmp))
        cert = pki["upstream"]
        assert isinstance(cert, Issued)
        keylog = Path(tmp) / "keys.log"
        keylog.touch()
        port = free_port(IP)
        server = start(
            ["openssl", "s_server", "-accept", f"{IP}:{port}", "-cert", str(cert.cert),
             "-key", str(cert.key), "-keylogfile", str(keylog), "-www", "-naccept", "1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        dump = None
        try:
            wait_listening(IP, port, server)
            dump = start(
                ["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-s", "0", "-G", "1",
                 "-Z", "root",
                 "-w", str(OUT / "rot-%s.pcap"), f"tcp port {port}"],
                seconds=60, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert dump.stderr is not None
            while "listening on" not in dump.stderr.readline():
                if dump.poll() is not None:
                    raise RuntimeError("tcpdump did not start")
            client(port, Path(str(pki["upstream_ca"])), keylog)
            time.sleep(0.3)
        finally:
            if dump is not None:
                stop_group(dump, signal.SIGINT)
            stop_group(server)
        keys = keylog.read_text()
    files = sorted(OUT.glob("rot-*.pcap"))
    for f in files:
        f.with_suffix(".keys").write_text(keys)
    hello = [f.name for f in files if tshark(f, "tls.handshake.type == 1")]
    data = [
        f.name
        for f in files
        if tshark(f, "tls.record.content_type == 23 && tcp.srcport == " + str(port))
    ]
    ok = len(files) >= 2 and len(hello) == 1 and data and hello[0] not in data[-1:]
    mark = "ok  " if ok else "FAIL"
    print(f"{mark} {len(files)} files; ClientHello in {hello}; server data in {data}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
