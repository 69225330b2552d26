"""Writing pcapng: the few block types needed to save packets that Wireshark reads back.

Blocks written (pcapng, draft-ietf-opsawg-pcapng): one Section Header Block, one Interface
Description Block per link type, an optional Decryption Secrets Block (TLS key log), then one
Enhanced Packet Block per packet.  Little-endian, every block padded to 32 bits and closed by
its length repeated, as the format requires.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from tlstui import __version__

_SHB = 0x0A0D0D0A
_IDB = 1
_EPB = 6
_DSB = 0x0A
_TLS_KEY_LOG = 0x544C534B  # "TLSK": secrets in NSS key log format
_OPT_COMMENT = 1
_OPT_SHB_USERAPPL = 4
_OPT_IF_TSRESOL = 9


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _options(opts: list[tuple[int, bytes]]) -> bytes:
    if not opts:
        return b""
    out = b"".join(struct.pack("<HH", code, len(v)) + _pad(v) for code, v in opts)
    return out + b"\0\0\0\0"  # opt_endofopt


def _block(btype: int, body: bytes) -> bytes:
    body = _pad(body)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


class PcapngWriter:
    """Append pcapng blocks to a binary file; interfaces are created per link type on demand.

    Timestamps are written at microsecond resolution, or nanoseconds when ``nanoseconds`` is
    set (a nanosecond source capture), so a re-read gives the source's times back.
    """

    def __init__(self, fh: BinaryIO, *, comment: str | None = None, nanoseconds: bool = False):
        self._fh = fh
        self._ifaces: dict[int, int] = {}
        self._scale = 10**9 if nanoseconds else 10**6
        self._nanoseconds = nanoseconds
        opts = [(_OPT_SHB_USERAPPL, f"tlstui {__version__}".encode())]
        if comment:
            opts.insert(0, (_OPT_COMMENT, comment.encode("utf-8", "replace")))
        # byte-order magic, version 1.0, section length -1 (not given)
        body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + _options(opts)
        fh.write(_block(_SHB, body))
        self.packets = 0

    def _interface(self, link_type: int) -> int:
        idx = self._ifaces.get(link_type)
        if idx is None:
            opts = [(_OPT_IF_TSRESOL, bytes([9]))] if self._nanoseconds else []
            body = struct.pack("<HHI", link_type & 0xFFFF, 0, 0) + _options(opts)
            self._fh.write(_block(_IDB, body))
            idx = self._ifaces[link_type] = len(self._ifaces)
        return idx

    def secrets(self, keylog_text: str) -> None:
        """A Decryption Secrets Block holding *keylog_text* (NSS key log lines)."""
        data = keylog_text.encode("utf-8")
        self._fh.write(_block(_DSB, struct.pack("<II", _TLS_KEY_LOG, len(data)) + data))

    def packet(self, link_type: int, ts: float, data: bytes, origlen: int) -> None:
        iface = self._interface(link_type)
        t = round(ts * self._scale)
        body = (
            struct.pack("<IIIII", iface, (t >> 32) & 0xFFFFFFFF, t & 0xFFFFFFFF, len(data), origlen)
            + data
        )
        self._fh.write(_block(_EPB, body))
        self.packets += 1
