"""TCP byte-stream reassembly for one direction of a connection.

Segments arrive in capture order; this puts their bytes in sequence order and hands each new
contiguous run to a consumer (the TLS record reader) together with its frame number, so every
record can name the frame where it ended.  Retransmitted bytes are delivered once, out-of-order
segments wait (bounded) for the hole before them, and a hole that the capture will never fill
(lost packet) is skipped with ``consumer.gap()`` so the rest of the session survives.
"""

from __future__ import annotations

from typing import Protocol

MAX_PENDING_BYTES = 1 << 20  # out-of-order data held per direction before giving up a hole
MAX_PENDING_SEGMENTS = 256
_HALF = 1 << 31
_MOD = 1 << 32


class Consumer(Protocol):
    def feed(self, data, frame: int, time: float) -> None: ...
    def gap(self, nbytes: int, frame: int) -> None: ...


class HalfStream:
    """Sequence-order delivery of one direction's payload."""

    __slots__ = (
        "consumer",
        "next_seq",
        "pending",
        "pending_bytes",
        "retransmits",
        "gaps",
        "bytes",
        "isn",
    )

    def __init__(self, consumer: Consumer | None = None) -> None:
        self.consumer = consumer
        self.next_seq: int | None = None
        self.isn: int | None = None
        self.pending: dict[int, tuple[bytes, int, float]] = {}
        self.pending_bytes = 0
        self.retransmits = 0
        self.gaps = 0
        self.bytes = 0

    def syn(self, seq: int) -> None:
        self.isn = seq
        if self.next_seq is None:
            self.next_seq = (seq + 1) % _MOD

    def segment(self, seq: int, data, frame: int, time: float) -> None:
        """Take one segment's payload (a memoryview or bytes slice)."""
        n = len(data)
        nxt = self.next_seq
        if nxt is None:
            nxt = self.next_seq = seq
        diff = (seq - nxt) % _MOD
        if diff == 0:
            self._deliver(data, frame, time)
            if self.pending:
                self._drain(frame, time)
            return
        if diff >= _HALF:  # starts before what we have
            behind = _MOD - diff
            if behind >= n:
                self.retransmits += 1
                return
            self._deliver(data[behind:], frame, time)
            if self.pending:
                self._drain(frame, time)
            return
        # Ahead of the next expected byte: keep it until the hole fills (or never does).
        old = self.pending.get(seq)
        if old is not None and len(old[0]) >= n:
            self.retransmits += 1
            return
        if old is not None:
            self.pending_bytes -= len(old[0])
        self.pending[seq] = (bytes(data), frame, time)
        self.pending_bytes += n
        if self.pending_bytes > MAX_PENDING_BYTES or len(self.pending) > MAX_PENDING_SEGMENTS:
            self.skip_hole(frame)

    def _deliver(self, data, frame: int, time: float) -> None:
        n = len(data)
        assert self.next_seq is not None  # delivery only follows a known next byte
        self.next_seq = (self.next_seq + n) % _MOD
        self.bytes += n
        if self.consumer is not None:
            self.consumer.feed(data, frame, time)

    def _drain(self, frame: int, time: float) -> None:
        """Deliver pending segments that now follow on; they complete in *frame*, the one
        that filled the hole (as a dissector that reassembles in order reports them)."""
        pending = self.pending
        while pending:
            nxt = self.next_seq
            assert nxt is not None  # segments are held only once the next byte is known
            hit = pending.pop(nxt, None)
            if hit is not None:
                self.pending_bytes -= len(hit[0])
                self._deliver(hit[0], max(hit[1], frame), max(hit[2], time))
                continue
            # Segments that overlap the next byte but start before it (retransmission with a
            # different segmentation) are trimmed; anything entirely old is dropped.
            progressed = False
            for seq in list(pending):
                diff = (seq - nxt) % _MOD
                if diff >= _HALF:
                    data, f, t = pending.pop(seq)
                    self.pending_bytes -= len(data)
                    behind = _MOD - diff
                    if behind < len(data):
                        self._deliver(data[behind:], max(f, frame), max(t, time))
                        progressed = True
                        break
            if not progressed:
                return

    def skip_hole(self, frame: int, time: float = 0.0) -> None:
        """Give up on the missing bytes before the earliest pending segment.

        Pending data after the hole keeps its own frames: nothing completed it later.  The
        gap is reported at the frame of the first segment after the hole (where the loss
        shows), not at *frame* (the one that made us give up, possibly much later).
        """
        if not self.pending or self.next_seq is None:
            return
        nxt = self.next_seq
        first = min(self.pending, key=lambda s: (s - nxt) % _MOD)
        hole = (first - nxt) % _MOD
        self.gaps += hole
        self.next_seq = first
        if self.consumer is not None:
            self.consumer.gap(hole, self.pending[first][1] or frame)
        self._drain(0, 0.0)

    def acked(self, ack: int, frame: int) -> None:
        """The peer acknowledged up to *ack*: bytes before it that we lack were lost."""
        if self.pending and self.next_seq is not None:
            ahead = (ack - self.next_seq) % _MOD
            if 0 < ahead < _HALF:
                first = min((s - self.next_seq) % _MOD for s in self.pending)
                if first < ahead:
                    self.skip_hole(frame)

    def flush(self, frame: int) -> None:
        """End of capture: deliver what is pending across any holes."""
        guard = 0
        while self.pending and guard < MAX_PENDING_SEGMENTS + 1:
            self.skip_hole(frame)
            guard += 1
