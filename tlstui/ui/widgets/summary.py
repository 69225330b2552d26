"""The summary line: capture name, counts, and failures grouped by cause."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

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
            tail = f" +{more} more (g cycles)" if more else ""
            if len(head) + len(", ".join(items[:shown])) + len(tail) <= width:
                break
            shown -= 1
        more = len(items) - shown
        text.append(head + ", ".join(items[:shown]), style=f"bold {FAIL}")
        if more:
            text.append(f" +{more} more (g cycles)", style=FAIL)
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
    """One line when it fits in *width*, else two: the capture, then the failures."""
    first = _capture_part(report)
    warnings = _warning_part(report, stopped)
    one_line = width - first.cell_len - warnings.cell_len - 3
    failures = _failure_part(report, 10_000)
    if not failures.cell_len:
        return Text.assemble(first, warnings)
    if failures.cell_len <= one_line:
        return Text.assemble(first, " · ", failures, warnings)
    return Text.assemble(first, warnings, "\n", _failure_part(report, width))


def progress_text(name: str, progress: object | None) -> Text:
    """``Reading cap.pcap… 35% · 1,234 packets · 12 sessions``; for a live input
    ``Following cap.pcap · 3.1 MB · 1,234 packets · 12 sessions · last packet 4 s ago``."""
    live = getattr(progress, "live", False)
    if name == "-":
        name = "standard input"
    if live:
        text = Text.assemble(("Following ", f"bold {OK}"), (safe_text(name, 80), "bold"))
    else:
        text = Text.assemble(("Reading ", ""), (safe_text(name, 80), "bold"), "…")
    if progress is None:
        return text
    done = getattr(progress, "bytes_done", 0)
    total = getattr(progress, "bytes_total", None)
    rate = getattr(progress, "rate", 0.0)
    if total and not live:
        pct = min(100, done * 100 // total)
        bar = 10
        filled = pct * bar // 100
        text.append(f" {'█' * filled}{'░' * (bar - filled)} {pct}%")
    else:
        text.append(f" · {done / 1e6:.1f} MB" if live else f" {done / 1e6:.1f} MB")
    if rate and not live:
        text.append(f" · {rate / 1e6:.0f} MB/s")
    text.append(f" · {_count(getattr(progress, 'packets', 0), 'packet')}")
    text.append(f" · {_count(getattr(progress, 'sessions', 0), 'session')}")
    idle = getattr(progress, "idle", None)
    if live and idle is not None:
        text.append(f" · last packet {_ago(idle)}")
    return text


def _ago(seconds: float) -> str:
    if seconds < 1:
        return "just now"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    return f"{seconds / 60:.0f} min ago"


def partial_text(report: Report, progress: object, width: int = 78) -> Text:
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

    def show_partial(self, report: Report, progress: object) -> None:
        """Sessions are arriving: progress and the failures so far (see partial_text)."""
        self.update(partial_text(report, progress, max(self.content_region.width, 40)))

    def show_progress(self, name: str, progress: object | None) -> None:
        self.update(progress_text(name, progress))
