"""``tlstui CAPTURE --report``: the report as a table plus one diagnosis block per failure.

Readable at 80 columns; colour only as an aid (the status mark carries the meaning), and
every capture-derived string is built into ``Text`` objects so markup in an SNI stays text.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from tlstui.analysis.model import Report, Session
from tlstui.output import describe
from tlstui.output.commands import split_item
from tlstui.textsafe import safe_text
from tlstui.tls.facts import is_tls13_version, tls_level

_STATUS_STYLE = {"ok": "green", "failed": "bold red", "incomplete": "yellow"}
OUTCOME_MIN = 18  # below this the outcome/cause column moves to its own line


class ReportConsole(Console):
    """A console that lets a closed pipe (``| head``) reach the caller as BrokenPipeError,
    instead of Rich's own exit with status 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def capture_name(report: Report) -> str:
    """The capture as a person calls it: ``stdin`` for ``-``."""
    return "stdin" if report.capture.file == "-" else safe_text(report.capture.file)


def _sealed_protocols(report: Report) -> list[str]:
    """The protocols among the report's sessions whose handshake is encrypted after the
    ServerHello (TLS 1.3, DTLS 1.3, QUIC), in that order: what a key log would open."""
    seen: set[str] = set()
    for s in report.sessions:
        if s.transport == "quic":
            seen.add("QUIC")
        elif s.version is not None and tls_level(s.version) == 0x0304:
            seen.add("DTLS 1.3" if s.transport == "udp" else "TLS 1.3")
        elif s.transport == "tcp" and is_tls13_version(s.version):
            seen.add("TLS 1.3")
    return [p for p in ("TLS 1.3", "DTLS 1.3", "QUIC") if p in seen]


def keylog_line(report: Report) -> str:
    """Which key log was used and what it decrypted, or that none was used."""
    keylog = report.keylog_used()
    if keylog is None:
        sealed = _sealed_protocols(report)
        if sealed:
            return (
                f"key log: none ({' and '.join(sealed)} alerts can only be judged by size and "
                "position)"
            )
        return "key log: none (the handshakes shown are readable up to ChangeCipherSpec)"
    paths = ", ".join(safe_text(p, 400) for p in keylog.paths)
    n = keylog.sessions_decrypted
    return (
        f"key log: {paths}: {keylog.lines} usable line{'s' if keylog.lines != 1 else ''}, "
        f"{n} session{'s' if n != 1 else ''} decrypted"
    )


def _header(report: Report) -> list[Text]:
    """The capture line and the key log line (never wrapped: they hold paths), then the
    failure summary."""
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
        text.append(capture_name(report), style="bold")
        text.append(f"  {c.format}, {c.packets} packets, {n} TLS session{'s' if n != 1 else ''}")
    if c.damaged:
        text.append(f", {c.damaged} damaged frames", style="yellow")
    if c.truncated:
        text.append(", file truncated", style="yellow")
    incomplete = any(s.status == "incomplete" for s in report.sessions)
    style = "bold red" if report.failed else "bold yellow" if incomplete else "green"
    summary = Text(describe.failure_summary(report), style=style)
    return [text, Text(keylog_line(report), style="dim"), summary]


def _outcome(s: Session) -> Text:
    cause = describe.session_cause(s)
    outcome = describe.outcome_short(s)
    last = Text(outcome)
    if cause and cause != "ok":
        last.append(("  " if outcome else "") + cause, style="bold")
    return last


def table_lines(sessions: list[Session], width: int) -> list[Text]:
    """The sessions table as lines; names (server, SNI) are never cut or wrapped.

    The columns take what their content needs; the outcome/cause column gets the rest of
    *width* and wraps between words; when less than ``OUTCOME_MIN`` is left, the ``ver``
    column goes first, then the outcome moves to its own indented line.  A line longer than
    *width* (a 253-byte SNI) is printed whole: a name broken in two cannot be grepped.
    """
    several = any(s.capture for s in sessions)
    cells = [
        (
            str(s.id),
            safe_text(Path(s.capture or "").name, 60),
            describe.status_mark(s.status),
            str(s.server),
            describe.sni_text(s, 60),
            describe.session_version_short(s),
        )
        for s in sessions
    ]
    heads = ("#", "capture", "status", "server", "SNI", "ver")
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
    shown = [0, 1, 2, 3, 4, 5] if several else [0, 2, 3, 4, 5]
    gap = 2
    if width - (sum(widths[i] for i in shown) + gap * len(shown)) < OUTCOME_MIN:
        shown.remove(5)
    room = width - sum(widths[i] for i in shown) - gap * len(shown)
    own_line = room < OUTCOME_MIN
    lines: list[Text] = []

    def row(values: tuple[str, ...], styles: dict[int, str], last: Text | None) -> list[Text]:
        text = Text(no_wrap=True)
        for n, i in enumerate(shown):
            if n:
                text.append(" " * gap)
            value = values[i]
            cell = value.rjust(widths[i]) if i == 0 else value.ljust(widths[i])
            text.append(cell, style=styles.get(i, ""))
        if last is None:
            return [text]
        if own_line:
            indent = widths[0] + gap
            return [text, Text(" " * indent).append_text(last)] if last.plain else [text]
        text.append(" " * gap)
        parts: list[Text] = []
        if last.plain:
            parts = list(last.wrap(Console(width=max(room, 1)), max(room, 1)))
        out = [text.append_text(parts[0])] if parts else [text]
        pad = width - room
        for part in list(parts)[1:]:
            out.append(Text(" " * pad).append_text(part))
        return out

    header = row(heads, {}, None if own_line else Text("outcome / cause"))
    for line in header:
        line.stylize("bold")
    lines += header
    for s, values in zip(sessions, cells, strict=True):
        lines += row(values, {2: _STATUS_STYLE.get(s.status, "")}, _outcome(s))
    for line in lines:
        line.rstrip()
    return lines


def _pad(renderable: Text, left: int) -> Padding:
    return Padding(renderable, (0, 0, 0, left))


def _check_next(items: list[str]) -> list[Padding | Text]:
    """Each item's prose wrapped, and each command on its own line, never wrapped."""
    out: list[Padding | Text] = []
    for item in items:
        split = split_item(item)
        if split.prose:
            out.append(_pad(Text("- " + safe_text(split.prose, 2000)), 4))
        for n, command in enumerate(split.commands):
            lead = "      " if split.prose or n else "    - "
            out.append(Text(lead + safe_text(command, 2000), no_wrap=True, overflow="ignore"))
    return out


def _diagnosis_block(s: Session) -> list[Padding | Text]:
    parts: list[Padding | Text] = []
    head = Text(no_wrap=True, overflow="ignore")
    head.append(f"#{s.id} ", style="bold")
    if s.capture:
        head.append(f"{safe_text(Path(s.capture).name, 60)}: ")
    head.append(f"{s.client} -> {s.server}")
    sni = describe.sni_text(s)
    if sni:
        head.append(f"  SNI {sni}")
    parts.append(head)
    outcome = describe.outcome_text(s)
    if outcome:
        parts.append(_pad(Text(outcome, style="red"), 2))
    d = s.diagnosis
    if d is not None:
        best = d.best
        line = Text()
        line.append(f"{best.cause}", style="bold")
        line.append(f" ({best.confidence}): ")
        line.append(safe_text(best.summary, 2000))
        parts.append(_pad(line, 2))
        if best.explanation:
            parts.append(_pad(Text(safe_text(best.explanation, 8000)), 4))
        if best.evidence:
            evidence = "evidence: frames " + describe.frames_text(best.evidence)
            parts.append(_pad(Text(evidence, style="dim"), 4))
        if s.secrets is not None:
            parts.append(_pad(Text("key log: " + describe.secrets_text(s), style="dim"), 4))
        parts += _check_next(best.check_next)
        for other in d.candidates[1:4]:
            alt = Text(f"also possible: {other.cause} ({other.confidence}): ", style="dim")
            alt.append(safe_text(other.summary, 400))
            parts.append(_pad(alt, 4))
    return parts


def print_report(report: Report, failed_only: bool = False, console: Console | None = None) -> None:
    console = console or ReportConsole(highlight=False, soft_wrap=False)
    capture, keylog, summary = _header(report)
    console.print(capture, soft_wrap=True)
    console.print(keylog, soft_wrap=True)
    console.print(summary)
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
    if not sessions:
        console.print(Text("No failed handshakes: every TLS session completed.", style="green"))
        return
    for line in table_lines(sessions, console.width):
        console.print(line, soft_wrap=True)
    problems = [s for s in sessions if s.status != "ok"]
    if problems:
        console.print()
        console.rule("Diagnosis", style="dim")
        for s in problems:
            for part in _diagnosis_block(s):
                console.print(part, soft_wrap=isinstance(part, Text))
            console.print()
