"""The DTLS captures made by captures/generate_udp.py (OpenSSL s_server -listen / s_client,
GnuTLS --udp) on loopback: the ladder, alerts and cause tlstui reads, and agreement with
tshark on every handshake message and alert."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session
from tlstui.output.json_report import to_json

CAPS = Path(__file__).resolve().parents[1] / "captures" / "udp"
DTLS_CAPS = sorted(CAPS.glob("dtls*.pcap"))
TSHARK = shutil.which("tshark")


def one(name: str) -> Session:
    (s,) = analyze(CAPS / f"{name}.pcap").sessions
    assert s.transport == "udp"
    return s


def cause(s: Session) -> tuple[str, str]:
    assert s.diagnosis is not None
    return s.diagnosis.best.cause, s.diagnosis.best.confidence


def test_ok_with_cookie_exchange() -> None:
    s = one("dtls12-ok")
    assert s.status == "ok" and s.established and s.version == 0xFEFD
    assert [e.type for e in s.events][:4] == [
        "ClientHello",
        "HelloVerifyRequest",
        "ClientHello",
        "ServerHello",
    ]
    assert len(s.client_hellos) == 2
    assert cause(s) == ("ok", "high")


def test_fragmented_handshake_is_reassembled() -> None:
    s = one("dtls12-fragmented")
    cert = next(e for e in s.events if e.type == "Certificate")
    assert cert.first_frame < cert.frame  # built from fragments in several datagrams
    assert s.leaf is not None and "localhost" in s.leaf.san
    assert s.status == "ok"


def test_failures_and_their_causes() -> None:
    cases = {
        "dtls12-untrusted-ca": ("client", 48, ("untrusted_ca", "high")),
        "dtls12-no-shared-cipher": ("server", 40, ("no_shared_cipher", "medium")),
        "dtls-version-mismatch": ("server", 70, ("protocol_version_mismatch", "high")),
        "dtls12-client-cert-missing": ("server", 40, ("client_cert_missing", "high")),
        "dtls12-untrusted-ca-gnutls": ("client", 42, ("untrusted_ca", "medium")),
    }
    for name, (sender, code, want) in cases.items():
        s = one(name)
        assert s.status == "failed", name
        assert [(a.sender, a.code) for a in s.alerts] == [(sender, code)], name
        assert cause(s) == want, name


def test_key_log_opens_dtls_finished_and_alerts() -> None:
    s = one("dtls12-ok")
    fins = [(e.frame, e.sender, e.note) for e in s.events if e.type == "Finished"]
    assert fins == [(5, "client", "decrypted"), (6, "server", "decrypted")]
    assert [(a.frame, a.sender, a.code, a.decrypted) for a in s.alerts] == [
        (8, "client", 0, True),
        (9, "server", 0, True),
    ]


def test_gnutls_ok() -> None:
    s = one("dtls12-ok-gnutls")
    assert s.status == "ok" and s.certificate_request


@pytest.mark.parametrize("path", DTLS_CAPS, ids=lambda p: p.stem)
def test_json_report_keeps_the_schema(path: Path) -> None:
    from tests.test_report_schema import check_session

    doc = json.loads(to_json(analyze(path)))
    for n, s in enumerate(doc["sessions"], 1):
        check_session(s, n)
        assert s["transport"] == "udp"


HS = {
    "ClientHello": 1,
    "ServerHello": 2,
    "HelloVerifyRequest": 3,
    "NewSessionTicket": 4,
    "Certificate": 11,
    "ServerKeyExchange": 12,
    "CertificateRequest": 13,
    "ServerHelloDone": 14,
    "ClientKeyExchange": 16,
    "Finished": 20,  # decrypted with the key log, by tshark and by tlstui
}


@pytest.mark.tshark
@pytest.mark.skipif(TSHARK is None, reason="tshark not installed")
@pytest.mark.parametrize("path", DTLS_CAPS, ids=lambda p: p.stem)
def test_agrees_with_tshark(path: Path) -> None:
    report = analyze(path)
    (s,) = report.sessions
    out = subprocess.run(
        [
            TSHARK or "tshark",
            "-n",
            "-r",
            str(path),
            "-d",
            f"udp.port=={s.server.port},dtls",
            "-o",
            f"tls.keylog_file:{path.with_suffix('.keys')}",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "dtls.handshake.type",
            "-e",
            "dtls.alert_message.desc",
            "-e",
            "dtls.record.epoch",
            "-e",
            "dtls.record.content_type",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    rows = {}
    alerts = set()
    for line in out.splitlines():
        f, types, desc, epochs, ctypes = [*line.split("\t"), "", "", "", ""][:5]
        frame = int(f)
        rows[frame] = {int(t) for t in types.split(",") if t}
        alerts |= {(frame, int(d)) for d in desc.split(",") if d}
        enc_alerts = [
            e for e, c in zip(epochs.split(","), ctypes.split(","), strict=False) if c == "21"
        ]
        if not desc:  # protected alerts tshark could not open
            alerts |= {(frame, -1) for e in enc_alerts if e not in ("", "0")}
    # Each message tlstui shows ends in a frame where tshark sees a fragment of that type;
    # each type tshark sees is in tlstui's ladder.
    for e in s.events:
        if e.type in HS:
            assert HS[e.type] in rows[e.frame], (e.frame, e.type)
    seen_types = set().union(*rows.values())
    assert seen_types == {HS[e.type] for e in s.events if e.type in HS}
    ours = {(a.frame, a.code if a.code is not None else -1) for a in s.alerts}
    assert ours == alerts


def test_version_mismatch_reads_dtls_versions_as_dtls() -> None:
    """A DTLS 1.0-only client refused with protocol_version: DTLS versions count down
    (0xFEFF is 1.0), and the rule read the offer as "only TLS 1.3" and blamed the server."""
    s = one("dtls-version-mismatch")
    assert s.client_hello is not None and s.client_hello.offered_versions == [0xFEFF]
    assert s.diagnosis is not None
    best = s.diagnosis.best
    assert (best.cause, best.confidence, best.fault) == (
        "protocol_version_mismatch",
        "high",
        "client",
    )
    assert best.summary == "The client offers only DTLS 1.0; the server refuses"
    assert "Enable DTLS 1.2 on the client" in best.explanation
    assert "TLS 1.3" not in best.explanation
    assert any("-dtls1_2" in c for c in best.check_next)


def test_tls_level_puts_dtls_beside_tls() -> None:
    from tlstui.tls.facts import tls_level

    assert [tls_level(v) for v in (0xFEFF, 0xFEFD, 0xFEFC, 0x0100)] == [
        0x0302,
        0x0303,
        0x0304,
        0x0302,
    ]
    assert [tls_level(v) for v in (0x0300, 0x0301, 0x0303, 0x0304)] == [
        0x0300,
        0x0301,
        0x0303,
        0x0304,
    ]


def test_refusal_cites_the_cookie_client_hello_not_the_first() -> None:
    """Frame 1 ClientHello (no cookie), 2 HelloVerifyRequest, 3 ClientHello with the cookie,
    4 the alert: the server judged (and refused) the offer in frame 3."""
    for name, code in (("dtls12-no-shared-cipher", 40), ("dtls-version-mismatch", 70)):
        assert one(name).alerts[0].code == code
        s = one(name)
        assert [(e.frame, e.type) for e in s.events] == [
            (1, "ClientHello"),
            (2, "HelloVerifyRequest"),
            (3, "ClientHello"),
            (4, "Alert"),
        ]
        best = s.diagnosis.best if s.diagnosis else None
        assert best is not None and best.evidence == [3, 4]
        assert "frame 3" in best.explanation and "frame 1" not in best.explanation
    best = one("dtls12-no-shared-cipher").diagnosis.best  # type: ignore[union-attr]
    assert best.explanation.startswith(
        "The server refused the ClientHello in frame 3 with handshake_failure (40) in frame 4"
    )


def test_hello_retry_ok_cites_the_second_client_hello() -> None:
    """TLS 1.3 HelloRetryRequest: the ServerHello in frame 9 answers the ClientHello in
    frame 8, not the first one in frame 4 (the one the HelloRetryRequest answered)."""
    (s,) = analyze(CAPS.parent / "tls13-hrr.pcap").sessions
    assert s.diagnosis is not None
    assert s.diagnosis.best.evidence == [8, 9, 11]
    assert s.diagnosis.best.explanation.startswith(
        "The ClientHello in frame 8 was answered by the ServerHello in frame 9"
    )
