"""Sessions inside tunnels are found with their inner addresses and the tunnel in the notes.

``captures/tunnels/vxlan.pcap`` is real: Linux VXLAN between two network namespaces
(``captures/generate_tunnels.py``).  This sandbox's kernel has no geneve, gretap, erspan,
ipip, sit or MPLS support, so for those the test wraps the frames of a real loopback capture
(``captures/tls13-ok.pcap``, ``ipv6-tls13-ok.pcap``) in the tunnel headers the RFCs define
(RFC 2784/1701 GRE, ERSPAN II/III, RFC 8926 Geneve, RFC 2003 IP-in-IP, RFC 4213 6in4,
RFC 3032 MPLS): the inner bytes are a real stack's, the outer headers are built here.  The
ladder inside each tunnel must equal the plain capture's.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session

CAPS = Path(__file__).resolve().parents[1] / "captures"
MAC = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"


def _read(path: Path) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    raw = path.read_bytes()
    out, pos = [], 24
    while pos + 16 <= len(raw):
        n = struct.unpack_from("<I", raw, pos + 8)[0]
        out.append((raw[pos : pos + 16], raw[pos + 16 : pos + 16 + n]))
        pos += 16 + n
    return raw[:24], out


def _ipv4(proto: int, payload: bytes) -> bytes:
    hdr = struct.pack(
        ">BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        1,
        0,
        64,
        proto,
        0,
        b"\xc0\x00\x02\x01",
        b"\xc0\x00\x02\x02",
    )
    return hdr + payload


def _udp(dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", 40000, dport, 8 + len(payload), 0) + payload


def _eth(etype: int, payload: bytes) -> bytes:
    return MAC + struct.pack(">H", etype) + payload


def gre_teb(f: bytes) -> bytes:
    return _eth(0x0800, _ipv4(47, struct.pack(">HH", 0x2000, 0x6558) + b"\0\0\0\x07" + f))


def erspan2(f: bytes) -> bytes:
    hdr = struct.pack(">HHI", 0x1000, 0x88BE, 5) + bytes.fromhex("1000000100000000")
    return _eth(0x0800, _ipv4(47, hdr + f))


def erspan3(f: bytes) -> bytes:
    hdr = struct.pack(">HHI", 0x1000, 0x22EB, 5) + bytes.fromhex("200000010000000000000000")
    return _eth(0x0800, _ipv4(47, hdr + f))


def geneve(f: bytes) -> bytes:
    return _eth(0x0800, _ipv4(17, _udp(6081, struct.pack(">BBHI", 0, 0, 0x6558, 42 << 8) + f)))


def vxlan_in_gre(f: bytes) -> bytes:
    inner = _eth(0x0800, _ipv4(17, _udp(4789, bytes.fromhex("0800000000002a00") + f)))
    return _eth(0x0800, _ipv4(47, struct.pack(">HH", 0, 0x6558) + inner))


def ipip(f: bytes) -> bytes:
    return _eth(0x0800, _ipv4(4, f[14:]))


def sixin4(f: bytes) -> bytes:
    return _eth(0x0800, _ipv4(41, f[14:]))


def mpls(f: bytes) -> bytes:
    labels = struct.pack(">II", (1000 << 12) | 64, (2000 << 12) | 0x100 | 64)
    return _eth(0x8847, labels + f[14:])


def qinq_vxlan(f: bytes) -> bytes:
    inner = _ipv4(17, _udp(4789, bytes.fromhex("0800000000002a00") + f))
    return MAC + struct.pack(">HHHHH", 0x88A8, 100, 0x8100, 200, 0x0800) + inner


def _write(head: bytes, frames: list[tuple[bytes, bytes]], wrap: Callable[[bytes], bytes]):
    out = bytearray(head)
    for rec, f in frames:
        g = wrap(f) + b"\0" * 6  # an Ethernet trailer: never inner payload
        out += rec[:8] + struct.pack("<II", len(g), len(g)) + g
    tmp = tempfile.NamedTemporaryFile(suffix=".pcap", delete=False)  # noqa: SIM115
    tmp.write(bytes(out))
    tmp.close()
    return tmp.name


def _ladder(s: Session) -> list[tuple[int, str, str]]:
    return [(e.frame, e.sender, e.type) for e in s.events]


CASES = [
    ("tls13-ok.pcap", gre_teb, "GRE/TEB"),
    ("tls13-ok.pcap", erspan2, "GRE/ERSPAN II"),
    ("tls13-ok.pcap", erspan3, "GRE/ERSPAN III"),
    ("tls13-ok.pcap", geneve, "Geneve"),
    ("tls13-ok.pcap", vxlan_in_gre, "GRE/TEB > VXLAN"),
    ("tls13-ok.pcap", ipip, "IP-in-IP"),
    ("ipv6-tls13-ok.pcap", sixin4, "IPv6-in-IPv4"),
    ("tls13-ok.pcap", mpls, "MPLS"),
    ("tls13-ok.pcap", qinq_vxlan, "VXLAN"),
]


@pytest.mark.parametrize(("base", "wrap", "name"), CASES, ids=[c[2] for c in CASES])
def test_session_inside_tunnel(base: str, wrap, name: str) -> None:
    plain = analyze(CAPS / base, keylog=False)
    head, frames = _read(CAPS / base)
    path = _write(head, frames, wrap)
    try:
        report = analyze(path, keylog=False)
    finally:
        Path(path).unlink()
    assert len(report.sessions) == len(plain.sessions) == 1
    s, p = report.sessions[0], plain.sessions[0]
    assert (s.client, s.server) == (p.client, p.server)
    assert _ladder(s) == _ladder(p)
    assert s.status == p.status
    assert s.malformed[0] == f"inside a tunnel: {name} (inner addresses shown)"


def test_endless_nesting_is_bounded() -> None:
    head, frames = _read(CAPS / "tls13-ok.pcap")

    def deep(f: bytes) -> bytes:
        for _ in range(50):
            f = gre_teb(f)
        return f

    path = _write(head, frames, deep)
    try:
        report = analyze(path, keylog=False)
    finally:
        Path(path).unlink()
    assert report.sessions == []  # past the depth bound nothing is read, nothing breaks


def test_real_vxlan_capture() -> None:
    report = analyze(CAPS / "tunnels" / "vxlan.pcap")
    assert [
        (s.transport, s.client.ip, s.server.ip, s.server.port, s.status) for s in report.sessions
    ] == [
        ("tcp", "10.98.0.1", "10.98.0.2", 4433, "ok"),
        ("quic", "10.98.0.1", "10.98.0.2", 4443, "ok"),
    ]
    for s in report.sessions:
        assert s.malformed[0] == "inside a tunnel: VXLAN (inner addresses shown)"


def test_ipv6_extension_headers_are_walked_once_for_tcp_udp_and_tunnels() -> None:
    from tlstui.wire.packet import ANY_FRAGMENT, NON_FIRST_FRAGMENT, ipv6_upper

    hop_by_hop = bytes([44, 0]) + bytes(6)  # next: fragment header, 8 bytes long
    first_fragment = bytes([6, 0, 0x00, 0x01]) + bytes(4)  # offset 0, more fragments
    later_fragment = bytes([6, 0, 0x00, 0x10]) + bytes(4)  # offset 2 (x 8 bytes)
    buf = hop_by_hop + first_fragment
    assert ipv6_upper(buf, 0, 0, len(buf), NON_FIRST_FRAGMENT) == (6, 16)
    assert ipv6_upper(buf, 0, 0, len(buf), ANY_FRAGMENT) == (-2, 8)
    later = hop_by_hop + later_fragment
    assert ipv6_upper(later, 0, 0, len(later), NON_FIRST_FRAGMENT) == (-2, 8)
    assert ipv6_upper(buf, 0, 0, 12, NON_FIRST_FRAGMENT) == (-1, 8)  # runs past the packet
    loop = bytes([0, 0]) + bytes(6)
    assert ipv6_upper(loop * 20, 0, 0, 160, ANY_FRAGMENT) == (-1, 72)  # nests too deep
    assert ipv6_upper(b"", 17, 40, 40, ANY_FRAGMENT) == (17, 40)  # no extension header
