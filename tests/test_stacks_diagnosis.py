"""What Go, Java (JSSE) and NSS really send, pinned on the captures of
captures/generate_stacks.py, with and without key logs: status, cause and confidence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session

CAPTURES = Path(__file__).resolve().parent.parent / "captures"


def one(name: str, keys: bool) -> Session:
    path = CAPTURES / f"{name}.pcap"
    if not path.exists():
        pytest.skip(f"{path} missing")
    report = analyze(path, keylog=None if keys else False)
    assert len(report.sessions) == 1
    return report.sessions[0]


def verdict(name: str, keys: bool) -> tuple[str, str, str]:
    s = one(name, keys)
    assert s.diagnosis is not None
    return s.status, s.diagnosis.best.cause, s.diagnosis.best.confidence


BOTH = pytest.mark.parametrize("keys", [True, False], ids=["keys", "alone"])


@BOTH
def test_java_server_sends_42_for_missing_tls13_client_cert(keys):
    s = one("java-server-client-cert-missing-tls13", keys)
    assert s.status == "failed" and not s.established
    # with keys the empty Certificate is read; without them the small client flight and a
    # 35-byte (padded) server record after it are the shape
    want = ("client_cert_missing", "high" if keys else "medium")
    assert (s.diagnosis.best.cause, s.diagnosis.best.confidence) == want
    if keys:
        assert [(a.sender, a.code) for a in s.alerts] == [("server", 42)]
        assert s.client_certificates == []


def test_java_tls13_alert_is_a_35_byte_record_without_keys():
    s = one("java-server-client-cert-missing-tls13", False)
    assert [(a.sender, a.code, a.length) for a in s.alerts] == [("server", None, 35)]


@BOTH
def test_go_server_sends_42_for_missing_tls13_client_cert_not_rejected(keys):
    assert verdict("go-server-client-cert-missing-tls13", keys) == (
        "failed",
        "client_cert_missing",
        "high" if keys else "medium",
    )


@BOTH
def test_go_server_42_after_a_real_client_cert_is_rejected(keys):
    assert verdict("go-server-client-cert-rejected-tls13", keys) == (
        "failed",
        "client_cert_rejected",
        "high" if keys else "medium",
    )


@BOTH
def test_nss_client_refuses_untrusted_ca_after_its_tls12_finished(keys):
    s = one("nss-client-untrusted-ca-tls12", keys)
    # the ladder shows both Finished; the encrypted unknown_ca came before the server's
    assert s.status == "failed" and not s.established
    assert s.diagnosis.best.cause == "untrusted_ca"
    assert s.diagnosis.best.confidence in (("high", "medium") if keys else ("medium",))


@BOTH
def test_nss_client_late_refusal_of_expired_certificate(keys):
    assert verdict("nss-client-expired-tls12", keys) == (
        "failed",
        "expired_certificate",
        "high" if keys else "medium",
    )


@pytest.mark.parametrize(
    "name",
    [
        "go-client-untrusted-ca-tls13",
        "go-client-not-yet-valid-tls13",
        "go-client-hostname-mismatch-tls13",
        "java-client-untrusted-ca-tls13",
        "java-client-hostname-mismatch-tls13",
        "nss-client-untrusted-ca-tls13",
        "nss-client-hostname-mismatch-tls13",
    ],
)
def test_encrypted_tls13_certificate_refusal_is_generic_without_keys(name):
    assert verdict(name, False) == ("failed", "bad_certificate", "medium")


def test_java_client_sends_46_for_untrusted_ca_and_keys_name_it():
    s = one("java-client-untrusted-ca-tls13", True)
    assert [(a.sender, a.code) for a in s.alerts if a.code] == [("client", 46)]
    # certificate_unknown (46) does not name the check: medium even with keys
    assert (s.diagnosis.best.cause, s.diagnosis.best.confidence) == ("untrusted_ca", "medium")


@BOTH
def test_java_client_sends_42_for_not_yet_valid_tls12(keys):
    s = one("java-client-not-yet-valid-tls12", keys)
    assert [(a.sender, a.code) for a in s.alerts] == [("client", 42)]
    assert (s.diagnosis.best.cause, s.diagnosis.best.confidence) == (
        "not_yet_valid_certificate",
        "high",
    )


@BOTH
def test_java_server_sends_unexpected_message_for_no_common_group(keys):
    assert verdict("java-server-no-common-group-tls13", keys) == (
        "failed",
        "no_common_group",
        "medium",
    )


@BOTH
def test_openssl_internal_error_to_a_tls11_offer_is_a_version_mismatch(keys):
    assert verdict("go-client-tls11-vs-openssl", keys) == (
        "failed",
        "protocol_version_mismatch",
        "high",
    )


@BOTH
def test_go_tls13_server_encrypts_no_application_protocol(keys):
    assert verdict("go-server-alpn-mismatch-tls13", keys) == (
        "failed",
        "alpn_mismatch",
        "high" if keys else "medium",
    )


@BOTH
def test_go_h2_only_server_lets_http11_client_in(keys):
    assert verdict("go-server-h2-only-lets-http11-in", keys) == ("ok", "ok", "high")


@BOTH
def test_java_client_timeout_user_canceled_is_no_response(keys):
    s = one("java-client-timeout-no-response", keys)
    assert [(a.sender, a.code) for a in s.alerts] == [("client", 90), ("client", 0)]
    assert (s.status, s.diagnosis.best.cause) == ("failed", "no_response")


@BOTH
def test_go_client_timeout_fin_is_no_response(keys):
    s = one("go-client-timeout-no-response", keys)
    assert (s.status, s.diagnosis.best.cause) == ("failed", "no_response")


def test_openssl_decode_error_after_go_server_raw_close_is_abrupt_close_with_keys():
    s = one("go-server-abrupt-close-after-data-tls13", True)
    assert s.status == "ok" and s.established
    d = s.diagnosis.best
    assert (d.cause, d.confidence, d.fault) == ("abrupt_close", "high", "server")
    assert "unexpected eof while reading" in d.explanation


def test_abrupt_close_without_keys_is_ok_medium_not_high():
    s = one("go-server-abrupt-close-after-data-tls13", False)
    assert (s.status, s.diagnosis.best.cause, s.diagnosis.best.confidence) == (
        "ok",
        "ok",
        "medium",
    )


@BOTH
def test_go_server_refused_renegotiation_keeps_the_handshake_ok(keys):
    s = one("go-server-refuses-renegotiation-tls12", keys)
    assert s.status == "ok"
    assert s.diagnosis.best.cause == "ok"
    assert "renegotiation" in s.diagnosis.best.summary


@BOTH
def test_go_client_withholds_cert_from_unlisted_ca(keys):
    assert verdict("go-client-cert-withheld-tls13", keys) == (
        "failed",
        "client_cert_missing",
        "high" if keys else "medium",
    )


def test_go_server_42_for_empty_certificate_explained_with_keys():
    d = one("go-server-client-cert-missing-tls13", True).diagnosis.best
    assert d.rule == "empty_client_certificate_refused"
    assert "bad_certificate (42)" in d.summary and "not certificate_required" in d.explanation


def test_tls12_session_settles_the_encrypted_tls13_refusal_to_the_same_server():
    path = CAPTURES / "go-client-untrusted-ca-tls13-then-tls12.pcap"
    if not path.exists():
        pytest.skip("capture missing")
    s13, s12 = analyze(path, keylog=False).sessions
    assert s13.version == 0x0304 and s12.version == 0x0303
    assert s13.server_certificates is None  # encrypted in its own connection
    d = s13.diagnosis.best
    assert (d.cause, d.confidence) == ("untrusted_ca", "medium")
    assert "tlstui Untrusted CA" in d.explanation  # the issuer, read in the TLS 1.2 session


def test_diag_matrix_has_no_wrong_answer_and_every_failure_right_with_keys():
    """The measurement of scripts/diag_matrix.py: expected causes come from the scenario
    definitions in captures/generate_stacks.py, not from tlstui."""
    pytest.importorskip("cryptography")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "diag_matrix", Path(__file__).resolve().parent.parent / "scripts" / "diag_matrix.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["diag_matrix"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    scores = mod.score_all()
    if not scores:
        pytest.skip("no stack captures")
    assert [s for s in scores if s.verdict == "wrong"] == []
    assert [s for s in scores if s.keys and s.verdict != "right"] == []
    assert {s.stack for s in scores} == {"Go", "Java", "NSS"}


@BOTH
def test_client_timeouts_of_one_second_agree_with_the_printed_number(keys):
    """Go gives up 0.99997 s after its hello, Java 1.009 s after: both print "after 1.0 s" and
    both meet the 1 s threshold (high); packets follow, so no "capture stopped too soon"."""
    for name, fin in (
        ("go-client-timeout-no-response", 6),
        ("java-client-timeout-no-response", 10),
    ):
        d = one(name, keys).diagnosis.best
        assert (d.cause, d.confidence) == ("no_response", "high")
        assert f"the client gave up with a FIN after 1.0 s (frame {fin})" in d.explanation
        assert "stopped too soon" not in d.explanation
