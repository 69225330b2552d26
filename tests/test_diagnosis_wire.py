"""Rules about the connection itself: ok, non-TLS replies, silence, closes, 80, 20/51, unknown."""

from __future__ import annotations

import pytest
from sessionkit import Kit, client_hello, diag, ok_tls12, ok_tls13, report, run

from tlstui.analysis.diagnosis import rules_wire as rw


@pytest.mark.parametrize("make", [ok_tls13, ok_tls12])
def test_ok_sessions_get_ok(make):
    s = make()
    d = diag(s)
    assert d.best.cause == "ok"
    assert d.best.confidence == "high"
    assert d.best.rule == "handshake_ok"
    assert 4 in d.best.evidence and 5 in d.best.evidence
    assert [c.cause for c in d.candidates] == ["ok"]


def test_ok_mentions_warning_alerts():
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .alert("server", 112, "warning")
        .shd()
        .tls12_client_flight()
        .tls12_server_finish()
        .build(status="ok")
    )
    d = diag(s)
    assert d.best.cause == "ok"
    assert "unrecognized_name (112)" in d.best.explanation


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (b"HTTP/1.1 400 Bad Request\r\n", "plain HTTP"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "SSH"),
        (b"220 mail.example.com ESMTP\r\n", "-starttls smtp"),
        (b"* OK IMAP4rev1 ready\r\n", "-starttls imap"),
        (b"+OK POP3 ready\r\n", "-starttls pop3"),
        (b"\x00\x01garbage", "not a TLS record"),
    ],
)
def test_non_tls_peer(reply, needle):
    s = Kit().ch().build(non_tls_reply=reply, non_tls_reply_frame=6)
    d = diag(s)
    assert d.best.cause == "non_tls_peer"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 6]
    assert needle in d.best.summary + d.best.explanation + " ".join(d.best.check_next)


def test_non_tls_reply_bytes_are_escaped():
    s = Kit().ch().build(non_tls_reply=b"\x1b[2JHTTP", non_tls_reply_frame=6)
    c = run(rw.non_tls_peer, s)
    assert "\x1b" not in c.explanation and "\\x1b" in c.explanation


def test_no_response_retransmitted():
    s = Kit().ch().build(status="incomplete", client_hello_retransmits=3)
    d = diag(s, report(s, last_time=s.start + 30))
    assert d.best.cause == "no_response"
    assert d.best.confidence == "high"
    assert d.best.fault == "path"
    assert d.best.evidence == [4]
    assert "retransmitted 3 times" in d.best.summary


def test_no_response_large_pq_hello_hints_mtu():
    hello = client_hello(groups=[0x11EC, 29], shares=[0x11EC, 29], length=1700)
    s = Kit().ev("ClientHello", "client", hello, length=1704, first_frame=4, frame=5)
    s.s.client_hellos.append(hello)
    s = s.fin("client", dt=10).build(status="failed", client_hello_retransmits=2)
    d = diag(s)
    assert d.best.cause == "no_response"
    assert "X25519MLKEM768" in d.best.summary
    assert "MTU" in d.best.summary
    assert d.best.evidence == [5, 6]
    assert any("-groups X25519" in c for c in d.best.check_next)


def test_no_response_capture_too_short_is_low():
    s = Kit().ch().build(status="incomplete")
    d = diag(s, report(s))
    assert d.best.cause == "no_response"
    assert d.best.confidence == "low"


def test_no_response_not_when_server_answered():
    s = Kit().ch().alert("server", 40).build()
    assert run(rw.no_response, s) is None


def test_abrupt_close_server_after_client_hello_rst():
    s = Kit().ch().rst("server").build()
    d = diag(s)
    assert d.best.cause == "abrupt_close"
    assert d.best.confidence == "medium"
    assert d.best.evidence == [4, 5]
    assert "unread data" in d.best.explanation


def test_abrupt_close_without_sni_blames_client():
    s = Kit().ch(sni=None).fin("server").build()
    c = run(rw.abrupt_close, s)
    assert c.fault == "client"
    assert "no SNI" in c.explanation


def test_abrupt_close_not_for_client_giving_up_on_silence():
    s = Kit().ch().fin("client", dt=20).build()
    assert run(rw.abrupt_close, s) is None
    assert diag(s).best.cause == "no_response"


def test_abrupt_close_close_notify_mid_handshake():
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .shd()
        .alert("client", 0, "warning")
        .fin("client")
        .build()
    )
    d = diag(s)
    assert d.best.cause == "abrupt_close"
    assert "close_notify" in d.best.explanation


def test_peer_internal_error_no_sni_waf_hint():
    s = Kit().ch(sni=None).alert("server", 80).fin("server").build()
    d = diag(s)
    assert d.best.cause == "peer_internal_error"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 5]
    assert "WAF" in d.best.explanation
    assert d.best.fault == "client"


def test_peer_internal_error_from_client_points_at_client():
    s = Kit().ch().sh().tls13_server_flight().alert("client", 80).build()
    c = diag(s).best
    assert c.cause == "peer_internal_error" and c.fault == "client"


def test_decrypt_failure_signature_at_p3():
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .cert([])
        .ske()
        .shd()
        .alert("client", 51)
        .build()
    )
    d = diag(s)
    assert d.best.cause == "decrypt_failure"
    assert d.best.fault == "server"
    assert 7 in d.best.evidence and 9 in d.best.evidence


def test_decrypt_failure_bad_record_mac_first_encrypted_record():
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0x002F)
        .shd()
        .tls12_client_flight()
        .alert("server", 20)
        .build()
    )
    d = diag(s)
    assert d.best.cause == "decrypt_failure"
    assert d.best.confidence == "high"
    assert "different keys" in d.best.explanation


def test_unknown_for_encrypted_alert_says_keylog():
    # A TLS 1.3 server alert after the client's Finished with a mid-sized client flight:
    # neither the missing- nor the rejected-certificate shape.
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished((180,))
        .enc_alert("server")
        .fin("server")
        .build()
    )
    d = diag(s)
    assert d.best.cause == "unknown"
    assert d.best.confidence == "low"
    assert "key log" in d.best.summary
    assert d.best.evidence == [4, 10]


def test_unknown_for_unexplained_alert_names_it():
    s = Kit().ch().alert("server", 10).build()
    d = diag(s)
    assert d.best.cause == "unknown"
    assert "unexpected_message (10)" in d.best.summary


def test_unknown_incomplete_mid_handshake():
    s = (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .shd()
        .tls12_client_flight()
        .build(status="incomplete")
    )
    d = diag(s, report(s, last_time=s.end + 1))
    assert d.best.cause in ("no_response", "unknown")
    assert d.best.confidence == "low"


@pytest.mark.parametrize(
    "rule",
    [
        rw.non_tls_peer,
        rw.no_response,
        rw.abrupt_close,
        rw.peer_internal_error,
        rw.decrypt_failure,
        rw.unknown,
    ],
)
@pytest.mark.parametrize("make", [ok_tls13, ok_tls12])
def test_wire_rules_silent_on_ok(rule, make):
    assert run(rule, make()) is None


def test_client_encrypted_record_after_its_finished_is_probably_close_notify():
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished((69,))
        .enc_alert("client")
        .enc_alert("server")
        .fin("server")
        .build()
    )
    c = diag(s).best
    assert (c.cause, c.confidence) == ("unknown", "low")
    assert "close_notify" in c.summary
    assert c.evidence == [4, 9, 10]
