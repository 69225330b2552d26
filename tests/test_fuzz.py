"""Property tests on hostile input (issue 6): whatever the bytes, tlstui answers or refuses.

Three levels, each fed mutations of *real* bytes (the rebuilt corpus conversations in
``tests/hostile/``, see ``make_hostile.py``):

* the handshake decoders (``tlstui.tls.messages``) on mutated real message bodies: a result
  or ``DecodeError``, nothing else;
* the record reader + session builder on a mutated real byte stream cut at random points;
* the whole pipeline (``analyze`` + JSON + ``--report`` rendering) on mutated capture files:
  bit flips, byte overwrites, 16/24-bit length-field lies, truncation, shuffled, dropped and
  duplicated packets: a report or ``CaptureError``, in bounded time, and nothing from the
  capture reaches the rendered text as a control character.

Budget: ``max_examples`` 200 (100 for the pipeline), ``deadline=None`` (the slow CI machine
must not make it flaky), a per-example time bound asserted instead; the module runs in about
10-20 s.  ``scripts/fuzz.py`` runs the same targets for much longer (atheris when installed).
"""

from __future__ import annotations

import io
import itertools
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import bare_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session
from tlstui.analysis.sessions import CLIENT, SERVER, SessionBuilder
from tlstui.output.json_report import to_json
from tlstui.tls import messages as msgs
from tlstui.tls.records import RecordReader
from tlstui.wire.capture import CaptureError

HOSTILE = Path(__file__).resolve().parent / "hostile"
sys.path.insert(0, str(HOSTILE))
import make_hostile as mh  # noqa: E402

BASES = {
    name: (HOSTILE / name).read_bytes()
    for name in ("tls12.pcap", "tls13.pcap", "tls12.pcapng", "snaplen96.pcap", "hostile-cert.pcap")
}
F12 = mh.base_flights("tls12")
F13 = mh.base_flights("tls13")
CH12, CH13 = F12[0][1][0][9:], F13[0][1][0][9:]  # handshake bodies
SH12, SH13 = F12[1][1][0][9:], F13[1][1][0][9:]
CERT12 = F12[1][1][1][9:]
STREAMS = {
    "tls12-client": b"".join(b"".join(r) for side, r in F12 if side == 0),
    "tls12-server": b"".join(b"".join(r) for side, r in F12 if side == 1),
    "tls13-client": b"".join(b"".join(r) for side, r in F13 if side == 0),
    "tls13-server": b"".join(b"".join(r) for side, r in F13 if side == 1),
}
PER_EXAMPLE_SECONDS = 5.0  # a 9 KB capture takes ~10 ms; 5 s means something is quadratic
# Characters that must never reach a rendered report (same set as tlstui.textsafe, plus ESC).
UNSAFE = (
    {chr(c) for c in range(0x20) if c != 0x0A}
    | {chr(c) for c in range(0x7F, 0xA0)}
    | {"\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}
)

FAST = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PIPELINE = settings(FAST, max_examples=100)


# --- mutations (shared with scripts/fuzz.py) -------------------------------------------------

INTERESTING = (0x00, 0x01, 0x03, 0x04, 0x14, 0x15, 0x16, 0x17, 0x18, 0x7F, 0x80, 0xFF)
BIG16 = (0, 1, 0x3FFF, 0x4000, 0x4800, 0x4801, 0x7FFF, 0x8000, 0xFFFF)


def mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Apply ops ``(kind, position, value)``; positions wrap, so any ints are valid.

    kind 0 flips one bit, 1 writes an interesting byte, 2 writes a 16-bit length lie,
    3 writes a 24-bit length lie, 4 deletes a byte, 5 inserts a byte, 6 truncates.
    """
    buf = bytearray(data)
    for kind, pos, value in ops:
        if not buf:
            break
        i = pos % len(buf)
        if kind == 0:
            buf[i] ^= 1 << (value % 8)
        elif kind == 1:
            buf[i] = INTERESTING[value % len(INTERESTING)]
        elif kind == 2:
            v = BIG16[value % len(BIG16)] if value % 2 else value & 0xFFFF
            buf[i : i + 2] = struct.pack(">H", v)
        elif kind == 3:
            buf[i : i + 3] = (value & 0xFFFFFF).to_bytes(3, "big")
        elif kind == 4:
            del buf[i]
        elif kind == 5:
            buf.insert(i, value & 0xFF)
        else:
            del buf[i:]
    return bytes(buf)


def pcap_frames(data: bytes) -> tuple[bytes, list[bytes]]:
    """Split a (little-endian, well-formed) pcap into its header and raw records."""
    out, p = [], 24
    while p + 16 <= len(data):
        n = struct.unpack_from("<I", data, p + 8)[0]
        out.append(data[p : p + 16 + n])
        p += 16 + n
    return data[:24], out


def reorder(data: bytes, seed: int, mode: int) -> bytes:
    """Shuffle (0), drop some (1), duplicate some (2) or reverse (3) the packets of a pcap."""
    if not data.startswith(b"\xd4\xc3\xb2\xa1"):
        return data
    head, recs = pcap_frames(data)
    rnd = random.Random(seed)
    if mode == 0:
        rnd.shuffle(recs)
    elif mode == 1:
        recs = [r for r in recs if rnd.random() > 0.3]
    elif mode == 2:
        recs = [r for r in recs for _ in range(1 + (rnd.random() < 0.3))]
    else:
        recs.reverse()
    return head + b"".join(recs)


ops_st = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1 << 20), st.integers(0, 1 << 24)), max_size=12
)


def check_pipeline(data: bytes) -> None:
    """analyze + JSON + --report on *data*: a result or CaptureError, clean text, bounded."""
    from rich.console import Console

    from tlstui.output.text_report import print_report

    with tempfile.NamedTemporaryFile(suffix=".pcap") as fh:
        fh.write(data)
        fh.flush()
        start = time.perf_counter()
        try:
            report = analyze(fh.name)
        except CaptureError as exc:
            assert "\n" not in str(exc)
            return
        to_json(report)
        out = io.StringIO()
        print_report(report, console=Console(file=out, width=100, highlight=False))
        elapsed = time.perf_counter() - start
    text = out.getvalue()
    bad = UNSAFE.intersection(text)
    assert not bad, f"unsafe characters in the report: {sorted(map(ord, bad))}"
    assert elapsed < PER_EXAMPLE_SECONDS, f"{elapsed:.1f} s for {len(data)} bytes"


def feed_stream(stream: bytes, cuts: list[int], side: int) -> Session:
    """Feed one direction's bytes in chunks to a RecordReader + SessionBuilder."""
    s = bare_session()
    b = SessionBuilder(s)
    readers = [RecordReader(b, CLIENT), RecordReader(b, SERVER)]
    b.readers = readers
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    for frame, (a, z) in enumerate(itertools.pairwise(points), 1):
        readers[side].feed(memoryview(stream)[a:z], frame, float(frame))
    readers[side].finish()
    return b.finish()


# --- properties -------------------------------------------------------------------------------


@pytest.mark.slow
@FAST
@given(which=st.sampled_from(["ch12", "ch13", "sh12", "sh13", "cert"]), ops=ops_st)
def test_handshake_decoders_raise_only_decode_error(which: str, ops: list) -> None:
    body = {"ch12": CH12, "ch13": CH13, "sh12": SH12, "sh13": SH13, "cert": CERT12}[which]
    data = mutate(body[4:], ops)
    decoders = [
        lambda: msgs.decode_client_hello(data, 0x0301),
        lambda: msgs.decode_server_hello(data, 0x0303),
        lambda: msgs.decode_certificate(data, False),
        lambda: msgs.decode_certificate(data, True),
        lambda: msgs.decode_server_key_exchange(data, 0xC02F, 0x0303),
        lambda: msgs.decode_server_key_exchange(data, 0x0033, 0x0303),
        lambda: msgs.decode_certificate_request(data, False),
        lambda: msgs.decode_certificate_request(data, True),
        lambda: msgs.decode_new_session_ticket(data, True),
        lambda: msgs.decode_sslv2_client_hello(b"\x80" + bytes([len(data) & 0x7F]) + data),
    ]
    for decode in decoders:
        try:
            decode()
        except msgs.DecodeError as exc:
            assert str(exc)


@pytest.mark.slow
@FAST
@given(ops=ops_st)
def test_certificate_summary_never_raises(ops: list) -> None:
    from tlstui.tls.x509 import summarize_certificate

    der = mh.cert_ders(F12[1][1][1])[0]
    info = summarize_certificate(mutate(der, ops))
    assert info.error is not None or info.subject is not None
    # An empty Name (30 00) is legitimately ""; anything else is text or a hex note.
    assert isinstance(msgs.dn_to_string(mutate(der[:200], ops)), str)


@pytest.mark.slow
@FAST
@given(
    which=st.sampled_from(sorted(STREAMS)),
    ops=ops_st,
    cuts=st.lists(st.integers(0, 1 << 16), max_size=40),
)
def test_record_reader_takes_any_stream(which: str, ops: list, cuts: list[int]) -> None:
    side = CLIENT if which.endswith("client") else SERVER
    s = feed_stream(mutate(STREAMS[which], ops), cuts, side)
    assert s.status in ("ok", "failed", "incomplete")
    assert len(s.events) <= 2001


@pytest.mark.slow
@PIPELINE
@given(base=st.sampled_from(sorted(BASES)), ops=ops_st)
def test_pipeline_survives_mutated_captures(base: str, ops: list) -> None:
    check_pipeline(mutate(BASES[base], ops))


@pytest.mark.slow
@PIPELINE
@given(
    base=st.sampled_from(["tls12.pcap", "tls13.pcap", "hostile-cert.pcap"]),
    seed=st.integers(0, 1 << 30),
    mode=st.integers(0, 3),
    ops=ops_st,
)
def test_pipeline_survives_shuffled_packets(base: str, seed: int, mode: int, ops: list) -> None:
    check_pipeline(mutate(reorder(BASES[base], seed, mode), ops))


@pytest.mark.parametrize("cut", [24, 39, 40, 41, 100, 1000, 3000])
def test_every_truncation_point_of_a_real_capture(cut: int) -> None:
    # Deterministic companions of the truncation mutation: the cut lands in a record
    # header (39, 40), just past it (41) and inside packets; truncated must be set.
    data = BASES["tls12.pcap"][:cut]
    with tempfile.NamedTemporaryFile(suffix=".pcap") as fh:
        fh.write(data)
        fh.flush()
        report = analyze(fh.name)
    assert report.capture.truncated is (cut != 24)
    assert report.capture.packets == sum(1 for _ in _complete_records(data))


def _complete_records(data: bytes):
    p = 24
    while p + 16 <= len(data):
        n = struct.unpack_from("<I", data, p + 8)[0]
        if p + 16 + n > len(data):
            return
        yield p
        p += 16 + n
