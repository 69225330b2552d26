"""The analysis pipeline: capture -> TCP connections -> TLS records -> sessions -> diagnosis.

``analyze()`` is the one entry point the CLI, the report and the TUI use.  The loop below is
the per-packet hot path: it decodes headers in place, looks the connection up by a tuple of
raw address bytes and ports, and hands payload views to the stream reassembler.  Connections
that are not TLS are dropped after a bounded look, so memory follows sessions, not packets.
"""

from __future__ import annotations

import gc
import struct
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tlstui.analysis.diagnosis import diagnose_report
from tlstui.analysis.model import CaptureInfo, Endpoint, Report, Session
from tlstui.analysis.sessions import CLIENT, SERVER, SessionBuilder
from tlstui.tls.keylog import KeyLog
from tlstui.tls.records import RecordReader, looks_like_client_hello
from tlstui.wire.capture import Capture, CaptureError, open_capture
from tlstui.wire.packet import ACK, FIN, RST, SYN, decode_tcp, format_ip
from tlstui.wire.tcp import HalfStream

__all__ = ["CaptureError", "Progress", "analyze"]

SNIFF_LIMIT = 64 * 1024  # bytes looked at per connection before deciding "not TLS"
SNIFF, TLS, DEAD = 0, 1, 2
# Ethernet type, IPv4 version/IHL, total length, fragment field, protocol, addresses, then
# TCP ports, seq, ack, data offset, flags: the common frame's headers in one unpack.
_eth_ip_tcp = struct.Struct("!12xHBxH2xHxB2x8sHHIIBB").unpack_from
MAX_CONNECTIONS = 2_000_000  # live connection states; beyond, new non-TLS flows are ignored


@dataclass(slots=True)
class Progress:
    bytes_done: int
    bytes_total: int | None
    packets: int
    sessions: int


class _Conn:
    __slots__ = (
        "state",
        "first_frame",
        "last_frame",
        "start",
        "end",
        "halves",
        "builder",
        "client_dir",
        "sniffed",
        "closed",
        "isn",
        "keys",
    )

    def __init__(self, frame: int, ts: float, keys: tuple) -> None:
        self.state = SNIFF
        self.first_frame = frame
        self.last_frame = frame
        self.start = ts
        self.end = ts
        self.halves: list[HalfStream] = [HalfStream(), HalfStream()]
        self.builder: SessionBuilder | None = None
        self.client_dir = 0
        self.sniffed = 0
        self.closed = 0  # bit 1: dir 0 FIN/RST, bit 2: dir 1
        self.isn: list[int | None] = [None, None]
        self.keys = keys  # (forward key, reverse key)


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
    conn.client_dir = client_dir
    conn.state = TLS
    for d in (0, 1):
        conn.halves[d].consumer = readers[d ^ client_dir]


def analyze(
    path: str | Path,
    *,
    keylog: Path | bool | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    diagnose: bool = True,
) -> Report:
    """Read *path* and return the report; raise CaptureError for input that is not a capture."""
    cap = open_capture(path)
    info = CaptureInfo(file=str(path), format=cap.format)
    lines = _keylog_for(path, keylog, cap)
    keys = None
    if lines:
        keys = KeyLog.parse(lines)
    # The analysis allocates many long-lived small objects and frees few: the cyclic
    # collector would rescan them again and again (measured: 3.5 s vs 12-20 s for 20,000
    # sessions), so it is paused for the analysis and run once afterwards.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        sessions = _scan(cap, info, progress, should_stop, keys)
        report = Report(info, sessions)
        if diagnose:
            diagnose_report(report)
    finally:
        if gc_was_enabled:
            gc.enable()
    return report


def _keylog_for(path: str | Path, keylog: Path | bool | None, cap: Capture):
    """The key log to use: --keylog, else NAME.keys beside the capture, plus pcapng DSB.

    ``keylog=False`` turns key logs off entirely (to see what the capture alone shows).
    """
    if keylog is False:
        return None
    lines: list[str] = list(cap.keylog_lines)
    candidates = [Path(keylog)] if keylog and keylog is not True else []
    if not keylog and str(path) != "-":
        p = Path(path)
        candidates += [p.with_suffix(".keys"), p.with_name(p.name + ".keys")]
    for c in candidates:
        try:
            if c.is_file() and c.stat().st_size < 64 << 20:
                lines += c.read_text("utf-8", "replace").splitlines()
                break
        except OSError:
            continue
    return lines or None


def _scan(cap: Capture, info: CaptureInfo, progress, should_stop, keys=None) -> list[Session]:
    data = cap.data
    conns: dict[tuple, tuple[_Conn, int]] = {}
    finished: list[_Conn] = []
    frame = 0
    damaged = 0
    snapcut = 0
    first_ts: float | None = None
    ts = 0.0
    tls_count = 0
    next_tick = _time.monotonic() + 0.2
    unsupported: set[int] = set()
    mv = memoryview(data)

    for ts, off, caplen, _origlen, link in cap.frames():
        frame += 1
        if first_ts is None:
            first_ts = ts
        if not frame & 0xFFF:
            cap.release(off)
            if should_stop is not None and should_stop():
                break
            if progress is not None and _time.monotonic() >= next_tick:
                next_tick = _time.monotonic() + 0.2
                progress(Progress(cap.position, cap.size, frame, tls_count))
        r = None
        if link == 1 and caplen >= 54:
            # Fast path: Ethernet + IPv4 without options + TCP, one unpack for all headers.
            etype, vihl, total, frag, proto, key, sport, dport, seq, ack, doff, flags = _eth_ip_tcp(
                data, off
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
                if r == 0:
                    damaged += 1
                elif r == -2:
                    unsupported.add(link)
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
            if flags & SYN and not flags & ACK and conn.isn[d] is not None and seq != conn.isn[d]:
                # The same addresses and ports again: a new connection (port reuse).
                _retire(conn, conns, finished)
                conn, d = _new_conn(conns, k, frame, ts), 0
        conn.last_frame = frame
        conn.end = ts
        state = conn.state
        if state == DEAD:
            if flags & (FIN | RST):
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
                    tls_count += 1
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
                    tls_count += 1
                    state = TLS
                else:
                    conn.sniffed += plen
                    half.next_seq = (seq + plen) % (1 << 32)
                    if conn.sniffed > SNIFF_LIMIT:
                        conn.state = DEAD
                        conn.halves = []
                        continue
            if state == TLS:
                rdr = half.consumer
                if rdr.skip > plen and seq == half.next_seq and not cut:
                    # Bulk data inside a record being skipped: account for it, copy nothing.
                    half.next_seq = (seq + plen) & 0xFFFFFFFF
                    half.bytes += plen
                    rdr.skip -= plen
                else:
                    half.segment(seq, mv[pay : pay + plen], frame, ts)
                if cut:
                    snapcut += 1
                    half.next_seq = (half.next_seq + cut) % (1 << 32)
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
                side = d ^ conn.client_dir
                b.on_close(side, "RST" if flags & RST else "FIN", frame, ts)
        if flags & (FIN | RST):
            conn.closed |= 1 << d

    info.packets = frame
    info.damaged = damaged
    info.snaplen_truncated = snapcut
    info.first_time = first_ts
    info.last_time = ts if frame else None
    return _summarize(cap, info, conns, finished, unsupported, keys, progress)


def _summarize(
    cap: Capture,
    info: CaptureInfo,
    conns: dict[tuple, tuple[_Conn, int]],
    finished: list[_Conn],
    unsupported: set[int],
    keys: KeyLog | None,
    progress: Callable[[Progress], None] | None,
) -> list[Session]:
    """After the last frame: capture warnings, then every TLS connection finished into a
    ``Session`` (retired ones first, then those still open), numbered in capture order."""
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

    seen: set[int] = set()
    all_conns: list[_Conn] = []
    for conn in finished:
        if id(conn) not in seen:
            seen.add(id(conn))
            all_conns.append(conn)
    for conn, _d in conns.values():
        if id(conn) not in seen:
            seen.add(id(conn))
            all_conns.append(conn)
    sessions: list[Session] = []
    for conn in all_conns:
        if conn.state != TLS or conn.builder is None:
            continue
        sessions.append(_finish(conn, keys))
    sessions.sort(key=lambda s: s.first_frame)
    for i, s in enumerate(sessions, 1):
        s.id = i
    if progress is not None:
        progress(Progress(cap.size, cap.size, info.packets, len(sessions)))
    return sessions


def _new_conn(conns: dict, k: tuple, frame: int, ts: float) -> _Conn:
    """Register a connection under both directions' keys; *k*'s sender is direction 0."""
    key, sport, dport = k
    n = len(key) // 2
    rk = (key[n:] + key[:n], dport, sport)
    conn = _Conn(frame, ts, (k, rk))
    conns[k] = (conn, 0)
    conns[rk] = (conn, 1)
    return conn


def _retire(conn: _Conn, conns: dict, finished: list) -> None:
    conns.pop(conn.keys[0], None)
    conns.pop(conn.keys[1], None)
    if conn.state == TLS:
        finished.append(conn)


def _finish(conn: _Conn, keys=None) -> Session:
    b = conn.builder
    assert b is not None
    for half in conn.halves:
        if half.pending:
            half.flush(conn.last_frame)
    for reader in b.readers:
        reader.finish()
    if keys is not None:
        # Imported here: decryption (and the cryptography backend) is loaded only when a
        # key log was found, which keeps start-up short for the common case.
        from tlstui.analysis.decrypt import decrypt_session

        decrypt_session(b, keys)
    s = b.s
    s.last_frame = conn.last_frame
    s.end = conn.end
    chalf = conn.halves[conn.client_dir]
    shalf = conn.halves[conn.client_dir ^ 1]
    if not shalf.bytes:
        s.client_hello_retransmits = chalf.retransmits
    return b.finish()
