"""Reading pcap and pcapng files: frames out, nothing decoded.

The reader maps the file and yields each frame as an offset into one shared buffer, so the
per-packet path allocates no copy of the packet.  It never trusts a length field: a record that
runs past the end of the file sets ``truncated`` and a block that cannot be a block stops the
read with a warning, keeping every frame before it.
"""

from __future__ import annotations

import gzip
import mmap
import os
import stat
import struct
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Largest frame accepted; beyond it the length field is a lie (Wireshark uses 256 KiB for most
# link types; TSO/GRO captures can exceed 64 KiB).
MAX_FRAME = 1 << 20
MAX_GZIP = 2 << 30
MAX_KEYLOG_LINES = 100_000  # from pcapng Decryption Secrets Blocks (a real log has dozens)
# pcapng block types a resynchronisation may stop at (SHB, IDB, PB, SPB, NRB, ISB, EPB, DSB).
_BLOCK_TYPES = frozenset({0x0A0D0D0A, 1, 2, 3, 4, 5, 6, 0x0A})

LINK_TYPE_NAMES = {
    0: "NULL",
    1: "ETHERNET",
    12: "RAW",
    14: "RAW",
    101: "RAW",
    108: "LOOP",
    113: "LINUX_SLL",
    228: "IPV4",
    229: "IPV6",
    276: "LINUX_SLL2",
}


Frame = tuple[float, int, int, int, int]  # (timestamp, offset, caplen, origlen, link type)


class CaptureError(Exception):
    """The input cannot be read as a capture; the message is one line for the user."""


@dataclass(slots=True)
class Capture:
    """An opened capture: iterate ``frames()`` once; metadata fills in as it goes."""

    data: bytes | mmap.mmap
    format: str
    size: int
    link_types: list[int] = field(default_factory=list)  # per interface (pcapng) or one
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    keylog_lines: list[str] = field(default_factory=list)  # from pcapng Decryption Secrets
    comments: list[str] = field(default_factory=list)
    position: int = 0  # bytes consumed so far
    stopped: bool = False  # the reader gave up on a damaged header (not a short read)
    resume: int = 0  # offset of the first byte not consumed as a whole record (streaming)
    _start: int = 0
    _dsb_upto: int = 0  # Decryption Secrets Blocks before this offset are already read
    # Streaming (tlstui.wire.stream): ``data`` is one chunk that starts at file offset
    # ``_base``; a damaged block whose resynchronisation point is not in the chunk yet waits
    # for more data instead of ending the read.
    _base: int = 0
    _streaming: bool = False
    _big_endian: bool = False
    _ts_scale: float = 1e-6
    # pcapng interfaces (link type, ts scale, ts offset): kept here so that a stream read in
    # chunks (tlstui.wire.stream) carries them from one chunk to the next.
    _ifaces: list[tuple[int, float, float]] = field(default_factory=list)

    def link_type_names(self) -> list[str]:
        seen: list[str] = []
        for lt in self.link_types:
            name = LINK_TYPE_NAMES.get(lt, f"LINKTYPE_{lt}")
            if name not in seen:
                seen.append(name)
        return seen

    _released: int = 0

    def release(self, upto: int) -> None:
        """Drop the mapped pages before *upto* from memory (they are read once, in order).

        Without this a 1.3 GB capture stays resident to the end and the process "uses" as
        much memory as the file is large; the pages are file-backed, so dropping them is free.
        """
        if not isinstance(self.data, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
            return
        upto -= upto % mmap.PAGESIZE
        if upto - self._released >= 4 << 20:
            try:
                self.data.madvise(mmap.MADV_DONTNEED, self._released, upto - self._released)
            except (OSError, ValueError):
                return
            self._released = upto

    def chunks(self) -> Iterator[tuple[bytes | mmap.mmap, Iterator[Frame]]]:
        """The whole file as one chunk: ``(buffer, frames)``, the shape the stream reader
        (tlstui.wire.stream) also gives, so the engine has one loop for both."""
        yield self.data, self.frames()

    def frames(self) -> Iterator[tuple[float, int, int, int, int]]:
        """Yield ``(timestamp, offset, caplen, origlen, link_type)`` for every frame."""
        if self.format == "pcap":
            return self._pcap_frames()
        return self._pcapng_frames()

    # -- pcap -------------------------------------------------------------------------------

    def _pcap_frames(self) -> Iterator[tuple[float, int, int, int, int]]:
        data = self.data
        end = self.size
        off = self._start
        hdr = struct.Struct(">IIII" if self._big_endian else "<IIII")
        unpack = hdr.unpack_from
        scale = self._ts_scale
        link = self.link_types[0]
        while off + 16 <= end:
            sec, frac, caplen, origlen = unpack(data, off)
            off += 16
            if caplen > MAX_FRAME:
                self.warnings.append(
                    f"record at byte {self._base + off - 16} claims {caplen} bytes; "
                    "stopped reading there"
                )
                self.truncated = self.stopped = True
                self.position = end
                return
            if off + caplen > end:
                self.truncated = True
                self.resume = off - 16
                self.position = end
                return
            yield sec + frac * scale, off, caplen, origlen, link
            off += caplen
            self.position = off
        if off != end:
            self.truncated = True
        self.resume = off
        self.position = end

    # -- pcapng -----------------------------------------------------------------------------

    def _pcapng_frames(self) -> Iterator[tuple[float, int, int, int, int]]:
        data = self.data
        end = self.size
        off = 0
        bo = ">" if self._big_endian else "<"
        u32 = struct.Struct(bo + "I").unpack_from
        u16 = struct.Struct(bo + "H").unpack_from
        pkt = struct.Struct(bo + "IIII").unpack_from
        ifaces = self._ifaces
        last_ts = 0.0  # damaged frames (link type -1) carry the previous frame's time
        while off + 12 <= end:
            btype = u32(data, off)[0]
            if btype == 0x0A0D0D0A:
                # A new section may switch byte order and resets the interface list.
                magic = data[off + 8 : off + 12]
                if magic == b"\x1a\x2b\x3c\x4d":
                    bo = ">"
                elif magic == b"\x4d\x3c\x2b\x1a":
                    bo = "<"
                else:
                    self.warnings.append(
                        f"bad section header at byte {self._base + off}; stopped reading"
                    )
                    self.truncated = self.stopped = True
                    break
                u32 = struct.Struct(bo + "I").unpack_from
                u16 = struct.Struct(bo + "H").unpack_from
                pkt = struct.Struct(bo + "IIII").unpack_from
                self._big_endian = bo == ">"
                ifaces = self._ifaces = []
            blen = u32(data, off + 4)[0]
            if (
                blen < 12
                or blen % 4
                or blen > MAX_FRAME + 4096
                or (off + blen <= end and u32(data, off + blen - 4)[0] != blen)
            ):
                # A block's length is repeated at its end; when the two
                # disagree (or the length is impossible) the block is damaged.  Look for the
                # next block whose two length fields agree and carry on from there, counting
                # the damaged stretch as one damaged frame, instead of dropping the rest.
                nxt = self._next_block(data, off + 4, end, u32)
                if nxt < 0 and self._streaming:
                    self.truncated = True  # the next good block may not have arrived yet
                    break
                base = self._base
                if nxt < 0:
                    self.warnings.append(
                        f"damaged block at byte {base + off} (length {blen}); stopped"
                    )
                    self.truncated = self.stopped = True
                    break
                self.warnings.append(
                    f"damaged block at byte {base + off} (length {blen}); skipped {nxt - off} "
                    f"bytes to the next good block at byte {base + nxt}"
                )
                off = nxt
                self.position = off
                yield last_ts, off, 0, 0, -1
                continue
            if off + blen > end:
                self.truncated = True
                break
            body = off + 8
            body_end = off + blen - 4
            if btype in (6, 2) and body + 20 <= body_end:
                # Enhanced Packet Block (u32 interface) or the obsolete Packet Block (u16
                # interface + u16 drops): the same layout from the timestamp on.
                iface = u32(data, body)[0] if btype == 6 else u16(data, body)[0]
                hi, lo, caplen, origlen = pkt(data, body + 4)
                if iface < len(ifaces) and body + 20 + caplen <= body_end:
                    lt, scale, tsoff = ifaces[iface]
                    off += blen
                    self.position = off
                    last_ts = ((hi << 32) | lo) * scale + tsoff
                    yield last_ts, body + 20, caplen, origlen, lt
                    continue
                self.warnings.append(f"damaged packet block at byte {self._base + off}")
                yield last_ts, body, 0, 0, -1
            elif btype == 3 and ifaces and body + 4 <= body_end:  # Simple Packet Block
                origlen = u32(data, body)[0]
                caplen = min(origlen, body_end - body - 4)
                lt = ifaces[0][0]
                off += blen
                self.position = off
                yield 0.0, body + 4, caplen, origlen, lt
                continue
            elif btype == 1 and body + 8 <= body_end:  # Interface Description
                lt = struct.unpack_from(bo + "H", data, body)[0]
                scale, tsoff = self._idb_options(data, body + 8, body_end, bo)
                ifaces.append((lt, scale, tsoff))
                self.link_types.append(lt)
            elif btype == 0x0A and off >= self._dsb_upto and body + 8 <= body_end:  # DSB
                stype, slen = struct.unpack_from(bo + "II", data, body)
                if (
                    stype == 0x544C534B
                    and body + 8 + slen <= body_end
                    and len(self.keylog_lines) < MAX_KEYLOG_LINES
                ):  # key log lines from a capture are bounded like a key log file
                    text = bytes(data[body + 8 : body + 8 + slen]).decode("utf-8", "replace")
                    self.keylog_lines.extend(text.splitlines())
            elif btype == 0x0A0D0D0A:
                self._shb_comments(data, body + 16, body_end, bo)
            off += blen
            self.position = off
        else:
            if off != end:
                self.truncated = True
        self.resume = off
        self.position = end

    def read_leading_secrets(self) -> None:
        """Read the Decryption Secrets Blocks that come before the first packet block.

        The key log has to be known before the first session is decrypted, and the usual place
        for secrets (``editcap --inject-secrets``, Wireshark's export) is the head of the file:
        this walks block headers only, up to the first packet, so it costs nothing per packet.
        """
        if self.format != "pcapng":
            return
        data, end = self.data, self.size
        off = 0
        bo = ">" if self._big_endian else "<"
        u32 = struct.Struct(bo + "I").unpack_from
        while off + 12 <= end:
            btype, blen = u32(data, off)[0], u32(data, off + 4)[0]
            if btype in (2, 3, 6) or blen < 12 or blen % 4 or off + blen > end:
                break
            if btype == 0x0A0D0D0A and off:
                break  # a second section may change byte order: leave it to frames()
            body, body_end = off + 8, off + blen - 4
            if btype == 0x0A and body + 8 <= body_end:
                stype, slen = struct.unpack_from(bo + "II", data, body)
                if (
                    stype == 0x544C534B
                    and body + 8 + slen <= body_end
                    and len(self.keylog_lines) < MAX_KEYLOG_LINES
                ):
                    text = bytes(data[body + 8 : body + 8 + slen]).decode("utf-8", "replace")
                    self.keylog_lines.extend(text.splitlines())
            off += blen
        self._dsb_upto = off

    @staticmethod
    def _next_block(data, off: int, end: int, u32) -> int:
        """Offset of the next plausible block at or after *off* (4-byte steps): a known block
        type whose leading and trailing lengths agree; -1 when there is none."""
        off = (off + 3) & ~3
        while off + 12 <= end:
            btype = u32(data, off)[0]
            if btype in _BLOCK_TYPES:
                blen = u32(data, off + 4)[0]
                if (
                    12 <= blen <= MAX_FRAME + 4096
                    and not blen % 4
                    and off + blen <= end
                    and u32(data, off + blen - 4)[0] == blen
                ):
                    return off
            off += 4
        return -1

    @staticmethod
    def _options(data, off: int, end: int, bo: str) -> Iterator[tuple[int, int, int]]:
        """Yield ``(code, value offset, value length)`` of a pcapng option list, bounded."""
        while off + 4 <= end:
            code, olen = struct.unpack_from(bo + "HH", data, off)
            val = off + 4
            if code == 0 or val + olen > end:
                return
            yield code, val, olen
            off = val + ((olen + 3) & ~3)

    def _idb_options(self, data, off: int, end: int, bo: str) -> tuple[float, float]:
        scale, tsoff = 1e-6, 0.0
        for code, val, olen in self._options(data, off, end, bo):
            if code == 9 and olen >= 1:
                r = data[val]
                scale = 2.0 ** -(r & 0x7F) if r & 0x80 else 10.0**-r
            elif code == 14 and olen == 8:
                tsoff = float(struct.unpack_from(bo + "q", data, val)[0])
        return scale, tsoff

    def _shb_comments(self, data, off: int, end: int, bo: str) -> None:
        for code, val, olen in self._options(data, off, end, bo):
            if code == 1 and len(self.comments) < 16:
                self.comments.append(bytes(data[val : val + olen]).decode("utf-8", "replace"))


_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": (False, 1e-6),
    b"\xa1\xb2\xc3\xd4": (True, 1e-6),
    b"\x4d\x3c\xb2\xa1": (False, 1e-9),
    b"\xa1\xb2\x3c\x4d": (True, 1e-9),
}


def _load(path: str | Path) -> tuple[bytes | mmap.mmap, int]:
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        if not data:
            raise CaptureError("-: nothing on standard input, not a capture")
        return data, len(data)
    p = Path(path)
    try:
        if p.is_dir():
            raise CaptureError(f"{path}: is a directory, not a capture file")
        with open(p, "rb") as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
                # A pipe (``tlstui <(zcat x.gz)``) reports size 0; read
                # it as a stream instead of calling it an empty file, but look at its first
                # bytes before reading everything.
                data = fh.read(4)
                if not data:
                    raise CaptureError(f"{path}: empty input, not a capture")
                if (
                    data not in _PCAP_MAGIC
                    and data != b"\x0a\x0d\x0d\x0a"
                    and data[:2] != b"\x1f\x8b"
                ):
                    raise CaptureError(
                        f"{path}: not a pcap or pcapng file ({_describe_magic(data)})"
                    )
                data += fh.read(MAX_GZIP + 1)
                if len(data) > MAX_GZIP:
                    raise CaptureError(f"{path}: more than 2 GiB from a pipe; save it first")
                return data, len(data)
            if not stat.S_ISREG(st.st_mode):
                # /dev/zero, /dev/urandom...: endless, never a capture.
                raise CaptureError(f"{path}: not a regular file or a pipe")
            size = st.st_size
            if size == 0:
                raise CaptureError(f"{path}: empty file, not a capture")
            try:
                return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ), size
            except (OSError, ValueError):
                data = fh.read()
                return data, len(data)
    except OSError as exc:
        raise open_error(path, exc) from None


def open_error(path: str | Path, exc: OSError) -> CaptureError:
    """The one-line error for a capture file that cannot be opened or read."""
    if isinstance(exc, FileNotFoundError):
        return CaptureError(f"{path}: no such file")
    if isinstance(exc, PermissionError):
        return CaptureError(f"{path}: permission denied")
    if isinstance(exc, IsADirectoryError):
        return CaptureError(f"{path}: is a directory, not a capture file")
    return CaptureError(f"{path}: cannot read ({exc.strerror or exc})")


def _gunzip(data: bytes | mmap.mmap, path: str | Path) -> bytes:
    import io

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            # Look at the first bytes before inflating everything, so a
            # gzip bomb (or any compressed non-capture) is refused without expanding it.
            head = gz.read(4)
            if len(head) == 4 and head not in _PCAP_MAGIC and head != b"\x0a\x0d\x0d\x0a":
                raise CaptureError(
                    f"{path}: gzip file does not hold a pcap or pcapng file "
                    f"({_describe_magic(head)})"
                )
            out = head + gz.read(MAX_GZIP + 1 - len(head))
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise CaptureError(f"{path}: damaged gzip file ({_one_line(exc)})") from None
    if len(out) > MAX_GZIP:
        raise CaptureError(f"{path}: decompressed capture larger than 2 GiB; gunzip it first")
    return out


def open_capture(path: str | Path) -> Capture:
    """Open *path* (or ``-`` for stdin) as pcap or pcapng; raise CaptureError otherwise."""
    data, size = _load(path)
    if size >= 2 and data[:2] == b"\x1f\x8b":
        data = _gunzip(data, path)
        size = len(data)
    cap = parse_header(data, size, path)
    if cap.format == "pcapng":
        cap.read_leading_secrets()
    return cap


def parse_header(data: bytes | mmap.mmap, size: int, path: str | Path) -> Capture:
    """The Capture for *data* after checking its file header; CaptureError when it is none."""
    if size < 4:
        raise CaptureError(f"{path}: too short to be a capture ({size} bytes)")
    magic = bytes(data[:4])
    if magic in _PCAP_MAGIC:
        if size < 24:
            raise CaptureError(f"{path}: pcap header cut off ({size} bytes)")
        big, scale = _PCAP_MAGIC[magic]
        link = struct.unpack_from(">I" if big else "<I", data, 20)[0] & 0xFFFF
        return Capture(data, "pcap", size, [link], _start=24, _big_endian=big, _ts_scale=scale)
    if magic == b"\x0a\x0d\x0d\x0a":
        if size < 28:
            raise CaptureError(f"{path}: pcapng header cut off ({size} bytes)")
        bom = bytes(data[8:12])
        if bom == b"\x1a\x2b\x3c\x4d":
            big = True
        elif bom == b"\x4d\x3c\x2b\x1a":
            big = False
        else:
            raise CaptureError(f"{path}: pcapng section header has a bad byte-order magic")
        return Capture(data, "pcapng", size, [], _big_endian=big)
    raise CaptureError(f"{path}: not a pcap or pcapng file ({_describe_magic(data)})")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _describe_magic(data: bytes | mmap.mmap) -> str:
    head = bytes(data[:16])
    known = {
        b"\x89PNG": "a PNG image",
        b"%PDF": "a PDF document",
        b"PK\x03\x04": "a zip archive",
        b"\x7fELF": "an ELF binary",
        b"BZh": "a bzip2 archive",
        b"\xfd7zXZ": "an xz archive",
        b"\x28\xb5\x2f\xfd": "a zstd archive",
    }
    for prefix, what in known.items():
        if head.startswith(prefix):
            return f"looks like {what}"
    if head[:4] in (b"\xa1\xb2\xcd\x34", b"\x34\xcd\xb2\xa1"):
        return "a modified/Kuznetzov pcap, convert it with editcap -F pcap"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "looks like text"
    return f"starts with {head[:4].hex(' ')}"
