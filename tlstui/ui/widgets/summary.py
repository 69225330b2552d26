"""The summary line: capture name, counts, and failures grouped by cause."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tlstui.analysis.engine import Progress
from tlstui.analysis.model import Report
from tlstui.output import describe
from tlstui.textsafe import safe_text
from tlstui.ui.palette import FAIL, OK, WARN


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _capture_part(report: Report, width: int | None = None, tail: Text | None = None) -> Text:
    """``cap.pcap · 22 packets · 2 sessions`` (then *tail*, the warnings) in *width* cells:
    a long file name is shortened in the middle, then the packet count goes, so this line
    never wraps over the failure line below it."""
    capture = report.capture
    parts: list[Text] = []
    if len(report.captures) > 1:
        # Several captures: the first one's name and how many there are.
        name = Text(safe_text(Path(capture.file).name, 80), style="bold")
        parts.append(Text(f" +{len(report.captures) - 1} more", style="bold"))
        packets = sum(c.packets for c in report.captures)
    else:
        name = Text(safe_text(Path(capture.file).name, 80), style="bold")
        packets = capture.packets
    parts.append(Text(f" · {_count(packets, 'packet')}"))
    parts.append(Text(f" · {_count(len(report.sessions), 'session')}"))
    if tail is not None and tail.cell_len:
        parts.append(tail)
    drop = [len(parts) - (3 if tail is not None and tail.cell_len else 2)]
    return fit_line(Text(), name, parts, drop, width)


def ellipsize(name: str, width: int) -> str:
    """*name* in at most *width* cells, its middle replaced by ``…`` when too long: the start
    and the end (``.pcap``, a ``-tls12`` suffix) are what tell two names apart."""
    if cell_len(name) <= width:
        return name
    if width <= 1:
        return "…" if width == 1 else ""
    room = width - 1
    tail_room = room // 2
    head_room = room - tail_room
    head = ""
    for ch in name:
        if cell_len(head + ch) > head_room:
            break
        head += ch
    tail = ""
    for ch in reversed(name):
        if cell_len(ch + tail) > tail_room:
            break
        tail = ch + tail
    return f"{head}…{tail}"


def fit_line(
    lead: Text,
    name: Text,
    parts: list[Text],
    drop_order: list[int],
    width: int | None,
    min_name: int = 16,
) -> Text:
    """*lead*, *name* and *parts* on one line of at most *width* cells: the name is shortened
    first (down to *min_name* cells), then *parts* are dropped in *drop_order* (least
    important first), then the name shrinks further; the result never wraps."""
    if width is None:
        return Text.assemble(lead, name, *parts)
    kept = list(range(len(parts)))
    plain = name.plain
    style = name.style
    for drop in [None, *drop_order]:
        if drop is not None:
            kept.remove(drop)
        room = width - lead.cell_len - sum(parts[i].cell_len for i in kept)
        if room >= min(cell_len(plain), min_name):
            shown = Text(ellipsize(plain, room), style=style)
            return Text.assemble(lead, shown, *(parts[i] for i in kept))
    room = width - lead.cell_len - sum(parts[i].cell_len for i in kept)
    line = Text.assemble(lead, Text(ellipsize(plain, max(room, 1)), style=style))
    line.append_text(Text.assemble(*(parts[i] for i in kept)))
    line.truncate(width, overflow="ellipsis")
    return line


def keylog_part(report: Report, named: bool = True) -> Text:
    """``keys cap.keys: 3 decrypted`` / ``keys cap.keys: none decrypted`` / ``no key log``;
    without the file name when *named* is false (a narrow screen)."""
    keylog = report.keylog_used()
    if keylog is None:
        return Text("no key log", style="dim")
    names = ", ".join(safe_text(Path(p).name, 40) for p in keylog.paths)
    where = f"keys {names}" if named else "keys"
    if not keylog.lines:
        return Text(f"{where}: no usable line", style=WARN)
    n = keylog.sessions_decrypted
    return Text(f"{where}: {n} decrypted" if n else f"{where}: none decrypted", "" if n else WARN)


def _failure_part(report: Report, width: int) -> Text:
    """``9 failed: 2 untrusted_ca, 1 alpn_mismatch +6 more (g)`` cut to *width* cells."""
    counts = describe.failure_counts(report)
    text = Text()
    if counts:
        total = sum(n for _, n in counts)
        head = f"{total} failed: "
        items = [f"{n} {cause}" for cause, n in counts]
        shown = len(items)
        while shown > 1:
            more = len(items) - shown
            tail = f" +{more} more (g)" if more else ""
            if len(head) + len(", ".join(items[:shown])) + len(tail) <= width:
                break
            shown -= 1
        more = len(items) - shown
        text.append(head + ", ".join(items[:shown]), style=f"bold {FAIL}")
        if more:
            text.append(f" +{more} more (g)", style=FAIL)
    elif report.sessions:
        text.append("no failures", style=OK)
    incomplete = sum(s.status == "incomplete" and not s.in_progress for s in report.sessions)
    if incomplete:
        text.append(" · ")
        text.append(f"{incomplete} incomplete", style=WARN)
    still_open = sum(s.in_progress for s in report.sessions)
    if still_open:
        text.append(f" · {still_open} open")
    return text


def _warning_part(report: Report, stopped: bool) -> Text:
    capture = report.capture
    text = Text()
    if stopped:
        text.append(" · stopped early: partial", style=f"bold {WARN}")
    if any(w.endswith("stopped following") for w in capture.warnings):
        # --follow ended on its own (the file was truncated, replaced or removed): the
        # notification has the reason; the header keeps saying it once that is gone.
        text.append(" · stopped following", style=f"bold {WARN}")
    if capture.truncated:
        text.append(" · file truncated", style=WARN)
    if capture.snaplen_truncated:
        text.append(f" · {capture.snaplen_truncated:,} frames cut by snaplen", style=WARN)
    return text


def summary_text(report: Report, stopped: bool = False, width: int = 78) -> Text:
    """One line when it fits in *width*, else two: the capture and its key log, then the
    failures (the key log moves down, or loses its file name, when the first line is full).
    The first line is shortened to *width*, never wrapped: the failure line must show."""
    first = _capture_part(report)
    warnings = _warning_part(report, stopped)
    failures = _failure_part(report, 10_000)
    keys = keylog_part(report)
    if first.cell_len + 3 + keys.cell_len + warnings.cell_len > width:
        keys = keylog_part(report, named=False)
    line = Text.assemble(first, " · ", keys, warnings)
    if not failures.cell_len and line.cell_len <= width:
        return line
    if failures.cell_len and line.cell_len + 3 + failures.cell_len <= width:
        return Text.assemble(line, " · ", failures)
    if failures.cell_len and line.cell_len <= width:
        return Text.assemble(line, "\n", _failure_part(report, width))
    # Not even the key log fits beside the capture: it leads the failure line, and the
    # capture line is cut to the width.
    first = _capture_part(report, width, warnings)
    if not failures.cell_len:
        return Text.assemble(first, "\n", keys)
    failures = _failure_part(report, width - keys.cell_len - 3)
    second = Text.assemble(keys, " · ", failures)
    second.truncate(width, overflow="ellipsis")
    return Text.assemble(first, "\n", second)


def progress_text(name: str, progress: Progress | None, width: int | None = None) -> Text:
    """``Reading cap.pcap… 35% · 1,234 packets · 12 sessions``; for a live input
    ``Following cap.pcap · 3.1 MB · 1,234 packets · 12 sessions · last packet 4 s ago``.
    Within *width* cells when given: the name is shortened, then the size, rate and counts
    go (the age of the last packet stays: it says whether the capture is alive)."""
    live = progress is not None and progress.live
    if name == "-":
        name = "standard input"
    shown = Text(safe_text(name, 80), style="bold")
    if live:
        lead = Text("Following ", style=f"bold {OK}")
    else:
        lead = Text("Reading ")
    if progress is None:
        return fit_line(lead, shown, [] if live else [Text("…")], [], width)
    parts: list[Text] = []
    drop: list[int] = []
    if not live:
        parts.append(Text("…"))
    done = progress.bytes_done
    total = progress.bytes_total
    if total and not live:
        pct = min(100, done * 100 // total)
        bar = 10
        filled = pct * bar // 100
        parts.append(Text(f" {'█' * filled}{'░' * (bar - filled)} {pct}%"))
    else:
        drop.append(len(parts))
        parts.append(Text(f" · {done / 1e6:.1f} MB" if live else f" {done / 1e6:.1f} MB"))
    if progress.rate and not live:
        drop.insert(0, len(parts))
        parts.append(Text(f" · {progress.rate / 1e6:.0f} MB/s"))
    drop.append(len(parts))
    parts.append(Text(f" · {_count(progress.packets, 'packet')}"))
    drop.append(len(parts))
    parts.append(Text(f" · {_count(progress.sessions, 'session')}"))
    if live and progress.idle is not None:
        parts.append(Text(f" · last packet {_ago(progress.idle)}"))
    return fit_line(lead, shown, parts, drop, width)


def _ago(seconds: float) -> str:
    if seconds < 1:
        return "just now"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"


def partial_text(report: Report, progress: Progress, width: int = 78) -> Text:
    """While loading: the progress line, then the failures found so far."""
    name = Path(report.capture.file).name
    failures = _failure_part(report, width)
    if not failures.cell_len:
        return progress_text(name, progress, width)
    return Text.assemble(progress_text(name, progress, width), "\n", failures)


class SummaryBar(Static):
    """One or two lines above the sessions table."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._report: Report | None = None
        self._stopped = False

    def show_report(self, report: Report, stopped: bool = False) -> None:
        self._report = report
        self._stopped = stopped
        self._render_report()

    def _render_report(self) -> None:
        if self._report is not None:
            width = max(self.content_region.width, 40)
            self.update(summary_text(self._report, self._stopped, width))

    def on_resize(self) -> None:
        self._render_report()

    def show_partial(self, report: Report, progress: Progress) -> None:
        """Sessions are arriving: progress and the failures so far (see partial_text)."""
        self.update(partial_text(report, progress, max(self.content_region.width, 40)))

    def show_progress(self, name: str, progress: Progress | None) -> None:
        self.update(progress_text(name, progress, max(self.content_region.width, 40)))
