"""Several captures as one report: a thin layer over the single-capture ``analyze()``.

What it adds, and why here rather than in the engine (which stays one capture per call):

- **The list of inputs.**  A directory means every capture in it, in natural name order
  (``cap``, ``cap1``, ``cap2``, ..., ``cap10``, as ``tcpdump -C`` names them); key logs and
  hidden files are skipped.  The same file given twice (or through another path) is read once.
  A file that is not a capture is reported in one line naming it and the others are still read.
- **Rotated files as one.**  Consecutive files named as one rotation (the same name but for
  its digits), of the same format and link type, where each one starts when the previous one
  ended (``tcpdump -C``/``-G``) are analysed as one capture, so a
  TCP connection that spans two files is one session.  The files are joined into one temporary
  capture (a pcap header plus the records of each; pcapng sections simply follow each other)
  up to ``MAX_JOIN`` bytes, and frame numbers are mapped back to each file's own numbering.
- **Merging.**  Sessions keep their capture (the file name as given), get ids unique across
  files (in the order the files were given, then by first frame), and are diagnosed together,
  so a success in one file is the "nearest success" of a failure in another.
- **Key logs.**  Each capture's own (``NAME.keys``, ``NAME.keylog``, as for one capture)
  plus ``--keylog`` and ``$SSLKEYLOGFILE`` for all; each capture's ``keylog`` names those
  files (not the temporary file they are handed to ``analyze`` in) and counts its own
  decrypted sessions, rotated files included.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tlstui.analysis.diagnosis import diagnose_report
from tlstui.analysis.engine import CaptureError, analyze, keylog_candidates
from tlstui.analysis.model import CaptureInfo, KeylogInfo, Report, Session
from tlstui.wire.capture import open_capture

__all__ = ["MAX_JOIN", "ROTATION_GAP", "Input", "analyze_many", "expand_inputs"]

MAX_JOIN = 1 << 30  # bytes of rotated files joined into one temporary capture, at most
ROTATION_GAP = 60.0  # seconds between one file's last frame and the next one's first, at most
_KEYLOG_MAX = 64 << 20


@dataclass(slots=True)
class Input:
    """One capture file to read: its name as given, and what a first look found."""

    name: str
    path: Path
    format: str = ""
    header: bytes = b""  # the pcap global header minus snaplen (join only identical ones)
    first_time: float | None = None
    last_time: float | None = None
    packets: int = 0
    gzip: bool = False


@dataclass(slots=True)
class Loaded:
    """What ``analyze_many`` returns: the merged report and one line per unreadable input."""

    report: Report | None
    errors: list[str] = field(default_factory=list)


def _natural(name: str) -> list[object]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def expand_inputs(paths: Iterable[str | Path]) -> tuple[list[tuple[str, Path]], list[str]]:
    """The files to read, in order, each once; and one line per path that gives none."""
    out: list[tuple[str, Path]] = []
    errors: list[str] = []
    seen: set[tuple[int, int]] = set()

    def add(name: str, p: Path) -> None:
        try:
            st = p.stat()
        except OSError:
            out.append((name, p))  # the reader says what is wrong with it
            return
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            return
        seen.add(ident)
        out.append((name, p))

    for raw in paths:
        name = str(raw)
        p = Path(raw)
        if name != "-" and p.is_dir():
            try:
                entries = sorted(os.listdir(p), key=_natural)
            except OSError as exc:
                errors.append(f"{name}: cannot list the directory ({exc.strerror or exc})")
                continue
            files = [
                e
                for e in entries
                if not e.startswith(".") and not e.endswith(".keys") and (p / e).is_file()
            ]
            if not files:
                errors.append(f"{name}: an empty directory, no capture in it")
            for e in files:
                add(str(p / e), p / e)
        else:
            add(name, p)
    return out, errors


def _look(name: str, p: Path) -> Input:
    """Open *p* and read its frame headers (no decoding): format, times, packet count."""
    cap = open_capture(p)
    first: float | None = None
    ts = 0.0
    n = 0
    for ts, *_ in cap.frames():
        if first is None:
            first = ts
        n += 1
    head = bytes(cap.data[:24]) if cap.format == "pcap" else b""
    gz = False
    try:
        with open(p, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
    except OSError:
        pass
    return Input(
        name=name,
        path=p,
        format=cap.format,
        header=head[:16] + head[20:24],
        first_time=first,
        last_time=ts if n else None,
        packets=n,
        gzip=gz,
    )


def _rotation_stem(name: str) -> str:
    """The file name without its digits: what the files of one rotation share (tcpdump -C
    names ``cap``, ``cap1``, ``cap2``; -G and editcap put times and counters in the name)."""
    return re.sub(r"\d+", "", Path(name).name)


def rotation_groups(inputs: list[Input]) -> list[list[Input]]:
    """Consecutive inputs that continue each other: named as one rotation (the same name but
    for its digits), same format and link type, each starting at most ROTATION_GAP seconds
    after the previous one ended, never before it.  Two unrelated captures taken a minute
    apart are not joined: their frames would be numbered across both, which notes and
    evidence written while reading cannot be mapped back from."""
    groups: list[list[Input]] = []
    size = 0
    for inp in inputs:
        prev = groups[-1][-1] if groups else None
        try:
            this_size = inp.path.stat().st_size
        except OSError:
            this_size = MAX_JOIN
        joins = (
            prev is not None
            and _rotation_stem(prev.name) == _rotation_stem(inp.name)
            and not prev.gzip
            and not inp.gzip
            and prev.format == inp.format
            and (inp.format != "pcap" or prev.header == inp.header)
            and prev.last_time is not None
            and inp.first_time is not None
            and 0.0 <= inp.first_time - prev.last_time <= ROTATION_GAP
            and size + this_size <= MAX_JOIN
        )
        if joins:
            groups[-1].append(inp)
            size += this_size
        else:
            groups.append([inp])
            size = this_size
    return groups


def _keylog_lines(inputs: list[Input], keylog: Path | bool | None) -> tuple[list[str], list[str]]:
    """The key log lines for *inputs* and the files they came from: the ones beside each
    capture and ``$SSLKEYLOGFILE`` (``engine.keylog_candidates``), then *keylog*."""
    lines: list[str] = []
    sources: list[str] = []
    candidates: list[Path] = []
    for inp in inputs:
        candidates += keylog_candidates(inp.path)
    if isinstance(keylog, Path):
        candidates.append(keylog)
    for c in dict.fromkeys(candidates):
        try:
            if c.is_file() and c.stat().st_size < _KEYLOG_MAX:
                lines += c.read_text("utf-8", "replace").splitlines()
                sources.append(str(c))
        except OSError:
            continue
    return lines, sources


def _name_sources(
    info: KeylogInfo | None, keys: Path | None, target: Path, group: list[Input], sources: list[str]
) -> None:
    """Put the real key log files in *info*'s paths where ``analyze`` saw the temporary file
    they were copied to, and the capture's name where it saw the temporary joined file."""
    if info is None:
        return
    paths: list[str] = []
    for p in info.paths:
        if keys is not None and p == str(keys):
            paths += sources
        elif p.startswith(f"{target} "):  # "TARGET (embedded secrets)" of a joined group
            paths.append(group[0].name + p[len(str(target)) :])
        else:
            paths.append(p)
    info.paths = paths


def _join(group: list[Input], directory: str) -> Path:
    """The group's files as one capture file in *directory*."""
    out = Path(directory) / ("joined.pcapng" if group[0].format == "pcapng" else "joined.pcap")
    with open(out, "wb") as dst:
        for n, inp in enumerate(group):
            with open(inp.path, "rb") as src:
                if group[0].format == "pcap" and n:
                    src.seek(24)
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    return out


def _renumber(sessions: list[Session], group: list[Input]) -> None:
    """Map frame numbers of a joined capture back to each file's own numbering; a session
    belongs to the file of its first frame, and one that goes on into the next file says so."""
    starts: list[int] = []
    total = 0
    for inp in group:
        starts.append(total)
        total += inp.packets

    def where(frame: int) -> int:
        k = 0
        for i, s in enumerate(starts):
            if frame > s:
                k = i
        return k

    def local(frame: int) -> int:
        return frame - starts[where(frame)] if frame > 0 else frame

    for s in sessions:
        first_file = where(s.first_frame)
        last_file = where(s.last_frame)
        s.capture = group[first_file].name
        if last_file != first_file:
            s.goes_on = True
            others = ", ".join(group[k].name for k in range(first_file + 1, last_file + 1))
            s.malformed.append(
                f"the connection goes on in {others}: its frames there are numbered as in that file"
            )
        s.first_frame = local(s.first_frame)
        s.last_frame = local(s.last_frame)
        s.non_tls_reply_frame = local(s.non_tls_reply_frame)
        for ev in s.events:
            ev.frame = local(ev.frame)
            ev.first_frame = local(ev.first_frame)
        for a in s.alerts:
            a.frame = local(a.frame)


def _info(inp: Input, joined: CaptureInfo | None, sessions: Sequence[Session] = ()) -> CaptureInfo:
    info = CaptureInfo(
        file=inp.name,
        format=inp.format,
        packets=inp.packets,
        first_time=inp.first_time,
        last_time=inp.last_time,
    )
    if joined is not None:
        info.link_types = list(joined.link_types)
        info.damaged = joined.damaged if joined.file == inp.name else 0
        info.truncated = joined.truncated if joined.file == inp.name else False
        info.warnings = list(joined.warnings) if joined.file == inp.name else []
        k = joined.keylog
        if k is not None:
            # The group's key log served every file of it; each counts its own sessions.
            mine = sum(s.capture == inp.name and s.secrets == "decrypted" for s in sessions)
            info.keylog = KeylogInfo(list(k.paths), k.lines, mine)
    return info


def analyze_many(
    paths: Iterable[str | Path],
    *,
    keylog: Path | bool | None = None,
    progress: Callable[..., None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Loaded:
    """Read every capture of *paths* into one diagnosed report (None when none was readable)."""
    files, errors = expand_inputs(paths)
    inputs: list[Input] = []
    for name, p in files:
        try:
            inputs.append(_look(name, p))
        except CaptureError as exc:
            errors.append(str(exc))
    if not inputs:
        return Loaded(None, errors)
    infos: list[CaptureInfo] = []
    sessions: list[Session] = []
    with tempfile.TemporaryDirectory(prefix="tlstui-") as tmp:
        for group in rotation_groups(inputs):
            if should_stop is not None and should_stop():
                break
            sources: list[str] = []
            keys: Path | None = None
            if keylog is not False:
                lines, sources = _keylog_lines(group, keylog if isinstance(keylog, Path) else None)
                if lines:
                    keys = Path(tmp) / "keys"
                    keys.write_text("\n".join(lines) + "\n", encoding="utf-8")
            target = group[0].path if len(group) == 1 else _join(group, tmp)
            try:
                rep = analyze(
                    target,
                    keylog=False if keylog is False else keys,
                    progress=progress,
                    should_stop=should_stop,
                    diagnose=False,
                )
            except CaptureError as exc:
                errors.append(f"{group[0].name}: {exc}")
                continue
            rep.capture.file = group[0].name
            _name_sources(rep.capture.keylog, keys, Path(target), group, sources)
            if rep.capture.keylog is None and sources:
                # Key logs with no usable line (a stack that logged nothing): said, as for one
                # capture, not taken for "no key log".
                rep.capture.keylog = KeylogInfo(list(sources), 0, 0)
            if len(group) == 1:
                for s in rep.sessions:
                    s.capture = group[0].name
                infos.append(rep.capture)
            else:
                _renumber(rep.sessions, group)
                for inp in group:
                    infos.append(_info(inp, rep.capture, rep.sessions))
            sessions += rep.sessions
    if not infos:
        return Loaded(None, errors)
    for i, s in enumerate(sessions, 1):
        s.id = i
    report = Report(infos[0], sessions, captures=infos if len(infos) > 1 else [])
    if len(infos) == 1:
        for s in sessions:
            s.capture = None  # one capture: nothing to tell apart (the report stays as before)
    diagnose_report(report)
    return Loaded(report, errors)
