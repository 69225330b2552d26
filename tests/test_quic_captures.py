"""The QUIC captures made by captures/generate_udp.py (aioquic on loopback): what tlstui reads
from them, and agreement with tshark on handshake messages and CONNECTION_CLOSE codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tlstui.analysis.diagnosis import diagnose_report
from tlstui.analysis.engine import analyze
from tlstui.analysis.model import CaptureInfo, Report, Session
from tlstui.analysis.partner import find_partner

CAPS = Path(__file__).resolve().parents[1] / "captures" / "udp"
QUIC_CAPS = sorted(CAPS.glob("quic-*.pcap"))
TSHARK = shutil.which("tshark")


def one(name: str, keylog: bool = True) -> Session:
    report = analyze(CAPS / f"{name}.pcap", keylog=None if keylog else False)
    (s,) = report.sessions
    assert s.transport == "quic" and s.quic is not None
    return s


def test_ok_decrypts_handshake_packets_with_the_key_log() -> None:
    s = one("quic-ok")
    assert s.status == "ok" and s.established
    assert s.server_hello is not None and s.server_hello.alpn == "h3"
    tls = [(e.frame, e.sender, e.type) for e in s.events if e.note and "Handshake" in e.note]
    assert tls == [
        (2, "server", "EncryptedExtensions"),
        (2, "server", "Certificate"),
        (4, "server", "CertificateVerify"),
        (4, "server", "Finished"),
        (5, "client", "Finished"),
    ]
    assert s.leaf is not None and "localhost" in s.leaf.san
    assert s.diagnosis is not None and s.diagnosis.best.cause == "ok"


def test_ok_without_keys_is_still_ok_from_1rtt_traffic() -> None:
    s = one("quic-ok", keylog=False)
    assert s.status == "ok"
    assert [e.type for e in s.events if e.sender == "client"][:2] == [
        "ClientHello",
        "EncryptedHandshake",
    ]


def test_application_close_in_1rtt_is_read_with_the_key_log() -> None:
    s = one("quic-ok")
    assert s.quic is not None and s.quic.close is not None
    c = s.quic.close
    assert (c.frame, c.sender, c.packet_type, c.error_code, c.frame_type) == (
        10,
        "client",
        "1-RTT",
        0,
        None,
    )
    assert s.status == "ok"  # an application close with NO_ERROR after the handshake
    assert one("quic-ok", keylog=False).quic.close is None  # type: ignore[union-attr]


def test_alpn_mismatch_crypto_error_is_a_tls_alert() -> None:
    s = one("quic-alpn-mismatch")
    assert s.status == "failed"
    assert s.quic is not None and s.quic.close is not None
    c = s.quic.close
    assert (c.frame, c.sender, c.packet_type) == (2, "server", "Initial")
    assert (c.error_code, c.tls_alert, c.frame_type) == (0x178, 120, 6)
    assert [(a.frame, a.level, a.code) for a in s.alerts] == [(2, "fatal", 120)]
    assert s.diagnosis is not None
    assert (s.diagnosis.best.cause, s.diagnosis.best.confidence) == ("alpn_mismatch", "high")


def test_untrusted_ca_close_in_handshake_packet_with_keys() -> None:
    s = one("quic-untrusted-ca")
    assert s.quic is not None and s.quic.close is not None
    c = s.quic.close
    assert (c.frame, c.sender, c.packet_type, c.tls_alert) == (6, "client", "Handshake", 42)
    assert "local issuer" in c.reason
    assert s.diagnosis is not None and s.diagnosis.best.cause == "untrusted_ca"


def test_untrusted_ca_without_keys_is_likely_never_high() -> None:
    s = one("quic-untrusted-ca", keylog=False)
    assert s.status == "failed" and not s.established
    assert s.quic is not None and s.quic.close is not None
    c = s.quic.close
    assert c.encrypted and c.error_code is None and c.frame == 6 and c.sender == "client"
    assert s.diagnosis is not None
    # The refusal is encrypted: the generic answer, with the specific reason only a candidate.
    assert (s.diagnosis.best.cause, s.diagnosis.best.confidence) == ("bad_certificate", "medium")
    assert ("untrusted_ca", "low") in [(c.cause, c.confidence) for c in s.diagnosis.candidates]


def test_no_common_cipher_is_handshake_failure_in_initial() -> None:
    s = one("quic-no-common-cipher")
    assert s.quic is not None and s.quic.close is not None
    assert (s.quic.close.error_code, s.quic.close.tls_alert) == (0x128, 40)
    assert s.status == "failed"
    # aioquic's client offers only TLS_AES_128_GCM_SHA256 and four mainstream groups; the
    # server was limited to TLS_AES_256_GCM_SHA384. The mandatory suite was offered, so the
    # capture cannot rule out a group restriction: the suite answer, but only at low.
    assert s.diagnosis is not None
    best = s.diagnosis.best
    assert (best.cause, best.confidence, best.rule) == (
        "no_shared_cipher",
        "low",
        "narrow_tls13_suites",
    )


def _beside(failure: Session, success: Session) -> Report:
    """*success* moved onto *failure*'s server address, port and SNI, a second before it:
    an HTTP/3 server's UDP 443 next to its TCP 443 (two real sessions; only where one of
    them went is changed)."""
    success.server = failure.server
    success.start, success.end = failure.start - 1.0, failure.start - 0.9
    assert success.client_hello is not None and failure.client_hello is not None
    success.client_hello.sni = failure.client_hello.sni
    report = Report(CaptureInfo(file="x"), [success, failure])
    diagnose_report(report)
    return report


def test_a_tcp_success_on_the_same_port_is_not_compared_with_a_quic_failure() -> None:
    """The TCP session's TLS 1.2 suite made the QUIC failure "no_shared_cipher, high: the
    server uses TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, which this client does not offer",
    a suite QUIC cannot use.  Successes are compared within their transport."""
    tcp = next(
        s for s in analyze(CAPS.parent / "tls12-ok.pcap", keylog=False).sessions if s.status == "ok"
    )
    failure = one("quic-no-common-cipher", keylog=False)
    report = _beside(failure, tcp)
    assert failure.diagnosis is not None
    best = failure.diagnosis.best
    assert (best.cause, best.confidence, best.rule) == (
        "no_shared_cipher",
        "low",
        "narrow_tls13_suites",
    )
    assert "ECDHE" not in best.explanation and f"#{tcp.id}" not in best.explanation
    assert find_partner(failure, report).session is None
    # The same with a QUIC success there: compared, and it settles the question.
    failure = one("quic-no-common-cipher", keylog=False)
    quic = one("quic-ok", keylog=False)
    report = _beside(failure, quic)
    assert failure.diagnosis is not None
    best = failure.diagnosis.best
    assert (best.cause, best.confidence) == ("no_shared_cipher", "high")
    assert "TLS_AES_256_GCM_SHA384" in best.summary
    assert find_partner(failure, report).session is quic


def test_version_negotiation_is_a_version_mismatch() -> None:
    s = one("quic-version-negotiation")
    assert s.quic is not None
    assert s.quic.version == 0x6B3343CF and s.quic.version_negotiation == (1,)
    assert [e.type for e in s.events] == ["ClientHello", "VersionNegotiation"]
    assert s.status == "failed"
    assert s.diagnosis is not None
    assert s.diagnosis.best.cause == "protocol_version_mismatch"


def test_v2_handshake_opens_with_v2_labels() -> None:
    s = one("quic-v2-ok")
    assert s.quic is not None and s.quic.version == 0x6B3343CF
    assert s.status == "ok"
    assert any(e.type == "Finished" and e.sender == "client" for e in s.events)


def _tshark(path: Path) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    keys = path.with_suffix(".keys")
    out = subprocess.run(
        [
            TSHARK or "tshark",
            "-n",
            "-r",
            str(path),
            "-o",
            f"tls.keylog_file:{keys}",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tls.handshake.type",
            "-e",
            "quic.cc.error_code",
            "-e",
            "quic.cc.error_code.app",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    msgs: set[tuple[int, int]] = set()
    closes: set[tuple[int, int]] = set()
    for line in out.splitlines():
        frame, types, codes, app = [*line.split("\t"), "", "", ""][:4]
        msgs |= {(int(frame), int(t)) for t in types.split(",") if t}
        closes |= {(int(frame), int(c)) for c in (codes + "," + app).split(",") if c}
    return msgs, closes


HS_TYPES = {
    "ClientHello": 1,
    "ServerHello": 2,
    "EncryptedExtensions": 8,
    "Certificate": 11,
    "CertificateVerify": 15,
    "Finished": 20,
}


@pytest.mark.tshark
@pytest.mark.skipif(TSHARK is None, reason="tshark not installed")
@pytest.mark.parametrize("path", QUIC_CAPS, ids=lambda p: p.stem)
def test_agrees_with_tshark(path: Path) -> None:
    msgs, closes = _tshark(path)
    report = analyze(path)
    ours_msgs = {
        (e.frame, HS_TYPES[e.type]) for s in report.sessions for e in s.events if e.type in HS_TYPES
    }
    ours_closes = {
        (s.quic.close.frame, s.quic.close.error_code)
        for s in report.sessions
        if s.quic is not None and s.quic.close is not None
    }
    assert ours_msgs == msgs
    assert ours_closes == closes


@pytest.mark.parametrize("path", QUIC_CAPS, ids=lambda p: p.stem)
def test_json_report_keeps_the_schema(path: Path) -> None:
    import json

    from tests.test_report_schema import check_session
    from tlstui.output.json_report import to_json

    doc = json.loads(to_json(analyze(path)))
    for n, s in enumerate(doc["sessions"], 1):
        check_session(s, n)
        assert s["transport"] == "quic"


def test_client_finished_without_keys_is_the_handshake_packet_before_its_1rtt() -> None:
    """Without keys the client's Finished is the last Handshake packet it sent before its first
    1-RTT packet (frame 5, coalesced with it), at that frame's time: it was put on the first
    client Handshake packet (frame 3, ACKs only) with the session's start time, so the
    ladder's time ran backwards."""
    keyed = one("quic-ok")
    fin = next(e for e in keyed.events if e.sender == "client" and e.type == "Finished")
    blind = one("quic-ok", keylog=False)
    rows = [(e.frame, e.sender, e.type) for e in blind.events]
    assert rows[:6] == [
        (1, "client", "ClientHello"),
        (2, "server", "ServerHello"),
        (2, "server", "EncryptedHandshake"),
        (fin.frame, "client", "EncryptedHandshake"),
        (fin.frame, "client", "ApplicationData"),
        (7, "server", "ApplicationData"),
    ]
    assert fin.frame == 5
    ev = blind.events[3]
    assert ev.time == fin.time == blind.events[4].time
    times = [e.time for e in blind.events]
    assert times == sorted(times)


def test_a_close_read_with_the_key_log_is_an_encrypted_decrypted_alert() -> None:
    """A CONNECTION_CLOSE in a Handshake packet is read only with the key log: its alert says
    encrypted and decrypted, as a TCP alert in an encrypted record does (it said neither); one
    in an Initial packet is readable by anyone and says neither."""
    (a,) = one("quic-untrusted-ca").alerts
    assert (a.code, a.encrypted, a.decrypted) == (42, True, True)
    (b,) = one("quic-untrusted-ca", keylog=False).alerts
    assert (b.code, b.encrypted, b.decrypted) == (None, True, False)
    (c,) = one("quic-alpn-mismatch").alerts
    assert (c.code, c.encrypted, c.decrypted) == (120, False, False)
