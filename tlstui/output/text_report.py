"""``tlstui CAPTURE --report``: the report as a table plus one diagnosis block per failure.

Readable at 80 columns; colour only as an aid (the status mark carries the meaning), and
every capture-derived string is built into ``Text`` objects so markup in an SNI stays text.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tlstui.analysis.model import Report, Session
from tlstui.output import describe
from tlstui.textsafe import safe_text

_STATUS_STYLE = {"ok": "green", "failed": "bold red", "incomplete": "yellow"}


def _header(report: Report) -> Text:
    c = report.capture
    n = len(report.sessions)
    text = Text()
    if len(report.captures) > 1:
        # Several captures: one line each, then the sessions of all of them.
        for info in report.captures:
            text.append(safe_text(info.file), style="bold")
            text.append(f"  {info.format}, {info.packets} packets\n")
        text.append(f"{len(report.captures)} captures, {n} TLS session{'s' if n != 1 else ''}")
    else:
        text.append(safe_text(c.file), style="bold")
        text.append(f"  {c.format}, {c.packets} packets, {n} TLS session{'s' if n != 1 else ''}")
    if c.damaged:
        text.append(f", {c.damaged} damaged frames", style="yellow")
    if c.truncated:
        text.append(", file truncated", style="yellow")
    text.append("\n")
    text.append(describe.failure_summary(report), style="bold red" if report.failed else "green")
    return text


def _table(sessions: list[Session]) -> Table:
    t = Table(box=None, pad_edge=False, expand=False, show_edge=False, header_style="bold")
    t.add_column("#", justify="right", no_wrap=True)
    several = any(s.capture for s in sessions)
    if several:
        t.add_column("capture", overflow="ellipsis", no_wrap=True, max_width=14)
    t.add_column("status", no_wrap=True)
    t.add_column("server", overflow="fold", max_width=24)
    t.add_column("SNI", overflow="fold", max_width=20)
    t.add_column("ver", no_wrap=True)
    t.add_column("outcome / cause", overflow="fold")
    for s in sessions:
        cause = describe.session_cause(s)
        outcome = describe.outcome_short(s)
        last = Text(outcome)
        if cause and cause != "ok":
            last.append(("  " if outcome else "") + cause, style="bold")
        capture = [Text(safe_text(Path(s.capture or "").name, 60))] if several else []
        t.add_row(
            str(s.id),
            *capture,
            Text(describe.status_mark(s.status), style=_STATUS_STYLE.get(s.status, "")),
            Text(str(s.server)),
            Text(describe.sni_text(s, 60)),
            Text(describe.session_version_short(s)),
            last,
        )
    return t


def _diagnosis_block(s: Session) -> Group:
    parts: list = []
    head = Text()
    head.append(f"#{s.id} ", style="bold")
    if s.capture:
        head.append(f"{safe_text(Path(s.capture).name, 60)}: ")
    head.append(f"{s.client} -> {s.server}")
    sni = describe.sni_text(s, 80)
    if sni:
        head.append(f"  SNI {sni}")
    parts.append(head)
    outcome = describe.outcome_text(s)
    if outcome:
        parts.append(Padding(Text(outcome, style="red"), (0, 0, 0, 2)))
    d = s.diagnosis
    if d is not None:
        best = d.best
        line = Text()
        line.append(f"{best.cause}", style="bold")
        line.append(f" ({best.confidence}): ")
        line.append(safe_text(best.summary, 2000))
        parts.append(Padding(line, (0, 0, 0, 2)))
        if best.explanation:
            parts.append(Padding(Text(safe_text(best.explanation, 8000)), (0, 0, 0, 4)))
        if best.evidence:
            parts.append(
                Padding(
                    Text("evidence: frames " + describe.frames_text(best.evidence), style="dim"),
                    (0, 0, 0, 4),
                )
            )
        for item in best.check_next:
            parts.append(Padding(Text("- " + safe_text(item, 2000)), (0, 0, 0, 4)))
        for other in d.candidates[1:4]:
            alt = Text(f"also possible: {other.cause} ({other.confidence}): ", style="dim")
            alt.append(safe_text(other.summary, 400))
            parts.append(Padding(alt, (0, 0, 0, 4)))
    return Group(*parts)


def print_report(report: Report, failed_only: bool = False, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=False)
    console.print(_header(report))
    for w in report.capture.warnings:
        console.print(Text("warning: " + safe_text(w), style="yellow"))
    sessions = [s for s in report.sessions if not failed_only or s.status != "ok"]
    if not report.sessions:
        console.print(
            Text(
                "No TLS sessions found. No ClientHello on any port: the capture may hold no TLS, a "
                "capture filter may have excluded it, or the snaplen cut packets too short."
            )
        )
        return
    console.print()
    console.print(_table(sessions))
    problems = [s for s in sessions if s.status != "ok"]
    if problems:
        console.print()
        console.rule("Diagnosis", style="dim")
        for s in problems:
            console.print(_diagnosis_block(s))
            console.print()
