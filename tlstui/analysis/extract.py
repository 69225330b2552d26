"""Save one session's packets as a pcapng, for a ticket or a colleague's Wireshark.

The packets are found by reading the capture again, keeping the frames between the session's
first and last frame whose TCP (or, for QUIC and DTLS, UDP) 4-tuple is the session's, in
either direction; a session found inside a tunnel keeps its whole outer frames, so the file
shows the tunnel as the capture did.  The scan itself
records nothing per packet: remembering every session's frame offsets while scanning would put
an append on the per-packet hot path of every run for a feature used on one session at a time,
while a second pass costs one read of the capture (from the page cache) only when asked, and
stops at the session's last frame.

Only the key log lines for the session's own client_random go into the file: a key log for a
busy capture holds every session's secrets, and the extract must not hand those out.

A failed client leg of a proxy whose upstream leg failed too takes that leg along, from its own
file when several captures are open: its diagnosis may rest on the upstream failure
(``legs.explain_client_legs``), and a file without it would explain the failure as the proxy's
own alert.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tlstui.analysis.model import Endpoint, Session
from tlstui.wire.capture import Capture, CaptureError, open_capture
from tlstui.wire.flow import TCP, UDP, flow_of
from tlstui.wire.pcapng_writer import PcapngWriter

__all__ = ["ExtractResult", "extract_session", "session_key_lines"]


@dataclass(slots=True)
class ExtractResult:
    path: Path
    packets: int
    key_lines: int  # key log lines embedded (only the extracted sessions')
    keylog_available: bool  # a key log was in use for the analysis
    upstream: int | None = None  # the proxy upstream leg saved along (its id), if any

    def describe(self, session_id: int) -> str:
        """The one-line confirmation the CLI prints and the TUI shows."""
        n = self.packets
        what = f"session {session_id}" + (
            f" and its proxy upstream leg {self.upstream}" if self.upstream is not None else ""
        )
        text = f"wrote {what} ({n} packet{'s' if n != 1 else ''}) to {self.path}"
        if self.key_lines:
            s = "s" if self.key_lines != 1 else ""
            return f"{text} with its {self.key_lines} key log line{s} (no other session's keys)"
        if self.keylog_available:
            return f"{text}; the key log has no secrets for this session, none embedded"
        return f"{text}; no key log embedded"


def _raw(ep: Endpoint) -> bytes:
    family = socket.AF_INET6 if ":" in ep.ip else socket.AF_INET
    return socket.inet_pton(family, ep.ip)


def session_key_lines(session: Session, lines: list[str] | None) -> list[str]:
    """The key log lines whose client_random is one this session's ClientHello sent."""
    if not lines:
        return []
    randoms = {ch.random.hex() for ch in session.client_hellos if ch.random}
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#") and parts[1].lower() in randoms:
            out.append(" ".join(parts))
    return out


def extract_session(
    capture: str | Path,
    session: Session,
    out: str | Path,
    keylog_lines: list[str] | None = None,
) -> ExtractResult:
    """Write *session*'s frames from *capture* to *out* (pcapng); return what was written.

    Raises CaptureError when the capture cannot be read again, OSError when *out* cannot be
    written.  The file is written beside *out* first and renamed, so a failed write leaves no
    half file, and *out* may not be the capture itself.
    """
    out = Path(out)
    try:
        if out.exists() and os.path.samefile(out, capture):
            raise CaptureError(f"{out}: is the capture being read; choose another name")
    except OSError:
        pass
    c, s = session.client, session.server
    up = session.upstream_leg
    if up is None or session.status == "ok" or up.status != "failed":
        up = None
    # Each leg from its own file: with several captures open, the upstream leg may come from
    # the capture taken on the proxy's other side.
    parts: list[tuple[Path, list[Session]]] = [(Path(capture), [session])]
    if up is not None:
        if up.capture and up.capture != session.capture:
            parts.append((Path(up.capture), [up]))
        else:
            parts[0][1].append(up)
    caps = [open_capture(path) for path, _ in parts]
    keys = session_key_lines(session, keylog_lines)
    if up is not None:
        up_lines = keylog_lines if len(parts) == 1 else _keylog_lines_of(parts[1][0])
        keys += [line for line in session_key_lines(up, up_lines) if line not in keys]
    nanoseconds = any(cap.format == "pcap" and cap._ts_scale < 1e-6 for cap in caps)
    comment = f"session {session.id} ({c} -> {s}) of {Path(str(capture)).name}, saved by tlstui"
    if up is not None:
        comment += (
            f"; with its proxy upstream leg, session {up.id} ({up.client} -> {up.server})"
            + (f" of {parts[1][0].name}" if len(parts) > 1 else "")
        )
    fd, tmp = tempfile.mkstemp(prefix=".tlstui-", suffix=".pcapng", dir=out.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            writer = PcapngWriter(fh, comment=comment, nanoseconds=nanoseconds)
            if keys:
                writer.secrets("\n".join(keys) + "\n")
            if len(parts) == 1:
                for packet in _packets(caps[0], parts[0][1]):
                    writer.packet(*packet)
            else:
                # Two files: their packets in time order (held: a failed handshake's few).
                merged = [
                    p
                    for cap, (_, legs) in zip(caps, parts, strict=True)
                    for p in _packets(cap, legs)
                ]
                merged.sort(key=lambda p: p[1])
                for packet in merged:
                    writer.packet(*packet)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return ExtractResult(
        out, writer.packets, len(keys), bool(keylog_lines), up.id if up is not None else None
    )


def _packets(cap: Capture, saved: list[Session]) -> Iterator[tuple[int, float, bytes, int]]:
    """``(link type, time, frame bytes, original length)`` of the frames of *saved*'s flows in
    *cap*, between their first and last frame."""
    flows = {f for one in saved for f in _flows(one)}
    first = min(one.first_frame for one in saved)
    last = max(one.last_frame for one in saved)
    if any(one.goes_on for one in saved):
        # Rotated files read as one (analysis.multi): the last frame is numbered as in the next
        # file; this file holds the session from its first frame to its end.
        last = 1 << 62
    data = cap.data
    frame = 0
    for ts, off, caplen, origlen, link in cap.frames():
        frame += 1
        if frame < first:
            continue
        if frame > last:
            break
        found = flow_of(data, off, caplen, link, origlen)
        if found is not None and found in flows:
            yield link, ts, bytes(data[off : off + caplen]), origlen


def _flows(session: Session) -> tuple[tuple[int, tuple], tuple[int, tuple]]:
    """The session's flow in both directions, as ``flow_of`` gives them."""
    c, s = session.client, session.server
    craw, sraw = _raw(c), _raw(s)
    proto = TCP if session.transport == "tcp" else UDP  # "quic" and "udp" (DTLS) are UDP
    return (proto, (craw + sraw, c.port, s.port)), (proto, (sraw + craw, s.port, c.port))


def _keylog_lines_of(capture: Path) -> list[str] | None:
    """The key log lines found for *capture* on its own (beside it, ``$SSLKEYLOGFILE``); a
    function of its own because extract_session's parameter shadows ``keylog_lines``."""
    return keylog_lines(capture, None)


def keylog_lines(
    capture: str | Path, keylog: Path | Sequence[Path] | bool | None
) -> list[str] | None:
    """The key log lines the analysis of *capture* uses (the same search as ``analyze``)."""
    from tlstui.analysis.engine import _keylog_for

    found = _keylog_for(capture, keylog, open_capture(capture), [])
    return found[0] if found is not None and found[0] else None


def extract_by_id(
    capture: str | Path,
    session_id: int,
    out: str | Path,
    keylog: Path | Sequence[Path] | bool | None = None,
) -> tuple[Session, ExtractResult]:
    """Analyse *capture*, then save session *session_id*; KeyError when there is no such id."""
    from tlstui.analysis.engine import analyze
    from tlstui.analysis.legs import link_legs

    if str(capture) == "-":
        raise CaptureError("-: cannot extract from standard input (it cannot be read twice)")
    report = analyze(capture, keylog=keylog, diagnose=False)
    link_legs(report)  # a failed client leg takes its upstream leg along (extract_session)
    for session in report.sessions:
        if session.id == session_id:
            lines = keylog_lines(capture, keylog)
            return session, extract_session(capture, session, out, lines)
    raise KeyError(session_id)
