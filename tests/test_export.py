"""The Markdown export of one session's diagnosis."""

from __future__ import annotations

from conftest import SHOWCASE

from tlstui.analysis.model import Report
from tlstui.output.markdown import export_filename, ladder_lines, md_code, md_text, session_markdown


def _by_cause(report: Report, cause: str):
    return next(s for s in report.sessions if s.failed and s.diagnosis.best.cause == cause)


def test_export_of_a_failed_session(report: Report) -> None:
    session = _by_cause(report, "untrusted_ca")
    text = session_markdown(report, session)
    best = session.diagnosis.best  # type: ignore[union-attr]
    assert text.startswith(f"# TLS session #{session.id}: ✗ failed\n")
    assert "- Capture: `showcase.pcap`" in text  # the basename, never the full path
    assert str(SHOWCASE.parent) not in text
    assert f"- Server: `{session.server}`" in text
    assert "- Ended by: fatal 48 unknown_ca (client)" in text
    assert f"**Cause:** `untrusted_ca` ({best.confidence} confidence)" in text
    assert "- Evidence: frames " + ", ".join(str(f) for f in best.evidence) in text
    assert "- Check next:" in text
    assert "## Alerts" in text and "could not be built to a trusted CA" in text
    assert "```text" in text
    assert "<-- ServerHello, Certificate, ServerKeyExchange, ServerHelloDone" in text
    assert text.endswith("\n")


def test_export_filename(report: Report) -> None:
    assert export_filename(report.sessions[4]) == f"tlstui-session-{report.sessions[4].id}.md"


def test_ladder_lines_use_capture_relative_milliseconds(report: Report) -> None:
    session = report.sessions[0]
    lines = ladder_lines(report, session)
    assert lines[0].split() == ["frame", "ms", "client", "->", "server"]
    first = lines[1].split()
    assert first[0] == str(session.events[0].frame)
    assert float(first[1]) >= 0
    assert first[2:] == ["-->", "ClientHello"]


def test_hostile_capture_text_is_neutralised(report: Report) -> None:
    session = report.sessions[0]
    assert session.client_hello is not None
    old = session.client_hello.sni
    session.client_hello.sni = "[x](http://evil)<img src=x>`\x1b[31m"
    try:
        text = session_markdown(report, session)
    finally:
        session.client_hello.sni = old
    assert "\x1b" not in text
    sni_line = next(line for line in text.splitlines() if line.startswith("- SNI:"))
    # In a code span that holds the backtick: no link, no HTML, no escape sequence.
    assert sni_line == "- SNI: `` [x](http://evil)<img src=x>`\\x1b[31m ``"


def test_md_helpers() -> None:
    assert md_text("a *b* [c](d) <e> `f` | g") == "a \\*b\\* \\[c\\](d) \\<e\\> \\`f\\` \\| g"
    assert md_text("# not a heading") == "\\# not a heading"
    assert md_code("plain") == "`plain`"
    assert md_code("a`b") == "`` a`b ``"
    assert md_code("") == "—"
