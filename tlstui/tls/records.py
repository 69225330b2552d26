"""TLS record layer for one direction: records out of a byte stream, handshake messages out
of records.

Bulk records (application data, anything encrypted) are not copied: once a record header says
how long the body is, the reader skips that many stream bytes as they arrive and only reports
the record's end.  Handshake messages are reassembled across records (bounded), and a record
header that cannot be TLS starts a resynchronisation scan instead of derailing the session.
"""

from __future__ import annotations

import re
import struct
from typing import Protocol

MAX_RECORD = (1 << 14) + 2048  # TLSCiphertext limit (RFC 5246 6.2.3)
MAX_HANDSHAKE = 1 << 20  # a handshake message larger than this is a lie
KEEP_BODY = 512  # encrypted records up to this size keep their bytes
MAX_CUT_KEPT = 1 << 16  # bytes of an unfinished handshake kept to name its messages
_HS_HDR = struct.Struct(">BBH").unpack_from
# Resynchronisation: a byte that can start a record header (content type 20-23, major 3,
# minor 0-4); the length is checked afterwards.
_HEADER_START = re.compile(rb"[\x14-\x17]\x03[\x00-\x04]")

CCS, ALERT, HANDSHAKE, APPDATA, HEARTBEAT = 20, 21, 22, 23, 24


class RecordSink(Protocol):
    """What the reader reports to (the session builder), per direction.

    A sink may also offer the application-data fast path: ``fast_appdata(side)`` (may runs
    of application-data records be counted instead of reported one by one?) and
    ``on_appdata_run(side, count, last_length, frame, time)``.  The reader keeps the answer
    in ``fast_answer`` and may hold a counted run back (``flush_run``): a sink whose answer
    can change must, at the start of each of its entries, flush its readers' runs and set
    their ``fast_answer`` to -3 (``SessionBuilder._sync``).
    """

    def on_record(
        self,
        side: int,
        rtype: int,
        version: int,
        length: int,
        body: bytes | None,
        frame: int,
        first_frame: int,
        time: float,
    ) -> bool: ...
    def on_handshake(
        self,
        side: int,
        mtype: int,
        body: bytes,
        version: int,
        frame: int,
        first_frame: int,
        time: float,
    ) -> None: ...
    def on_sslv2(self, side: int, body: bytes, frame: int, time: float) -> None: ...
    def on_garbage(self, side: int, data: bytes, frame: int, time: float, why: str) -> None: ...
    def on_gap(self, side: int, nbytes: int, frame: int) -> None: ...


def plausible_header(b0: int, b1: int, b2: int, length: int) -> bool:
    return 20 <= b0 <= 24 and b1 == 3 and b2 <= 4 and 0 < length <= MAX_RECORD


def looks_like_client_hello(data) -> bool:
    """True when *data* starts with a TLS or SSLv2-format ClientHello."""
    if len(data) >= 6 and data[0] == 22 and data[1] == 3 and data[2] <= 4 and data[5] == 1:
        return True
    return looks_like_sslv2(data) == 1


def looks_like_sslv2(data) -> int:
    """1 for an SSLv2-format CLIENT-HELLO, 4 for an SSLv2 SERVER-HELLO, else 0."""
    if len(data) < 7 or not data[0] & 0x80 or ((data[0] & 0x7F) << 8 | data[1]) < 9:
        return 0
    if data[2] == 1 and ((data[3] == 3 and data[4] <= 4) or (data[3], data[4]) == (0, 2)):
        return 1
    if data[2] == 4 and data[4] == 1 and (data[5], data[6]) == (0, 2):
        return 4
    return 0


def appdata_run(data, pos: int, end: int) -> tuple[int, int, int]:
    """Walk whole application-data records in ``data[pos:end]`` from *pos*: (how many, the
    last one's length, where the walk stopped).  It stops at anything else: another content
    type, an implausible header, or a record that does not end before *end*."""
    count = last = 0
    while end - pos >= 5:
        length = data[pos + 3] << 8 | data[pos + 4]
        stop = pos + 5 + length
        if (
            data[pos] != APPDATA
            or data[pos + 1] != 3
            or data[pos + 2] > 4
            or not 0 < length <= MAX_RECORD
            or stop > end
        ):
            break
        count += 1
        last = length
        pos = stop
    return count, last, pos


class RecordReader:
    """Splits one direction's stream into records and handshake messages."""

    __slots__ = (
        "sink",
        "side",
        "buf",
        "marks",
        "skip",
        "skip_rec",
        "hs",
        "hs_first_frame",
        "hs_version",
        "resync",
        "sslv2",
        "dead",
        "records",
        "_v2_end",
        "_fast_query",
        "_run_sink",
        "fast_answer",
        "run_count",
        "run_len",
        "run_frame",
        "run_time",
    )

    def __init__(self, sink: RecordSink, side: int) -> None:
        self.sink = sink
        self.side = side
        self.buf = bytearray()
        self.marks: list[tuple[int, int, float]] = []  # (end offset in buf, frame, time)
        self.skip = 0  # body bytes still to pass over
        self.skip_rec: tuple | None = None  # the record being skipped
        self.hs = bytearray()  # handshake reassembly
        self.hs_first_frame = 0
        self.hs_version = 0
        self.resync = False
        self.sslv2 = False
        self.dead = False
        self.records = 0
        self._v2_end = 0
        # Optional sink hooks for the application-data fast path (a sink without them
        # gets every record through on_record).
        self._fast_query = getattr(sink, "fast_appdata", None)
        self._run_sink = getattr(sink, "on_appdata_run", None)
        if self._run_sink is None:
            self._fast_query = None
        # whole_appdata's state: the sink's fast-path answer (-3: ask again), and the run of
        # application-data records it has counted but not yet reported (see flush_run).
        self.fast_answer = -3
        self.run_count = 0
        self.run_len = 0
        self.run_frame = 0
        self.run_time = 0.0

    # -- input ------------------------------------------------------------------------------

    def feed(self, data, frame: int, time: float) -> None:
        if self.dead:
            return
        skip = self.skip
        if skip:
            n = len(data)
            if n <= skip:
                self.skip = skip - n
                if self.skip == 0:
                    self._end_skipped(frame, time)
                return
            self.skip = 0
            self._end_skipped(frame, time)
            data = data[skip:]
        if not self.buf and self._fast_query is not None and not self.resync and not self.sslv2:
            # Nothing buffered and the sink allows the fast path: whole application-data
            # records at the start of this segment all end in *frame*; count them straight
            # from the segment, and buffer only what follows the last of them.
            fast = self._fast_state()
            if fast == -1 or (fast >= 0 and fast != frame):
                n = len(data)
                count, last, pos = appdata_run(data, 0, n)
                if count:
                    self.records += count
                    self._hold_run(count, last, frame, time)
                    if pos == n:
                        return
                if n - pos >= 5 and data[pos] == APPDATA and data[pos + 1] == 3:
                    # A bulk record that begins here and goes on past this segment: read
                    # past its body by length, as _parse would, without buffering its start.
                    length = data[pos + 3] << 8 | data[pos + 4]
                    if data[pos + 2] <= 4 and KEEP_BODY < length <= MAX_RECORD:
                        rest = pos + 5 + length - n
                        if rest > 0:
                            self.skip = rest
                            self.skip_rec = (APPDATA, 0x0300 | data[pos + 2], length, frame)
                            return
                if count:
                    data = data[pos:]
        buf = self.buf
        buf += data
        self.marks.append((len(buf), frame, time))
        self._parse()

    def whole_appdata(self, data, pos: int, end: int, frame: int, time: float) -> bool:
        """Take ``data[pos:end]``, one in-order segment, when it is nothing but whole
        application-data records the fast path may count (what ``feed`` would do with it,
        without its calls); otherwise change nothing and return False, and the caller feeds
        the segment as usual.  The engine calls this for every in-order segment of a
        connection past its handshake: in chatty traffic that is most of the capture."""
        if self.buf or self.skip or self._fast_query is None or self.resync or self.sslv2:
            return False
        count, last, stop = appdata_run(data, pos, end)
        if stop != end or not count or self.dead:
            return False
        fast = self.fast_answer
        if fast == -3:
            fast = self.fast_answer = self._fast_query(self.side)
        if fast == -1 or (fast >= 0 and fast != frame):
            # Counted here and reported later with the rest of the run (flush_run); _hold_run
            # written out, as this runs once per segment of chatty traffic.
            self.records += count
            self.run_count += count
            self.run_len = last
            self.run_frame = frame
            self.run_time = time
            return True
        return False

    def flush_run(self) -> None:
        """Report the application-data records counted since the last report, in one call.

        Every fast-path run is held here (whole_appdata, feed, _parse, a skipped record's
        end) and consecutive runs merge: reporting (c1, ...) then (c2, last) leaves the sink
        as (c1 + c2, last) does.  Deferring them is invisible to the sink because the run is
        reported before anything else reaches it: this reader flushes before each of its own
        other sink calls (and in gap and finish), and the sink's other entries flush both
        readers and drop their cached answers (``SessionBuilder._sync``), since its fast-path
        answer can change only there.  A run touches only its own direction's counters and
        last record.
        """
        count = self.run_count
        if count:
            self.run_count = 0
            self._run_sink(self.side, count, self.run_len, self.run_frame, self.run_time)  # type: ignore[misc]

    def detach(self) -> None:
        """Forget the sink (the stream is finished): the sink holds its readers too, and
        the cycle would outlive the connection while the cyclic collector is off."""
        self.sink = self._fast_query = self._run_sink = None  # type: ignore[assignment]

    def gap(self, nbytes: int, frame: int) -> None:
        """Bytes were lost: drop any partial record and look for the next header."""
        if self.run_count:
            self.flush_run()
        if self.dead:
            return
        self.buf.clear()
        self.marks.clear()
        self.hs.clear()
        if self.skip:
            if nbytes < self.skip:
                self.skip -= nbytes
                return
            self.skip = 0
            self.skip_rec = None
        self.resync = True
        self.sink.on_gap(self.side, nbytes, frame)

    # -- parsing ----------------------------------------------------------------------------

    def _frame_at(self, end: int) -> tuple[int, float]:
        for mend, frame, time in self.marks:
            if mend >= end:
                return frame, time
        _, frame, time = self.marks[-1]
        return frame, time

    def _fast_state(self) -> int:
        """Ask the sink whether application-data records may take the fast path (see
        ``_parse``): -2 no, -1 yes, a frame number: yes except for records ending in it."""
        fast = self.fast_answer
        if fast == -3:
            query = self._fast_query
            fast = self.fast_answer = -2 if query is None else query(self.side)
        return fast

    def _hold_run(self, count: int, length: int, frame: int, time: float) -> None:
        """Add *count* fast-path application-data records, the last *length* bytes long and
        ending in *frame*, to the run held for flush_run."""
        self.run_count += count
        self.run_len = length
        self.run_frame = frame
        self.run_time = time

    def _parse(self) -> None:
        buf = self.buf
        pos = 0
        n = len(buf)
        sink = self.sink
        side = self.side
        # Fast path: once the sink says a direction is past its handshake, a complete
        # application-data record (content type 23) changes nothing but counters and the
        # last record seen, so a run of them is walked header to header without building a
        # body or calling on_record, and reported as one on_appdata_run call before any other
        # sink call.  Everything else (alerts, handshake, CCS, heartbeats, a header that is
        # not plausible, a record not yet complete) takes the slow path below, after which
        # the sink is asked again, because a slow record can change its answer.  Only this
        # reader calls the sink during one _parse, so the answer cannot change otherwise.
        fast = self._fast_state()
        run = run_len = run_end = 0
        while n - pos >= 5 and not self.dead:
            if fast != -2:
                b0 = buf[pos]
                length = buf[pos + 3] << 8 | buf[pos + 4]
                end = pos + 5 + length
                if (
                    b0 == APPDATA
                    and end <= n
                    and buf[pos + 1] == 3
                    and buf[pos + 2] <= 4
                    and 0 < length <= MAX_RECORD
                    and not self.resync
                    and not self.sslv2
                    and (fast == -1 or self._frame_at(end)[0] != fast)
                ):
                    self.records += 1
                    run += 1
                    run_len = length
                    run_end = end
                    pos = end
                    continue
            if run:
                self._hold_run(run, run_len, *self._frame_at(run_end))
                run = 0
            # A held run is reported right before the next other sink call (below), not
            # before a record that is only incomplete: runs across segments stay one call.
            fast = -2  # asked again after this slow record
            if self.resync:
                found = self._find_header(pos)
                if found < 0:
                    pos = max(pos, n - 4)
                    break
                pos = found
                self.resync = False
            b0 = buf[pos]
            length = buf[pos + 3] << 8 | buf[pos + 4]
            if (b0 & 0x80 and (self.sslv2 or looks_like_sslv2(buf[pos : pos + 7]))) or (
                self.sslv2 and not plausible_header(b0, buf[pos + 1], buf[pos + 2], length)
            ):
                if self.run_count:
                    self.flush_run()
                if not self._sslv2_record(pos, n):
                    break
                pos = self._v2_end
                continue
            if not plausible_header(b0, buf[pos + 1], buf[pos + 2], length):
                frame, time = self._frame_at(pos + 1)
                why = (
                    f"record length {length} exceeds {MAX_RECORD}"
                    if length > MAX_RECORD and 20 <= b0 <= 24
                    else "bytes that are not a TLS record header"
                )
                if self.run_count:
                    self.flush_run()
                sink.on_garbage(side, bytes(buf[pos : pos + 64]), frame, time, why)
                if self.dead:
                    break
                self.resync = True
                pos += 1
                continue
            version = buf[pos + 1] << 8 | buf[pos + 2]
            end = pos + 5 + length
            first_frame = self._frame_at(pos + 1)[0]
            if end > n:
                if b0 in (APPDATA, HEARTBEAT) or (b0 == HANDSHAKE and self._encrypted_hint()):
                    if length > KEEP_BODY:
                        # Skip the body as it streams past instead of buffering it.
                        self.skip = end - n
                        self.skip_rec = (b0, version, length, first_frame)
                        pos = n
                break
            self.records += 1
            frame, time = self._frame_at(end)
            body = bytes(buf[pos + 5 : end])
            if self.run_count:
                self.flush_run()
            if b0 == HANDSHAKE and not self._encrypted_hint():
                self._handshake(body, version, frame, first_frame, time)
            else:
                sink.on_record(side, b0, version, length, body, frame, first_frame, time)
            pos = end
            fast = self._fast_state()
        if run:
            self._hold_run(run, run_len, *self._frame_at(run_end))
        if pos == n:
            # Everything was consumed (the usual case): no frame marks to carry over.
            buf.clear()
            self.marks = []
        elif pos:
            del buf[:pos]
            marks = self.marks
            keep = [(e - pos, f, t) for e, f, t in marks if e > pos]
            if not keep and marks:
                keep = [(0, marks[-1][1], marks[-1][2])]
            self.marks = keep

    def _encrypted_hint(self) -> bool:
        return self.sink.encrypted(self.side)  # type: ignore[attr-defined]

    def _end_skipped(self, frame: int, time: float) -> None:
        rec = self.skip_rec
        self.skip_rec = None
        self.buf.clear()
        self.marks.clear()
        if rec is not None:
            self.records += 1
            rtype, version, length, first_frame = rec
            if rtype == APPDATA and not self.resync and not self.sslv2:
                # A bulk record read past by its length: one more record of the run when the
                # sink allows the fast path, as if it had been buffered whole.
                fast = self._fast_state()
                if fast == -1 or (fast >= 0 and fast != frame):
                    self._hold_run(1, length, frame, time)
                    return
            if self.run_count:
                self.flush_run()
            self.sink.on_record(self.side, rtype, version, length, None, frame, first_frame, time)

    def _find_header(self, pos: int) -> int:
        # Garbage costs C speed: the candidates are found by a compiled regex (C speed) instead
        # of a Python loop over every byte, so a peer that sends 50 MB of garbage costs
        # about 0.1 s per MB rather than 0.4 s; only the candidates' lengths are checked here.
        buf = self.buf
        n = len(buf)
        search = _HEADER_START.search
        while pos + 5 <= n:
            m = search(buf, pos, n - 2)
            if m is None:
                return -1
            pos = m.start()
            length = buf[pos + 3] << 8 | buf[pos + 4]
            if 0 < length <= MAX_RECORD:
                return pos
            pos += 1
        return -1

    def finish(self) -> None:
        """End of the stream: report a record (or handshake message) that began but never
        completed.

        Without this, a record whose length field lies (e.g. a ClientHello claiming 18432
        bytes when 250 follow) vanished without a trace, and a capture that stops inside the
        server's flight looked as if the client had been due to answer.  Called once per
        direction after the last segment was delivered.  A sink with ``on_cut_record`` gets
        the record's header facts and the undelivered handshake bytes (at most
        ``MAX_CUT_KEPT``: enough to name the messages that began); otherwise it is reported
        as garbage with the frame where it began.
        """
        if self.run_count:
            self.flush_run()
        if self.dead or self.resync or self.sslv2:
            return
        on_cut = getattr(self.sink, "on_cut_record", None)
        if self.skip:
            # A large protected record being skipped as it streamed past: cut as well.
            rec = self.skip_rec
            if rec is not None and on_cut is not None:
                rtype, _version, length, first_frame = rec
                on_cut(self.side, rtype, length, length - self.skip, first_frame, -1.0, b"")
            return
        buf = self.buf
        if len(buf) < 5:
            if self.hs and on_cut is not None:
                # Whole records, but a handshake message spanning them is unfinished.
                on_cut(self.side, HANDSHAKE, 0, 0, self.hs_first_frame, -1.0, bytes(self.hs))
            return
        b0, b1, b2 = buf[0], buf[1], buf[2]
        length = buf[3] << 8 | buf[4]
        if not plausible_header(b0, b1, b2, length) or len(buf) >= 5 + length:
            return
        frame, time = self._frame_at(1)
        have = len(buf) - 5
        if on_cut is not None:
            hs = b""
            if b0 == HANDSHAKE and not self._encrypted_hint():
                hs = bytes(self.hs[:MAX_CUT_KEPT]) + bytes(buf[5 : 5 + MAX_CUT_KEPT])
            on_cut(self.side, b0, length, have, frame, time, hs)
        elif self.records or self.side == 0:
            # Not for a server that sent nothing else: the builder would take it for a
            # non-TLS reply (on_garbage before any server record means "not TLS").
            self.sink.on_garbage(
                self.side,
                bytes(buf[:64]),
                frame,
                time,
                f"record of {length} bytes cut off after {have} "
                f"(the stream ends before the record does)",
            )
        buf.clear()
        self.marks.clear()

    def _handshake(
        self, body: bytes, version: int, frame: int, first_frame: int, time: float
    ) -> None:
        hs = self.hs
        if not hs:
            self.hs_first_frame = first_frame
        hs += body
        self.hs_version = version
        pos = 0
        n = len(hs)
        while n - pos >= 4:
            mtype, hi, lo = _HS_HDR(hs, pos)
            mlen = hi << 16 | lo
            if mlen > MAX_HANDSHAKE:
                self.sink.on_garbage(
                    self.side,
                    bytes(hs[pos : pos + 64]),
                    frame,
                    time,
                    f"handshake message length {mlen} is not credible",
                )
                hs.clear()
                self.hs_first_frame = 0
                return
            if n - pos - 4 < mlen:
                break
            msg = bytes(hs[pos + 4 : pos + 4 + mlen])
            self.sink.on_handshake(
                self.side, mtype, msg, version, frame, self.hs_first_frame or first_frame, time
            )
            pos += 4 + mlen
            self.hs_first_frame = first_frame
        if pos:
            del hs[:pos]
        if not hs:
            self.hs_first_frame = 0

    # -- SSLv2 ------------------------------------------------------------------------------

    def _sslv2_record(self, pos: int, n: int) -> bool:
        buf = self.buf
        b0 = buf[pos]
        if b0 & 0x80:
            length = (b0 & 0x7F) << 8 | buf[pos + 1]
            hdr = 2
        else:
            length = (b0 & 0x3F) << 8 | buf[pos + 1]
            hdr = 3
        end = pos + hdr + length
        if length == 0:
            frame, time = self._frame_at(pos + 1)
            self.sink.on_garbage(
                self.side, bytes(buf[pos : pos + 64]), frame, time, "SSLv2 record of length 0"
            )
            self.resync = True
            self._v2_end = pos + 1
            return True
        if end > n:
            return False
        self.sslv2 = True
        self.records += 1
        frame, time = self._frame_at(end)
        self.sink.on_sslv2(self.side, bytes(buf[pos:end]), frame, time)
        self._v2_end = end
        return True
