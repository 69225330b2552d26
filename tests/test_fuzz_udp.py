"""Hostile input for the UDP parsers: QUIC long headers, frames and CRYPTO reassembly, DTLS
records and fragments, and the whole pipeline on mutated QUIC/DTLS captures.  Whatever the
bytes: a result, in bounded time and memory, never an exception."""

from __future__ import annotations

import random
import struct
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Endpoint, Session
from tlstui.analysis.sessions import SessionBuilder
from tlstui.output.json_report import to_json
from tlstui.tls import dtls
from tlstui.tls import quic as q
from tlstui.wire.udp import decode_udp

UDP = Path(__file__).resolve().parents[1] / "captures" / "udp"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def _frames(path: Path) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """(pcap global header, [(record header, frame bytes)]) of a little-endian pcap."""
    raw = path.read_bytes()
    out = []
    pos = 24
    while pos + 16 <= len(raw):
        incl = struct.unpack_from("<I", raw, pos + 8)[0]
        out.append((raw[pos : pos + 16], raw[pos + 16 : pos + 16 + incl]))
        pos += 16 + incl
    return raw[:24], out


def _udp_payloads(path: Path) -> list[bytes]:
    _, frames = _frames(path)
    link = struct.unpack_from("<I", path.read_bytes(), 20)[0]
    out = []
    for _, f in frames:
        r = decode_udp(f, 0, len(f), link)
        if r is not None:
            out.append(f[r[3] : r[3] + r[4]])
    return out


QUIC_DGRAMS = _udp_payloads(UDP / "quic-ok.pcap") + _udp_payloads(UDP / "quic-v2-ok.pcap")
DTLS_DGRAMS = _udp_payloads(UDP / "dtls12-fragmented.pcap")
CAPS = sorted(UDP.glob("*.pcap"))


def _client_initial_plaintext() -> bytes:
    d = QUIC_DGRAMS[0]
    hdr = q.parse_long_header(d)
    assert hdr is not None
    keys = q.initial_keys(hdr.dcid, hdr.version)
    assert keys is not None
    r = q.unprotect(d, 0, hdr.pn_offset, hdr.end, keys[0])
    assert r is not None
    return r[1]


PLAIN = _client_initial_plaintext()


def _mutate(data: bytes, rnd: random.Random, n: int) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        if not b:
            break
        op = rnd.randrange(4)
        i = rnd.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[i] = rnd.choice((0, 0xFF, 0x3F, 0x40, 0x80, 0xC0))
        elif op == 2:
            del b[i:]
        else:
            b[i : i + 4] = rnd.choice((b"\xff\xff\xff\xff", b"\xc0\x00\x00\x00", b"\x7f\xff"))
    return bytes(b)


@FUZZ
@given(st.integers(0, 2**32), st.integers(1, 8))
def test_frames_and_crypto_stream_on_mutated_plaintext(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    data = _mutate(PLAIN, rnd, n)
    frames = q.parse_frames(data)
    stream = q.CryptoStream()
    sess = Session(0, Endpoint("1.1.1.1", 1), Endpoint("2.2.2.2", 443), 1, 1, 0.0, 0.0)
    b = SessionBuilder(sess, False)
    for off, chunk in frames.crypto:
        for mtype, body, ff in stream.add(off, chunk, 1):
            b.on_handshake(0, mtype, body, 0x0303, 1, ff, 0.0)
    assert stream.held <= q.MAX_CRYPTO_BUFFER


@FUZZ
@given(st.binary(max_size=1500))
def test_long_header_and_frames_on_random_bytes(data: bytes) -> None:
    hdr = q.parse_long_header(data)
    if hdr is not None:
        assert hdr.end <= len(data)
    q.parse_frames(data)
    for d in (data, b"\xc0" + data):
        h = q.parse_long_header(d)
        if h is not None and h.ptype == q.INITIAL:
            keys = q.initial_keys(h.dcid, h.version)
            if keys:
                q.unprotect(d, 0, h.pn_offset, h.end, keys[0])


def test_crypto_offsets_far_away_are_bounded() -> None:
    s = q.CryptoStream()
    for i in range(10_000):
        s.add(1 + i * 97, b"x" * 64, 1)  # holes everywhere, never contiguous
    assert s.held <= q.MAX_CRYPTO_BUFFER
    assert s.add(2**62 - 1, b"y", 2) == [] and s.dropped > 0
    huge = bytes([0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x41])
    assert q.parse_frames(huge).crypto == [(2**62 - 1, b"A")]


@FUZZ
@given(st.integers(0, 2**32), st.integers(1, 6))
def test_dtls_records_and_reassembly_on_mutated_datagrams(seed: int, n: int) -> None:
    rnd = random.Random(seed)
    r = dtls.Reassembler()
    for d in DTLS_DGRAMS:
        for _rtype, _v, epoch, _seq, body in dtls.records(_mutate(d, rnd, n)):
            if epoch == 0:
                for frag in dtls.fragments(body):
                    r.add(frag, 1)
    assert len(r.partial) <= dtls.MAX_PENDING


def test_dtls_lying_fragment_lengths_are_bounded() -> None:
    r = dtls.Reassembler()
    # A 16 MiB message announced by each fragment: nothing is buffered.
    frag = dtls.Fragment(11, 0xFFFFFF, 1, 0, b"x")
    assert r.add(frag, 1) is None and not r.partial
    for i in range(100):
        r.add(dtls.Fragment(11, 1000, i, 0, b"x"), 1)
    assert len(r.partial) == dtls.MAX_PENDING


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CAPS), st.integers(0, 2**32), st.integers(1, 12))
def test_pipeline_on_mutated_udp_captures(path: Path, seed: int, n: int) -> None:
    rnd = random.Random(seed)
    head, frames = _frames(path)
    out = bytearray(head)
    for rec, f in frames:
        if rnd.random() < 0.1:
            continue  # dropped
        f = _mutate(f, rnd, rnd.randrange(n + 1)) if rnd.random() < 0.5 else f
        rec = rec[:8] + struct.pack("<II", len(f), len(f))
        out += rec + f
        if rnd.random() < 0.1:
            out += rec + f  # duplicated
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        tmp.write(bytes(out))
        tmp.flush()
        t0 = time.monotonic()
        report = analyze(tmp.name, keylog=False)
        to_json(report)
        assert time.monotonic() - t0 < 5
