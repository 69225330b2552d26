"""What record decryption takes and gives back, shared by the TLS 1.3 and TLS <= 1.2 openers.

The openers in ``crypto13`` and ``crypto12`` walk one direction's protected records in order and
return the ones that authenticated as ``Opened``: the record, its (inner) content type and its
plaintext.  They neither know nor touch the session model: the caller applies what was opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from tlstui.tls.records import MAX_HANDSHAKE

__all__ = ["MAX_FAILS", "MAX_HS_BUFFER", "Opened", "SealedRecord", "handshake_messages"]

# Decrypted handshake bytes waiting for a message's end: one whole message of the largest
# size the record layer accepts (a 340 KB certificate chain is real), plus its header.
MAX_HS_BUFFER = MAX_HANDSHAKE + 4
MAX_FAILS = 8  # consecutive records a direction may fail before we give up


class SealedRecord(Protocol):
    """A protected record as the capture showed it.

    ``index`` counts every protected record of the direction (kept or not), so a gap in the
    indexes is a record whose sequence number was used but whose bytes were not kept.
    ``body`` is None when the capture lost the bytes (``length`` still says how many).
    """

    @property
    def index(self) -> int: ...
    @property
    def rtype(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def body(self) -> bytes | None: ...


R = TypeVar("R", bound=SealedRecord)


@dataclass(slots=True)
class Opened(Generic[R]):
    """One opened record: the sealed record it came from and its inner type and content."""

    rec: R
    ctype: int
    data: bytes
    after_gap: bool = False  # records before it were lost or unreadable


def handshake_messages(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Whole handshake messages (header included) from a direction's decrypted bytes."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        if len(buf) > MAX_HS_BUFFER:
            return
        while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
            end = 4 + int.from_bytes(buf[1:4], "big")
            yield bytes(buf[:end])
            del buf[:end]
