"""Streaming: sessions come out of ``scan`` while the capture is still being written.

Real captures from captures/ are written progressively (record by record, one record in two
halves with a pause between, a pause long enough for closed sessions to end) by a thread, or
pushed through a pipe into ``tlstui - --jsonl``.  The checks: sessions are reported before the
input ends, the final report is the one ``analyze`` gives for the whole file, a half-written
record is waited for (no damage), and the end of a pipe mid-record, a truncated or replaced
followed file are reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze, scan
from tlstui.output.json_report import report_dict

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
SHOWCASE = CAPTURES / "showcase.pcap"
PCAPNG = CAPTURES / "pcapng-tls13-client-cert-missing.pcapng"


def pcap_records(data: bytes) -> list[bytes]:
    """The 24-byte header, then each record (16-byte header + frame), little-endian pcap."""
    out = [data[:24]]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off : off + 16 + caplen])
        off += 16 + caplen
    return out


def pcapng_blocks(data: bytes) -> list[bytes]:
    out = []
    off = 0
    while off + 8 <= len(data):
        blen = struct.unpack_from("<I", data, off + 4)[0]
        out.append(data[off : off + blen])
        off += blen
    return out


class Writer(threading.Thread):
    """Appends *pieces* to *path* with *pause* between them, a long *break_after* pause at
    one point (closed sessions end during it), and one piece split in two halves."""

    def __init__(self, path: Path, pieces: list[bytes], pause: float, break_at: int) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.pieces = pieces
        self.pause = pause
        self.break_at = break_at
        self.written = 0
        self.total = sum(map(len, pieces))

    def run(self) -> None:
        with open(self.path, "ab", buffering=0) as fh:
            for i, piece in enumerate(self.pieces):
                if i == self.break_at + 1 and len(piece) > 20:
                    # A record written in two halves: the reader must wait for the rest.
                    fh.write(piece[:10])
                    self.written += 10
                    time.sleep(0.5)
                    fh.write(piece[10:])
                    self.written += len(piece) - 10
                else:
                    fh.write(piece)
                    self.written += len(piece)
                time.sleep(1.6 if i == self.break_at else self.pause)


def _follow(path: Path, writer: Writer, keylog: Path | None):
    """Run scan(follow=True) until the writer is done and the reader caught up."""
    seen_before_end: list[int] = []
    snapshots = 0
    final = None
    done_at: list[float] = []

    def should_stop() -> bool:
        if not writer.is_alive():
            done_at.append(time.monotonic())
            return done_at[0] + 0.6 < time.monotonic()
        return False

    for batch in scan(path, keylog=keylog, follow=True, should_stop=should_stop, interval=0.05):
        if writer.written < writer.total:
            seen_before_end.extend(s.id for s in batch.ended)
            snapshots += sum(s.in_progress for s in batch.updated)
        if batch.report is not None:
            final = batch
    return final, seen_before_end, snapshots


def _same_report(a, b) -> None:
    da, db = report_dict(a), report_dict(b)
    da["capture"]["file"] = db["capture"]["file"] = "x"
    assert da == db


@pytest.mark.parametrize(
    "source,split,break_at,ends_early",
    [(SHOWCASE, pcap_records, 70, True), (PCAPNG, pcapng_blocks, 6, False)],
    ids=["pcap", "pcapng"],
)
def test_follow_a_growing_file(
    tmp_path: Path, source: Path, split, break_at: int, ends_early: bool
) -> None:
    path = tmp_path / source.name
    path.write_bytes(b"")
    keys = source.with_suffix(".keys")
    writer = Writer(path, split(source.read_bytes()), 0.002, break_at)
    writer.start()
    final, early, snapshots = _follow(path, writer, keys)
    writer.join()
    assert final is not None and final.report is not None
    report = final.report
    # Sessions were reported while the file was still being written: ended ones (the pcap's
    # first sessions close before the pause), and in-progress ones (the pcapng's only one).
    assert bool(early) == ends_early
    assert snapshots > 0
    # The half-written record was waited for, not taken for damage; the result is the
    # whole file's.
    assert report.capture.warnings == []
    assert report.capture.truncated is False
    assert report.capture.damaged == 0
    _same_report(report, analyze(source))


def test_provisional_diagnosis_is_marked_then_final(tmp_path: Path) -> None:
    path = tmp_path / "s.pcap"
    path.write_bytes(b"")
    writer = Writer(path, pcap_records(SHOWCASE.read_bytes()), 0.002, 70)
    writer.start()
    provisional = []
    final = None

    def stop() -> bool:
        return not writer.is_alive() and writer.written == writer.total

    time.sleep(0.01)
    for batch in scan(path, follow=True, should_stop=stop, interval=0.05):
        provisional += [s.diagnosis.provisional for s in batch.ended if s.diagnosis]
        if batch.report is not None:
            final = batch.report
    writer.join()
    assert True in provisional
    assert final is not None
    assert all(s.diagnosis is not None and not s.diagnosis.provisional for s in final.sessions)


def test_follow_reports_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "t.pcap"
    path.write_bytes(SHOWCASE.read_bytes())

    def cut() -> None:
        time.sleep(0.6)
        with open(path, "r+b") as fh:
            fh.truncate(100)

    t = threading.Thread(target=cut)
    t.start()
    final = None
    for batch in scan(path, follow=True, interval=0.05):
        final = batch
    t.join()
    assert final is not None and final.report is not None
    warnings = final.report.capture.warnings
    assert (
        len(warnings) == 1 and "was truncated" in warnings[0] and "stopped following" in warnings[0]
    )
    assert len(final.report.sessions) == 11  # what was read is kept


def test_follow_reports_a_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "r.pcap"
    path.write_bytes(SHOWCASE.read_bytes())
    other = tmp_path / "other.pcap"
    other.write_bytes(SHOWCASE.read_bytes())

    def swap() -> None:
        time.sleep(0.6)
        os.replace(other, path)

    t = threading.Thread(target=swap)
    t.start()
    final = None
    for batch in scan(path, follow=True, interval=0.05):
        final = batch
    t.join()
    assert final is not None and final.report is not None
    assert any("replaced by another file" in w for w in final.report.capture.warnings)


def _jsonl_proc() -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tlstui",
            "-",
            "--jsonl",
            "--keylog",
            str(SHOWCASE.with_suffix(".keys")),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_pipe_jsonl_streams_before_the_pipe_closes() -> None:
    """``tcpdump -U -w - | tlstui - --jsonl``: lines come out while the pipe is open."""
    data = SHOWCASE.read_bytes()
    records = pcap_records(data)
    proc = _jsonl_proc()
    assert proc.stdin is not None and proc.stdout is not None
    head = b"".join(records[:71])
    proc.stdin.write(head)
    proc.stdin.flush()
    first: list[bytes] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=20)
    # A session line arrived while most of the capture was still unwritten.
    assert first and first[0].startswith(b'{"id": ')
    assert proc.poll() is None
    proc.stdin.write(data[len(head) :])
    proc.stdin.close()
    rest = proc.stdout.read()
    assert proc.wait(timeout=30) == 0
    lines = [json.loads(x) for x in (first[0] + rest).splitlines()]
    sessions, capture = lines[:-1], lines[-1]
    assert len(sessions) == 11 and len({s["id"] for s in sessions}) == 11
    assert capture["capture"]["sessions"] == 11 and capture["capture"]["truncated"] is False
    # Each line is a session exactly as --json gives it (here ids agree: no interleaving).
    whole = report_dict(analyze(SHOWCASE))["sessions"]
    by_id = {s["id"]: s for s in whole}
    provisional = 0
    for s in sessions:
        want = by_id[s["id"]]
        if s["diagnosis"].pop("provisional", False):
            # Made before the other sessions were known: the ladder and verdict fields are
            # final, the diagnosis may differ from the one made with every session.
            provisional += 1
            for key in ("diagnosis", "candidates"):
                s.pop(key)
                want = {k: v for k, v in want.items() if k != key}
        assert s == want
    assert provisional > 0


def test_pipe_closing_mid_packet_ends_with_a_note() -> None:
    data = SHOWCASE.read_bytes()
    records = pcap_records(data)
    cut = sum(map(len, records[:60])) + 25  # inside record 60
    proc = _jsonl_proc()
    out, err = proc.communicate(data[:cut], timeout=30)
    assert proc.returncode == 0
    lines = [json.loads(x) for x in out.splitlines()]
    assert "capture" in lines[-1]
    assert lines[-1]["capture"]["truncated"] is True
    assert lines[-1]["capture"]["packets"] == 59
    assert err.decode().count("\n") == 1
    assert "ended in the middle of a packet" in err.decode()
    assert "Traceback" not in err.decode()


UDP = CAPTURES / "udp"


def _caught_up(writer: Writer):
    """should_stop for scan: true 0.6 s after the writer finished (the reader catches up)."""
    done_at: list[float] = []

    def should_stop() -> bool:
        if writer.is_alive():
            return False
        done_at.append(time.monotonic())
        return done_at[0] + 0.6 < time.monotonic()

    return should_stop


@pytest.mark.parametrize("name", ["quic-ok", "dtls12-ok"])
def test_follow_shows_quic_and_dtls_rows_while_written(tmp_path: Path, name: str) -> None:
    """A QUIC or DTLS handshake being written shows as an in-progress row with a stream id
    before the file is complete (it used to appear only in the final report)."""
    source = UDP / f"{name}.pcap"
    path = tmp_path / source.name
    path.write_bytes(b"")
    # A long pause after the 4th record: the handshake is half written for 1.6 s.
    writer = Writer(path, pcap_records(source.read_bytes()), 0.002, 4)
    writer.start()
    early: list = []
    final = None

    for batch in scan(path, follow=True, should_stop=_caught_up(writer), interval=0.05):
        if writer.written < writer.total:
            early += batch.updated
        if batch.report is not None:
            final = batch
    writer.join()
    assert final is not None and final.report is not None
    transport = "quic" if name.startswith("quic") else "udp"
    rows = [s for s in early if s.transport == transport]
    assert rows and all(s.in_progress for s in rows)
    assert {s.id for s in rows} == {rows[0].id} and rows[0].id > 0
    # The ladder grew while it was written: the first snapshot has fewer rows than the last.
    assert len(rows[0].events) < len(final.report.sessions[0].events)
    assert rows[0].events == final.report.sessions[0].events[: len(rows[0].events)]
    (s,) = final.report.sessions
    assert final.renumbered.get(rows[0].id, rows[0].id) == s.id == 1
    assert not s.in_progress and s.status == "ok"
    _same_report(final.report, analyze(source, keylog=False))  # the copy has no key log beside it


def _shifted(records: list[bytes], seconds: int) -> list[bytes]:
    """Pcap records (little-endian) with *seconds* added to their timestamps."""
    out = []
    for rec in records:
        sec = struct.unpack_from("<I", rec)[0]
        out.append(struct.pack("<I", sec + seconds) + rec[4:])
    return out


def test_follow_finalises_a_quic_connection_when_its_4_tuple_starts_again(
    tmp_path: Path,
) -> None:
    """The same QUIC handshake again on the same addresses and ports 200 s later (past the
    idle limit): the first connection is over, and a live view gets it as an ended (final)
    session before the input ends, with the status the whole file's report gives it."""
    records = pcap_records((UDP / "quic-ok.pcap").read_bytes())
    header, first = records[0], records[1:]
    pieces = [header, *first, *_shifted(first, 200)]
    whole = tmp_path / "whole.pcap"
    whole.write_bytes(b"".join(pieces))
    expected = analyze(whole)
    assert [s.transport for s in expected.sessions] == ["quic", "quic"]

    path = tmp_path / "growing.pcap"
    path.write_bytes(b"")
    writer = Writer(path, pieces, 0.002, len(first) + 2)  # pause inside the second handshake
    writer.start()
    ended_live = []
    final = None

    for batch in scan(path, follow=True, should_stop=_caught_up(writer), interval=0.05):
        if batch.report is None:
            # (the session, and whether its diagnosis was provisional when it came)
            ended_live += [(s, bool(s.diagnosis and s.diagnosis.provisional)) for s in batch.ended]
        else:
            final = batch
    writer.join()
    assert final is not None and final.report is not None
    ((s, provisional),) = ended_live
    assert s.transport == "quic" and not s.in_progress and provisional
    assert (s.first_frame, s.status) == (1, expected.sessions[0].status) == (1, "ok")
    assert s is final.report.sessions[0]  # the same session, final id 1
    _same_report(final.report, expected)


@pytest.mark.parametrize("name", ["quic-ok", "quic-alpn-mismatch", "dtls12-untrusted-ca"])
def test_jsonl_writes_quic_and_dtls_sessions(name: str) -> None:
    """--jsonl printed no line for a QUIC or DTLS session (they never reached a batch's
    ended list): each now has its line, the same as its entry in --json."""
    import io

    from tlstui.output.jsonl import write_jsonl

    source = UDP / f"{name}.pcap"
    out = io.StringIO()
    write_jsonl(source, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    whole = report_dict(analyze(source))
    assert lines[-1]["capture"]["sessions"] == len(whole["sessions"]) == len(lines) - 1
    assert lines[:-1] == whole["sessions"]


@pytest.mark.parametrize(
    "name,keys",
    [("quic-untrusted-ca", True), ("dtls12-untrusted-ca", False), ("quic-untrusted-ca", False)],
    ids=["quic-close-read-with-keys", "dtls-fatal-alert", "quic-close-protected-then-silence"],
)
def test_follow_ends_a_closed_or_silent_quic_or_dtls_connection(
    tmp_path: Path, name: str, keys: bool
) -> None:
    """A QUIC or DTLS handshake that failed while the file was followed is shown as failed,
    with its (provisional) diagnosis, once it closed and a second passed (a CONNECTION_CLOSE
    read with the key log, a DTLS fatal alert), or after 5 s of silence (the close sits in a
    protected packet): it stayed an open row until the user stopped following."""
    source = UDP / f"{name}.pcap"
    path = tmp_path / source.name
    path.write_bytes(b"")
    if keys:
        (tmp_path / f"{name}.keys").write_bytes(source.with_suffix(".keys").read_bytes())
    writer = Writer(path, pcap_records(source.read_bytes()), 0.002, 1)
    writer.start()
    ended: list = []
    written_at: list[float] = []

    def should_stop() -> bool:
        if writer.is_alive():
            return False
        written_at.append(time.monotonic())
        return bool(ended) or written_at[0] + 8.0 < time.monotonic()

    final = None
    for batch in scan(path, follow=True, should_stop=should_stop, interval=0.05):
        if batch.report is None:
            ended += [
                (s, s.status, s.diagnosis.best.cause if s.diagnosis else None) for s in batch.ended
            ]
        else:
            final = batch
    writer.join()
    expected = analyze(source, keylog=None if keys else False).sessions[0]
    assert expected.status == "failed"
    ((s, status, cause),) = ended
    assert (status, cause) == (expected.status, expected.diagnosis.best.cause)
    assert final is not None and final.report is not None
    assert final.report.sessions == [s]
    whole = analyze(source, keylog=None if keys else False)
    assert report_dict(final.report)["sessions"] == report_dict(whole)["sessions"]


def test_stopping_a_pipe_mid_packet_is_not_a_truncation() -> None:
    """Esc while reading a pipe that holds half a packet: the rest was not read, the input was
    not cut (the header said "file truncated" and a warning said it ended mid-packet)."""
    data = SHOWCASE.read_bytes()
    records = pcap_records(data)
    cut = sum(map(len, records[:60])) + 25  # inside record 60
    r, w = os.pipe()
    try:
        os.write(w, data[:cut])
        started = time.monotonic()
        final = None
        for batch in scan(
            "-", stdin_fd=r, should_stop=lambda: time.monotonic() > started + 1.0, interval=0.05
        ):
            final = batch
    finally:
        os.close(w)
        with contextlib.suppress(OSError):
            os.close(r)  # the scan closes what it read from
    assert final is not None and final.report is not None
    capture = final.report.capture
    assert capture.packets == 59
    assert capture.truncated is False
    assert not any("middle of a packet" in x for x in capture.warnings)
