"""The application-data fast path of the record reader: a run of whole application-data
records is reported as one call with the right count, last length and last frame, anything
else still goes through on_record, and whole captures give the same report with the fast
path switched off.
"""

from __future__ import annotations

import struct

import pytest
from conftest import CAPTURES, CORPUS

from tlstui.analysis.engine import analyze
from tlstui.analysis.sessions import SessionBuilder
from tlstui.output.json_report import to_json
from tlstui.tls.records import RecordReader


def rec(rtype: int, length: int) -> bytes:
    return struct.pack(">BBBH", rtype, 3, 3, length) + bytes(length)


class FastSink:
    """A RecordSink that allows the fast path (answer set by the test)."""

    def __init__(self, answer: int = -1) -> None:
        self.answer = answer
        self.records: list[tuple[int, int, int]] = []  # (type, length, frame)
        self.runs: list[tuple[int, int, int]] = []  # (count, last length, frame)

    def encrypted(self, side: int) -> bool:
        return True

    def fast_appdata(self, side: int) -> int:
        return self.answer

    def on_appdata_run(self, side, count, length, frame, time):
        self.runs.append((count, length, frame))

    def on_record(self, side, rtype, version, length, body, frame, first_frame, time):
        self.records.append((rtype, length, frame))
        return True

    def on_handshake(self, side, mtype, body, version, frame, first_frame, time):
        raise AssertionError("no plaintext handshake here")

    def on_sslv2(self, side, body, frame, time):
        raise AssertionError("no SSLv2 here")

    def on_garbage(self, side, data, frame, time, why):
        raise AssertionError(why)

    def on_gap(self, side, nbytes, frame):
        raise AssertionError("no gap here")


def test_runs_are_counted_and_alerts_still_reported() -> None:
    sink = FastSink()
    r = RecordReader(sink, 1)
    r.feed(rec(23, 100) + rec(23, 200) + rec(23, 30), 5, 0.0)
    tail = rec(23, 40)
    r.feed(rec(23, 50) + tail[:20], 6, 0.1)  # one whole record and a partial one
    r.feed(tail[20:] + rec(21, 26) + rec(23, 60), 7, 0.2)  # the alert stops the run
    # Runs are held and merged until something else goes to the sink: the alert gets the
    # five records before it reported first, in one call; the record after it waits.
    assert sink.runs == [(5, 40, 7)]
    assert sink.records == [(21, 26, 7)]
    assert r.records == 7
    r.finish()
    assert sink.runs == [(5, 40, 7), (1, 60, 7)]


def test_a_frame_answer_sends_that_frames_records_the_slow_way() -> None:
    sink = FastSink(answer=5)  # records ending in frame 5 must reach on_record
    r = RecordReader(sink, 0)
    r.feed(rec(23, 10) + rec(23, 11), 5, 0.0)
    r.feed(rec(23, 12) + rec(23, 13), 6, 0.1)
    assert sink.records == [(23, 10, 5), (23, 11, 5)]
    assert sink.runs == []
    r.flush_run()
    assert sink.runs == [(2, 13, 6)]


def test_no_fast_path_before_the_sink_allows_it() -> None:
    sink = FastSink(answer=-2)
    r = RecordReader(sink, 0)
    r.feed(rec(23, 10) + rec(23, 11), 3, 0.0)
    assert sink.runs == []
    assert sink.records == [(23, 10, 3), (23, 11, 3)]


@pytest.mark.parametrize("name", sorted(p.name for p in CAPTURES.glob("*.pcap")))
def test_same_report_without_the_fast_path(name: str, monkeypatch) -> None:
    path = CAPTURES / name
    keys = path.with_suffix(".keys")
    keylog = keys if keys.exists() else None
    fast = to_json(analyze(path, keylog=keylog))
    monkeypatch.setattr(SessionBuilder, "fast_appdata", lambda self, side: -2)
    assert to_json(analyze(path, keylog=keylog)) == fast


# Public captures with several application-data records per direction (database, mail,
# message-queue and HTTP/2 traffic from several stacks): the fast path must run on them.
CHATTY = [
    "wireshark-notes/tls/pgsql-ssl.pcapng",
    "wireshark-notes/tls/amqps.pcapng",
    "wireshark-notes/tls/http2-16-ssl.pcapng",
    "zeek/mysql/tls-13-amazon-rds.pcap",
    "arkime/curl-enabled-tls13.pcap",
    "suricata-verify/smtp-startssl/input.pcap",
]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", CHATTY)
def test_corpus_same_report_without_the_fast_path(rel: str, monkeypatch) -> None:
    path = CORPUS / rel
    runs: list[int] = []
    real = SessionBuilder.on_appdata_run

    def counting(self, side, count, length, frame, time):
        runs.append(count)
        real(self, side, count, length, frame, time)

    monkeypatch.setattr(SessionBuilder, "on_appdata_run", counting)
    # Without the key logs some of these files have beside them: decryption keeps the slow path.
    fast = to_json(analyze(path, keylog=False))
    assert sum(runs) >= 4  # the fast path did take records here
    monkeypatch.setattr(SessionBuilder, "fast_appdata", lambda self, side: -2)
    assert to_json(analyze(path, keylog=False)) == fast


def test_whole_appdata_takes_only_segments_of_whole_application_records() -> None:
    sink = FastSink()
    r = RecordReader(sink, 0)
    seg = rec(23, 100) + rec(23, 40)
    # The engine passes the capture buffer and the segment's bounds inside it.
    buf = b"\xee" * 7 + seg + b"\xee" * 3
    assert r.whole_appdata(memoryview(buf), 7, 7 + len(seg), 9, 1.0)
    assert r.whole_appdata(rec(23, 30), 0, 35, 10, 1.5)
    # Counted at once, reported to the sink in one call when flushed.
    assert r.records == 3 and sink.runs == [] and not r.buf
    r.flush_run()
    assert sink.runs == [(3, 30, 10)]
    r.flush_run()
    assert sink.runs == [(3, 30, 10)]

    # A record cut at the segment's end, an alert among them, or the frame the sink wants
    # to see record by record: nothing is taken and nothing changes (the caller feeds it).
    sink.answer = 12
    r.fast_answer = -3  # what the sink's other entries do (SessionBuilder._sync)
    for data, frame in (
        (rec(23, 100) + rec(23, 40)[:20], 10),
        (rec(23, 100) + rec(21, 2), 11),
        (rec(23, 100), 12),
    ):
        assert not r.whole_appdata(data, 0, len(data), frame, 2.0)
        assert r.records == 3 and r.run_count == 0 and not r.buf and not r.marks
    assert sink.records == [] and sink.runs == [(3, 30, 10)]


def test_a_deferred_run_is_reported_before_anything_that_follows_it() -> None:
    """feed, gap and finish report the counted run first: the sink sees the same calls in
    the same order as without the deferral."""
    sink = FastSink()
    r = RecordReader(sink, 0)
    assert r.whole_appdata(rec(23, 50), 0, 55, 3, 0.3)
    r.feed(rec(21, 2), 4, 0.4)
    assert sink.runs == [(1, 50, 3)] and sink.records == [(21, 2, 4)]
    assert r.whole_appdata(rec(23, 60), 0, 65, 5, 0.5)
    r.finish()
    assert sink.runs == [(1, 50, 3), (1, 60, 5)]


def test_whole_appdata_waits_for_buffered_bytes() -> None:
    """A partial record already buffered must be completed by feed, not skipped over."""
    sink = FastSink()
    r = RecordReader(sink, 1)
    r.feed(rec(23, 100)[:50], 1, 0.1)
    rest = rec(23, 100)[50:] + rec(23, 10)
    assert not r.whole_appdata(rest, 0, len(rest), 2, 0.2)
    r.feed(rest, 2, 0.2)
    r.flush_run()
    assert r.records == 2 and sink.runs == [(2, 10, 2)] and sink.records == []


def test_a_skipped_bulk_record_joins_the_run() -> None:
    """A record longer than the reader keeps is read past by its length; when the sink
    allows the fast path its end is one more record of the run, not an on_record call."""
    sink = FastSink()
    r = RecordReader(sink, 1)
    big = rec(23, 9000)
    r.feed(rec(23, 20) + big[:3000], 1, 0.1)
    assert not r.buf and r.skip == 9005 - 3000  # its start is not even buffered
    r.feed(big[3000:6000], 2, 0.2)
    r.feed(big[6000:] + rec(23, 30), 3, 0.3)
    assert sink.records == [] and r.records == 3
    r.feed(rec(21, 2), 4, 0.4)
    assert sink.runs == [(3, 30, 3)] and sink.records == [(21, 2, 4)]

    slow = FastSink(answer=-2)
    r = RecordReader(slow, 1)
    r.feed(big[:3000], 1, 0.1)
    r.feed(big[3000:], 2, 0.2)
    assert slow.runs == [] and slow.records == [(23, 9000, 2)]
