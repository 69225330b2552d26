"""Markdown export of one session's diagnosis (the TUI's ``e`` key).

Every capture-derived string goes through ``safe_text`` and is then either put in a code span
or has Markdown's active characters escaped, so a hostile SNI cannot inject links, HTML or
terminal escapes into the file someone pastes into a ticket.
"""

from __future__ import annotations

import re
from pathlib import Path

from tlstui.analysis.compare import Comparison
from tlstui.analysis.model import Cause, Report, Session
from tlstui.output import describe
from tlstui.output.commands import split_item
from tlstui.textsafe import safe_text

_MD_ACTIVE = re.compile(r"([\\`*\[\]<>|])")


def md_text(value: str | None, limit: int = 8000) -> str:
    """Plain text for Markdown: sanitised, with active characters backslash-escaped."""
    text = _MD_ACTIVE.sub(r"\\\1", safe_text(value, limit))
    return "\\" + text if text.startswith(("#", "-", "+", ">", "=")) else text


def md_code(value: str | None, limit: int = 512) -> str:
    """An inline code span that holds any text, backticks included."""
    text = safe_text(value, limit)
    if not text:
        return "—"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def session_capture(report: Report, session: Session) -> str:
    """The file *session* came from: its own capture when several were opened (the report's
    ``capture`` is only the first of them)."""
    return session.capture or report.capture.file


def export_filename(report: Report, session: Session) -> str:
    """``tlstui-CAPTURE-session-N.md``: the capture's name keeps exports of session N of two
    captures apart; only letters, digits, ``.``, ``-`` and ``_`` of it are kept."""
    file = session_capture(report, session)
    capture = "stdin" if file == "-" else Path(file).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", capture.rsplit(".", 1)[0]).strip("._") or "capture"
    return f"tlstui-{stem[:60]}-session-{session.id}.md"


def export_path(directory: Path, report: Report, session: Session) -> Path:
    """A path in *directory* that does not exist yet: the export name, else ``-2``, ``-3``..."""
    name = export_filename(report, session)
    path = directory / name
    n = 1
    while path.exists():
        n += 1
        path = directory / name.replace(".md", f"-{n}.md")
    return path.resolve()


def _check_next_md(item: str) -> list[str]:
    """A check-next item: its prose escaped, its commands in code spans, unescaped."""
    split = split_item(item)
    if not split.prose:
        return [f"  - {md_code(c, 2000)}" for c in split.commands]
    out = [f"  - {md_text(split.prose)}"]
    out += [f"    {md_code(c, 2000)}" for c in split.commands]
    return out


def ladder_lines(report: Report, session: Session) -> list[str]:
    """The ladder as plain text: frame, ms since the session's first packet, ms since the
    line before, arrow, messages."""
    lines = [f"{'frame':>7} {'ms':>9} {'+ms':>8}  client -> server"]
    previous: float | None = None
    for group in describe.ladder_groups(session.events):
        events = [session.events[i] for i in group]
        first = events[0]
        label = describe.group_label(events)
        arrow = f"--> {label}" if first.sender == "client" else f"    <-- {label}"
        since = describe.ms_since(first.time, session.start)
        delta = "" if previous is None else "+" + describe.ms_since(first.time, previous)
        previous = first.time
        lines.append(f"{first.frame:>7} {since:>9} {delta:>8}  {arrow}")
    return lines


def _cause_md(cause: Cause, heading: str) -> list[str]:
    out = [
        f"{heading} `{cause.cause}` ({cause.confidence} confidence)",
        "",
        md_text(cause.summary),
        "",
    ]
    if cause.explanation:
        out += [md_text(cause.explanation), ""]
    out.append(f"- Evidence: frames {describe.frames_text(cause.evidence)}")
    if cause.fault:
        out.append(f"- Look at: {md_text(cause.fault)}")
    if cause.check_next:
        out.append("- Check next:")
        for item in cause.check_next:
            out += _check_next_md(item)
    out.append("")
    return out


_TRANSPORTS = {"tcp": "TLS over TCP", "udp": "DTLS over UDP", "quic": "QUIC over UDP"}


def session_markdown(report: Report, session: Session) -> str:
    """One session's diagnosis as a Markdown document."""
    file = session_capture(report, session)
    name = "standard input" if file == "-" else Path(file).name
    out = [
        f"# TLS session #{session.id}: {describe.status_mark(session.status)}",
        "",
        f"- Capture: {md_code(name)}, frames {session.first_frame}-{session.last_frame}",
        f"- Client: {md_code(str(session.client))}",
        f"- Server: {md_code(str(session.server))}",
        f"- SNI: {md_code(describe.sni_text(session)) if describe.sni_text(session) else '(none)'}",
        f"- Transport: {_TRANSPORTS.get(session.transport, md_text(session.transport))}",
        f"- Version: {describe.session_version_text(session)}",
        f"- Cipher suite: {describe.cipher_text(session.cipher_suite)}",
        f"- Duration: {describe.duration_text(session.end - session.start)}",
    ]
    # The engine's notes: a tunnel the session was carried in, why decoding stopped.
    out += [f"- Note: {md_text(note, 500)}" for note in session.malformed[:20]]
    outcome = describe.outcome_text(session)
    if outcome:
        out.append(f"- Ended by: {md_text(outcome)}")
    out.append("")

    diagnosis = session.diagnosis
    out += ["## Diagnosis", ""]
    if diagnosis is None:
        out += ["(not diagnosed)", ""]
    else:
        out += _cause_md(diagnosis.best, "**Cause:**")
        others = [
            c
            for c in diagnosis.candidates
            if c is not diagnosis.best
            and (c.cause, c.summary) != (diagnosis.best.cause, diagnosis.best.summary)
        ]
        if others:
            out += ["### Other candidates", ""]
            for n, cause in enumerate(others, start=2):
                out += _cause_md(cause, f"{n}.")

    out += ["## Alerts", ""]
    if session.alerts:
        for alert in session.alerts:
            meaning = (
                "encrypted; a key log would tell which"
                if alert.code is None
                else describe.alert_meaning(alert.code)
            )
            out.append(f"- frame {alert.frame}: {md_text(describe.alert_text(alert))}: {meaning}")
    else:
        out.append("(none)")
    close = describe.close_text(session)
    if close:
        out.append(f"- TCP: {close}")
    out.append("")

    out += ["## Handshake ladder", "", "```text", *ladder_lines(report, session), "```", ""]
    out.append("Generated by tlstui.")
    return "\n".join(out) + "\n"


# --- a comparison of two sessions (the compare screen's ``e`` key) ---------------------------


def comparison_filename(c: Comparison) -> str:
    return f"tlstui-compare-{c.a.id}-{c.b.id}.md"


def _md_value(v: str | list[str] | None) -> str:
    """A value for a table cell: code spans, with ``|`` escaped so a name cannot end the cell."""
    if v is None:
        return "(not seen)"
    if isinstance(v, list):
        text = ", ".join(md_code(x) for x in v) if v else "(none)"
    else:
        text = md_code(v)
    return text.replace("|", "\\|")


def comparison_markdown(report: Report, c: Comparison) -> str:
    """A comparison as a Markdown document: who, the summary, where the ladders part, a table
    of the differences, the fields that are the same, and both ladders."""

    def who(label: str, s: Session, capture: str | None) -> str:
        where = Path(capture or report.capture.file).name
        sni = describe.sni_text(s)
        return (
            f"- {label}: session #{s.id}, {describe.status_mark(s.status)}, "
            f"{md_code(str(s.client))} → {md_code(str(s.server))}, "
            f"SNI {md_code(sni) if sni else '(none)'}, capture {md_code(where)}"
        )

    out = [
        f"# TLS sessions #{c.a.id} and #{c.b.id} compared",
        "",
        who("a", c.a, c.capture_a),
        who("b", c.b, c.capture_b),
    ]
    if c.partner_reason:
        out.append(f"- Why b: {md_text(c.partner_reason)}")
    out += [
        "",
        f"**{md_text(c.summary)}**",
        "",
        f"Where the ladders part: {md_text(c.parting.text)}",
    ]
    out += ["", f"## Differences ({len(c.differences)})", ""]
    if c.differences:
        out += ["| field | a | b |", "|---|---|---|"]
        for d in c.differences:
            if d.is_list and d.a is not None and d.b is not None:
                a = "only a: " + _md_value(d.only_a) if d.only_a else ""
                b = "only b: " + _md_value(d.only_b) if d.only_b else ""
                if d.reordered:
                    a, b = (a + " (order differs)").strip(), (b + " (order differs)").strip()
            else:
                a, b = _md_value(d.a), _md_value(d.b)
            out.append(f"| {d.field} | {a or '—'} | {b or '—'} |")
    else:
        out.append("(none)")
    same = ", ".join(d.field for d in c.same)
    out += ["", f"Same ({len(c.same)}): {same or '(none)'}", ""]
    for label, s in (("a", c.a), ("b", c.b)):
        out += [
            f"## Ladder of {label} (#{s.id})",
            "",
            "```text",
            *ladder_lines(report, s),
            "```",
            "",
        ]
    out.append("Generated by tlstui.")
    return "\n".join(out) + "\n"
