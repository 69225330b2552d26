"""Reading a capture as it arrives: a file still being written (``--follow``) or a pipe.

The mapped reader (``capture.Capture``) sees the whole file at once.  Here the bytes come in
chunks: each chunk is the unread tail of the previous one plus what arrived since, and the same
frame parsers of ``capture.Capture`` run over it.  A record cut by the end of a chunk is not
damage: its bytes are kept and parsed again when the rest arrives.  When nothing arrives the
reader yields an empty chunk every ``poll`` seconds, so the consumer can show progress and
notice a stop request while waiting.

End of a stream: a pipe ends at EOF (a record left half-written is reported once, as a
warning); a followed file ends when the consumer stops, or when the file is truncated or
replaced under it (reported as a warning, what was read is kept).
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tlstui.wire.capture import (
    Capture,
    CaptureError,
    Frame,
    _describe_magic,
    open_error,
    parse_header,
)

CHUNK = 1 << 20  # bytes asked for per read: large enough that a fast file reads at full speed
MAX_CARRY = 2 << 20  # an unfinished record can be at most one frame (1 MiB) plus a block


class StreamCapture:
    """A pcap or pcapng arriving over time from *fh* (a pipe, or a file that grows).

    ``chunks()`` gives ``(buffer, frames)`` pairs like ``Capture.chunks()``; the metadata
    (format, link types, warnings, key log lines from pcapng) is read from the inner Capture.
    """

    def __init__(
        self,
        fh: BinaryIO,
        name: str,
        *,
        follow: bool,
        path: Path | None = None,
        poll: float = 0.2,
    ) -> None:
        self._fh = fh
        self._fd = fh.fileno()
        self.name = name
        self.follow = follow  # a file: wait for more at EOF; a pipe: EOF ends it
        self._path = path
        self._stat = os.fstat(self._fd)
        self.poll = poll
        self.position = 0  # bytes of the input consumed as whole records (and headers)
        self.read_bytes = 0  # bytes read from the input so far
        self.last_data = time.monotonic()  # when bytes last arrived
        self.stop_requested = False
        self.ended: str | None = None  # why reading stopped: "eof", "stopped", "truncated"...
        self._carry = b""
        self.cap = self._open()

    # -- the header -------------------------------------------------------------------------

    def _read(self, n: int, wait: float) -> bytes | None:
        """Up to *n* bytes; b"" at the end of the input (a pipe's EOF, a file's current end);
        None when a pipe gave nothing within *wait* seconds."""
        if not self.follow:
            ready, _, _ = select.select([self._fd], [], [], wait)
            if not ready:
                return None
        try:
            data = os.read(self._fd, n)
        except BlockingIOError:
            return None
        if data:
            self.read_bytes += len(data)
            self.last_data = time.monotonic()
        return data

    def _open(self) -> Capture:
        """Read until the file header is complete, then check it like ``open_capture``."""
        head = b""
        need = 4
        deadline = time.monotonic() + 30.0  # a followed file gets its header at once
        while len(head) < need:
            got = self._read(need - len(head), self.poll)
            if got:
                head += got
                if len(head) >= 4 and need == 4:
                    if head[:2] == b"\x1f\x8b":
                        raise CaptureError(
                            f"{self.name}: a compressed capture cannot be read as a stream; "
                            "decompress it into the pipe (zcat FILE | tlstui -)"
                        )
                    if head[:4] not in _MAGICS:
                        raise CaptureError(
                            f"{self.name}: not a pcap or pcapng file ({_describe_magic(head)})"
                        )
                    need = 28 if head[:4] == b"\x0a\x0d\x0d\x0a" else 24
                continue
            if got == b"" and not self.follow:
                break  # the pipe closed inside the header
            if self.stop_requested or time.monotonic() > deadline:
                break
            if got == b"":
                time.sleep(self.poll)
        if not head:
            raise CaptureError(f"{self.name}: empty input, not a capture")
        cap = parse_header(head, len(head), self.name)
        self._carry = head
        if cap.format == "pcap":
            self._carry = b""
            self.position = 24
        cap._start = 0
        cap._streaming = True
        return cap

    # -- the frames -------------------------------------------------------------------------

    def chunks(self) -> Iterator[tuple[bytes, Iterator[Frame]]]:
        """``(buffer, frames)`` as data arrives; an empty chunk every ``poll`` s while idle."""
        cap = self.cap
        while True:
            if self.stop_requested:
                self._finish("stopped")
                return
            got = self._read(CHUNK, self.poll)
            if got is None:
                yield b"", iter(())
                continue
            if not got:
                if not self.follow:
                    self._finish("eof")
                    return
                problem = self._replaced()
                if problem:
                    cap.warnings.append(f"{self.name}: {problem}; stopped following")
                    self._finish("replaced")
                    return
                time.sleep(self.poll)
                yield b"", iter(())
                continue
            buf = self._carry + got if self._carry else got
            cap.data = buf
            cap.size = len(buf)
            cap.resume = 0
            cap._base = self.position
            yield buf, cap.frames()
            # the consumer has iterated the frames: keep what was not a whole record
            used = cap.resume
            self.position += used
            self._carry = buf[used:]
            if cap.stopped:
                self._finish("damaged")
                return
            if len(self._carry) > MAX_CARRY:
                cap.warnings.append(
                    f"{self.name}: a record at byte {self.position} is longer than any frame; "
                    "stopped reading"
                )
                self._finish("damaged")
                return

    def _replaced(self) -> str | None:
        """For --follow: the file was truncated below what was read, or replaced by another."""
        if self._path is None:
            return None
        try:
            st = os.stat(self._path)
        except OSError:
            return "the file was removed"
        if (st.st_ino, st.st_dev) != (self._stat.st_ino, self._stat.st_dev):
            return "the file was replaced by another file"
        if st.st_size < self.read_bytes:
            return f"the file was truncated (now {st.st_size:,} bytes, {self.read_bytes:,} read)"
        return None

    def _finish(self, why: str) -> None:
        self.ended = why
        cap = self.cap
        cap.truncated = why == "damaged"
        # A packet begun but not complete when the input ended is a truncation; when the
        # reader was asked to stop, the rest was simply not read.
        if self._carry and why not in ("damaged", "stopped"):
            cap.truncated = True
            cap.warnings.append(
                f"{self.name}: the input ended in the middle of a packet "
                f"({len(self._carry):,} bytes of an unfinished record at byte {self.position:,})"
            )
        self._carry = b""

    def end(self, why: str = "stopped") -> None:
        """The consumer stopped reading (a stop request): settle the end-of-input facts."""
        if self.ended is None:
            self._finish(why)

    def stop(self) -> None:
        """Ask ``chunks()`` to end at its next step (from any thread)."""
        self.stop_requested = True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._fh.close()

    # -- what the engine reads between chunks ------------------------------------------------

    @property
    def size(self) -> int | None:
        """Bytes known so far: the file's size when following, None for a pipe."""
        if self.follow:
            try:
                return max(os.fstat(self._fd).st_size, self.read_bytes)
            except OSError:
                return None
        return None


_MAGICS = (
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\xc3\xd4",
    b"\x4d\x3c\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x0a\x0d\x0d\x0a",
)


def open_stream(path: str | Path, *, follow: bool, fd: int | None = None) -> StreamCapture:
    """A StreamCapture for ``-`` (stdin, or *fd* when stdin was handed over to the keyboard)
    or a file path to follow; CaptureError for what cannot be read."""
    if str(path) == "-":
        import sys

        src = fd if fd is not None else sys.stdin.fileno()
        fh = os.fdopen(src, "rb", buffering=0, closefd=fd is not None)
        return StreamCapture(fh, "-", follow=False)
    p = Path(path)
    try:
        fh = open(p, "rb", buffering=0)  # noqa: SIM115 - owned by the StreamCapture
    except OSError as exc:
        raise open_error(path, exc) from None
    import stat as _stat

    mode = os.fstat(fh.fileno()).st_mode
    if _stat.S_ISFIFO(mode) or _stat.S_ISSOCK(mode):
        return StreamCapture(fh, str(path), follow=False)
    if not _stat.S_ISREG(mode):
        fh.close()
        raise CaptureError(f"{path}: not a regular file or a pipe")
    return StreamCapture(fh, str(path), follow=follow, path=p)
