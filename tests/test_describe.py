"""The shared plain-text renderers of the model."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import bare_session

from tlstui.analysis.model import Alert, Endpoint, Event, Report, Session
from tlstui.output import describe
from tlstui.tls.model import AlertMsg, CertificateInfo, CertificateMsg

CERT = CertificateInfo(
    subject="CN=intranet.example",
    issuer="CN=Example Private CA",
    not_before=datetime(2025, 1, 1, tzinfo=UTC),
    not_after=datetime(2027, 1, 1, tzinfo=UTC),
    san=["intranet.example"],
)


def _session(**kw) -> Session:
    return bare_session(**{"client": Endpoint("10.0.0.1", 5000), "last_frame": 2, **kw})


def test_status_marks_differ_without_colour() -> None:
    marks = {describe.status_mark(s) for s in ("ok", "failed", "incomplete")}
    assert marks == {"✓ ok", "✗ failed", "… incomplete"}


def test_version_text() -> None:
    assert describe.version_text(0x0304) == "TLS 1.3"
    assert describe.version_text(None) == "—"
    assert describe.version_short(0x0303) == "1.2"
    assert describe.version_short(0x0301) == "1.0"
    assert describe.version_short(0x0300) == "SSL3"


def test_alert_text() -> None:
    alert = Alert(5, 0.0, "client", "fatal", 48, "unknown_ca")
    assert describe.alert_text(alert) == "fatal 48 unknown_ca (client)"
    assert describe.alert_short(alert) == "unknown_ca (C)"
    enc = Alert(5, 0.0, "server", None, None, None, encrypted=True, length=19)
    assert describe.alert_text(enc) == "encrypted alert (server)"


def test_close_text_prefers_rst() -> None:
    session = _session(events=[Event(3, 0.0, "client", "FIN"), Event(4, 0.0, "server", "RST")])
    assert describe.close_text(session) == "RST by server"
    assert describe.close_text(_session()) == ""


def test_outcome_text(report: Report) -> None:
    by_cause = {s.diagnosis.best.cause: s for s in report.sessions if s.failed}
    assert describe.outcome_text(by_cause["expired_certificate"]) == (
        "fatal 45 certificate_expired (client)"
    )
    assert describe.outcome_text(by_cause["no_shared_cipher"]) == (
        "fatal 40 handshake_failure (server)"
    )
    assert describe.outcome_text(by_cause["non_tls_peer"]) == "non-TLS reply"
    assert all(describe.outcome_text(s) == "" for s in report.sessions if not s.failed)


def test_duration_text() -> None:
    assert describe.duration_text(0.0004) == "0.4 ms"
    assert describe.duration_text(0.0123) == "12.3 ms"
    assert describe.duration_text(1.25) == "1.25 s"
    assert describe.duration_text(187) == "3m07s"


def test_event_label_and_grouping(report: Report) -> None:
    session = next(s for s in report.sessions if s.diagnosis.best.cause == "untrusted_ca")
    merged = [
        describe.group_label([session.events[i] for i in group])
        for group in describe.ladder_groups(session.events)
    ]
    assert merged[:3] == [
        "ClientHello",
        "ServerHello, Certificate, ServerKeyExchange, ServerHelloDone",
        "Alert fatal 48 unknown_ca",
    ]
    split = [
        describe.group_label([session.events[i] for i in group])
        for group in describe.ladder_groups(session.events, merge=False)
    ]
    assert split[:6] == [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
        "Alert fatal 48 unknown_ca",
    ]


def test_repeated_messages_are_counted() -> None:
    events = [Event(6, 0.0, "server", "EncryptedHandshake", encrypted=True) for _ in range(4)]
    assert describe.ladder_groups(events, merge=False) == [[0, 1, 2, 3]]
    assert describe.group_label(events) == "EncryptedHandshake ×4"


def test_alert_details_explain_the_code() -> None:
    event = Event(9, 0.0, "client", "Alert", AlertMsg(2, 48), length=2)
    rows = dict(describe.event_details(event, _session()))
    assert rows["alert"] == "48 unknown_ca"
    assert rows["level"].startswith("fatal")
    assert rows["sent by"].startswith("client")
    assert "trusted CA" in rows["meaning"]


def test_encrypted_alert_details_mention_the_key_log() -> None:
    event = Event(9, 0.0, "server", "Alert", None, encrypted=True, length=19)
    rows = dict(describe.event_details(event, _session(version=0x0304)))
    assert "19 bytes" in rows["probably"]
    assert "key log" in rows["probably"]


def test_certificate_details() -> None:
    event = Event(9, 0.0, "server", "Certificate", CertificateMsg([CERT]))
    rows = describe.event_details(event, _session())
    values = dict(rows)
    assert values["subject"] == "CN=intranet.example"
    assert values["issuer"] == "CN=Example Private CA"
    assert values["valid until"].startswith("2027-01-01")
    assert values["SAN"] == "intranet.example"


def test_client_hello_details_list_suites_by_name(report: Report) -> None:
    session = report.sessions[0]
    hello = session.client_hello
    assert hello is not None
    rows = describe.event_details(session.events[0], session)
    text = "\n".join(f"{k} {v}" for k, v in rows)
    for code in hello.cipher_suites:
        assert f"0x{code:04x} " in text
    assert "TLS_ECDHE_RSA_WITH_" in text
    assert "SNI localhost" in text
    assert f"JA3 {session.ja3}" in text
    assert f"JA4 {session.ja4}" in text


def test_capture_strings_are_sanitised(report: Report) -> None:
    session = report.sessions[0]
    assert session.client_hello is not None
    old = session.client_hello.sni
    session.client_hello.sni = "[red]x\x1b[31m"
    try:
        assert describe.sni_text(session) == "[red]x\\x1b[31m"
        assert "\x1b" not in describe.search_text(session)
        assert "\x1b" not in " ".join(v for _, v in describe.session_details(session))
    finally:
        session.client_hello.sni = old


def test_failure_summary(report: Report) -> None:
    counts = describe.failure_counts(report)
    assert counts[0] == ("untrusted_ca", 2)
    assert describe.failure_summary(report).startswith(
        f"{len(report.failed)} failed: 2 untrusted_ca, 1 "
    )


def test_encrypted_alert_guess_for_tls12() -> None:
    event = Event(9, 0.0, "client", "Alert", None, encrypted=True, length=26)
    text = describe.encrypted_alert_guess(event, _session(version=0x0303))
    assert "after ChangeCipherSpec" in text
    assert "key log" in text


def test_a_damaged_record_row_says_malformed_once() -> None:
    damaged = Event(7, 1.0, "server", "Malformed", malformed="bytes that are not a record header")
    cut = Event(3, 0.5, "client", "ClientHello", malformed="ClientHello: cipher_suites cut")
    assert describe.event_label(damaged) == "Malformed"
    assert describe.event_label(cut) == "ClientHello (malformed)"


def test_an_ok_session_that_ended_badly_names_the_alert_in_its_row() -> None:
    """A handshake that worked, then a refused renegotiation: the row was blank, a clean
    success to the eye, while the diagnosis said abrupt_close (high)."""
    from pathlib import Path

    from tlstui.analysis.engine import analyze
    from tlstui.output import describe

    captures = Path(__file__).resolve().parents[1] / "captures"
    (s,) = analyze(captures / "messy-renegotiation-refused.pcap").sessions
    assert s.status == "ok" and s.diagnosis is not None
    assert s.diagnosis.best.cause == "abrupt_close"
    assert describe.outcome_short(s) == "no_renegotiation (S)"
    assert describe.outcome_text(s) == "warning 100 no_renegotiation (server)"
    (ok,) = analyze(captures / "tls12-ok.pcap").sessions
    assert (describe.outcome_short(ok), describe.outcome_text(ok)) == ("", "")
