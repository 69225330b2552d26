"""The diagnosis on the real captures in captures/ (see captures/README.md for what each shows).

Expected frames were checked with ``tshark -r FILE [-o tls.keylog_file:FILE.keys]``: the
ClientHello, the flight that carries the evidence (Certificate / CertificateRequest / empty client
Certificate) and the alert or close.  The engine loads ``NAME.keys`` beside a capture by itself;
the keyless runs copy the capture alone to a temp dir, as a user without a key log would have it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CAPTURES

from tlstui.analysis.diagnosis import CAUSE_TITLES
from tlstui.analysis.diagnosis import positions as pos

engine = pytest.importorskip("tlstui.analysis.engine")

# file -> {session id: (cause, confidence, evidence)}, with the key log beside the capture.
KEYED: dict[str, dict[int, tuple[str, str, list[int]]]] = {
    "tls12-no-shared-cipher.pcap": {1: ("no_shared_cipher", "medium", [4, 6])},
    "tls12-vs-tls13-only.pcap": {1: ("protocol_version_mismatch", "high", [4, 6])},
    "tls11-vs-tls13-only.pcap": {1: ("protocol_version_mismatch", "high", [4, 6])},
    "tls13-no-common-group.pcap": {1: ("no_common_group", "medium", [4, 6])},
    "tls12-untrusted-ca.pcap": {1: ("untrusted_ca", "high", [4, 6, 8])},
    "tls13-untrusted-ca.pcap": {1: ("untrusted_ca", "high", [4, 6, 8])},
    "tls12-self-signed.pcap": {1: ("untrusted_ca", "high", [4, 6, 8])},
    "tls12-untrusted-ca-gnutls.pcap": {1: ("untrusted_ca", "medium", [4, 6, 8])},
    "tls13-untrusted-ca-gnutls.pcap": {1: ("untrusted_ca", "medium", [4, 6, 9])},
    "any-tls12-untrusted-ca.pcap": {1: ("untrusted_ca", "high", [4, 6, 8])},
    "tls12-expired.pcap": {1: ("expired_certificate", "high", [4, 6, 8])},
    "tls12-not-yet-valid.pcap": {1: ("not_yet_valid_certificate", "high", [4, 6, 8])},
    "tls12-hostname-mismatch.pcap": {1: ("hostname_mismatch", "high", [4, 6, 8])},
    "tls12-client-cert-missing.pcap": {1: ("client_cert_missing", "high", [4, 6, 8, 9])},
    "tls13-client-cert-missing.pcap": {1: ("client_cert_missing", "high", [4, 6, 8, 9])},
    "pcapng-tls13-client-cert-missing.pcapng": {1: ("client_cert_missing", "high", [4, 6, 8, 9])},
    "alpn-mismatch.pcap": {1: ("alpn_mismatch", "high", [4, 6])},
    "sni-rejected.pcap": {1: ("sni_rejected", "high", [4, 6])},
    "fallback-scsv.pcap": {1: ("fallback_detected", "high", [4, 6])},
    "server-closes.pcap": {1: ("abrupt_close", "medium", [4, 6])},
    "plain-http-reply.pcap": {1: ("non_tls_peer", "high", [4, 6])},
    # The capture ends 0.3 ms after the ClientHello: honest but unsure.
    "no-response.pcap": {1: ("no_response", "low", [4])},
    "showcase.pcap": {
        1: ("ok", "high", [4, 6, 10]),
        2: ("untrusted_ca", "high", [21, 23, 25]),
        3: ("ok", "high", [32, 34, 40]),
        4: ("expired_certificate", "high", [51, 53, 55]),
        5: ("client_cert_missing", "high", [60, 62, 64, 65]),
        6: ("no_shared_cipher", "medium", [72, 74]),
        7: ("protocol_version_mismatch", "high", [82, 84]),
        8: ("alpn_mismatch", "high", [92, 94]),
        9: ("hostname_mismatch", "high", [102, 104, 106]),
        10: ("untrusted_ca", "medium", [113, 115, 118]),
        11: ("non_tls_peer", "high", [125, 127]),
    },
}

# What changes without the key log: the TLS 1.3 evidence that only the keys make readable.
KEYLESS: dict[str, dict[int, tuple[str, str, list[int]]]] = {
    "tls13-client-cert-missing.pcap": {1: ("client_cert_missing", "medium", [4, 8, 9])},
    "pcapng-tls13-client-cert-missing.pcapng": {1: ("client_cert_missing", "medium", [4, 8, 9])},
    # OpenSSL's TLS 1.3 client sends unknown_ca in plaintext: readable, certificate is not.
    "tls13-untrusted-ca.pcap": {1: ("untrusted_ca", "high", [4, 8])},
    # GnuTLS encrypts it: a 19-byte record after the server's flight.
    # Without keys the reason is not guessed: "the client refused the certificate".
    "tls13-untrusted-ca-gnutls.pcap": {1: ("bad_certificate", "medium", [4, 9])},
    "showcase.pcap": {
        5: ("client_cert_missing", "medium", [60, 64, 65]),
        10: ("bad_certificate", "medium", [113, 118]),
    },
}

MIXED = [
    "ok",
    "ok",
    "ok",
    "ok",
    "ok",
    "ok",
    "ok",
    "no_shared_cipher",
    "protocol_version_mismatch",
    "no_common_group",
    "untrusted_ca",
    "untrusted_ca",
    "untrusted_ca",
    "untrusted_ca",
    "expired_certificate",
    "not_yet_valid_certificate",
    "hostname_mismatch",
    "client_cert_missing",
    "client_cert_missing",
    "alpn_mismatch",
    "sni_rejected",
    "fallback_detected",
    "abrupt_close",
    "non_tls_peer",
    "ok",
    "ok",
    "ok",
    "ok",
    "ok",
    "protocol_version_mismatch",
]


def _analyze(path: Path):
    if not path.exists():
        pytest.skip(f"{path.name} not generated")
    return engine.analyze(path)


def _keyless(path: Path, tmp_path: Path):
    if not path.exists():
        pytest.skip(f"{path.name} not generated")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    return engine.analyze(copy)


def _check(report, expected):
    by_id = {s.id: s for s in report.sessions}
    for sid, (cause, confidence, evidence) in expected.items():
        best = by_id[sid].diagnosis.best
        got = (best.cause, best.confidence, best.evidence)
        assert got == (cause, confidence, evidence), f"session {sid}: {best.summary}"


@pytest.mark.parametrize("name", sorted(KEYED))
def test_capture_with_keys(name):
    _check(_analyze(CAPTURES / name), KEYED[name])


@pytest.mark.parametrize("name", sorted(KEYLESS))
def test_capture_without_keys(name, tmp_path):
    _check(_keyless(CAPTURES / name, tmp_path), KEYLESS[name])


def test_mixed_capture_causes_in_order():
    report = _analyze(CAPTURES / "mixed.pcap")
    assert [s.diagnosis.best.cause for s in report.sessions] == MIXED
    for s in report.sessions:
        alert = pos.decisive_alert(s)
        if alert is not None and s.diagnosis.best.cause != "ok":
            assert alert.frame in s.diagnosis.best.evidence, s.id


def _all_captures():
    if not CAPTURES.is_dir():
        return []
    return sorted(p.name for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))


@pytest.mark.parametrize("name", _all_captures())
@pytest.mark.parametrize("keys", [True, False], ids=["keys", "nokeys"])
def test_invariants_on_every_capture(name, keys, tmp_path):
    """Whatever the capture: ok sessions say ok; every cause is a vocabulary word with evidence
    inside the capture; an unreadable decisive alert never yields a high-confidence cause."""
    path = CAPTURES / name
    report = _analyze(path) if keys else _keyless(path, tmp_path)
    frames = {e.frame for s in report.sessions for e in s.events}
    frames |= {s.non_tls_reply_frame for s in report.sessions if s.non_tls_reply_frame}
    for s in report.sessions:
        best = s.diagnosis.best
        assert best.cause in CAUSE_TITLES
        assert best.summary and best.explanation and best.rule
        if s.status == "ok":
            # An ok handshake that ended badly after data names how (spec "Additions");
            # "ok" drops to medium when an unreadable alert came before any data.
            ended_badly = s.renegotiation_frame and any(
                a.frame > s.renegotiation_frame for a in s.alerts
            )
            if ended_badly:
                assert best.cause == "abrupt_close"
            else:
                assert best.cause in ("ok", "abrupt_close")
                assert best.confidence in ("high", "medium")
            continue
        assert best.cause != "ok"
        assert best.evidence and set(best.evidence) <= frames, (s.id, best.evidence)
        alert = pos.decisive_alert(s)
        if alert is not None and alert.code is None:
            assert all(c.confidence != "high" for c in s.diagnosis.candidates)


def test_ok_captures_are_ok():
    for name in _all_captures():
        if "ok" not in name.split(".")[0].split("-"):
            continue
        report = _analyze(CAPTURES / name)
        assert {s.diagnosis.best.cause for s in report.sessions} == {"ok"}, name


def test_a_reset_after_the_same_sides_fin_is_a_ladder_row() -> None:
    """The server closed (FIN), then reset the connection when the client's alert arrived
    (tshark: frame 14 [RST]); the reset was dropped because the side had closed already.
    closed_by keeps how the side closed first."""
    from tlstui.analysis.engine import analyze

    s = analyze(CAPTURES / "go-server-abrupt-close-after-data-tls13.pcap").sessions[0]
    assert [(e.frame, e.sender, e.type) for e in s.events if e.type in ("FIN", "RST")] == [
        (12, "server", "FIN"),
        (14, "server", "RST"),
    ]
    assert s.closed_by == {"server": "FIN"}
    assert s.diagnosis is not None and s.diagnosis.best.cause == "abrupt_close"
