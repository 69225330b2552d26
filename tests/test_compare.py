"""The session comparison: the field diff, the ladder parting, the summary and the partner."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessionkit import T0, Kit, ca, leaf, report

from tlstui.analysis.compare import compare_sessions, diff_fields
from tlstui.analysis.diagnosis import diagnose_report
from tlstui.analysis.engine import analyze
from tlstui.analysis.partner import find_partner

CAPTURES = Path(__file__).resolve().parent.parent / "captures"


def _by(a, b):
    return {d.field: d for d in diff_fields(a, b)}


# --- the field diff ---------------------------------------------------------------------------


def test_grease_is_left_out_of_every_list() -> None:
    a = Kit().ch(suites=[0x0A0A, 0x1301, 0x1302], groups=[0x1A1A, 29, 23]).build()
    b = Kit().ch(suites=[0x1301, 0x2A2A, 0x1302], groups=[29, 0x3A3A, 23]).build()
    d = _by(a, b)
    assert d["cipher_suites"].a == ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"]
    assert d["cipher_suites"].same
    assert d["groups"].same and d["groups"].only_a == [] and d["groups"].only_b == []
    assert d["key_shares"].a == []  # the only key share offered was GREASE


def test_only_one_side_and_order() -> None:
    a = Kit().ch(suites=[0x1301, 0x1302, 0x1303]).build()
    b = Kit().ch(suites=[0x1302, 0x1301, 0xC02F]).build()
    d = _by(a, b)["cipher_suites"]
    assert d.only_a == ["TLS_CHACHA20_POLY1305_SHA256"]
    assert d.only_b == ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    assert d.reordered  # 1301 before 1302 on one side, after it on the other


def test_same_items_in_another_order_is_a_difference_with_nothing_one_sided() -> None:
    a = Kit().ch(ext_types=[10, 13, 43]).build()
    b = Kit().ch(ext_types=[43, 13, 10]).build()
    d = _by(a, b)["extensions"]
    assert not d.same and d.reordered
    assert d.only_a == [] and d.only_b == []


def test_not_seen_is_none_not_empty() -> None:
    failing = Kit().ch().alert("server", 40).build()
    working = Kit().ch().sh().cert([leaf("www.example.com")]).build(status="ok")
    d = _by(failing, working)
    assert d["version"].a is None and d["version"].b == "TLS 1.3"
    assert d["certificate_chain"].a is None
    assert d["certificate_chain"].b == ["CN=www.example.com by CN=Example Issuing CA"]
    assert d["certificate_chain"].only_b == []  # nothing to set against an unseen chain


# --- parting and summary on hand-made ladders ------------------------------------------------


def test_parting_names_both_next_steps_and_frames() -> None:
    failing = Kit(frame=10).ch().alert("server", 40).fin("server").build()
    working = Kit(frame=50).ch().sh().tls13_server_flight().build(status="ok")
    c = compare_sessions(failing, working)
    assert c.parting.common == ["client ClientHello"]
    assert (c.parting.a.frame, c.parting.a.label) == (11, "Alert handshake_failure (40)")
    assert (c.parting.b.frame, c.parting.b.type) == (51, "ServerHello")
    assert "the working server sent ServerHello in frame 51" in c.parting.text
    assert "the failing server sent Alert handshake_failure (40) in frame 11" in c.parting.text


def test_summary_names_the_chosen_suite_the_failing_client_lacks() -> None:
    failing = Kit().ch(versions=[], suites=[0xCCA8, 0x003D]).alert("server", 40).build()
    working = Kit().ch(versions=[], suites=[0xC02F]).sh(version=0x0303, suite=0xC02F).build("ok")
    rep = report(failing, working)
    diagnose_report(rep)
    assert failing.diagnosis.best.cause == "no_shared_cipher"
    c = compare_sessions(failing, working)
    assert c.summary.startswith("No shared cipher suite: the failing client offers none")
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in c.summary
    # Reversed arguments: the same explanation (the summary finds the failing side).
    assert compare_sessions(working, failing).summary == c.summary


def test_summary_when_the_explaining_field_is_the_same_says_so() -> None:
    # Both servers send the same chain: the client's trust store is what differs.
    chain = [leaf("www.example.com"), ca("CN=Example Issuing CA", "CN=Example Root")]
    failing = Kit().ch(versions=[], suites=[0xC02F, 0xC030]).sh(version=0x0303, suite=0xC02F)
    failing = failing.cert(chain).ske().shd().alert("client", 48).build()
    working = Kit().ch(versions=[], suites=[0xC02F]).sh(version=0x0303, suite=0xC02F)
    working = working.cert(chain).ske().shd().build("ok")
    failing.ja4, working.ja4 = "t12d020700_aaaa_bbbb", "t12d010700_cccc_bbbb"
    rep = report(failing, working)
    diagnose_report(rep)
    assert failing.diagnosis.best.cause == "untrusted_ca"
    c = compare_sessions(failing, working)
    assert "same chain" in c.summary and "t12d020700_aaaa_bbbb" in c.summary


# --- the partner ---------------------------------------------------------------------------


def _s(status, server_port=443, sni="a.example", ja4="t13d_x", t=0.0, server_ip="10.0.0.2"):
    k = Kit(t0=T0 + t, server_port=server_port, server_ip=server_ip).ch(sni=sni)
    k = k.alert("server", 40) if status == "failed" else k.sh()
    s = k.build(status)
    s.ja4 = ja4
    return s


def test_partner_prefers_same_server_and_sni_over_nearer_in_time() -> None:
    f = _s("failed", t=10)
    far_same = _s("ok", t=0)
    near_other_port = _s("ok", server_port=8443, t=10.5)
    rep = report(f, far_same, near_other_port)
    p = find_partner(f, rep)
    assert p.session is far_same
    assert "the same server 10.0.0.2:443 and SNI a.example" in p.reason
    assert "10.0 s earlier" in p.reason


def test_partner_same_sni_elsewhere_then_same_fingerprint() -> None:
    f = _s("failed", t=10)
    other_sni = _s("ok", server_port=8443, sni="b.example", t=10.1)
    same_sni_far = _s("ok", server_port=9443, ja4="t13d_other", t=30)
    rep = report(f, other_sni, same_sni_far)
    p = find_partner(f, rep)
    assert p.session is same_sni_far and p.reason.startswith(
        "session 3 succeeded with the same SNI"
    )
    # Without a same-SNI success, the same client fingerprint (the one on port 8443).
    rep2 = report(f, other_sni)
    p2 = find_partner(f, rep2)
    assert p2.session is other_sni
    assert "the same client fingerprint (JA4)" in p2.reason


def test_partner_inside_a_circle_prefers_the_same_client_then_time() -> None:
    f = _s("failed", t=10)
    near_other_client = _s("ok", ja4="t13d_other", t=10.1)
    far_same_client = _s("ok", t=40)
    rep = report(f, near_other_client, far_same_client)
    assert find_partner(f, rep).session is far_same_client
    f.ja4 = None  # no fingerprint: nearest in time
    assert find_partner(f, rep).session is near_other_client


def test_no_partner_says_what_capture_would_help() -> None:
    f = _s("failed", t=10)
    unrelated = _s("ok", server_port=8443, sni="b.example", ja4="t12d_y", t=10.1)
    failed_same = _s("failed", t=11)
    p = find_partner(f, report(f, unrelated, failed_same))
    assert p.session is None
    assert "capture a connection from a client that works" in p.reason
    assert "10.0.0.2:443, SNI a.example" in p.reason


def test_an_ok_session_has_no_automatic_partner() -> None:
    ok = _s("ok")
    p = find_partner(ok, report(ok, _s("failed", t=1)))
    assert p.session is None and "succeeded" in p.reason


# --- real captures: every failure in mixed.pcap next to its partner -------------------------

needs_captures = pytest.mark.skipif(
    not (CAPTURES / "mixed.pcap").exists(), reason="captures/ not present"
)

# failing session -> (partner, words the summary must hold); mixed.pcap's order is fixed in
# captures/README.md, and every server there has its own port, so partners share the SNI.
MIXED = {
    8: (6, ["No shared cipher suite", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]),
    9: (28, ["Protocol version mismatch", "accepted TLS 1.2"]),
    10: (7, ["No common key-exchange group", "accepted x25519"]),
    11: (28, ["Untrusted CA", "tlstui Untrusted CA", "tlstui Test CA"]),
    13: (28, ["Untrusted CA", "by CN=localhost"]),
    15: (4, ["Expired certificate", "to 2026-10-24"]),
    16: (28, ["Certificate not yet valid", "valid 2026-12-23"]),
    17: (28, ["Hostname mismatch", "wrong.example"]),
    18: (28, ["Client certificate missing", "an empty Certificate", "CN=tlstui client"]),
    19: (7, ["Client certificate missing", "CN=tlstui client"]),
    20: (29, ["ALPN mismatch", "accepted ALPN h2"]),
    22: (25, ["Fallback detected", "TLS_FALLBACK_SCSV"]),
    24: (26, ["Peer is not speaking TLS", "a reply that is not TLS in frame 300"]),
    30: (29, ["Protocol version mismatch", "TLS 1.1 only", "negotiated TLS 1.3"]),
}


@pytest.fixture(scope="module")
def mixed():
    return analyze(CAPTURES / "mixed.pcap")


@needs_captures
@pytest.mark.parametrize("sid", sorted(MIXED))
def test_mixed_partner_and_summary(mixed, sid: int) -> None:
    s = mixed.sessions[sid - 1]
    p = find_partner(s, mixed)
    want, words = MIXED[sid]
    assert p.session is not None and p.session.id == want, p.reason
    c = compare_sessions(s, p.session, p)
    for w in words:
        assert w in c.summary, c.summary


@needs_captures
def test_mixed_sni_rejected_has_no_partner(mixed) -> None:
    s = mixed.sessions[20]
    assert s.diagnosis.best.cause == "sni_rejected"
    p = find_partner(s, mixed)
    assert p.session is None and "SNI unknown.example" in p.reason


def test_hostile_names_are_neutralised_in_every_value() -> None:
    evil = "a.example\x1b[31m[red]x[/red]\u202e"
    failing = Kit().ch(sni=evil, alpn=["h2\x1b]0;t\x07"]).alert("server", 112).build()
    working = Kit().ch(sni="ok.example").sh().build("ok")
    rep = report(failing, working)
    diagnose_report(rep)
    c = compare_sessions(failing, working)
    texts = [c.summary, c.parting.text]
    for d in c.fields:
        for v in (d.a, d.b, *d.only_a, *d.only_b):
            texts += v if isinstance(v, list) else [v or ""]
    joined = "".join(texts)
    assert "\x1b" not in joined and "\u202e" not in joined and "\x07" not in joined
    assert "a.example" in _by(failing, working)["sni"].a
