"""The Markdown export of one session's diagnosis."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHOWCASE

from tlstui.analysis.model import Report
from tlstui.output.markdown import (
    export_filename,
    export_path,
    ladder_lines,
    md_code,
    md_text,
    session_markdown,
)


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


def test_export_filename_names_the_capture(report: Report) -> None:
    session = report.sessions[4]
    assert export_filename(report, session) == f"tlstui-showcase-session-{session.id}.md"


def test_export_path_never_overwrites(report: Report, tmp_path: Path) -> None:
    session = report.sessions[4]
    first = export_path(tmp_path, report, session)
    assert first == tmp_path / f"tlstui-showcase-session-{session.id}.md"
    first.write_text("x")
    second = export_path(tmp_path, report, session)
    assert second.name == f"tlstui-showcase-session-{session.id}-2.md"
    assert second.is_absolute()


def test_commands_are_unescaped_code_spans(report: Report) -> None:
    session = _by_cause(report, "expired_certificate")
    text = session_markdown(report, session)
    assert session.diagnosis is not None
    command = next(i for i in session.diagnosis.best.check_next if i.startswith("openssl"))
    assert "</dev/null |" in command
    assert f"  - `{command}`" in text.splitlines()
    assert "\\<" not in text and "\\|" not in text


def test_ladder_lines_time_since_the_session_and_the_line_before(report: Report) -> None:
    session = report.sessions[0]
    lines = ladder_lines(report, session)
    assert lines[0].split() == ["frame", "ms", "+ms", "client", "->", "server"]
    first = lines[1].split()
    assert first[0] == str(session.events[0].frame)
    # Since the session's first packet (its SYN), not since the capture's first frame.
    assert float(first[1]) == pytest.approx(
        (session.events[0].time - session.start) * 1000, abs=0.06
    )
    assert first[2:] == ["-->", "ClientHello"]
    second = lines[2].split()
    assert second[2].startswith("+")
    assert float(second[1]) - float(first[1]) == pytest.approx(float(second[2]), abs=0.11)


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


def test_export_of_a_session_from_the_second_capture_names_that_capture() -> None:
    from conftest import CAPTURES

    from tlstui.analysis.multi import analyze_many

    report = analyze_many(
        [
            CAPTURES / "proxy-upstream-untrusted-client-leg.pcap",
            CAPTURES / "proxy-upstream-untrusted-upstream-leg.pcap",
        ]
    ).report
    assert report is not None
    second = report.sessions[1]
    assert second.id == 2
    assert second.capture is not None
    assert Path(second.capture).name == "proxy-upstream-untrusted-upstream-leg.pcap"
    assert (
        export_filename(report, second)
        == "tlstui-proxy-upstream-untrusted-upstream-leg-session-2.md"
    )
    text = session_markdown(report, second)
    assert (
        f"- Capture: `proxy-upstream-untrusted-upstream-leg.pcap`, frames "
        f"{second.first_frame}-{second.last_frame}\n"
    ) in text
    assert "client-leg" not in text.split("## Diagnosis")[0]
    first = report.sessions[0]
    assert (
        export_filename(report, first) == "tlstui-proxy-upstream-untrusted-client-leg-session-1.md"
    )


def test_export_names_quic_dtls_and_the_tunnel() -> None:
    from conftest import CAPTURES

    from tlstui.analysis.engine import analyze

    report = analyze(CAPTURES / "tunnels" / "vxlan.pcap")
    tcp, quic = report.sessions
    text = session_markdown(report, quic)
    assert "- Transport: QUIC over UDP\n- Version: QUIC 1.3\n" in text
    assert "- Note: inside a tunnel: VXLAN (inner addresses shown)\n" in text
    assert "- Transport: TLS over TCP\n- Version: TLS 1.3\n" in session_markdown(report, tcp)

    report = analyze(CAPTURES / "udp" / "quic-untrusted-ca.pcap")
    text = session_markdown(report, report.sessions[0])
    assert "- Transport: QUIC over UDP\n" in text

    report = analyze(CAPTURES / "udp" / "dtls12-untrusted-ca.pcap")
    text = session_markdown(report, report.sessions[0])
    assert "- Transport: DTLS over UDP\n- Version: DTLS 1.2\n" in text
