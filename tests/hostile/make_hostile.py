#!/usr/bin/env python3
"""Generate the damaged and hostile inputs in this folder from real captures.

    python tests/hostile/make_hostile.py            # rewrite every file here
    python tests/hostile/make_hostile.py --list     # names and sizes only

Sources are two real captures from the shared corpus (``$TLSTUI_CORPUS``, default
``/work/shared/corpus``): ``zeek/tls/tls1.2.pcap`` (TLS 1.2, RSA, plaintext Certificate) and
``illustrated-tls13/captures/capture.pcap`` (TLS 1.3 with SNI).  Their TLS records are taken
out of the TCP streams byte for byte and either copied (file-level damage) or put back on a
fresh, deterministic Ethernet/IPv4/TCP conversation after one targeted change (a lying
length, a hostile SNI...).  Frame numbers in the rebuilt conversations are therefore fixed and
``tests/test_hostile.py`` can assert them.

The module doubles as a small library for the tests: ``Conv`` and ``write_pcap`` build the
large resource-bound inputs in a temporary directory at test time (never committed), and
``base_flights()`` reads the real records back from the committed ``tls12.pcap`` /
``tls13.pcap`` so the tests need no corpus.

Layout of a rebuilt conversation (``Conv.frames``): frame 1 SYN, 2 SYN/ACK, 3 ACK, then each
flight's bytes in segments of at most ``MSS`` bytes (one frame each), then FIN from the client
and FIN from the server (omitted with ``close=False``).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("TLSTUI_CORPUS", "/work/shared/corpus"))
SRC12 = CORPUS / "zeek/tls/tls1.2.pcap"
SRC13 = CORPUS / "illustrated-tls13/captures/capture.pcap"

MSS = 1448
T0 = 1_700_000_000.0
CLIENT_MAC, SERVER_MAC = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
CLIENT_IP, SERVER_IP = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])

# The hostile strings.  Each is something a terminal would act on if printed raw: Rich markup,
# SGR colour, OSC 52 (write the clipboard), a C1 CSI (U+009B, valid UTF-8 "\xc2\x9b") that
# some terminals honour, a right-to-left override that reorders what follows.
HOSTILE_SNI = "[red]x[/red][/evil]\x1b[31mred\x1b]52;c;ZXZpbA==\x07\x9b2J\u202egro.live.example"
HOSTILE_ALPN = ["h2[/]", "\x1b[2J\x1b]0;pwned\x07", "\u202ehttp/1.1"]
HOSTILE_CN = "[bold red]ok[/bold red]\x1b[5m\x9b31m\u202eevil"


# --- pcap writing ------------------------------------------------------------------------------


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(
    src: bytes,
    dst: bytes,
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: int,
    payload: bytes = b"",
    *,
    smac: bytes = CLIENT_MAC,
    dmac: bytes = SERVER_MAC,
) -> bytes:
    """One Ethernet/IPv4/TCP frame with correct checksums."""
    tcp = struct.pack(
        "!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0
    )
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst
    )
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp + payload


def pcap_header(linktype: int = 1, snaplen: int = 262144) -> bytes:
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(ts: float, frame: bytes, origlen: int | None = None) -> bytes:
    sec = int(ts)
    usec = round((ts - sec) * 1e6)
    return (
        struct.pack("<IIII", sec, usec, len(frame), len(frame) if origlen is None else origlen)
        + frame
    )


def write_pcap(path: Path, frames: list[bytes], linktype: int = 1, t0: float = T0) -> None:
    with open(path, "wb") as fh:
        fh.write(pcap_header(linktype))
        for i, frame in enumerate(frames):
            fh.write(pcap_record(t0 + i * 0.001, frame))


# --- conversations -----------------------------------------------------------------------------

F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


@dataclass
class Conv:
    """One TCP connection built from flights: ``(sender, bytes)``, sender 0 client 1 server."""

    flights: list[tuple[int, bytes]]
    cport: int = 50000
    sport: int = 443
    cip: bytes = CLIENT_IP
    sip: bytes = SERVER_IP
    isn: tuple[int, int] = (1000, 50000)
    close: bool = True
    frames: list[bytes] = field(default_factory=list)
    # (sender, seq of the segment) per frame, 1-based frame numbers = index + 1
    seqs: list[tuple[int, int]] = field(default_factory=list)

    def build(self) -> list[bytes]:
        c = (self.cip, self.sip, self.cport, self.sport, CLIENT_MAC, SERVER_MAC)
        s = (self.sip, self.cip, self.sport, self.cport, SERVER_MAC, CLIENT_MAC)
        ends = (c, s)
        nxt = [self.isn[0], self.isn[1]]

        def emit(side: int, flags: int, payload: bytes = b"") -> None:
            src, dst, sp, dp, sm, dm = ends[side]
            ack = nxt[1 - side] if flags & F_ACK else 0
            self.frames.append(
                tcp_frame(src, dst, sp, dp, nxt[side], ack, flags, payload, smac=sm, dmac=dm)
            )
            self.seqs.append((side, nxt[side]))
            nxt[side] += len(payload) + (1 if flags & (F_SYN | F_FIN) else 0)

        emit(0, F_SYN)
        emit(1, F_SYN | F_ACK)
        emit(0, F_ACK)
        for side, data in self.flights:
            for i in range(0, len(data), MSS):
                emit(side, F_ACK | F_PSH, data[i : i + MSS])
        if self.close:
            emit(0, F_FIN | F_ACK)
            emit(1, F_FIN | F_ACK)
        return self.frames


def record(rtype: int, body: bytes, version: int = 0x0303) -> bytes:
    return struct.pack("!BHH", rtype, version, len(body)) + body


def handshake(mtype: int, body: bytes) -> bytes:
    return struct.pack("!B", mtype) + len(body).to_bytes(3, "big") + body


def split_records(stream: bytes) -> list[bytes]:
    out = []
    i = 0
    while i + 5 <= len(stream):
        n = int.from_bytes(stream[i + 3 : i + 5], "big")
        out.append(stream[i : i + 5 + n])
        i += 5 + n
    return out


def read_streams(path: Path) -> tuple[bytes, bytes]:
    """The client's and the server's TCP payload (first connection, sequence order)."""
    import dpkt

    with open(path, "rb") as fh:
        reader = dpkt.pcap.Reader(fh)
        link = reader.datalink()
        segs: list[dict[int, bytes]] = [{}, {}]
        first = None
        for _ts, buf in reader:
            ip = (dpkt.ethernet.Ethernet(buf) if link == 1 else dpkt.loopback.Loopback(buf)).data
            tcp = ip.data
            if not isinstance(tcp, dpkt.tcp.TCP):
                continue
            key = (bytes(ip.src), tcp.sport)
            first = first or key
            if tcp.data:
                segs[0 if key == first else 1][tcp.seq] = bytes(tcp.data)
    return tuple(b"".join(d[s] for s in sorted(d)) for d in segs)  # type: ignore[return-value]


def flights_of(path: Path) -> list[tuple[int, list[bytes]]]:
    """The handshake of a real capture as flights of records, in the order they happened."""
    cstream, sstream = read_streams(path)
    c, s = split_records(cstream), split_records(sstream)
    if c[0][5] == 1 and len(c) == 7:  # zeek tls1.2.pcap
        return [(0, c[:1]), (1, s[:3]), (0, c[1:4]), (1, s[3:5]), (0, c[4:5]), (1, s[5:6])]
    # illustrated TLS 1.3: CH | SH CCS EE Cert CV Fin | CCS Fin App | NST NST App
    return [(0, c[:1]), (1, s[:6]), (0, c[1:4]), (1, s[6:9])]


def base_flights(which: str) -> list[tuple[int, list[bytes]]]:
    """Flights read back from the committed clean rebuilds (no corpus needed)."""
    return flights_of(HERE / f"{which}.pcap")


def conv(flights: list[tuple[int, list[bytes]]], **kw) -> Conv:
    c = Conv([(side, b"".join(recs)) for side, recs in flights], **kw)
    c.build()
    return c


# --- ClientHello surgery -----------------------------------------------------------------------


def _hello_ext_offset(body: bytes) -> int:
    """Offset of the extensions block (its 2-byte length) in a ClientHello body."""
    p = 2 + 32
    p += 1 + body[p]
    p += 2 + int.from_bytes(body[p : p + 2], "big")
    p += 1 + body[p]
    return p


def hello_extensions(body: bytes) -> list[tuple[int, bytes]]:
    p = _hello_ext_offset(body) + 2
    out = []
    while p < len(body):
        t, n = struct.unpack_from("!HH", body, p)
        out.append((t, body[p + 4 : p + 4 + n]))
        p += 4 + n
    return out


def with_extensions(ch_record: bytes, exts: list[tuple[int, bytes]]) -> bytes:
    """The ClientHello record with its extensions replaced; every length recomputed."""
    body = ch_record[9:]
    p = _hello_ext_offset(body)
    block = b"".join(struct.pack("!HH", t, len(d)) + d for t, d in exts)
    new_body = body[:p] + struct.pack("!H", len(block)) + block
    return record(22, handshake(1, new_body), int.from_bytes(ch_record[1:3], "big"))


def sni_ext(name: bytes) -> bytes:
    entry = b"\x00" + struct.pack("!H", len(name)) + name
    return struct.pack("!H", len(entry)) + entry


def alpn_ext(protos: list[bytes]) -> bytes:
    lst = b"".join(bytes([len(p)]) + p for p in protos)
    return struct.pack("!H", len(lst)) + lst


def rewrite_hello(
    ch_record: bytes, sni: bytes | None = None, alpn: list[bytes] | None = None
) -> bytes:
    exts = hello_extensions(ch_record[9:])
    out = []
    for t, d in exts:
        if t == 0 and sni is not None:
            d = sni_ext(sni)
        out.append((t, d))
    if alpn is not None:
        out = [(t, d) for t, d in out if t != 16]
        out.insert(1, (16, alpn_ext(alpn)))
    return with_extensions(ch_record, out)


# --- certificates ------------------------------------------------------------------------------


def hostile_certificate() -> bytes:
    """A self-signed Ed25519 certificate (deterministic signature) with a hostile subject,
    expired in 2020."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "[link=https://x]y[/link]"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1234)
        .not_valid_before(dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("ok.example")]), False)
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_record(ders: list[bytes], lie: dict[str, int] | None = None) -> bytes:
    """A TLS 1.2 Certificate record; ``lie`` overrides ``list`` or ``cert0`` length fields."""
    lie = lie or {}
    entries = b""
    for i, der in enumerate(ders):
        n = lie.get(f"cert{i}", len(der))
        entries += n.to_bytes(3, "big") + der
    body = lie.get("list", len(entries)).to_bytes(3, "big") + entries
    return record(22, handshake(11, body))


def cert_ders(cert_record: bytes) -> list[bytes]:
    body = cert_record[9:]
    p, end = 3, 3 + int.from_bytes(body[:3], "big")
    out = []
    while p < end:
        n = int.from_bytes(body[p : p + 3], "big")
        out.append(body[p + 3 : p + 3 + n])
        p += 3 + n
    return out


# --- the inputs --------------------------------------------------------------------------------


def _set(b: bytes, off: int, value: bytes) -> bytes:
    return b[:off] + value + b[off + len(value) :]


def _gen_file_level(out: Path) -> None:
    real12 = SRC12.read_bytes()
    (out / "empty.pcap").write_bytes(b"")
    (out / "text.pcap").write_text("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    png = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack("!IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    png += struct.pack("!I", 13) + b"IHDR" + ihdr + struct.pack("!I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\x00\x00")
    png += (
        struct.pack("!I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack("!I", zlib.crc32(b"IDAT" + idat))
    )
    png += struct.pack("!I", 0) + b"IEND" + struct.pack("!I", zlib.crc32(b"IEND"))
    (out / "image.pcap").write_bytes(png)
    rnd = random.Random(6)
    (out / "garbage.pcap.gz").write_bytes(
        gzip.compress(bytes(rnd.randrange(256) for _ in range(2000)), mtime=0)
    )
    (out / "real-tls12.pcap.gz").write_bytes(gzip.compress(real12, mtime=0))
    (out / "truncated-gzip.pcap.gz").write_bytes(gzip.compress(real12, mtime=0)[:1500])
    (out / "bad-magic.pcap").write_bytes(b"\xde\xad\xbe\xef" + real12[4:200])
    (out / "header-only-cut.pcap").write_bytes(real12[:20])
    (out / "linktype147.pcap").write_bytes(_set(real12, 20, struct.pack("<I", 147)))
    # Cut in the middle of frame 10 (its record header is whole, its bytes are not).
    offs = _record_offsets(real12)
    (out / "cut-mid-packet.pcap").write_bytes(real12[: offs[9] + 16 + 40])
    # Snaplen: the real capture through editcap -s 96 (54 header bytes + 42 payload bytes).
    subprocess.run(
        ["editcap", "-s", "96", str(SRC12), str(out / "snaplen96.pcap")],
        check=True,
        capture_output=True,
    )
    # -s 60 cuts inside the TCP options (timestamps: 14 + 20 + 32 = 66 header bytes).
    subprocess.run(
        ["editcap", "-s", "60", str(SRC12), str(out / "snaplen60.pcap")],
        check=True,
        capture_output=True,
    )
    # pcapng with a damaged block: the 8th block (the 6th packet) claims 2 GiB, and a copy
    # where the 5th packet's block is 4 bytes shorter than it says (a lie inside the file).
    ng = out / "_tmp.pcapng"
    subprocess.run(
        ["editcap", "-F", "pcapng", str(SRC12), str(ng)], check=True, capture_output=True
    )
    data = ng.read_bytes()
    ng.unlink()
    blocks = _pcapng_blocks(data)
    off8 = blocks[7]
    (out / "pcapng-block-2g.pcapng").write_bytes(_set(data, off8 + 4, struct.pack("<I", 1 << 31)))
    off7 = blocks[6]
    blen = struct.unpack_from("<I", data, off7 + 4)[0]
    (out / "pcapng-block-short.pcapng").write_bytes(
        _set(data, off7 + 4, struct.pack("<I", blen - 8))
    )
    # pcapng whose packet block claims a caplen larger than the block.
    epb = blocks[3]
    (out / "pcapng-caplen-lie.pcapng").write_bytes(_set(data, epb + 20, struct.pack("<I", 0xFFFF)))


def _record_offsets(pcap: bytes) -> list[int]:
    offs, p = [], 24
    while p + 16 <= len(pcap):
        offs.append(p)
        p += 16 + struct.unpack_from("<I", pcap, p + 8)[0]
    return offs


def _pcapng_blocks(data: bytes) -> list[int]:
    offs, p = [], 0
    while p + 12 <= len(data):
        offs.append(p)
        p += struct.unpack_from("<I", data, p + 4)[0]
    return offs


def _patch_frame(frames: list[bytes], index: int, off: int, value: bytes) -> None:
    frames[index] = _set(frames[index], off, value)


ETH, IP_LEN, TCP_DOFF, PAYLOAD = 14, 14 + 2, 14 + 20 + 12, 14 + 20 + 20


def _gen_wire(out: Path) -> None:
    f12 = flights_of(SRC12)
    f13 = flights_of(SRC13)
    write_pcap(out / "tls12.pcap", conv(f12).frames)
    write_pcap(out / "tls13.pcap", conv(f13).frames)
    subprocess.run(
        ["editcap", "-F", "pcapng", str(out / "tls12.pcap"), str(out / "tls12.pcapng")],
        check=True,
        capture_output=True,
    )
    ch13 = f13[0][1][0]

    # IP total length lies: frame 4 (ClientHello) says 65535 bytes (the frame has ~300).
    frames = conv(f13).frames
    _patch_frame(frames, 3, IP_LEN, struct.pack("!H", 0xFFFF))
    write_pcap(out / "ip-length-lie.pcap", frames)
    # IP total length shorter than the IP+TCP headers in frame 5 (the server's first segment).
    frames = conv(f13).frames
    _patch_frame(frames, 4, IP_LEN, struct.pack("!H", 30))
    write_pcap(out / "ip-length-short.pcap", frames)
    # TCP data offset 3 (12 bytes, below the 20-byte minimum) on the ClientHello frame.
    frames = conv(f13).frames
    _patch_frame(frames, 3, TCP_DOFF, b"\x30")
    write_pcap(out / "tcp-doff-small.pcap", frames)
    # TCP data offset 15 (60 bytes) on the client's FIN (no payload: header runs past IP end).
    c = conv(f13)
    frames = c.frames
    _patch_frame(frames, len(frames) - 2, TCP_DOFF, b"\xf0")
    write_pcap(out / "tcp-doff-large.pcap", frames)

    # TLS record length lies (the ClientHello record header).
    for name, n in (("record-len-18433", (1 << 14) + 2049), ("record-len-65535", 0xFFFF)):
        bad = _set(ch13, 3, struct.pack("!H", n))
        write_pcap(out / f"{name}.pcap", conv([(0, [bad]), *f13[1:]]).frames)
    # Exactly the limit (legal), but the record has only ~250 bytes: it never completes.
    bad = _set(ch13, 3, struct.pack("!H", (1 << 14) + 2048))
    write_pcap(out / "record-len-18432.pcap", conv([(0, [bad]), *f13[1:]]).frames)
    # Handshake length lies.
    bad = _set(ch13, 6, b"\xff\xff\xff")
    write_pcap(out / "hs-len-huge.pcap", conv([(0, [bad]), *f13[1:]]).frames)
    body_len = len(ch13) - 9
    bad = _set(ch13, 6, (body_len - 40).to_bytes(3, "big"))
    write_pcap(out / "hs-len-short.pcap", conv([(0, [bad]), *f13[1:]]).frames)
    # Vector lengths inside the ClientHello body (offsets relative to the record start).
    sid = 9 + 34
    cs = sid + 1 + ch13[sid]
    write_pcap(
        out / "ch-ciphers-len.pcap", conv([(0, [_set(ch13, cs, b"\xff\xff")]), *f13[1:]]).frames
    )
    write_pcap(out / "ch-sid-len.pcap", conv([(0, [_set(ch13, sid, b"\xff")]), *f13[1:]]).frames)
    ext_off = 9 + _hello_ext_offset(ch13[9:])
    write_pcap(
        out / "ch-ext-block-len.pcap",
        conv([(0, [_set(ch13, ext_off, b"\x7f\xff")]), *f13[1:]]).frames,
    )
    # SNI extension with an inner list length that lies (ext length itself is right).
    exts = hello_extensions(ch13[9:])
    bad_exts = [(t, (b"\xff\xff" + d[2:]) if t == 0 else d) for t, d in exts]
    write_pcap(
        out / "ch-sni-list-len.pcap",
        conv([(0, [with_extensions(ch13, bad_exts)]), *f13[1:]]).frames,
    )
    # An extension whose own length lies (key_share claims 60000 bytes).
    body = ch13[9:]
    p = ext_off + 2
    while p < len(ch13):
        t, n = struct.unpack_from("!HH", ch13, p)
        if t == 51:
            break
        p += 4 + n
    write_pcap(
        out / "ch-ext-len.pcap",
        conv([(0, [_set(ch13, p + 2, struct.pack("!H", 60000))]), *f13[1:]]).frames,
    )
    del body

    # Terminal safety: hostile SNI and ALPN, the server answers unrecognized_name.
    hostile = rewrite_hello(ch13, sni=HOSTILE_SNI.encode(), alpn=[a.encode() for a in HOSTILE_ALPN])
    alert112 = record(21, b"\x02\x70")
    write_pcap(out / "hostile-sni.pcap", conv([(0, [hostile]), (1, [alert112])]).frames)
    # Raw 0x9b / 0x1b bytes in the SNI (invalid UTF-8 for the first).
    hostile_raw = rewrite_hello(ch13, sni=b"a\x9bb\x1b[31mc'$(id)'.example")
    write_pcap(out / "hostile-sni-raw.pcap", conv([(0, [hostile_raw]), (1, [alert112])]).frames)

    # Certificates (TLS 1.2, plaintext Certificate message).
    ch12 = f12[0][1][0]
    sh12, cert12, shd12 = f12[1][1]
    alert45 = record(21, b"\x02\x2d")
    write_pcap(
        out / "hostile-cert.pcap",
        conv(
            [
                (0, [ch12]),
                (1, [sh12, certificate_record([hostile_certificate()]), shd12]),
                (0, [alert45]),
            ]
        ).frames,
    )
    ders = cert_ders(cert12)
    # DER that is not DER: the leaf's bytes reversed (same length, framing intact).
    write_pcap(
        out / "cert-not-der.pcap",
        conv(
            [
                (0, [ch12]),
                (1, [sh12, certificate_record([ders[0][::-1], *ders[1:]]), shd12]),
                *f12[2:],
            ]
        ).frames,
    )
    # cert_data length larger than what is left in certificate_list.
    write_pcap(
        out / "cert-len-lie.pcap",
        conv(
            [
                (0, [ch12]),
                (1, [sh12, certificate_record(ders, {"cert0": 0xFFFFF0}), shd12]),
                *f12[2:],
            ]
        ).frames,
    )
    # certificate_list length larger than the message.
    write_pcap(
        out / "cert-list-len-lie.pcap",
        conv(
            [(0, [ch12]), (1, [sh12, certificate_record(ders, {"list": 0x10000}), shd12]), *f12[2:]]
        ).frames,
    )


# --- large inputs, generated at test time (not committed) ------------------------------------


def _stream_pcap(path: Path, frames) -> int:
    """Write frames (an iterable) as a pcap without holding them all; return the count."""
    n = 0
    with open(path, "wb") as fh:
        fh.write(pcap_header())
        for n, frame in enumerate(frames, 1):
            fh.write(pcap_record(T0 + n * 1e-4, frame))
    return n


def _segments(side: int, data: bytes, nxt: list[int], ends, mss: int = MSS):
    src, dst, sp, dp, sm, dm = ends[side]
    for i in range(0, len(data), mss):
        chunk = data[i : i + mss]
        yield tcp_frame(
            src, dst, sp, dp, nxt[side], nxt[1 - side], F_ACK | F_PSH, chunk, smac=sm, dmac=dm
        )
        nxt[side] += len(chunk)


def _ends(cip: bytes, sip: bytes, cport: int, sport: int):
    return (
        (cip, sip, cport, sport, CLIENT_MAC, SERVER_MAC),
        (sip, cip, sport, cport, SERVER_MAC, CLIENT_MAC),
    )


def many_sessions_pcap(path: Path, ch_record: bytes, n: int) -> int:
    """*n* connections, each a SYN and one ClientHello (no answer), distinct 4-tuples."""

    def frames():
        for i in range(n):
            cip = bytes([10, 1 + (i >> 16) % 250, (i >> 8) & 0xFF, i & 0xFF])
            ends = _ends(cip, SERVER_IP, 1024 + i % 60000, 443)
            nxt = [7000 + i, 9000]
            src, dst, sp, dp, sm, dm = ends[0]
            yield tcp_frame(src, dst, sp, dp, nxt[0], 0, F_SYN, smac=sm, dmac=dm)
            nxt[0] += 1
            yield from _segments(0, ch_record, nxt, ends)

    return _stream_pcap(path, frames())


def garbage_pcap(path: Path, ch_record: bytes, sh_record: bytes, nbytes: int, seed: int = 1) -> int:
    """One connection: a real ClientHello and ServerHello, then *nbytes* of random bytes from
    each side (half each), in full-size segments."""
    rnd = random.Random(seed)
    ends = _ends(CLIENT_IP, SERVER_IP, 50000, 443)

    def frames():
        nxt = [1000, 50000]
        yield from _segments(0, ch_record, nxt, ends)
        yield from _segments(1, sh_record, nxt, ends)
        chunk = 1 << 16
        for _ in range(0, nbytes // 2, chunk):
            yield from _segments(0, rnd.randbytes(chunk), nxt, ends)
            yield from _segments(1, rnd.randbytes(chunk), nxt, ends)

    return _stream_pcap(path, frames())


def many_messages_pcap(path: Path, ch_record: bytes, sh_record: bytes, n: int) -> int:
    """A handshake of *n* + 2 messages: ClientHello, ServerHello, then *n* empty
    ServerHelloDone messages packed into full-size handshake records."""
    ends = _ends(CLIENT_IP, SERVER_IP, 50000, 443)
    msgs = handshake(14, b"") * n
    step = (1 << 14) - (1 << 14) % 4
    recs = b"".join(record(22, msgs[i : i + step]) for i in range(0, len(msgs), step))

    def frames():
        nxt = [1000, 50000]
        yield from _segments(0, ch_record, nxt, ends)
        yield from _segments(1, sh_record + recs, nxt, ends)

    return _stream_pcap(path, frames())


def seq_gaps_pcap(path: Path, ch_record: bytes, sh_record: bytes, n: int) -> int:
    """A ClientHello, then *n* server segments each 2**30 bytes of sequence space after the
    previous one (every one a fresh hole), each holding a real ServerHello record, plus a
    few segments far *behind* (old sequence numbers) and 300 out-of-order ones."""
    ends = _ends(CLIENT_IP, SERVER_IP, 50000, 443)
    src, dst, sp, dp, sm, dm = ends[1]

    def frames():
        nxt = [1000, 50000]
        yield from _segments(0, ch_record, nxt, ends)
        seq = 50000
        for i in range(n):
            yield tcp_frame(src, dst, sp, dp, seq, nxt[0], F_ACK, sh_record, smac=sm, dmac=dm)
            seq = (seq + (1 << 30) + i) & 0xFFFFFFFF
        for i in range(300, 0, -1):  # descending: each waits for the one before
            yield tcp_frame(
                src, dst, sp, dp, seq + i * 100, nxt[0], F_ACK, b"x" * 100, smac=sm, dmac=dm
            )

    return _stream_pcap(path, frames())


def generate(out: Path = HERE) -> None:
    if not SRC12.exists() or not SRC13.exists():
        sys.exit(f"make_hostile: corpus not found under {CORPUS} (set TLSTUI_CORPUS)")
    if not shutil.which("editcap"):
        sys.exit("make_hostile: editcap (wireshark-common) is needed")
    for p in out.iterdir():
        if p.is_file() and p.name not in ("make_hostile.py", "__init__.py"):
            p.unlink()
    _gen_file_level(out)
    _gen_wire(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if not args.list:
        generate()
    total = 0
    for p in sorted(HERE.iterdir()):
        if p.is_file() and p.suffix != ".py":
            total += p.stat().st_size
            print(f"{p.stat().st_size:7d}  {p.name}")
    print(f"{total:7d}  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
