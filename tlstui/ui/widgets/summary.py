"""The summary line: capture name, counts, and failures grouped by cause."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from tlstui.analysis.engine import Progress
from tlstui.analysis.model import Report
from tlstui.output import describe
from tlstui.textsafe import safe_text
from tlstui.ui.palette import FAIL, OK, WARN


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _capture_part(report: Report) -> Text:
    capture = report.capture
    text = Text()
    if len(report.captures) > 1:
        # Several captures: the first one's name and how many there are.
        first = safe_text(Path(capture.file).name, 40)
        text.append(f"{first} +{len(report.captures) - 1} more", style="bold")
        packets = sum(c.packets for c in report.captures)
        text.append(f" · {_count(packets, 'packet')} · ")
        text.append(_count(len(report.sessions), "session"))
        return text
    text.append(safe_text(Path(capture.file).name, 80), style="bold")
    text.append(f" · {_count(capture.packets, 'packet')} · ")
    text.append(_count(len(report.sessions), "session"))
    return text


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
    if capture.truncated:
        text.append(" · file truncated", style=WARN)
    if capture.snaplen_truncated:
        text.append(f" · {capture.snaplen_truncated:,} frames cut by snaplen", style=WARN)
    return text


def summary_text(report: Report, stopped: bool = False, width: int = 78) -> Text:
    """One line when it fits in *width*, else two: the capture and its key log, then the
    failures (the key log moves down, or loses its file name, when the first line is full)."""
    first = _capture_part(report)
    warnings = _warning_part(report, stopped)
    failures = _failure_part(report, 10_000)
    keys = keylog_part(report)
    if first.cell_len + 3 + keys.cell_len + warnings.cell_len > width:
        keys = keylog_part(report, named=False)
    line = Text.assemble(first, " · ", keys, warnings)
    if not failures.cell_len:
        return line
    if line.cell_len + 3 + failures.cell_len <= width:
        return Text.assemble(line, " · ", failures)
    if line.cell_len > width:
        # Not even the key log fits beside the capture: it leads the failure line.
        failures = _failure_part(report, width - keys.cell_len - 3)
        return Text.assemble(first, warnings, "\n", keys, " · ", failures)
    return Text.assemble(line, "\n", _failure_part(report, width))


def progress_text(name: str, progress: Progress | None) -> Text:
    """``Reading cap.pcap… 35% · 1,234 packets · 12 sessions``; for a live input
    ``Following cap.pcap · 3.1 MB · 1,234 packets · 12 sessions · last packet 4 s ago``."""
    live = progress is not None and progress.live
    if name == "-":
        name = "standard input"
    if live:
        text = Text.assemble(("Following ", f"bold {OK}"), (safe_text(name, 80), "bold"))
    else:
        text = Text.assemble(("Reading ", ""), (safe_text(name, 80), "bold"), "…")
    if progress is None:
        return text
    done = progress.bytes_done
    total = progress.bytes_total
    if total and not live:
        pct = min(100, done * 100 // total)
        bar = 10
        filled = pct * bar // 100
        text.append(f" {'█' * filled}{'░' * (bar - filled)} {pct}%")
    else:
        text.append(f" · {done / 1e6:.1f} MB" if live else f" {done / 1e6:.1f} MB")
    if progress.rate and not live:
        text.append(f" · {progress.rate / 1e6:.0f} MB/s")
    text.append(f" · {_count(progress.packets, 'packet')}")
    text.append(f" · {_count(progress.sessions, 'session')}")
    if live and progress.idle is not None:
        text.append(f" · last packet {_ago(progress.idle)}")
    return text


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
        return progress_text(name, progress)
    return Text.assemble(progress_text(name, progress), "\n", failures)


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
        self.update(progress_text(name, progress))
