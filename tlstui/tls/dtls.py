"""DTLS 1.0/1.2 (RFC 6347) record layer and handshake reassembly, over bytes only.

A DTLS record carries an epoch and a 48-bit sequence number; a handshake message carries its
``message_seq`` and may be split into fragments (``fragment_offset``/``fragment_length``)
spread over several records and datagrams, which can be lost, reordered and retransmitted
whole.  ``Reassembler`` rebuilds each message once and counts the copies it saw again.

Untrusted input: every length is checked against the datagram; a record that does not fit ends
the walk; buffers are bounded (``MAX_MESSAGE``, ``MAX_PENDING``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = [
    "DTLS_VERSIONS",
    "Fragment",
    "Reassembler",
    "looks_like_dtls_client_hello",
    "records",
]

DTLS_VERSIONS = frozenset({0xFEFF, 0xFEFD, 0xFEFC, 0x0100})
RECORD_HEADER = 13
HS_HEADER = 12
MAX_MESSAGE = 1 << 20  # a handshake message claiming more is not buffered
MAX_PENDING = 32  # messages being reassembled at once per direction
MAX_RECORDS = 64  # records read from one datagram


def looks_like_dtls_client_hello(buf, off: int, n: int) -> bool:
    """A datagram that opens with a DTLS handshake record holding a ClientHello (epoch 0)."""
    if n < RECORD_HEADER + HS_HEADER:
        return False
    if buf[off] != 22 or buf[off + RECORD_HEADER] != 1:
        return False
    version = (buf[off + 1] << 8) | buf[off + 2]
    return version in DTLS_VERSIONS and buf[off + 3] == 0 and buf[off + 4] == 0


def records(data: bytes) -> Iterator[tuple[int, int, int, int, bytes]]:
    """(content type, version, epoch, sequence number, body) for each whole record."""
    pos = 0
    n = len(data)
    count = 0
    while pos + RECORD_HEADER <= n and count < MAX_RECORDS:
        count += 1
        rtype = data[pos]
        if rtype < 20 or rtype > 26:
            return
        version = (data[pos + 1] << 8) | data[pos + 2]
        epoch = (data[pos + 3] << 8) | data[pos + 4]
        seq = int.from_bytes(data[pos + 5 : pos + 11], "big")
        length = (data[pos + 11] << 8) | data[pos + 12]
        end = pos + RECORD_HEADER + length
        if end > n:
            return
        yield rtype, version, epoch, seq, data[pos + RECORD_HEADER : end]
        pos = end


@dataclass(slots=True)
class Fragment:
    mtype: int
    length: int  # the whole message's length
    message_seq: int
    offset: int
    data: bytes


def fragments(body: bytes) -> Iterator[Fragment]:
    """The handshake fragments in one (plaintext) handshake record."""
    pos = 0
    n = len(body)
    while pos + HS_HEADER <= n:
        mtype = body[pos]
        length = int.from_bytes(body[pos + 1 : pos + 4], "big")
        mseq = (body[pos + 4] << 8) | body[pos + 5]
        foff = int.from_bytes(body[pos + 6 : pos + 9], "big")
        flen = int.from_bytes(body[pos + 9 : pos + 12], "big")
        start = pos + HS_HEADER
        if start + flen > n or foff + flen > length:
            return
        yield Fragment(mtype, length, mseq, foff, body[start : start + flen])
        pos = start + flen


@dataclass(slots=True)
class _Partial:
    mtype: int
    length: int
    buf: bytearray
    have: list[tuple[int, int]] = field(default_factory=list)  # merged covered ranges
    first_frame: int = 0

    def add(self, offset: int, data: bytes) -> bool:
        self.buf[offset : offset + len(data)] = data
        spans = sorted([*self.have, (offset, offset + len(data))])
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        self.have = merged[:64]
        return merged == [(0, self.length)] or self.length == 0


class Reassembler:
    """One direction's handshake messages, each delivered once by ``message_seq``."""

    __slots__ = ("partial", "done", "retransmits", "dropped")

    def __init__(self) -> None:
        self.partial: dict[tuple[int, int], _Partial] = {}
        # (message_seq, type) already delivered: after a HelloVerifyRequest some stacks
        # number the ServerHello 0 again, so the type is part of a message's identity.
        self.done: set[tuple[int, int]] = set()
        self.retransmits: dict[tuple[int, int], int] = {}  # copies seen again
        self.dropped = 0

    def add(self, frag: Fragment, frame: int) -> tuple[int, int, bytes, int] | None:
        """Add a fragment; return (type, message_seq, body, first frame) once complete."""
        mseq = frag.message_seq
        ident = (mseq, frag.mtype)
        if ident in self.done:
            if frag.offset == 0:
                self.retransmits[ident] = self.retransmits.get(ident, 0) + 1
            return None
        if frag.length > MAX_MESSAGE:
            self.dropped += 1
            return None
        p = self.partial.get(ident)
        if p is None or p.length != frag.length:
            if len(self.partial) >= MAX_PENDING:
                self.dropped += 1
                return None
            p = _Partial(frag.mtype, frag.length, bytearray(frag.length), first_frame=frame)
            self.partial[ident] = p
        if not p.add(frag.offset, frag.data):
            return None
        del self.partial[ident]
        if len(self.done) < 4096:
            self.done.add(ident)
        return p.mtype, mseq, bytes(p.buf), p.first_frame
