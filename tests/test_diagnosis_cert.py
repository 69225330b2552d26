"""Certificate rules (server certificate at P3, client certificate at P4/P5) and the checks."""

from __future__ import annotations

import pytest
from sessionkit import Kit, ca, diag, leaf, ok_tls12, ok_tls13, report, run

from tlstui.analysis.diagnosis import certs
from tlstui.analysis.diagnosis import rules_cert as rc

INTER = ca("CN=Example Issuing CA", "CN=Example Root")


def tls12(chain, sni="www.example.com"):
    """TLS 1.2 up to ServerHelloDone: CH 4, SH 5, Certificate 6, SKE 7, SHD 8."""
    return Kit().ch(sni=sni, versions=[]).sh(version=0x0303, suite=0xC02F).cert(chain).ske().shd()


# --- checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "pattern", "ok"),
    [
        ("www.example.com", "www.example.com", True),
        ("WWW.Example.COM.", "www.example.com", True),
        ("www.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", False),
        ("example.com", "*.example.com", False),
        ("www.example.com", "w*.example.com", False),
        ("example.com", "*.com", False),
        ("www.example.com", "www.example.org", False),
    ],
)
def test_name_matches(host, pattern, ok):
    assert certs.name_matches(host, pattern) is ok


def test_hostname_uses_cn_only_without_dns_san():
    cert = leaf(subject="CN=www.example.com")
    assert certs.hostname("www.example.com", "10.0.0.2", cert) is None
    cert.san = ["DNS:other.example.com"]
    assert certs.hostname("www.example.com", "10.0.0.2", cert) is not None


def test_hostname_without_sni_checks_ip_san():
    assert certs.hostname(None, "10.0.0.2", leaf("IP Address:10.0.0.2")) is None
    assert certs.hostname(None, "10.0.0.2", leaf("www.example.com")).kind == "hostname"


def test_chain_trust_findings():
    assert [f.kind for f in certs.chain_trust([leaf("a", self_signed=True)])] == ["self_signed"]
    assert [f.kind for f in certs.chain_trust([leaf("a")])] == ["issuer_missing"]
    assert certs.chain_trust([leaf("a"), INTER]) == []
    found = certs.chain_trust([leaf("a", issuer="CN=Other CA"), INTER])
    assert [f.kind for f in found] == ["issuer_missing"]


# --- expired / not yet valid ---------------------------------------------------------------------


def test_expired_with_alert_45():
    s = tls12([leaf("www.example.com", days=(-400, -3)), INTER]).alert("client", 45).build()
    d = diag(s)
    assert d.best.cause == "expired_certificate"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 6, 9]
    assert d.best.fault == "server"
    assert "3 days before the capture" in d.best.explanation


@pytest.mark.parametrize("code", [42, 46])
def test_expired_with_generic_alert_is_high(code):
    s = tls12([leaf("www.example.com", days=(-400, -3)), INTER]).alert("client", code).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("expired_certificate", "high")


def test_expired_with_no_alert_is_medium():
    s = tls12([leaf("www.example.com", days=(-400, -3)), INTER]).fin("client").build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("expired_certificate", "medium")
    assert c.evidence == [4, 6, 9]


def test_expired_intermediate():
    s = (
        tls12([leaf("www.example.com"), ca("CN=Example Issuing CA", "CN=R", days=(-900, -1))])
        .alert("client", 45)
        .build()
    )
    c = diag(s).best
    assert c.cause == "expired_certificate" and "chain" in c.summary


def test_alert_45_but_valid_dates_points_at_client_clock():
    s = tls12([leaf("www.example.com"), INTER]).alert("client", 45).build()
    c = diag(s).best
    assert (c.cause, c.confidence, c.fault) == ("expired_certificate", "medium", "client")
    assert "clock" in c.explanation


def test_not_yet_valid():
    s = tls12([leaf("www.example.com", days=(2, 300)), INTER]).alert("client", 42).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("not_yet_valid_certificate", "high")
    assert c.evidence == [4, 6, 9]


# --- hostname ------------------------------------------------------------------------------------


def test_hostname_mismatch_42():
    s = tls12([leaf("other.example.net"), INTER]).alert("client", 42).build()
    d = diag(s)
    assert d.best.cause == "hostname_mismatch"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 6, 9]
    assert "'www.example.com'" in d.best.summary


def test_hostname_wildcard_depth_explained():
    s = tls12([leaf("*.example.com"), INTER], sni="a.b.example.com").alert("client", 46).build()
    c = diag(s).best
    assert c.cause == "hostname_mismatch"
    assert "exactly one label" in c.explanation


def test_hostname_no_sni_is_medium():
    s = tls12([leaf("www.example.com"), INTER], sni=None).alert("client", 42).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("hostname_mismatch", "medium")


# --- untrusted CA --------------------------------------------------------------------------------


def test_untrusted_ca_48_single_cert():
    s = tls12([leaf("www.example.com", issuer="CN=tlstui Test CA")]).alert("client", 48).build()
    d = diag(s)
    assert d.best.cause == "untrusted_ca"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 6, 9]
    assert (
        "carries 1 certificate. Its only certificate is issued by 'CN=tlstui Test CA'"
        in d.best.explanation
    )
    assert d.best.fault == "client"  # a private CA: the client must trust it


def test_untrusted_ca_missing_intermediate_blames_server():
    s = (
        tls12(
            [
                leaf("www.example.com", issuer="CN=Real Intermediate"),
                ca("CN=Something Else", "CN=Root"),
            ]
        )
        .alert("client", 48)
        .build()
    )
    c = diag(s).best
    assert c.cause == "untrusted_ca" and c.fault == "server"
    assert "intermediate" in c.explanation


def test_untrusted_ca_self_signed_with_java_46():
    s = tls12([leaf("www.example.com", self_signed=True)]).alert("client", 46).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("untrusted_ca", "medium")
    assert "self-signed" in c.explanation


def test_tls13_encrypted_refusal_without_keys_is_generic_bad_certificate():
    """Go, Java and NSS encrypt every TLS 1.3 certificate refusal: without keys the reason is
    not guessed from priors; untrusted_ca stays a low candidate."""
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight(2)
        .ev("ChangeCipherSpec", "client")
        .enc_alert("client")
        .fin("client")
        .build()
    )
    d = diag(s)
    assert (d.best.cause, d.best.confidence) == ("bad_certificate", "medium")
    assert "not visible" in d.best.summary
    assert "SSLKEYLOGFILE" in d.best.explanation
    assert ("untrusted_ca", "low") in [(c.cause, c.confidence) for c in d.candidates]


def test_untrusted_ca_tls13_decrypted_48_is_high():
    s = Kit().ch().sh().tls13_server_flight().enc_alert("client", code=48).fin("client").build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("untrusted_ca", "high")


def test_tls13_encrypted_alert_uses_chain_from_tls12_session_to_same_server():
    s13 = Kit().ch().sh().tls13_server_flight().enc_alert("client").fin("client").build()
    s12 = tls12([leaf("www.example.com", days=(-400, -3)), INTER]).fin("client").build()
    s12.id = 2
    d = diag(s13, report(s13, s12))
    assert d.best.cause == "expired_certificate"
    assert d.best.confidence == "medium"
    assert "session #2" in d.best.explanation


# --- bad certificate -----------------------------------------------------------------------------


def test_bad_certificate_nothing_visible():
    s = tls12([leaf("www.example.com"), INTER]).alert("client", 42).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("bad_certificate", "medium")
    assert c.evidence == [4, 6, 9]


def test_bad_certificate_weak_key_is_high():
    s = tls12([leaf("www.example.com", key="RSA 1024"), INTER]).alert("client", 42).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("bad_certificate", "high")
    assert "1024-bit" in c.explanation


def test_bad_certificate_revoked():
    s = tls12([leaf("www.example.com"), INTER]).alert("client", 44).build()
    c = diag(s).best
    assert (c.cause, c.confidence) == ("bad_certificate", "high")
    assert "revoked" in c.explanation


# --- client certificates -------------------------------------------------------------------------


def tls12_creq():
    """CH 4, SH 5, Certificate 6, SKE 7, CertificateRequest 8, SHD 9."""
    return (
        Kit()
        .ch(versions=[])
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("www.example.com"), INTER])
        .ske()
        .creq(["CN=Client CA"])
        .shd()
    )


def test_client_cert_missing_tls12_empty_certificate():
    s = tls12_creq().tls12_client_flight(cert=[]).alert("server", 40).build()
    d = diag(s)
    assert d.best.cause == "client_cert_missing"
    assert d.best.confidence == "high"
    assert d.best.fault == "client"
    assert d.best.evidence == [4, 8, 10, 14]
    assert "'CN=Client CA'" in d.best.explanation


def test_client_cert_missing_tls13_116_decrypted():
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished((61,))
        .enc_alert("server", code=116)
        .fin("server")
        .build()
    )
    c = diag(s).best
    assert (c.cause, c.confidence) == ("client_cert_missing", "high")
    assert "first read" in c.explanation


def test_client_cert_missing_tls13_encrypted_shape():
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished((61,))
        .appdata("client")
        .enc_alert("server")
        .fin("server")
        .build()
    )
    d = diag(s)
    assert d.best.cause == "client_cert_missing"
    assert d.best.confidence == "medium"
    assert d.best.evidence == [4, 9, 11]
    assert "61 bytes" in d.best.explanation


def test_client_cert_rejected_tls12():
    client = [leaf("client1", issuer="CN=Wrong CA")]
    s = tls12_creq().tls12_client_flight(cert=client).alert("server", 48).build()
    d = diag(s)
    assert d.best.cause == "client_cert_rejected"
    assert d.best.confidence == "high"
    assert d.best.evidence == [4, 10, 15]
    assert "'CN=Wrong CA'" in d.best.explanation


def test_client_cert_rejected_tls13_encrypted_shape():
    s = (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished((1200, 280, 53))
        .enc_alert("server")
        .fin("server")
        .build()
    )
    c = diag(s).best
    assert (c.cause, c.confidence) == ("client_cert_rejected", "medium")
    assert c.evidence == [4, 9, 10, 11, 12]


def test_client_cert_rules_skip_server_cert_rejections():
    s = tls12([leaf("www.example.com"), INTER]).alert("client", 48).build()
    assert run(rc.client_cert_missing, s) is None
    assert run(rc.client_cert_rejected, s) is None


@pytest.mark.parametrize(
    "rule",
    [
        rc.expired_certificate,
        rc.not_yet_valid_certificate,
        rc.hostname_mismatch,
        rc.untrusted_ca,
        rc.bad_certificate,
        rc.client_cert_missing,
        rc.client_cert_rejected,
    ],
)
@pytest.mark.parametrize("make", [ok_tls13, ok_tls12])
def test_cert_rules_silent_on_ok(rule, make):
    assert run(rule, make()) is None


def test_cert_rules_silent_on_ok_even_with_expired_certificate():
    s = (
        tls12([leaf("www.example.com", days=(-400, -3)), INTER])
        .tls12_client_flight()
        .tls12_server_finish()
        .build(status="ok")
    )
    assert diag(s).best.cause == "ok"


def test_bad_certificate_46_from_grease_client_mentions_chrome():
    hello_suites = [0x1A1A, 0x1301, 0xC02F]
    s = (
        Kit()
        .ch(sni="www.example.com", versions=[], suites=hello_suites)
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("www.example.com"), INTER])
        .ske()
        .shd()
        .alert("client", 46)
        .build()
    )
    c = diag(s).best
    assert (c.cause, c.confidence) == ("bad_certificate", "medium")
    assert "Chrome" in c.explanation
