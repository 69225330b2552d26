"""The ``/`` filter language (tlstui.ui.filter) on the showcase capture's real sessions."""

from __future__ import annotations

from tlstui.analysis.model import Report
from tlstui.ui.filter import Term, fields_of, matches, parse
from tlstui.ui.view import ViewState, visible_sessions


def shown(report: Report, text: str) -> list[int]:
    return [s.id for s in visible_sessions(report, ViewState(text=text))]


def test_parse() -> None:
    assert parse("  Foo  ") == [Term("any", ("foo",))]
    assert parse("a|b") == [Term("any", ("a", "b"))]
    assert parse("!x") == [Term("any", ("x",), negated=True)]
    assert parse("cause:untrusted|expired") == [Term("cause", ("untrusted", "expired"))]
    assert parse("!alert:fatal") == [Term("alert", ("fatal",), negated=True)]
    # An unknown field name is a plain word: IPv6 addresses and "::1" keep working.
    assert parse("fe80::1") == [Term("any", ("fe80::1",))]
    assert parse("| ! sni:") == []


def test_words_match_any_column_including_alpn_and_ja4(report: Report) -> None:
    with_alpn = [s for s in report.sessions if s.client_hello and s.client_hello.alpn]
    assert with_alpn, "the showcase offers ALPN in some sessions"
    alpn = with_alpn[0].client_hello.alpn[0]  # type: ignore[union-attr]
    assert shown(report, alpn) == [s.id for s in with_alpn if alpn in s.client_hello.alpn]  # type: ignore[union-attr]
    ja4 = report.sessions[0].ja4
    assert ja4
    assert report.sessions[0].id in shown(report, ja4[:20])
    assert shown(report, f"alpn:{alpn}") == shown(report, alpn)


def test_alternatives_and_negation(report: Report) -> None:
    untrusted = shown(report, "cause:untrusted_ca")
    expired = shown(report, "cause:expired_certificate")
    assert untrusted and expired
    assert shown(report, "cause:untrusted_ca|expired_certificate") == sorted(untrusted + expired)
    everyone = [s.id for s in report.sessions]
    assert shown(report, "!cause:untrusted_ca") == [i for i in everyone if i not in untrusted]
    ok = [s.id for s in report.sessions if s.status == "ok"]
    assert shown(report, "!failed") == [
        i for i in everyone if i not in [s.id for s in report.sessions if s.failed]
    ]
    assert set(ok) <= set(shown(report, "!failed"))


def test_fields(report: Report) -> None:
    session = next(s for s in report.sessions if s.failed and s.alerts)
    port = str(session.server.port)
    assert shown(report, f"server:{port}") == [
        s.id for s in report.sessions if port in str(s.server)
    ]
    assert shown(report, "version:1.3") == [s.id for s in report.sessions if s.version == 0x0304]
    assert shown(report, "sni:localhost") == [
        s.id for s in report.sessions if s.client_hello and s.client_hello.sni == "localhost"
    ]
    alert = session.alerts[0].name
    assert alert
    assert session.id in shown(report, f"alert:{alert}")
    # A field word only looks in its field: "localhost" is an SNI, never a cause.
    assert shown(report, "cause:localhost") == []


def test_matches_is_all_terms(report: Report) -> None:
    fields = fields_of(report.sessions[0])
    assert matches(fields, parse(f"#{report.sessions[0].id} ok"))
    assert not matches(fields, parse("ok !ok"))


def test_quic_row_is_found_by_what_its_version_column_shows() -> None:
    """vxlan.pcap: #1 TLS 1.3 over TCP, #2 QUIC (both inside VXLAN).  The version column shows
    ``Q1.3`` / ``QUIC 1.3`` for #2; those words and the transport find it."""
    from conftest import CAPTURES

    from tlstui.analysis.engine import analyze

    report = analyze(CAPTURES / "tunnels" / "vxlan.pcap")
    assert [s.transport for s in report.sessions] == ["tcp", "quic"]
    for text in ("quic", "Q1.3", "QUIC 1.3", "udp", "transport:quic", "version:q1.3"):
        assert shown(report, text) == [2], text
    assert shown(report, "tcp") == [1]
    assert shown(report, "transport:tcp") == [1]
    assert shown(report, "TLS 1.3") == [1, 2]  # QUIC carries TLS 1.3
    assert shown(report, "transport:vxlan") == [1, 2]
    assert fields_of(report.sessions[1])["transport"] == "quic udp vxlan"


def test_dtls_row_is_found_by_its_short_label() -> None:
    from conftest import CAPTURES

    from tlstui.analysis.engine import analyze

    report = analyze(CAPTURES / "udp" / "dtls12-ok.pcap")
    assert [s.transport for s in report.sessions] == ["udp"]
    for text in ("D1.2", "DTLS 1.2", "dtls", "udp", "transport:dtls"):
        assert shown(report, text) == [1], text
    assert shown(report, "transport:tcp") == []
    assert shown(report, "quic") == []
