"""`tlstui CAPTURE --json` against the contract of ../shared/spec/report.md (schema 1).

Every field the spec names must be there with its type and allowed values, on every capture in
captures/ and, when ../shared is present, on every capture of the corpus.  The checker is
written from the spec's text; extra fields are allowed (the spec says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, DOCS, SHARED, SHOWCASE, capture_files

CAPTURES = capture_files()
SHARED_SPEC = SHARED / "spec" / "report.md"
CORPUS_FILES = (
    sorted(p for p in CORPUS.rglob("*") if p.suffix in (".pcap", ".pcapng"))
    if CORPUS.exists()
    else []
)

EVENT_TYPES = {
    "ClientHello",
    "ServerHello",
    "HelloRetryRequest",
    "Certificate",
    "ServerKeyExchange",
    "CertificateRequest",
    "ServerHelloDone",
    "CertificateVerify",
    "ClientKeyExchange",
    "Finished",
    "NewSessionTicket",
    "EncryptedExtensions",
    "KeyUpdate",
    "ChangeCipherSpec",
    "Alert",
    "EncryptedHandshake",
    "ApplicationData",
    "FIN",
    "RST",
    # documented additions (README): non-TLS reply, undecodable bytes, heartbeats, others
    "NotTLS",
    "Malformed",
    "Heartbeat",
    "HelloRequest",
    "CertificateStatus",
    "HelloVerifyRequest",
    "EndOfEarlyData",
    "CompressedCertificate",
    "CertificateURL",
    "SupplementalData",
    "MessageHash",
    # QUIC packets of their own (README): Retry, Version Negotiation, a close without alert
    "Retry",
    "VersionNegotiation",
    "ConnectionClose",
}
CAUSES = {
    "ok",
    "no_shared_cipher",
    "protocol_version_mismatch",
    "no_common_group",
    "untrusted_ca",
    "expired_certificate",
    "not_yet_valid_certificate",
    "hostname_mismatch",
    "bad_certificate",
    "client_cert_missing",
    "client_cert_rejected",
    "alpn_mismatch",
    "sni_rejected",
    "fallback_detected",
    "decrypt_failure",
    "abrupt_close",
    "non_tls_peer",
    "no_response",
    "peer_internal_error",
    "unknown",
}


def is_num(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_endpoint(e) -> None:
    assert set(e) >= {"ip", "port"} and isinstance(e["ip"], str) and isinstance(e["port"], int)


def check_session(s: dict, n: int) -> None:
    assert s["id"] == n
    check_endpoint(s["client"])
    check_endpoint(s["server"])
    assert isinstance(s["first_frame"], int) and s["first_frame"] >= 1
    assert isinstance(s["last_frame"], int) and s["last_frame"] >= s["first_frame"]
    assert is_num(s["start"]) and is_num(s["duration"]) and s["duration"] >= 0
    assert s["sni"] is None or isinstance(s["sni"], str)
    assert isinstance(s["alpn_offered"], list) and all(
        isinstance(a, str) for a in s["alpn_offered"]
    )
    assert s["alpn"] is None or isinstance(s["alpn"], str)
    assert isinstance(s["client_versions"], list)
    assert all(isinstance(v, str) for v in s["client_versions"])
    assert s["version"] is None or isinstance(s["version"], str)
    cs = s["cipher_suite"]
    assert cs is None or (isinstance(cs["code"], int) and isinstance(cs["name"], str))
    assert isinstance(s["resumed"], bool) and isinstance(s["established"], bool)
    assert s["status"] in ("ok", "failed", "incomplete")
    for a in s["alerts"]:
        assert isinstance(a["frame"], int) and is_num(a["time"])
        assert a["sender"] in ("client", "server")
        assert a["level"] in ("warning", "fatal", None)
        assert a["code"] is None or isinstance(a["code"], int)
        assert a["name"] is None or isinstance(a["name"], str)
        assert (a["level"] is None) == (a["code"] is None) == (a["name"] is None)
        assert isinstance(a["encrypted"], bool) and isinstance(a["decrypted"], bool)
        assert not a["decrypted"] or a["encrypted"]
    frames = [e["frame"] for e in s["handshake"]]
    assert frames == sorted(frames), "ladder in capture order"
    for e in s["handshake"]:
        assert isinstance(e["frame"], int) and is_num(e["time"])
        assert e["sender"] in ("client", "server")
        assert e["type"] in EVENT_TYPES, e["type"]
    c = s["certificate"]
    if c is not None:
        assert isinstance(c["subject"], str) and isinstance(c["issuer"], str)
        for k in ("not_before", "not_after"):
            assert c[k] is None or (isinstance(c[k], str) and c[k].endswith("Z"))
        assert isinstance(c["san"], list) and isinstance(c["self_signed"], bool)
    for k in ("ja3", "ja4"):
        assert s[k] is None or isinstance(s[k], str)
    d = s["diagnosis"]
    assert d["cause"] in CAUSES
    assert d["confidence"] in ("high", "medium", "low")
    assert isinstance(d["summary"], str) and d["summary"]
    assert isinstance(d["explanation"], str)
    assert all(isinstance(f, int) for f in d["evidence"])
    # An established session that ended badly after data is ok with the cause that names
    # how it ended (spec "Additions": abrupt_close).
    if s["status"] == "ok" and d["cause"] != "ok":
        assert d["cause"] == "abrupt_close" and s["established"]
    else:
        assert (d["cause"] == "ok") == (s["status"] == "ok")
    assert s["transport"] in ("tcp", "udp", "quic")
    if s["transport"] == "quic":
        check_quic(s["quic"])
    else:
        assert "quic" not in s


def check_quic(qd: dict) -> None:
    """The spec's "Transports" addition: version, connection ids, the close frame."""
    assert isinstance(qd["version"], str) and qd["version"].startswith("0x")
    assert len(qd["version"]) == 10
    for k in ("client_cid", "server_cid"):
        assert isinstance(qd[k], str)
        bytes.fromhex(qd[k])
    c = qd["close"]
    if c is not None:
        assert set(c) == {
            "frame",
            "sender",
            "packet_type",
            "error_code",
            "frame_type",
            "tls_alert",
            "reason",
            "encrypted",
        }
        assert isinstance(c["frame"], int) and c["sender"] in ("client", "server")
        assert c["packet_type"] in ("Initial", "Handshake", "1-RTT")
        assert c["error_code"] is None or isinstance(c["error_code"], int)
        assert c["tls_alert"] is None or c["tls_alert"] == c["error_code"] - 0x100
        assert isinstance(c["reason"], str) and isinstance(c["encrypted"], bool)


def check_report(doc: dict, path: Path) -> None:
    assert doc["schema"] == 1
    assert doc["tool"] == {"name": "tlstui", "version": doc["tool"]["version"]}
    cap = doc["capture"]
    assert cap["file"] == str(path)
    assert cap["format"] in ("pcap", "pcapng")
    assert isinstance(cap["link_types"], list) and cap["link_types"]
    assert isinstance(cap["packets"], int) and isinstance(cap["damaged"], int)
    assert isinstance(cap["truncated"], bool)
    firsts = [s["first_frame"] for s in doc["sessions"]]
    assert firsts == sorted(firsts), "sessions in order of first frame"
    for n, s in enumerate(doc["sessions"], 1):
        check_session(s, n)


def run_json(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tlstui", str(path), "--json"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_captures_follow_the_spec(path: Path) -> None:
    doc = run_json(path)
    check_report(doc, path)
    assert doc["sessions"], "every bundled capture holds TLS"


@pytest.mark.corpus
def test_corpus_follows_the_spec() -> None:
    from tlstui.analysis.engine import analyze
    from tlstui.output.json_report import report_dict

    for path in CORPUS_FILES:
        doc = json.loads(json.dumps(report_dict(analyze(path))))
        check_report(doc, path)


def test_showcase_report_values() -> None:
    doc = run_json(SHOWCASE)
    s = doc["sessions"]
    assert len(s) == 11
    assert [x["status"] for x in s].count("ok") == 2
    cert_required = [x for x in s if any(a["code"] == 116 for a in x["alerts"])]
    assert len(cert_required) == 1
    (a,) = [a for a in cert_required[0]["alerts"] if a["code"] == 116]
    assert a == {
        **a,
        "sender": "server",
        "level": "fatal",
        "name": "certificate_required",
        "encrypted": True,
        "decrypted": True,
    }
    assert cert_required[0]["diagnosis"]["cause"] == "client_cert_missing"


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="../shared/spec not present")
def test_docs_schema_holds_the_spec_verbatim() -> None:
    """docs/report-schema.md is the spec people read; it must not drift from the shared one."""
    assert SHARED_SPEC.read_text() in (DOCS / "report-schema.md").read_text()
