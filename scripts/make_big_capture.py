#!/usr/bin/env python3
"""Build a large, realistic pcap for benchmarking: real TLS sessions, replicated.

    scripts/make_big_capture.py [OUT.pcap] [--sessions 20000] [--target-mb 1300]

Step 1 (cached): record a few real TLS sessions on loopback.  Four ``openssl s_server -WWW``
instances (RSA, ECDSA, TLS 1.3-only, one cipher only) serve files of 32/64/128 KiB; ``curl``
and ``openssl s_client`` fetch them over TLS 1.2 and 1.3 while ``tcpdump -i lo`` records.
Some clients fail on purpose: untrusted CA (curl without --insecure), no shared cipher,
protocol version.  The sessions are cut out of the recording, loopback's 64 KiB GSO frames
are re-segmented to an Ethernet MSS (1448 bytes), the addresses are moved to
10.x.y.z -> 198.51.100.10:443 and every checksum is made valid.  The templates are cached in
``/tmp/tlstui-bench-templates`` (``--rebuild-templates`` records them again).

Step 2: write OUT (default /tmp/tlstui-big.pcap), streaming.  Each session is a template with
its own client address and port, its own initial sequence numbers (checksums updated
incrementally, RFC 1624) and its own start time; 2-4 sessions overlap at any moment, their
packets interleaved in time order.  About 10% of the sessions are failed handshakes; the share
of 32/64/128 KiB downloads is chosen so the file comes out near --target-mb.  A manifest
(OUT.manifest.json) records what was written, for scripts/bench.py to check the analysis.

Needs root (tcpdump), openssl, curl, tcpdump; only the standard library.
"""

from __future__ import annotations

import argparse
import array
import heapq
import json
import os
import pickle
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

CACHE_VERSION = 1
DEFAULT_OUT = "/tmp/tlstui-big.pcap"
DEFAULT_CACHE = "/tmp/tlstui-bench-templates"
MSS = 1448
N_SERVERS = 4  # RSA, ECDSA, TLS 1.3 only, one cipher only
SERVER_IP = bytes([198, 51, 100, 10])
SERVER_PORT = 443
TPL_CLIENT_IP = bytes([10, 255, 255, 254])
TPL_CLIENT_PORT = 40000
CLIENT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000002")
BODIES = {"b32k": 32 * 1024, "b64k": 64 * 1024, "b128k": 128 * 1024, "b1m": 1024 * 1024}
# The downloads recorded by default; --bodies b1m records 1 MiB ones instead (the openssl
# s_client templates always fetch 32 and 64 KiB), to build captures with many times the
# application data of the same number of sessions.
DEFAULT_BODIES = ("b32k", "b64k", "b128k")
HOST = "www.example.test"

# -- recording -----------------------------------------------------------------------------


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def _make_pki(d: Path) -> None:
    """A private CA and two server certificates (RSA 2048, ECDSA P-256) signed by it."""
    _run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=tlstui bench CA",
            "-keyout",
            str(d / "ca.key"),
            "-out",
            str(d / "ca.crt"),
        ]
    )
    ext = d / "san.ext"
    ext.write_text(
        f"subjectAltName=DNS:{HOST},DNS:api.example.test\n"
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    for name, alg in (
        ("rsa", ["-newkey", "rsa:2048"]),
        ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    ):
        _run(
            [
                "openssl",
                "req",
                "-new",
                *alg,
                "-nodes",
                "-subj",
                f"/CN={HOST}",
                "-keyout",
                str(d / f"{name}.key"),
                "-out",
                str(d / f"{name}.csr"),
            ]
        )
        _run(
            [
                "openssl",
                "x509",
                "-req",
                "-in",
                str(d / f"{name}.csr"),
                "-CA",
                str(d / "ca.crt"),
                "-CAkey",
                str(d / "ca.key"),
                "-CAcreateserial",
                "-days",
                "825",
                "-extfile",
                str(ext),
                "-out",
                str(d / f"{name}.crt"),
            ]
        )


def _wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True
        ).stdout
        if out.strip():
            return
        time.sleep(0.05)
    raise RuntimeError(f"openssl s_server on port {port} did not start")


def _free_ports(n: int) -> list[int]:
    """*n* loopback ports nobody listens on now (another run may use fixed ones)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def _client_commands(
    ports: list[int], bodies: tuple[str, ...] = DEFAULT_BODIES
) -> list[tuple[str, bool, list[str], bytes | None]]:
    """(label, expected ok, argv, stdin) for every client run while recording."""

    def url(port: int, body: str) -> str:
        return f"https://{HOST}:{port}/{body}"

    def curl(port: int, *opts: str, body: str = "b64k", insecure: bool = True) -> list[str]:
        return [
            "curl",
            "-s",
            "-S",
            "--http1.1",
            "--max-time",
            "20",
            "--resolve",
            f"{HOST}:{port}:127.0.0.1",
            *(["-k"] if insecure else []),
            *opts,
            "-o",
            "/dev/null",
            url(port, body),
        ]

    rsa, ec, only13, onecipher = ports
    t12 = ("--tlsv1.2", "--tls-max", "1.2")
    t13 = ("--tlsv1.3",)
    cmds: list[tuple[str, bool, list[str], bytes | None]] = []
    for body in bodies:
        cmds += [
            (
                f"tls12-rsa-aes128gcm-{body}",
                True,
                curl(rsa, *t12, "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256", body=body),
                None,
            ),
            (
                f"tls12-ecdsa-chacha-{body}",
                True,
                curl(ec, *t12, "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305", body=body),
                None,
            ),
            (f"tls13-rsa-aes128gcm-{body}", True, curl(rsa, *t13, body=body), None),
            (
                f"tls13-ecdsa-aes256gcm-{body}",
                True,
                curl(ec, *t13, "--tls13-ciphers", "TLS_AES_256_GCM_SHA384", body=body),
                None,
            ),
        ]
    for port, body, ver in ((rsa, "b64k", "-tls1_3"), (ec, "b32k", "-tls1_2")):
        cmds.append(
            (
                f"sclient{ver.replace('-', '').replace('_', '')}-{body}",
                True,
                [
                    "openssl",
                    "s_client",
                    "-connect",
                    f"127.0.0.1:{port}",
                    ver,
                    "-servername",
                    "api.example.test",
                    "-quiet",
                ],
                f"GET /{body} HTTP/1.0\r\n\r\n".encode(),
            )
        )
    cmds += [
        ("fail-untrusted-ca-tls12", False, curl(rsa, *t12, insecure=False), None),
        ("fail-untrusted-ca-tls13", False, curl(rsa, *t13, insecure=False), None),
        ("fail-untrusted-ca-tls13-ecdsa", False, curl(ec, *t13, insecure=False), None),
        (
            "fail-no-shared-cipher",
            False,
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{onecipher}",
                "-tls1_2",
                "-cipher",
                "ECDHE-RSA-CHACHA20-POLY1305",
                "-servername",
                HOST,
            ],
            b"",
        ),
        ("fail-protocol-version", False, curl(only13, *t12), None),
    ]
    return cmds


def record_templates(
    cache: Path, bodies: tuple[str, ...] = DEFAULT_BODIES
) -> tuple[Path, list[int]]:
    """Run servers, tcpdump and clients; return the raw loopback capture and server ports."""
    cache.mkdir(parents=True, exist_ok=True)
    pki = cache / "pki"
    pki.mkdir(exist_ok=True)
    if not (pki / "ec.crt").exists():
        _make_pki(pki)
    www = cache / "www"
    www.mkdir(exist_ok=True)
    rnd = random.Random(7)
    for name, size in BODIES.items():
        if name in bodies or name in ("b32k", "b64k"):
            (www / name).write_bytes(rnd.randbytes(size))

    servers = []
    base = ["openssl", "s_server", "-WWW", "-quiet"]
    ports = _free_ports(N_SERVERS)
    specs = [
        (ports[0], ["-cert", str(pki / "rsa.crt"), "-key", str(pki / "rsa.key")]),
        (ports[1], ["-cert", str(pki / "ec.crt"), "-key", str(pki / "ec.key")]),
        (ports[2], ["-cert", str(pki / "rsa.crt"), "-key", str(pki / "rsa.key"), "-tls1_3"]),
        (
            ports[3],
            [
                "-cert",
                str(pki / "rsa.crt"),
                "-key",
                str(pki / "rsa.key"),
                "-no_tls1_3",
                "-cipher",
                "AES256-SHA",
            ],
        ),
    ]
    raw = cache / "loopback.pcap"
    tcpdump = None
    try:
        for port, opts in specs:
            servers.append(
                subprocess.Popen(
                    [*base, "-accept", str(port), *opts],
                    cwd=www,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for (port, _), srv in zip(specs, servers, strict=True):
            _wait_listening(port)
            if srv.poll() is not None:
                raise RuntimeError(f"openssl s_server on port {port} exited ({srv.returncode})")
        bpf = "tcp and (" + " or ".join(f"port {p}" for p in ports) + ")"
        tcpdump = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-s", "0", "-U", "-n", "-Z", "root", "-w", str(raw), bpf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_tcpdump(tcpdump)
        labels = []
        for label, ok, argv, stdin in _client_commands(ports, bodies):
            r = subprocess.run(argv, input=stdin, capture_output=True, timeout=30)
            if ok and r.returncode != 0:
                raise RuntimeError(
                    f"{label}: expected success, got {r.returncode}: "
                    f"{r.stderr.decode(errors='replace')[-300:]}"
                )
            if not ok and r.returncode == 0 and argv[0] == "curl":
                raise RuntimeError(f"{label}: expected a failure")
            labels.append((label, ok))
            time.sleep(0.15)  # let FIN/ACKs finish before the next client
        time.sleep(0.5)
    finally:
        if tcpdump is not None:
            tcpdump.send_signal(signal.SIGINT)
            try:
                tcpdump.wait(10)
            except subprocess.TimeoutExpired:
                tcpdump.kill()
                tcpdump.wait()
        for s in servers:
            s.terminate()
        for s in servers:
            try:
                s.wait(5)
            except subprocess.TimeoutExpired:
                s.kill()
    (cache / "labels.json").write_text(json.dumps({"labels": labels, "ports": ports}))
    return raw, ports


def _wait_tcpdump(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """tcpdump says "listening on" once the capture is active."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stderr.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            if b"listening on" in buf:
                # Keep draining stderr so tcpdump never blocks on (or dies of) the pipe.
                threading.Thread(target=proc.stderr.read, daemon=True).start()
                return
    raise RuntimeError(f"tcpdump did not start: {buf.decode(errors='replace')}")


# -- checksums -----------------------------------------------------------------------------


def _csum(data: bytes) -> int:
    """Internet checksum, returned as a big-endian 16-bit value."""
    if len(data) % 2:
        data += b"\0"
    a = array.array("H", data)
    if sys.byteorder == "little":
        a.byteswap()
    s = sum(a)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _fix_checksums(f: bytearray) -> None:
    ihl = (f[14] & 0x0F) * 4
    ip = 14
    f[ip + 10 : ip + 12] = b"\0\0"
    f[ip + 10 : ip + 12] = struct.pack(">H", _csum(bytes(f[ip : ip + ihl])))
    total = struct.unpack_from(">H", f, ip + 2)[0]
    t = ip + ihl
    seg = bytes(f[t : ip + total])
    pseudo = f[ip + 12 : ip + 20] + struct.pack(">BBH", 0, 6, len(seg))
    f[t + 16 : t + 18] = b"\0\0"
    seg = bytes(f[t : ip + total])
    f[t + 16 : t + 18] = struct.pack(">H", _csum(bytes(pseudo) + seg))


def _words(b: bytes) -> list[int]:
    return [int.from_bytes(b[i : i + 2], "big") for i in range(0, len(b), 2)]


# -- templates -----------------------------------------------------------------------------


def _read_pcap(path: Path):
    with open(path, "rb") as fh:
        data = fh.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        bo, scale = "<", 1e-6
    elif magic == b"\x4d\x3c\xb2\xa1":
        bo, scale = "<", 1e-9
    else:
        raise RuntimeError(f"{path}: unexpected pcap magic {magic.hex()}")
    link = struct.unpack_from(bo + "I", data, 20)[0]
    if link != 1:
        raise RuntimeError(f"{path}: link type {link}, expected Ethernet")
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(bo + "IIII", data, off)
        off += 16
        yield sec + frac * scale, data[off : off + caplen]
        off += caplen


def build_templates(raw: Path, labels: list[tuple[str, bool]], ports: list[int]) -> list[dict]:
    """Cut the recording into sessions; re-segment, re-address, fix checksums."""
    server_ports = set(ports)
    sessions: dict[int, list] = {}
    order: list[int] = []
    for ts, frame in _read_pcap(raw):
        if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        t = 14 + ihl
        sport, dport = struct.unpack_from(">HH", frame, t)
        if dport in server_ports:
            cport, d = sport, 0
        elif sport in server_ports:
            cport, d = dport, 1
        else:
            continue
        if cport not in sessions:
            sessions[cport] = []
            order.append(cport)
        sessions[cport].append((ts, d, frame))
    if len(order) != len(labels):
        raise RuntimeError(f"recorded {len(order)} connections for {len(labels)} clients")
    templates = []
    for cport, (label, ok) in zip(order, labels, strict=True):
        pkts = sessions[cport]
        t0 = pkts[0][0]
        out = []
        last = -1.0
        for ts, d, frame in pkts:
            for piece in _resegment(frame):
                rel = max(ts - t0, last + 1e-6)
                last = rel
                out.append((rel, d, _readdress(piece, d)))
        size = sum(16 + len(f) for _, _, f in out)
        templates.append(
            {"label": label, "ok": ok, "packets": out, "bytes": size, "duration": out[-1][0]}
        )
    return templates


def _resegment(frame: bytes) -> list[bytearray]:
    """Split a loopback GSO super-frame into MSS-sized segments (as on an Ethernet wire)."""
    ihl = (frame[14] & 0x0F) * 4
    total = struct.unpack_from(">H", frame, 16)[0]
    t = 14 + ihl
    hlen = (frame[t + 12] >> 4) * 4
    pay = t + hlen
    end = 14 + total
    plen = end - pay
    if plen <= MSS:
        return [bytearray(frame[:end])]
    seq = struct.unpack_from(">I", frame, t + 4)[0]
    ipid = struct.unpack_from(">H", frame, 18)[0]
    flags = frame[t + 13]
    hdr = frame[:pay]
    out = []
    n = (plen + MSS - 1) // MSS
    for i in range(n):
        chunk = frame[pay + i * MSS : min(pay + (i + 1) * MSS, end)]
        f = bytearray(hdr) + chunk
        struct.pack_into(">H", f, 16, ihl + hlen + len(chunk))
        struct.pack_into(">H", f, 18, (ipid + i) & 0xFFFF)
        struct.pack_into(">I", f, t + 4, (seq + i * MSS) & 0xFFFFFFFF)
        if i < n - 1:
            f[t + 13] = flags & ~0x09  # PSH and FIN only on the last piece
        out.append(f)
    return out


def _readdress(f: bytearray, d: int) -> bytes:
    ihl = (f[14] & 0x0F) * 4
    t = 14 + ihl
    if d == 0:
        f[0:6], f[6:12] = SERVER_MAC, CLIENT_MAC
        f[26:30], f[30:34] = TPL_CLIENT_IP, SERVER_IP
        struct.pack_into(">HH", f, t, TPL_CLIENT_PORT, SERVER_PORT)
    else:
        f[0:6], f[6:12] = CLIENT_MAC, SERVER_MAC
        f[26:30], f[30:34] = SERVER_IP, TPL_CLIENT_IP
        struct.pack_into(">HH", f, t, SERVER_PORT, TPL_CLIENT_PORT)
    f[22] = 64 if d == 0 else 57  # TTL: the server is a few hops away
    _fix_checksums(f)
    return bytes(f)


def load_templates(
    cache: Path, rebuild: bool = False, bodies: tuple[str, ...] = DEFAULT_BODIES
) -> list[dict]:
    """The recorded session templates, from the cache when it holds them (one file per set of
    download sizes: the default set's file name is what it always was)."""
    suffix = "" if bodies == DEFAULT_BODIES else "-" + "-".join(bodies)
    pkl = cache / f"templates-v{CACHE_VERSION}{suffix}.pkl"
    if pkl.exists() and not rebuild:
        with open(pkl, "rb") as fh:
            return pickle.load(fh)
    for attempt in range(1, 4):
        print(f"recording template sessions on loopback into {cache} ...", file=sys.stderr)
        raw, ports = record_templates(cache, bodies)
        labels = [tuple(x) for x in json.loads((cache / "labels.json").read_text())["labels"]]
        try:
            templates = build_templates(raw, labels, ports)
            break
        except RuntimeError as exc:  # e.g. packets missing from the recording
            if attempt == 3:
                raise
            print(f"  {exc}; recording again", file=sys.stderr)
    with open(pkl, "wb") as fh:
        pickle.dump(templates, fh)
    return templates


# -- the chatty shape ------------------------------------------------------------------------


def _payload_span(f: bytes) -> tuple[int, int, int]:
    """(payload offset, payload length, sequence number) of an IPv4/TCP frame."""
    ihl = (f[14] & 0x0F) * 4
    t = 14 + ihl
    total = struct.unpack_from(">H", f, 16)[0]
    pay = t + (f[t + 12] >> 4) * 4
    return pay, 14 + total - pay, struct.unpack_from(">I", f, t + 4)[0]


def _records(stream: bytes | bytearray, start: int = 0):
    """(offset, content type, total length) of each whole TLS record from *start*."""
    pos = start
    while pos + 5 <= len(stream):
        length = stream[pos + 3] << 8 | stream[pos + 4]
        if pos + 5 + length > len(stream):
            return
        yield pos, stream[pos], 5 + length
        pos += 5 + length


def chatty_template(tpl: dict) -> dict:
    """The same session re-framed as chatty traffic: every application-data record after
    the client's Finished is cut at the TCP segment boundaries and each segment's share cut
    again into 1-4 records (cycling), so segments hold one or several whole small records
    in both directions, as with API, chat or database traffic over TLS.

    Only the 5-byte record headers are rewritten (over ciphertext bytes the stack sent), so
    packets, sizes, sequence numbers and timing stay those of the recorded session;
    handshake, ChangeCipherSpec and alert records are untouched.  A template whose streams
    are not contiguous (a retransmission) is returned unchanged.
    """
    pkts = [(rel, d, bytearray(f)) for rel, d, f in tpl["packets"]]
    spans: list[list[tuple[int, int, int]]] = [[], []]  # per direction: (pkt idx, off, len)
    streams = [bytearray(), bytearray()]
    nxt: list[int | None] = [None, None]
    for i, (_, d, f) in enumerate(pkts):
        pay, plen, seq = _payload_span(f)
        if plen <= 0:
            continue
        if nxt[d] is not None and seq != nxt[d]:
            return tpl
        nxt[d] = (seq + plen) & 0xFFFFFFFF
        spans[d].append((i, len(streams[d]), plen))
        streams[d] += f[pay : pay + plen]

    def pkt_of(d: int, off: int) -> int:
        for i, o, n in spans[d]:
            if o <= off < o + n:
                return i
        return len(pkts)

    # The client's Finished: the record after its ChangeCipherSpec.
    fin_end, fin_pkt, after_ccs = -1, len(pkts), False
    for off, ctype, tot in _records(streams[0]):
        if after_ccs:
            fin_end, fin_pkt = off + tot, pkt_of(0, off + tot - 1)
            break
        after_ccs = ctype == 20
    if fin_end < 0:
        return tpl
    cuts = [{o for _, o, _ in spans[d]} for d in (0, 1)]
    k = 0
    for d in (0, 1):
        st = streams[d]
        new = bytearray(st)
        for off, ctype, tot in list(_records(st)):
            if ctype != 23 or (d == 0 and off < fin_end) or (d == 1 and pkt_of(1, off) <= fin_pkt):
                continue
            # Pieces of this record between segment boundaries; pieces under 6 bytes join
            # the next one so every new record has a body.
            edges = [off, *sorted(c for c in cuts[d] if off < c < off + tot), off + tot]
            pieces: list[tuple[int, int]] = []
            a = off
            for b in edges[1:]:
                if b - a >= 6 or b == off + tot:
                    pieces.append((a, b))
                    a = b
            if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < 6:
                last = pieces.pop()
                pieces[-1] = (pieces[-1][0], last[1])
            for a, b in pieces:
                k = k % 4 + 1
                parts = max(1, min(k, (b - a) // 6))
                step = (b - a) // parts
                for j in range(parts):
                    ra = a + j * step
                    rb = b if j == parts - 1 else ra + step
                    new[ra : ra + 5] = bytes([23, 3, 3]) + struct.pack(">H", rb - ra - 5)
        for i, o, n in spans[d]:
            f = pkts[i][2]
            pay, _, _ = _payload_span(f)
            f[pay : pay + n] = new[o : o + n]
    for _, _, f in pkts:
        _fix_checksums(f)
    out = dict(tpl)
    out["packets"] = [(rel, d, bytes(f)) for rel, d, f in pkts]
    return out


# -- replication ---------------------------------------------------------------------------


def _fold(s: int) -> int:
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


class _Replica:
    """One template session with its own client address, port, ISNs and start time."""

    __slots__ = ("pkts", "i", "start", "ip", "port", "oc", "os", "ipd", "tcpd")

    def __init__(self, tpl: dict, start: float, ip: bytes, port: int, oc: int, os_: int):
        self.pkts = tpl["packets"]
        self.i = 0
        self.start = start
        self.ip = ip
        self.port = port
        self.oc = oc
        self.os = os_
        # RFC 1624: HC' = ~(~HC + ~m + m') for the words that change in every packet.
        old, new = _words(TPL_CLIENT_IP), _words(ip)
        self.ipd = sum((~w) & 0xFFFF for w in old) + sum(new)
        self.tcpd = self.ipd + ((~TPL_CLIENT_PORT) & 0xFFFF) + port

    def frame(self, idx: int) -> tuple[float, bytes]:
        rel, d, tpl = self.pkts[idx]
        f = bytearray(tpl)
        ihl = (f[14] & 0x0F) * 4
        t = 14 + ihl
        ipc = struct.unpack_from(">H", f, 24)[0]
        struct.pack_into(">H", f, 24, ~_fold((~ipc & 0xFFFF) + self.ipd) & 0xFFFF)
        seq, ack = struct.unpack_from(">II", f, t + 4)
        if d == 0:
            f[26:30] = self.ip
            struct.pack_into(">H", f, t, self.port)
            nseq = (seq + self.oc) & 0xFFFFFFFF
            nack = (ack + self.os) & 0xFFFFFFFF if f[t + 13] & 0x10 else ack
        else:
            f[30:34] = self.ip
            struct.pack_into(">H", f, t + 2, self.port)
            nseq = (seq + self.os) & 0xFFFFFFFF
            nack = (ack + self.oc) & 0xFFFFFFFF if f[t + 13] & 0x10 else ack
        struct.pack_into(">II", f, t + 4, nseq, nack)
        tc = struct.unpack_from(">H", f, t + 16)[0]
        s = (
            (~tc & 0xFFFF)
            + self.tcpd
            + ((~seq >> 16) & 0xFFFF)
            + ((~seq) & 0xFFFF)
            + (nseq >> 16)
            + (nseq & 0xFFFF)
            + ((~ack >> 16) & 0xFFFF)
            + ((~ack) & 0xFFFF)
            + (nack >> 16)
            + (nack & 0xFFFF)
        )
        struct.pack_into(">H", f, t + 16, ~_fold(s) & 0xFFFF)
        return self.start + rel, f


def _choose_mix(
    templates: list[dict], sessions: int, target: int, fail_ratio: float
) -> tuple[list[dict], list[dict], float, list[dict]]:
    """Failed templates, and ok templates split around the mean size the target needs, with
    the share of the larger ones that makes the expected total come out at *target* bytes."""
    ok = [t for t in templates if t["ok"]]
    bad = [t for t in templates if not t["ok"]]
    n_bad = round(sessions * fail_ratio) if bad else 0
    n_ok = sessions - n_bad
    mean_bad = sum(t["bytes"] for t in bad) / len(bad) if bad else 0
    need = (target - 24 - n_bad * mean_bad) / max(1, n_ok)
    small = [t for t in ok if t["bytes"] <= need] or [min(ok, key=lambda t: t["bytes"])]
    large = [t for t in ok if t["bytes"] > need] or [max(ok, key=lambda t: t["bytes"])]
    ms = sum(t["bytes"] for t in small) / len(small)
    ml = sum(t["bytes"] for t in large) / len(large)
    p_large = 0.5 if ml == ms else min(1.0, max(0.0, (need - ms) / (ml - ms)))
    return small, large, p_large, bad


def write_capture(
    out: Path,
    templates: list[dict],
    sessions: int,
    target: int,
    fail_ratio: float = 0.10,
    seed: int = 1,
) -> dict:
    rng = random.Random(seed)
    small, large, p_large, bad = _choose_mix(templates, sessions, target, fail_ratio)
    n_bad = round(sessions * fail_ratio) if bad else 0
    failed_idx = set(rng.sample(range(sessions), n_bad))
    counts: dict[str, int] = {}
    t_base = 1_735_732_800.0  # 2025-01-01 12:00:00 UTC
    packets = 0
    written = 24
    heap: list[tuple[float, int, int, _Replica]] = []
    next_start = t_base
    started = 0
    port_next = 1024
    t_report = time.monotonic() + 5
    tmp = out.with_name(out.name + ".part")
    pack = struct.Struct("<IIII").pack
    with open(tmp, "wb", buffering=8 << 20) as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        chunk: list[bytes] = []
        while started < sessions or heap:
            # Start every session whose start time is before the next packet due.
            while started < sessions and (not heap or next_start <= heap[0][0]):
                i = started
                started += 1
                if i in failed_idx:
                    tpl = rng.choice(bad)
                else:
                    tpl = rng.choice(large if rng.random() < p_large else small)
                counts[tpl["label"]] = counts.get(tpl["label"], 0) + 1
                ip = bytes([10, 1 + (i >> 16) % 254, (i >> 8) & 0xFF, 1 + (i & 0xFF) % 254])
                port = port_next
                port_next = 1024 + (port_next - 1024 + 7919) % (65535 - 1024)
                r = _Replica(tpl, next_start, ip, port, rng.getrandbits(32), rng.getrandbits(32))
                heapq.heappush(heap, (next_start, i, 0, r))
                dur = min(max(tpl["duration"], 0.002), 0.5)
                next_start += dur / rng.uniform(2.0, 4.0)
            ts, i, idx, r = heapq.heappop(heap)
            _, f = r.frame(idx)
            sec = int(ts)
            usec = round((ts - sec) * 1e6)
            if usec >= 1_000_000:
                sec, usec = sec + 1, usec - 1_000_000
            n = len(f)
            chunk.append(pack(sec, usec, n, n))
            chunk.append(f)
            written += 16 + n
            packets += 1
            if idx + 1 < len(r.pkts):
                heapq.heappush(heap, (r.start + r.pkts[idx + 1][0], i, idx + 1, r))
            if len(chunk) >= 4096:
                fh.write(b"".join(chunk))
                chunk.clear()
                if time.monotonic() > t_report:
                    t_report = time.monotonic() + 5
                    print(
                        f"  {started}/{sessions} sessions, {written / 1e6:.0f} MB", file=sys.stderr
                    )
        fh.write(b"".join(chunk))
    os.replace(tmp, out)
    by_label = {t["label"]: t for t in templates}
    manifest = {
        "file": str(out),
        "bytes": written,
        "packets": packets,
        "sessions": sessions,
        "failed": n_bad,
        "ok": sessions - n_bad,
        "seed": seed,
        "target_bytes": target,
        "mss": MSS,
        "server": f"{socket.inet_ntoa(SERVER_IP)}:{SERVER_PORT}",
        "templates": {
            lbl: {
                "count": c,
                "ok": by_label[lbl]["ok"],
                "packets": len(by_label[lbl]["packets"]),
                "bytes": by_label[lbl]["bytes"],
            }
            for lbl, c in sorted(counts.items())
        },
    }
    Path(str(out) + ".manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", nargs="?", default=DEFAULT_OUT, help=f"output pcap ({DEFAULT_OUT})")
    p.add_argument("--sessions", type=int, default=20000)
    p.add_argument("--target-mb", type=float, default=1300, help="approximate size (1e6 bytes)")
    p.add_argument("--fail-ratio", type=float, default=0.10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cache", type=Path, default=Path(DEFAULT_CACHE))
    p.add_argument("--rebuild-templates", action="store_true")
    p.add_argument(
        "--shape",
        choices=("bulk", "chatty"),
        default="bulk",
        help="bulk: the sessions as recorded (16 KiB records); chatty: application data "
        "re-framed as one to four small records per segment",
    )
    p.add_argument(
        "--bodies",
        default=",".join(DEFAULT_BODIES),
        help="download sizes the ok sessions fetch, comma-separated among "
        + ", ".join(BODIES)
        + " (default %(default)s; b1m: 1 MiB, recorded into its own template cache)",
    )
    a = p.parse_args(argv)
    bodies = tuple(b for b in a.bodies.split(",") if b)
    unknown = [b for b in bodies if b not in BODIES]
    if unknown or not bodies:
        p.error(f"--bodies: unknown size {', '.join(unknown) or '(none)'}")
    out = Path(a.out).resolve()
    repo = Path(__file__).resolve().parent.parent
    if out.is_relative_to(repo):
        p.error(f"{out} is inside the repository; write the capture elsewhere (e.g. /tmp)")
    templates = load_templates(a.cache, a.rebuild_templates, bodies)
    if a.shape == "chatty":
        templates = [chatty_template(t) for t in templates]
    t0 = time.monotonic()
    m = write_capture(out, templates, a.sessions, int(a.target_mb * 1e6), a.fail_ratio, a.seed)
    print(
        f"wrote {out}: {m['bytes'] / 1e6:.0f} MB, {m['packets']} packets, {m['sessions']} "
        f"sessions ({m['failed']} failed) in {time.monotonic() - t0:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
