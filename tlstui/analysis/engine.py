"""The analysis pipeline: capture -> TCP connections -> TLS records -> sessions -> diagnosis.

``analyze()`` is the one entry point the CLI, the report and the TUI use.  The loop below is
the per-packet hot path: it decodes headers in place, looks the connection up by a tuple of
raw address bytes and ports, and hands payload views to the stream reassembler.  Connections
that are not TLS are dropped after a bounded look, so memory follows sessions, not packets.
"""

from __future__ import annotations

import gc
import os
import struct
import time as _time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlstui.analysis.diagnosis import diagnose_report, diagnose_session
from tlstui.analysis.diagnosis.registry import NeighbourIndex
from tlstui.analysis.model import CaptureInfo, Endpoint, KeylogInfo, Report, Session
from tlstui.analysis.sessions import CLIENT, SERVER, SessionBuilder
from tlstui.analysis.udp_sessions import UdpTracker
from tlstui.tls.keylog import KeyLog
from tlstui.tls.records import RecordReader, looks_like_client_hello
from tlstui.wire.capture import Capture, CaptureError, open_capture
from tlstui.wire.packet import ACK, FIN, RST, SYN, decode_tcp, format_ip
from tlstui.wire.tcp import HalfStream

__all__ = ["Batch", "CaptureError", "Progress", "analyze", "scan"]

SNIFF_LIMIT = 64 * 1024  # bytes looked at per connection before deciding "not TLS"
# Connection states.  DONE: the session was finalised while reading (its connection closed);
# later packets only move its last frame.  DEAD >= and DONE >= DEAD skip the TLS work.
SNIFF, TLS, DEAD, DONE = 0, 1, 2, 3
CLOSE_GRACE = 1.0  # capture seconds after both sides closed before a session is final
HALF_CLOSE_IDLE = 5.0  # live only: one side closed and this long quiet: final too
# Ethernet type, IPv4 version/IHL, total length, fragment field, protocol, addresses, then
# TCP ports, seq, ack, data offset, flags: the common frame's headers in one unpack.
_eth_ip_tcp = struct.Struct("!12xHBxH2xHxB2x8sHHIIBB").unpack_from
MAX_CONNECTIONS = 2_000_000  # live connection states; beyond, new non-TLS flows are ignored


@dataclass(slots=True)
class Progress:
    bytes_done: int
    bytes_total: int | None  # None: a pipe (the end is not known)
    packets: int
    sessions: int
    rate: float = 0.0  # bytes read per second so far
    live: bool = False  # a pipe or a followed file: more may come
    idle: float | None = None  # live: seconds since bytes last arrived


@dataclass(slots=True)
class Batch:
    """What ``scan`` found since its previous batch.

    ``ended``: sessions whose connection ended (both sides closed and quiet for a moment; for
    QUIC and DTLS, closed and quiet, silent, or their addresses and ports started a new
    handshake: ``UdpTracker.live_rows``; or the input ended); their ladder and status are
    final, their diagnosis is provisional until the last batch.  ``updated``: in-progress
    snapshots (``Session.in_progress``) of open connections, TCP, QUIC or DTLS, whose ladder
    grew, and ended sessions whose provisional diagnosis changed.
    ``report``: only on the last batch: every session in first-frame order, ids renumbered
    (``renumbered`` maps the stream's ids to the final ones) and the final diagnosis.
    """

    progress: Progress
    ended: list[Session] = field(default_factory=list)
    updated: list[Session] = field(default_factory=list)
    report: Report | None = None
    renumbered: dict[int, int] = field(default_factory=dict)


class _Conn:
    __slots__ = (
        "state",
        "first_frame",
        "last_frame",
        "start",
        "end",
        "halves",
        "builder",
        "readers",
        "client_dir",
        "sniffed",
        "closed",
        "isn",
        "keys",
        "closing",
        "shown",
        "session",
    )

    def __init__(self, frame: int, ts: float, keys: tuple) -> None:
        self.state = SNIFF
        self.first_frame = frame
        self.last_frame = frame
        self.start = ts
        self.end = ts
        self.halves: list[HalfStream] = [HalfStream(), HalfStream()]
        self.builder: SessionBuilder | None = None
        # The record readers by direction (readers[d] is halves[d].consumer), typed as what
        # they are, set once when the connection turns TLS: the hot loop reads them unnarrowed.
        self.readers: tuple[RecordReader, ...] = ()
        self.client_dir = 0
        self.sniffed = 0
        self.closed = 0  # bit 1: dir 0 FIN/RST, bit 2: dir 1
        self.isn: list[int | None] = [None, None]
        self.keys = keys  # (forward key, reverse key)
        self.closing = False  # on the engine's list of closed connections to finalise
        self.shown = -1  # ladder length of the last in-progress snapshot (live scans)
        self.session: Session | None = None  # set when finalised (state DONE)


def _start_tls(conn: _Conn, client_dir: int, data, key: tuple, keep_sealed: bool) -> None:
    """A ClientHello (or a ServerHello with no hello before it) was seen: make a session."""
    fkey, rkey = conn.keys
    ckey = fkey if client_dir == 0 else rkey
    raw, cport, sport = ckey
    n = len(raw) // 2
    session = Session(
        id=0,
        client=Endpoint(format_ip(raw[:n]), cport),
        server=Endpoint(format_ip(raw[n:]), sport),
        first_frame=conn.first_frame,
        last_frame=conn.last_frame,
        start=conn.start,
        end=conn.end,
    )
    builder = SessionBuilder(session, keep_sealed)
    readers = [RecordReader(builder, CLIENT), RecordReader(builder, SERVER)]
    builder.readers = readers
    conn.builder = builder
    conn.readers = (readers[client_dir], readers[1 ^ client_dir])
    conn.client_dir = client_dir
    conn.state = TLS
    for d in (0, 1):
        conn.halves[d].consumer = readers[d ^ client_dir]


def analyze(
    path: str | Path,
    *,
    keylog: Path | Sequence[Path] | bool | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    diagnose: bool = True,
    follow: bool = False,
) -> Report:
    """Read *path* and return the report; raise CaptureError for input that is not a capture
    or for a key log given by name that cannot be read.

    A consumer of ``scan``: the same pipeline, with the incremental extras (in-progress
    snapshots, provisional diagnosis) off, since only the final report is wanted.
    """
    report = None
    for batch in scan(
        path,
        keylog=keylog,
        follow=follow,
        should_stop=should_stop,
        diagnose=diagnose,
        incremental=False,
    ):
        if progress is not None:
            progress(batch.progress)
        report = batch.report
    assert report is not None
    return report


def scan(
    path: str | Path,
    *,
    keylog: Path | Sequence[Path] | bool | None = None,
    follow: bool = False,
    incremental: bool = True,
    should_stop: Callable[[], bool] | None = None,
    diagnose: bool = True,
    interval: float = 0.25,
    stdin_fd: int | None = None,
) -> Iterator[Batch]:
    """Read *path* and yield a Batch about every *interval* seconds; the last one holds the report.

    *follow*: read *path* as it grows (like ``tail -f``), or ``-`` as a stream, until
    *should_stop* says so, the pipe ends, or the file is truncated or replaced (a warning).
    *incremental*: also yield ended sessions with a provisional diagnosis and snapshots of
    open ones (what a live view needs); ``analyze`` turns it off.  *stdin_fd*: where the
    capture is when ``-`` was moved off descriptor 0 (the TUI reads its keys from there).
    Raises CaptureError (before the first batch) for input that is not a capture or for a
    key log given by name that cannot be read.
    """
    meta: Capture
    source: Any  # a Capture (one chunk, mapped) or a StreamCapture: both give chunks()
    live = follow or (incremental and str(path) == "-")
    if live:
        from tlstui.wire.stream import open_stream

        source = open_stream(path, follow=follow, fd=stdin_fd)
        meta = source.cap
    else:
        source = meta = open_capture(path)
    info = CaptureInfo(file=str(path), format=meta.format)
    keys = _keys(path, keylog, meta, info)
    # The analysis allocates many long-lived small objects and frees few: the cyclic
    # collector would rescan them again and again (measured: 3.5 s vs 12-20 s for 20,000
    # sessions), so it is paused for the analysis and run once afterwards.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield from _scan(source, meta, info, should_stop, keys, incremental, diagnose, interval)
    finally:
        if live:
            source.close()
        if gc_was_enabled:
            gc.enable()


def _keys(
    path: str | Path,
    keylog: Path | Sequence[Path] | bool | None,
    cap: Capture,
    info: CaptureInfo,
) -> KeyLog | None:
    """The parsed key log for the scan (None: nothing to decrypt with); records where it
    came from in ``info.keylog`` and warns about a file that holds no key log line."""
    found = _keylog_for(path, keylog, cap, info.warnings)
    if found is None:
        return None
    lines, sources = found
    keys = KeyLog.parse(lines)
    info.keylog = KeylogInfo(paths=sources, lines=keys.lines)
    if not keys.lines and any(line.strip() for line in lines):
        # Text that is not a key log (an empty one, as a stack that logged nothing
        # leaves, is no surprise and is only shown in the header).
        info.warnings.append(
            f"key log {', '.join(sources)} has no usable line (expected SSLKEYLOGFILE "
            "lines such as CLIENT_RANDOM or CLIENT_HANDSHAKE_TRAFFIC_SECRET)"
        )
    return keys if keys.lines else None


KEYLOG_MAX_BYTES = 64 << 20


def keylog_candidates(path: str | Path) -> list[Path]:
    """Where a key log for *path* is looked for, in order: the names people give them
    (``NAME.keys``, ``NAME.keylog``, ``NAME.pcapng.keys``, ``NAME.pcapng.keylog``), then
    ``$SSLKEYLOGFILE`` when it is set."""
    found: list[Path] = []
    if str(path) != "-":
        p = Path(path)
        for suffix in (".keys", ".keylog"):
            found += [p.with_suffix(suffix), p.with_name(p.name + suffix)]
    env = os.environ.get("SSLKEYLOGFILE")
    if env:
        found.append(Path(env))
    return list(dict.fromkeys(found))


def _read_keylog(path: Path) -> list[str]:
    if path.stat().st_size >= KEYLOG_MAX_BYTES:
        raise OSError(f"larger than {KEYLOG_MAX_BYTES >> 20} MiB")
    return path.read_text("utf-8", "replace").splitlines()


def _keylog_for(
    path: str | Path,
    keylog: Path | Sequence[Path] | bool | None,
    cap: Capture,
    warnings: list[str],
) -> tuple[list[str], list[str]] | None:
    """The key log lines to use and where they came from, or None when there are none.

    Key logs named by the caller (``--keylog``) must be readable: a typo must not silently
    turn the answer from "certain" into "likely", so an unreadable one raises CaptureError.
    Without one, the first file beside the capture (see ``keylog_candidates``) and
    ``$SSLKEYLOGFILE`` are read; a pcapng's Decryption Secrets Block is always added.
    ``keylog=False`` turns key logs off entirely (to see what the capture alone shows).
    """
    if keylog is False:
        return None
    lines: list[str] = list(cap.keylog_lines)
    sources: list[str] = [f"{path} (embedded secrets)"] if lines else []
    if keylog is True:  # "the default": the same as not saying
        keylog = None
    if isinstance(keylog, (str, Path)):
        keylog = [Path(keylog)]
    if keylog:
        for given in keylog:
            try:
                lines += _read_keylog(Path(given))
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise CaptureError(f"{given}: cannot read the key log: {reason}") from None
            sources.append(str(given))
    else:
        env = os.environ.get("SSLKEYLOGFILE")
        env_path = Path(env) if env else None
        beside_done = False
        for c in keylog_candidates(path):
            from_env = c == env_path
            if beside_done and not from_env:
                continue
            try:
                if not c.is_file():
                    continue
                lines += _read_keylog(c)
            except OSError as exc:
                warnings.append(f"key log {c} was not read: {exc.strerror or exc}")
                continue
            sources.append(str(c))
            beside_done = beside_done or not from_env
    return (lines, sources) if sources else None


def _scan(
    source,
    cap: Capture,
    info: CaptureInfo,
    should_stop,
    keys,
    incremental: bool,
    diagnose: bool,
    interval: float,
) -> Iterator[Batch]:
    conns: dict[tuple, tuple[_Conn, int]] = {}
    out = _Emitter(cap, info, keys, incremental, source is not cap)
    closing = out.closing
    frame = 0
    damaged = 0
    snapcut = 0
    first_ts: float | None = None
    ts = 0.0
    unsupported: set[int] = set()
    stopped = False
    live = source is not cap
    next_tick = _time.monotonic() + interval

    # QUIC, DTLS and tunnels: the frames decode_tcp does not take.  Live rows for them only
    # when a view shows sessions as they come.
    udp = UdpTracker(keys, live=incremental)
    out.udp = udp
    for data, frames in source.chunks():
        mv = memoryview(data)
        for ts, off, caplen, _origlen, link in frames:
            frame += 1
            if first_ts is None:
                first_ts = ts
            if not frame & 0xFFF:
                cap.release(off)
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                if _time.monotonic() >= next_tick:
                    out.packets = frame
                    yield out.batch(ts, source, conns)
                    next_tick = _time.monotonic() + interval
            r = None
            if link == 1 and caplen >= 54:
                # Fast path: Ethernet + IPv4 without options + TCP, one unpack for all headers.
                etype, vihl, total, frag, proto, key, sport, dport, seq, ack, doff, flags = (
                    _eth_ip_tcp(data, off)
                )
                if etype == 0x0800 and vihl == 0x45 and proto == 6 and not frag & 0x1FFF:
                    pay = off + 34 + (doff >> 4) * 4
                    ip_end = off + 14 + total
                    if doff >= 0x50 and pay <= ip_end <= off + caplen:
                        plen = ip_end - pay
                        cut = 0
                        r = True
            if r is None:
                r = decode_tcp(data, off, caplen, link, _origlen)
                if r.__class__ is not tuple:
                    if r is None:
                        # Not TCP (the TCP path never gets here): QUIC or DTLS, or a tunnel
                        # whose inner TCP segment comes back for the code below.
                        r = udp.packet(data, off, caplen, link, frame, ts)
                    elif r == 0:
                        damaged += 1
                    elif r == -2:
                        unsupported.add(link)
                    if r.__class__ is not tuple:
                        continue
                key, sport, dport, seq, ack, flags, pay, plen, cut = r
            k = (key, sport, dport)
            ent = conns.get(k)
            if ent is None:
                if not plen and not flags & SYN:
                    continue
                if len(conns) >= 2 * MAX_CONNECTIONS:
                    continue
                conn, d = _new_conn(conns, k, frame, ts), 0
            else:
                conn, d = ent
                if (
                    flags & SYN
                    and not flags & ACK
                    and conn.isn[d] is not None
                    and seq != conn.isn[d]
                ):
                    # The same addresses and ports again: a new connection (port reuse).
                    out.retire(conn, conns)
                    conn, d = _new_conn(conns, k, frame, ts), 0
            conn.last_frame = frame
            conn.end = ts
            state = conn.state
            if state >= DEAD:
                if state == DEAD and flags & (FIN | RST):
                    conn.closed |= 1 << d
                    if flags & RST or conn.closed == 3:
                        conns.pop(conn.keys[0], None)
                        conns.pop(conn.keys[1], None)
                continue
            half = conn.halves[d]
            if flags & SYN:
                conn.isn[d] = seq
                half.syn(seq)
            if plen:
                if state == SNIFF:
                    head = mv[pay : pay + 8]
                    if looks_like_client_hello(head):
                        half.next_seq = seq
                        _start_tls(conn, d, head, k, keys is not None)
                        out.started(conn)
                        state = TLS
                    elif (
                        len(head) >= 6
                        and head[0] == 22
                        and head[1] == 3
                        and head[5] == 2
                        and conn.sniffed == 0
                    ):
                        # Capture began after the ClientHello: the sender is the server.
                        half.next_seq = seq
                        _start_tls(conn, d ^ 1, head, k, keys is not None)
                        out.started(conn)
                        state = TLS
                    else:
                        conn.sniffed += plen
                        half.next_seq = (seq + plen) % (1 << 32)
                        if conn.sniffed > SNIFF_LIMIT:
                            conn.state = DEAD
                            conn.halves = []
                            continue
                if state == TLS:
                    rdr = conn.readers[d]
                    if (
                        seq == half.next_seq
                        and not cut
                        and (
                            # Bulk data inside a record being skipped: copy nothing.
                            rdr.skip > plen
                            # Whole application-data records after the handshake: count them.
                            or (
                                not half.pending
                                and rdr.whole_appdata(mv, pay, pay + plen, frame, ts)
                            )
                        )
                    ):
                        if rdr.skip:
                            rdr.skip -= plen
                        half.next_seq = (seq + plen) & 0xFFFFFFFF
                        half.bytes += plen
                    else:
                        half.segment(seq, mv[pay : pay + plen], frame, ts)
                    if cut:
                        snapcut += 1
                        nxt = half.next_seq
                        assert nxt is not None  # set by the skip above or by segment()
                        half.next_seq = (nxt + cut) % (1 << 32)
                        if half.consumer is not None:
                            half.consumer.gap(cut, frame)
            elif cut:
                snapcut += 1
            if state == TLS:
                if flags & ACK:
                    other = conn.halves[d ^ 1]
                    if other.pending:
                        other.acked(ack, frame)
                if flags & (FIN | RST):
                    b = conn.builder
                    assert b is not None  # state TLS implies _start_tls ran; checked once per close
                    side = d ^ conn.client_dir
                    b.on_close(side, "RST" if flags & RST else "FIN", frame, ts)
                    if not conn.closing:
                        conn.closing = True
                        closing.append(conn)
            if flags & (FIN | RST):
                conn.closed |= 1 << d
        else:
            # The chunk is read: the whole file for a mapped capture, one step of a stream.
            if not live:
                continue
            if should_stop is not None and should_stop():
                stopped = True
            else:
                if _time.monotonic() >= next_tick:
                    out.packets = frame
                    yield out.batch(ts, source, conns)
                    next_tick = _time.monotonic() + interval
                continue
        stopped = True
        break
    if stopped and live:
        source.end("stopped")

    info.packets = frame
    info.damaged = damaged
    info.snaplen_truncated = snapcut
    info.first_time = first_ts
    info.last_time = ts if frame else None
    _summarize(cap, info, unsupported)
    out.packets = frame
    yield out.final(conns, source, diagnose)


def _summarize(cap: Capture, info: CaptureInfo, unsupported: set[int]) -> None:
    """After the last frame: what the capture reader and the loop noticed, as warnings.
    (Finishing the sessions still open and numbering them is ``_Emitter.final``.)"""
    info.truncated = cap.truncated
    info.link_types = cap.link_type_names()
    info.warnings.extend(cap.warnings)
    for lt in sorted(unsupported):
        info.warnings.append(f"link type {lt} is not supported; its frames were skipped")
    if info.snaplen_truncated:
        info.warnings.append(
            f"{info.snaplen_truncated} frames were cut short by the capture's snaplen; TLS "
            f"records in them are incomplete (capture with -s 0 to see everything)"
        )


class _Emitter:
    """The scan's outputs between packets: finalises closed connections, snapshots open ones,
    diagnoses provisionally (incremental scans) and builds the final report.

    Work here happens at batch points (every ``interval`` seconds), never per packet; each
    step is bounded by the connections that closed or changed since the previous one.
    """

    def __init__(
        self, cap: Capture, info: CaptureInfo, keys, incremental: bool, live: bool
    ) -> None:
        self.cap = cap
        self.info = info
        self.keys = keys
        self.incremental = incremental
        self.live = live
        self.closing: list[_Conn] = []  # TLS connections with a FIN or RST, not final yet
        self.open: list[_Conn] = []  # incremental: TLS connections not final yet
        self.done: list[_Conn] = []  # finalised, in the order they ended
        self.ended: list[Session] = []  # incremental: finalised since the last batch
        self.udp_done: list[Session] = []  # incremental: QUIC/DTLS sessions finalised so far
        self.packets = 0
        self.ids = 0  # stream ids given so far: TCP sessions when recognised, UDP when shown
        self.started_at = _time.monotonic()
        self.udp: UdpTracker | None = None  # set by the scan

    def started(self, conn: _Conn) -> None:
        """A connection turned out to be TLS: its session gets the next id (detection order;
        the final report renumbers by first frame)."""
        assert conn.builder is not None
        conn.builder.s.id = self._next_id()
        if self.incremental:
            self.open.append(conn)

    def _next_id(self) -> int:
        self.ids += 1
        return self.ids

    def finalise(self, conn: _Conn) -> None:
        session = _finish(conn, self.keys)
        if session.secrets is None and self.info.keylog is not None:
            session.secrets = "missing"  # a key log was given but had no usable line
        if self.udp is not None and self.udp.tunnels:
            self.udp.note_tunnel(conn.keys, session)
        conn.state = DONE
        conn.halves = []  # DONE skips all TCP work; the reassembly state can go
        conn.session = session
        _drop_builder(conn)
        self.done.append(conn)
        if self.incremental:
            self.ended.append(session)

    def retire(self, conn: _Conn, conns: dict) -> None:
        """The 4-tuple came back with a new SYN: the old connection is over."""
        conns.pop(conn.keys[0], None)
        conns.pop(conn.keys[1], None)
        if conn.state == TLS:
            self.finalise(conn)

    def _close_due(self, latest: float, idle: float | None) -> None:
        """Finalise connections closed both ways and quiet for CLOSE_GRACE (capture time, or
        wall time while a live input is idle): late ACKs and the peer's close still land in
        the session first.  Live views also finalise a half-closed connection quiet for
        HALF_CLOSE_IDLE; the batch scan keeps those open (a half-close can carry on)."""
        keep = []
        for conn in self.closing:
            if conn.state != TLS:
                continue
            quiet = latest - conn.end
            if idle is not None:
                quiet = max(quiet, idle)
            assert conn.builder is not None
            if len(conn.builder.s.closed_by) == 2:
                if quiet >= CLOSE_GRACE:
                    self.finalise(conn)
                    continue
            elif quiet >= HALF_CLOSE_IDLE:
                if self.incremental:
                    self.finalise(conn)
                else:
                    conn.closing = False  # listed again at its next FIN or RST
                continue
            keep.append(conn)
        self.closing[:] = keep

    def _snapshots(self) -> list[Session]:
        """Copies of open sessions whose ladder grew: the UI thread reads these while the
        scan goes on appending to the originals."""
        out = []
        keep = []
        for conn in self.open:
            if conn.state != TLS or conn.builder is None:
                continue
            keep.append(conn)
            s = conn.builder.s
            n = len(s.events)
            if n != conn.shown:
                conn.shown = n
                out.append(s.in_progress_copy(last_frame=conn.last_frame, end=conn.end))
        self.open[:] = keep
        return out

    def _provisional(self, ended: list[Session]) -> list[Session]:
        """Diagnose the sessions that just ended against those known so far, and again the
        failures near them: rules compare with the nearest success and with the chain other
        sessions to the same server were sent, so a new neighbour can change the answer."""
        report = Report(
            self.info, [c.session for c in self.done if c.session is not None] + self.udp_done
        )
        index = NeighbourIndex.build(report)
        for s in ended:
            s.diagnosis = diagnose_session(s, report, index)
            s.diagnosis.provisional = True
        fresh = {id(s) for s in ended}
        changed: list[Session] = []
        for o in ended:
            sni = o.client_hello.sni if o.client_hello else None
            for f in index.near(index.by_target, (o.server, sni), o):
                if f.status == "ok" or id(f) in fresh:
                    continue
                fresh.add(id(f))
                old = f.diagnosis
                d = diagnose_session(f, report, index)
                d.provisional = True
                f.diagnosis = d
                if old is None or (old.best.cause, old.best.confidence, old.best.summary) != (
                    d.best.cause,
                    d.best.confidence,
                    d.best.summary,
                ):
                    changed.append(f)
        return changed

    def _progress(self, source, idle: float | None, final: bool = False) -> Progress:
        done = source.position
        total = source.size if not final or source.size is not None else done
        elapsed = max(_time.monotonic() - self.started_at, 1e-6)
        return Progress(done, total, self.packets, self.ids, done / elapsed, self.live, idle)

    def batch(self, latest: float, source, conns: dict) -> Batch:
        idle = _time.monotonic() - source.last_data if self.live else None
        self._close_due(latest, idle)
        snapshots: list[Session] = []
        if self.incremental and self.udp is not None:
            udp_ended, snapshots = self.udp.live_rows(
                self._next_id, latest, idle, CLOSE_GRACE, HALF_CLOSE_IDLE
            )
            self.udp_done += udp_ended
            self.ended += udp_ended
        batch = Batch(self._progress(source, idle))
        if self.incremental:
            batch.ended, self.ended = self.ended, []
            if batch.ended:
                batch.updated = self._provisional(batch.ended)
            batch.updated += self._snapshots() + snapshots
        return batch

    def final(self, conns: dict, source, diagnose: bool) -> Batch:
        """The end of input: every connection still open is finalised, ids follow first
        frames, and the diagnosis is made once more with every session known."""
        rest = {id(c): c for c, _d in conns.values() if c.state == TLS and c.builder is not None}
        for conn in sorted(rest.values(), key=lambda c: c.first_frame):
            self.finalise(conn)
        sessions = []
        for conn in self.done:
            s = conn.session
            assert s is not None  # set by finalise
            s.last_frame = conn.last_frame  # packets after it was finalised still count
            s.end = conn.end
            sessions.append(s)
        if self.udp is not None:
            udp_sessions = self.udp.finish()  # QUIC and DTLS sessions
            if self.incremental:
                # Those live_rows has not reported as ended end now, like open TCP ones.
                reported = {id(s) for s in self.udp_done}
                for s in udp_sessions:
                    if not s.id:
                        s.id = self._next_id()
                    if id(s) not in reported:
                        self.ended.append(s)
            if self.info.keylog is not None:
                for s in udp_sessions:
                    s.secrets = "missing" if self.keys is None else _secrets_state(s, self.keys)
            sessions.extend(udp_sessions)
        sessions.sort(key=lambda s: s.first_frame)
        renumbered = {}
        for i, s in enumerate(sessions, 1):
            if s.id and s.id != i:  # 0: a QUIC/DTLS session no live view was shown
                renumbered[s.id] = i
            s.id = i
        if self.info.keylog is not None:
            self.info.keylog.sessions_decrypted = sum(s.secrets == "decrypted" for s in sessions)
        report = Report(self.info, sessions)
        if diagnose:
            diagnose_report(report)
        batch = Batch(self._progress(source, None, final=True), report=report)
        batch.renumbered = renumbered
        batch.ended, self.ended = self.ended, []
        return batch


def _new_conn(conns: dict, k: tuple, frame: int, ts: float) -> _Conn:
    """Register a connection under both directions' keys; *k*'s sender is direction 0."""
    key, sport, dport = k
    n = len(key) // 2
    rk = (key[n:] + key[:n], dport, sport)
    conn = _Conn(frame, ts, (k, rk))
    conns[k] = (conn, 0)
    conns[rk] = (conn, 1)
    return conn


def _drop_builder(conn: _Conn) -> None:
    """A finalised connection keeps only its Session: the builder, the record readers and
    what they buffered (kept protected records, reassembly) go.  The builder and its readers
    refer to each other, and the cyclic collector is off during a scan, so the cycle is cut
    here or all of it would stay until the end."""
    b = conn.builder
    if b is None:
        return
    for reader in b.readers:
        reader.detach()
    b.readers = []
    conn.readers = ()
    conn.builder = None


def _finish(conn: _Conn, keys=None) -> Session:
    b = conn.builder
    assert b is not None
    for half in conn.halves:
        if half.pending:
            half.flush(conn.last_frame)
    for reader in b.readers:
        reader.finish()
    s = b.s
    if keys is not None:
        # Imported here: decryption (and the cryptography backend) is loaded only when a
        # key log was found, which keeps start-up short for the common case.
        from tlstui.analysis.decrypt import decrypt_session

        decrypt_session(b, keys)
        s.secrets = _secrets_state(s, keys)
    s.last_frame = conn.last_frame
    s.end = conn.end
    chalf = conn.halves[conn.client_dir]
    shalf = conn.halves[conn.client_dir ^ 1]
    if not shalf.bytes:
        s.client_hello_retransmits = chalf.retransmits
    return b.finish()


# Event types that name a protected record the engine could not open.
_SEALED_TYPES = ("EncryptedHandshake", "ApplicationData", "ChangeCipherSpec", "Alert")


def _secrets_state(s: Session, keys: KeyLog) -> str:
    """What the key log did for *s* (see ``Session.secrets``)."""
    hello = s.client_hello
    if hello is None or not keys.secrets(hello.random):
        return "missing"
    if any(a.decrypted for a in s.alerts) or any(
        (e.note is not None and e.note.startswith("decrypted"))
        # A named message in a protected record (QUIC Handshake packets, DTLS epoch 1)
        # could only be read with the key log.
        or (e.encrypted and e.type not in _SEALED_TYPES)
        for e in s.events
    ):
        return "decrypted"
    return "found"
