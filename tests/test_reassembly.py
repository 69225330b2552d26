"""TCP reassembly and the TLS record layer, on real record bytes cut into segments by hand.

The bytes are a real TLS 1.2 server flight (ServerHello, Certificate, ServerKeyExchange,
ServerHelloDone from ``captures/tls12-ok.pcap``); only the segmentation, order and loss are
made up here, which is exactly what these layers must survive.
"""

from __future__ import annotations

import pytest
from conftest import CAPTURES

from tlstui.analysis.engine import analyze
from tlstui.tls.records import RecordReader
from tlstui.wire.tcp import HalfStream

CAPTURE = CAPTURES / "tls12-ok.pcap"


class Recorder:
    """A RecordSink that writes down what the reader reports."""

    def __init__(self) -> None:
        self.records: list[tuple[int, int, int]] = []  # (type, length, frame)
        self.messages: list[tuple[int, int, int]] = []  # (hs type, frame, first frame)
        self.gaps: list[tuple[int, int]] = []
        self.garbage: list[tuple[int, str]] = []

    def encrypted(self, side: int) -> bool:
        return False

    def on_record(self, side, rtype, version, length, body, frame, first_frame, time):
        self.records.append((rtype, length, frame))
        return True

    def on_handshake(self, side, mtype, body, version, frame, first_frame, time):
        self.messages.append((mtype, frame, first_frame))

    def on_sslv2(self, side, body, frame, time):
        raise AssertionError("no SSLv2 here")

    def on_garbage(self, side, data, frame, time, why):
        self.garbage.append((frame, why))

    def on_gap(self, side, nbytes, frame):
        self.gaps.append((nbytes, frame))


@pytest.fixture(scope="module")
def server_flight() -> bytes:
    """The server's first flight as it crossed the wire (four handshake messages)."""
    report = analyze(CAPTURE, diagnose=False, keylog=False)
    s = report.sessions[0]
    assert [e.type for e in s.events[:5]] == [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
    ]
    import struct

    from tlstui.wire.capture import open_capture
    from tlstui.wire.packet import decode_tcp

    cap = open_capture(CAPTURE)
    out = b""
    for i, (_ts, off, caplen, origlen, link) in enumerate(cap.frames(), 1):
        r = decode_tcp(cap.data, off, caplen, link, origlen)
        if i == s.events[1].frame and isinstance(r, tuple):
            out = bytes(cap.data[r[6] : r[6] + r[7]])
    assert out[0] == 22 and struct.unpack(">H", out[3:5])[0] > 0
    return out


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos = [], 0
    for n in sizes:
        out.append(data[pos : pos + n])
        pos += n
    if pos < len(data):
        out.append(data[pos:])
    return out


def run(segments: list[tuple[int, bytes, int]], isn: int = 1000) -> Recorder:
    rec = Recorder()
    half = HalfStream(RecordReader(rec, 1))
    half.syn(isn - 1)
    for seq, data, frame in segments:
        half.segment(seq % (1 << 32), data, frame, float(frame))
    half.flush(segments[-1][2])
    return rec


def in_order(flight: bytes, sizes: list[int], isn: int = 1000) -> list[tuple[int, bytes, int]]:
    segs, seq = [], isn
    for frame, part in enumerate(split(flight, sizes), 10):
        segs.append((seq, part, frame))
        seq += len(part)
    return segs


def test_whole_flight_in_one_segment(server_flight: bytes) -> None:
    rec = run(in_order(server_flight, []))
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]
    assert {m[1] for m in rec.messages} == {10}
    assert rec.gaps == [] and rec.garbage == []


def test_message_spanning_segments_ends_in_the_last_one(server_flight: bytes) -> None:
    # Cut inside the Certificate: it completes in the frame holding its last byte (as
    # Wireshark reports a reassembled PDU) and remembers the frame where it began.
    rec = run(in_order(server_flight, [100, 300, 300]))
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]
    sh, cert, _ske, done = rec.messages
    assert sh[1] == 10
    assert cert[2] == 10 and cert[1] > 10
    assert done[1] == 13


def test_every_byte_its_own_segment(server_flight: bytes) -> None:
    rec = run(in_order(server_flight, [1] * len(server_flight)))
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]


def test_out_of_order_and_retransmitted_segments(server_flight: bytes) -> None:
    segs = in_order(server_flight, [200, 200, 200])
    reordered = [segs[0], segs[2], segs[1], segs[1], segs[0], *segs[3:]]
    rec = run(reordered)
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]
    # The hole was filled by frame 11, arriving after frame 12: what completes then is
    # reported in frame 11's place at the earliest.
    assert rec.gaps == []


def test_overlapping_retransmission_is_counted_once(server_flight: bytes) -> None:
    segs = in_order(server_flight, [300])
    seq0, _data0, _ = segs[0]
    overlap = (seq0 + 250, server_flight[250:600], 11)  # 50 old bytes, 300 new
    rest = (seq0 + 600, server_flight[600:], 12)
    rec = run([segs[0], overlap, rest])
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]
    assert rec.garbage == []


def test_sequence_numbers_wrapping_past_2_to_the_32(server_flight: bytes) -> None:
    isn = (1 << 32) - 150
    rec = run(in_order(server_flight, [100, 100, 100], isn=isn), isn=isn)
    assert [m[0] for m in rec.messages] == [2, 11, 12, 14]


def test_lost_segment_resynchronises_on_the_next_record(server_flight: bytes) -> None:
    # Lose a piece of the Certificate: the ServerHelloDone record after it is still found.
    segs = in_order(server_flight, [120, 400, len(server_flight) - 520 - 9])
    lost = [segs[0], segs[2], segs[3]]
    rec = run(lost)
    assert rec.messages[0][0] == 2
    assert rec.messages[-1][0] == 14
    assert rec.gaps and rec.gaps[0][0] == 400


def test_half_stream_counts_retransmits() -> None:
    got: list[bytes] = []

    class Sink:
        def feed(self, data, frame, time):
            got.append(bytes(data))

        def gap(self, nbytes, frame):
            got.append(b"<gap>")

    half = HalfStream(Sink())
    half.syn(99)
    half.segment(100, b"abc", 1, 1.0)
    half.segment(100, b"abc", 2, 2.0)  # pure retransmission
    half.segment(106, b"ghi", 3, 3.0)  # ahead: waits
    half.segment(103, b"def", 4, 4.0)  # fills the hole, releases "ghi"
    assert got == [b"abc", b"def", b"ghi"]
    assert half.retransmits == 1
    assert half.next_seq == 109
