#!/usr/bin/env python3
"""Re-create the "messy" captures: what real captures from the field look like.

Usage (as root, or with capture rights for tcpdump):

    python captures/generate_messy.py                  # every messy capture
    python captures/generate_messy.py messy-no-sni     # only the named ones
    python captures/generate_messy.py --list

Two kinds of file:

- *Live* captures, made like those of ``generate.py`` (whose helpers this script imports):
  real servers and clients on loopback, recorded by tcpdump, checked with tshark.
  ``messy-no-sni`` (OpenSSL ``s_client -noservername`` against a Python ``ssl`` server that
  routes by name and refuses a hello without SNI with handshake_failure),
  ``messy-silent-then-close`` (a TLS 1.0-only OpenSSL client against a Python socket server
  that accepts, says nothing for 3 s, then closes), ``messy-big-chain`` (OpenSSL ``s_server``
  with a self-signed leaf holding 10,000 DNS names, a ~300 KB Certificate message that the
  OpenSSL client refuses with illegal_parameter, over its 100 KB max_cert_list; gzipped).
- *Derived* captures: a real capture of this folder cut short or damaged by one header byte
  with the small pcap writer below, the way a capture point or a ticket trims them:
  the capture ends inside the server's Certificate record, after the Certificate record
  (before ServerHelloDone), inside the TLS 1.3 server's encrypted flight; the client's
  ChangeCipherSpec header damaged in an otherwise working session; the server's alert with
  its type and version bytes zeroed.  Each derived file is checked with tshark too.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as gen  # the sibling script's helpers (after the path insert)

HERE = gen.HERE
BIG_SAN_NAMES = 10_000

# A Python ssl server that routes by name: without SNI it has no certificate to choose and
# refuses with handshake_failure (40), as CDNs and SNI proxies do.
SNI_ROUTER = r"""
import json, socket, ssl, sys
cfg = json.loads(sys.argv[1])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((cfg["host"], cfg["port"]))
ls.listen(16)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cfg["cert"], cfg["key"])
ctx.keylog_filename = cfg["keylog"]
def route(sslobj, name, c):
    if name is None:
        return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
    return None
ctx.sni_callback = route
while True:
    conn, _ = ls.accept()
    conn.settimeout(5)
    try:
        s = ctx.wrap_socket(conn, server_side=True)
        s.recv(4096)
        s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        s.unwrap()
    except Exception as e:
        print("server:", type(e).__name__, e, file=sys.stderr, flush=True)
    finally:
        conn.close()
"""


def add_big_san_cert(pki: gen.PKI) -> None:
    """A self-signed leaf with BIG_SAN_NAMES DNS names ('localhost' last), as ``pki.bigsan``."""
    key = pki._rsa()
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "many-names.example")])
    names = [x509.DNSName(f"host{i:05d}.many-names.example") for i in range(BIG_SAN_NAMES - 1)]
    names.append(x509.DNSName("localhost"))
    day = gen.dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subj)
        .issuer_name(subj)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - day)
        .not_valid_after(pki.now + 365 * day)
        .add_extension(x509.SubjectAlternativeName(names), False)
        .sign(key, hashes.SHA256())
    )
    pki.bigsan = pki._write("bigsan", cert, key)  # type: ignore[attr-defined]


# ---- live scenarios


def sc_no_sni(c: gen.Ctx) -> gen.Session:
    crt, key = getattr(c.pki, "rsa")  # noqa: B009  (set in PKI.__init__ by setattr)
    conf = {
        "host": c.host,
        "port": c.port,
        "cert": str(crt),
        "key": str(key),
        "keylog": str(c.keys("server")),
    }
    client = gen.ossl_client(c, "-noservername", expect_ok=False)
    i = client.argv.index("-servername")  # s_client refuses both options together
    del client.argv[i : i + 2]
    return gen.Session(
        [gen.PY, str(c.work / "snirouter.py"), gen.json.dumps(conf)],
        [client],
        label="no SNI, refused by a name-routing server (Python sni_callback -> 40)",
    )


def sc_silent_then_close(c: gen.Ctx) -> gen.Session:
    client = gen.ossl_client(c, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", expect_ok=False)
    client.timeout = 15.0
    return gen.Session(
        gen.py_server(c, "silent", sleep=3),
        [client],
        label="server silent for 3 s, then FIN (TLS 1.0-only client)",
    )


def sc_big_chain(c: gen.Ctx) -> gen.Session:
    return gen.Session(
        gen.ossl_server(c, "-tls1_2", cert="bigsan"),
        [gen.ossl_client(c, "-tls1_2", expect_ok=False)],
        label="self-signed leaf with 10,000 DNS names (~300 KB)",
    )


# s_client renegotiates when a line "R" arrives on its stdin on its own: this wrapper (named
# openssl, so the capture summary names the stack) feeds it a line of data, then "R".
RENEG_CLIENT = """#!/bin/sh
(printf 'hello\\n'; sleep 1; printf 'R\\n'; sleep 3) | exec openssl "$@"
"""


def sc_renegotiation_refused(c: gen.Ctx) -> gen.Session:
    wrapper = c.work / "reneg" / "openssl"
    wrapper.parent.mkdir(exist_ok=True)
    wrapper.write_text(RENEG_CLIENT)
    wrapper.chmod(0o755)
    client = gen.ossl_client(c, "-tls1_2", request=False, expect_ok=None)
    client.argv[0] = str(wrapper)
    return gen.Session(
        gen.py_server(c, "tls", max="1.2"),
        [client],
        label="client renegotiation after application data, refused (Python ssl server)",
    )


LIVE: dict[str, Callable[[gen.Ctx], gen.Session]] = {
    "messy-renegotiation-refused": sc_renegotiation_refused,
    "messy-no-sni": sc_no_sni,
    "messy-silent-then-close": sc_silent_then_close,
    "messy-big-chain": sc_big_chain,
}
LIVE_EXPECT = {
    "messy-no-sni": gen.Expect(alerts=[gen.Alert(gen.HANDSHAKE_FAILURE, "server")]),
    # OpenSSL 3.0 answers the server's FIN with decode_error
    "messy-silent-then-close": gen.Expect(
        server_fin_no_tls=True, alerts=[gen.Alert(gen.DECODE_ERROR, "client")]
    ),
    # OpenSSL's client refuses a certificate list over its max_cert_list (100 KB by
    # default) with illegal_parameter, before it verifies anything
    "messy-big-chain": gen.Expect(alerts=[gen.Alert(47, "client")]),
}


def check_renegotiation(path: Path, keys: Path) -> str:
    """With the key log: application data from the client, then a second (encrypted)
    ClientHello, the server's warning no_renegotiation (100), the client's fatal
    handshake_failure (40); without it, both alerts are encrypted."""
    rows = gen.tshark_rows(path, keys)
    port = rows[0]["tcp.dstport"]
    hellos = [int(r["frame.number"]) for r in rows if "1" in gen.htypes(r)]
    data = [int(r["frame.number"]) for r in rows if "23" in r["tls.record.content_type"]]
    alerts = gen.alerts_of(rows, port)
    plain = gen.alerts_of(gen.tshark_rows(path, None), port)
    problems = []
    if len(hellos) != 2 or not data or not data[0] < hellos[1]:
        problems.append(f"ClientHellos {hellos}, application data {data[:3]}")
    if [(s, lv, d) for _f, s, lv, d in alerts] != [("server", "1", "100"), ("client", "2", "40")]:
        problems.append(f"alerts {alerts}")
    if plain:
        problems.append(f"alerts readable without keys: {plain}")
    if problems:
        raise gen.CheckError(f"{path.name}: " + "; ".join(problems))
    return (
        f"{path.name}: {len(rows)} frames, {path.stat().st_size} B; renegotiation ClientHello "
        f"#{hellos[1]} after application data #{data[0]}; wire: #{alerts[0][0]} server "
        f"encrypted warning no_renegotiation(100), #{alerts[1][0]} client encrypted fatal "
        "handshake_failure(40)"
    )


CUSTOM_CHECK = {"messy-renegotiation-refused": check_renegotiation}


# ---- the pcap writer for derived captures


@dataclass
class Frame:
    header: bytes  # the 16-byte pcap record header
    data: bytearray

    @property
    def caplen(self) -> int:
        return len(self.data)


def read_pcap(path: Path) -> tuple[bytes, list[Frame]]:
    raw = path.read_bytes()
    if raw[:4] != b"\xd4\xc3\xb2\xa1":
        raise gen.CheckError(f"{path}: expected a little-endian pcap")
    frames, off = [], 24
    while off + 16 <= len(raw):
        hdr = raw[off : off + 16]
        caplen = struct.unpack_from("<I", hdr, 8)[0]
        frames.append(Frame(hdr, bytearray(raw[off + 16 : off + 16 + caplen])))
        off += 16 + caplen
    return raw[:24], frames


def write_pcap(path: Path, head: bytes, frames: list[Frame]) -> None:
    out = bytearray(head)
    for f in frames:
        ts = f.header[:8]
        out += ts + struct.pack("<II", f.caplen, f.caplen) + f.data
    path.write_bytes(bytes(out))


def _tcp(f: Frame) -> tuple[int, int, int]:
    """(source port, payload offset, payload length) of an Ethernet/IPv4/TCP frame."""
    ip = 14
    ihl = (f.data[ip] & 0x0F) * 4
    total = struct.unpack_from(">H", f.data, ip + 2)[0]
    tcp = ip + ihl
    sport = struct.unpack_from(">H", f.data, tcp)[0]
    thl = (f.data[tcp + 12] >> 4) * 4
    return sport, tcp + thl, total - ihl - thl


def _records(payload: bytes) -> list[tuple[int, int, int, int]]:
    """(offset, content type, length, first handshake byte) of each whole TLS record."""
    out, pos = [], 0
    while pos + 5 <= len(payload):
        length = struct.unpack_from(">H", payload, pos + 3)[0]
        out.append((pos, payload[pos], length, payload[pos + 5] if pos + 5 < len(payload) else -1))
        pos += 5 + length
    return out


def _cut(f: Frame, keep: int) -> None:
    """Keep *keep* TCP payload bytes of frame *f* and fix the IP length and checksum."""
    _sport, pay, _n = _tcp(f)
    del f.data[pay + keep :]
    ip = 14
    ihl = (f.data[ip] & 0x0F) * 4
    struct.pack_into(">H", f.data, ip + 2, len(f.data) - ip)
    struct.pack_into(">H", f.data, ip + 10, 0)
    words = struct.unpack(f">{ihl // 2}H", bytes(f.data[ip : ip + ihl]))
    s = sum(words)
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    struct.pack_into(">H", f.data, ip + 10, ~s & 0xFFFF)


def _find(frames: list[Frame], server_port: int, from_server: bool, pred) -> tuple[int, int]:
    """(frame index, record offset) of the first record matching pred(ctype, length, hs)."""
    for i, f in enumerate(frames):
        sport, pay, n = _tcp(f)
        if n <= 0 or (sport == server_port) != from_server:
            continue
        for off, ctype, length, hs in _records(bytes(f.data[pay : pay + n])):
            if pred(ctype, length, hs):
                return i, pay + off
    raise gen.CheckError("record not found")


def _server_port(frames: list[Frame]) -> int:
    syn = frames[0]
    _s, _p, _n = _tcp(syn)
    return struct.unpack_from(">H", syn.data, 14 + (syn.data[14] & 0x0F) * 4 + 2)[0]


def cut_in_record(src: str, ctype: int, hs: int | None, keep_body: int | None):
    """Frames up to the server's first record of *ctype* (handshake type *hs*), cut
    *keep_body* bytes into its body (None: cut right before the record)."""

    def derive(head: bytes, frames: list[Frame]) -> list[Frame]:
        port = _server_port(frames)
        i, off = _find(frames, port, True, lambda t, n, h: t == ctype and (hs is None or h == hs))
        _sport, pay, _n = _tcp(frames[i])
        keep = off - pay + (5 + keep_body if keep_body is not None else 0)
        _cut(frames[i], keep)
        return frames[: i + 1]

    return src, derive


def damage_header(src: str, from_server: bool, ctype: int, rewrite: dict[int, int]):
    """Rewrite header bytes (offset in the record header -> new value) of the first record of
    *ctype* sent by the server (or the client)."""

    def derive(head: bytes, frames: list[Frame]) -> list[Frame]:
        port = _server_port(frames)
        i, off = _find(frames, port, from_server, lambda t, n, h: t == ctype)
        for k, v in rewrite.items():
            frames[i].data[off + k] = v
        return frames

    return src, derive


DERIVED: dict[str, tuple[str, Callable[[bytes, list[Frame]], list[Frame]]]] = {
    # the server's Certificate record: 300 body bytes captured, then the capture ends
    "messy-tls12-cut-in-certificate": cut_in_record("tls12-ok.pcap", 22, 11, 300),
    # whole records up to and including Certificate: ServerKeyExchange and Done missing
    "messy-tls12-cut-before-done": cut_in_record("tls12-ok.pcap", 22, 12, None),
    # TLS 1.3: the capture ends 100 bytes into the server's second protected record
    "messy-tls13-cut-in-flight": cut_in_record("tls13-ok.pcap", 23, None, 100),
    # the client's ChangeCipherSpec length field damaged: 00 01 -> ff 01 (as Zeek's
    # tls1.2-late-protocol-error shows); the session itself worked
    "messy-damaged-ccs": damage_header("tls12-ok.pcap", False, 20, {3: 0xFF}),
    # the server's handshake_failure alert with its type and version bytes zeroed
    "messy-damaged-alert": damage_header(
        "tls12-no-shared-cipher.pcap", True, 21, {0: 0, 1: 0, 2: 0}
    ),
}
# The TLS 1.3 cut: skip the server's first protected record (the cut lands in the second).
_tls13_src, _tls13_cut = DERIVED["messy-tls13-cut-in-flight"]


def _tls13_second(head: bytes, frames: list[Frame]) -> list[Frame]:
    port = _server_port(frames)
    seen = 0
    for i, f in enumerate(frames):
        sport, pay, n = _tcp(f)
        if sport != port or n <= 0:
            continue
        for off, ctype, _length, _hs in _records(bytes(f.data[pay : pay + n])):
            if ctype == 23:
                seen += 1
                if seen == 2:
                    _cut(f, off + 5 + 100)
                    return frames[: i + 1]
    raise gen.CheckError("no second protected server record")


DERIVED["messy-tls13-cut-in-flight"] = (_tls13_src, _tls13_second)

# What tshark must show in each derived file (a substring of its Info column, per frame list).
DERIVED_CHECK = {
    "messy-tls12-cut-in-certificate": "Server Hello",
    "messy-tls12-cut-before-done": "Certificate",
    "messy-tls13-cut-in-flight": "Server Hello",
    "messy-damaged-ccs": "Application Data",
    "messy-damaged-alert": "Client Hello",
}


def derive(name: str) -> str:
    src, fn = DERIVED[name]
    head, frames = read_pcap(HERE / src)
    out = HERE / f"{name}.pcap"
    write_pcap(out, head, fn(head, frames))
    info = subprocess.run(
        ["tshark", "-n", "-r", str(out), "-T", "fields", "-e", "_ws.col.Info"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    if DERIVED_CHECK[name] not in info:
        raise gen.CheckError(f"{out.name}: tshark does not show {DERIVED_CHECK[name]!r}")
    return f"{out.name}: {out.stat().st_size} B, derived from {src}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    names = [*LIVE, *DERIVED]
    if args.list:
        print("\n".join(names))
        return 0
    want = [n for n in names if not args.names or n in args.names]
    failures = []
    for name in [n for n in want if n in DERIVED]:
        try:
            print("ok   " + derive(name), flush=True)
        except (gen.CheckError, subprocess.SubprocessError) as e:
            failures.append(f"{name}: {e}")
    live = [n for n in want if n in LIVE]
    if live:
        gen.ALL_SCENARIOS.update(LIVE)
        gen.EXTRA_EXPECT.update(LIVE_EXPECT)
        work = Path(tempfile.mkdtemp(prefix="tlstui-messy-"))
        gen.os.chmod(work, 0o755)
        try:
            (work / "pyserver.py").write_text(gen.PY_SERVER)
            (work / "snirouter.py").write_text(SNI_ROUTER)
            pki = gen.PKI(work)
            add_big_san_cert(pki)
            for name in live:
                cap = gen.Capture(f"{name}.pcap", [name])
                try:
                    res = gen.run_capture(cap, pki, work)
                    if name in CUSTOM_CHECK:
                        lines = [CUSTOM_CHECK[name](res["file"], res["keys"])]
                    else:
                        lines = gen.check(
                            cap, res["file"], res["keys"], res["ports"], res["stacks"]
                        )
                    if name == "messy-big-chain":
                        # tlstui reads .gz captures; the 300 KB chain is the one big file here
                        gz = res["file"].with_suffix(".pcap.gz")
                        with open(res["file"], "rb") as fin, gzip.open(gz, "wb", 9) as fout:
                            shutil.copyfileobj(fin, fout)
                        res["file"].unlink()
                        res["keys"].unlink()  # empty: the handshake failed before any secret
                        lines.append(f"gzipped to {gz.name}: {gz.stat().st_size} B")
                    print("ok   " + "\n".join(lines), flush=True)
                except (gen.CheckError, RuntimeError, subprocess.SubprocessError) as e:
                    failures.append(f"{name}: {e}")
                    print(f"FAIL {name}: {e}", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
