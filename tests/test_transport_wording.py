"""What the report and the detail pane say about QUIC, DTLS and tunnelled sessions.

Every session here comes from a real capture in captures/ (made by captures/generate_udp.py,
generate_tunnels.py, generate_stacks.py).  The one shortened capture is a real capture's first
packets, cut at a packet boundary: the server's HelloVerifyRequest with nothing after it.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from rich.console import Console

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session
from tlstui.output import describe
from tlstui.output.text_report import print_report

CAPS = Path(__file__).resolve().parents[1] / "captures"
UDP = CAPS / "udp"


def one(path: Path, keylog: bool = True) -> Session:
    if not path.exists():
        pytest.skip(f"{path.name} missing")
    (s,) = analyze(path, keylog=None if keylog else False).sessions
    return s


def _first_packets(src: Path, dst: Path, n: int) -> Path:
    """The classic-pcap *src* cut after its first *n* packets (bytes unchanged)."""
    raw = src.read_bytes()
    assert raw[:4] == b"\xd4\xc3\xb2\xa1"  # little-endian microsecond pcap
    pos = 24
    for _ in range(n):
        pos += 16 + struct.unpack_from("<I", raw, pos + 8)[0]
    dst.write_bytes(raw[:pos])
    return dst


# --- outcome: "no reply" only when the server sent nothing --------------------------------


def test_quic_version_negotiation_outcome_names_the_servers_versions() -> None:
    s = one(UDP / "quic-version-negotiation.pcap")
    assert describe.outcome_text(s) == "Version Negotiation (server: 0x00000001)"
    assert describe.outcome_short(s) == "Version Neg. (S)"
    out = io.StringIO()
    print_report(
        analyze(UDP / "quic-version-negotiation.pcap"), console=Console(file=out, width=80)
    )
    text = out.getvalue()
    assert "no reply" not in text
    assert "  Version Negotiation (server: 0x00000001)" in text


def test_dtls_hello_verify_request_then_silence_is_not_no_reply(tmp_path: Path) -> None:
    # dtls12-ok.pcap frames 1-3: ClientHello, HelloVerifyRequest, ClientHello with cookie.
    src = UDP / "dtls12-ok.pcap"
    if not src.exists():
        pytest.skip("dtls12-ok.pcap missing")
    s = one(_first_packets(src, tmp_path / "hvr.pcap", 3), keylog=False)
    assert [(e.sender, e.type) for e in s.events] == [
        ("client", "ClientHello"),
        ("server", "HelloVerifyRequest"),
        ("client", "ClientHello"),
    ]
    assert describe.outcome_text(s) == "HelloVerifyRequest from the server, then no ServerHello"
    assert describe.outcome_short(s) == "HelloVerify (S)"


def test_no_reply_when_the_server_sent_nothing(tmp_path: Path) -> None:
    src = UDP / "dtls12-ok.pcap"
    if not src.exists():
        pytest.skip("dtls12-ok.pcap missing")
    s = one(_first_packets(src, tmp_path / "ch.pcap", 1), keylog=False)
    assert [e.sender for e in s.events] == ["client"]
    assert describe.outcome_text(s) == "no reply"
    assert describe.outcome_short(s) == "no reply"


# --- check next: commands for the session's transport --------------------------------------


def test_quic_untrusted_ca_suggests_s_client_quic_with_the_offered_alpn() -> None:
    s = one(UDP / "quic-untrusted-ca.pcap")
    assert s.diagnosis is not None
    best = s.diagnosis.best
    assert (best.cause, best.confidence) == ("untrusted_ca", "medium")  # unchanged
    assert best.check_next[0] == (
        f"openssl s_client -quic -alpn h3 -connect {s.server} -servername localhost "
        "-showcerts -verify_return_error"
    )
    assert best.check_next[-1] == (
        "The QUIC command above needs OpenSSL 3.2 or newer (openssl s_client -quic; "
        "Debian 12 ships 3.0, which has no -quic)"
    )


def test_quic_alpn_mismatch_tries_h3_not_tcp_protocols() -> None:
    s = one(UDP / "quic-alpn-mismatch.pcap")
    assert s.diagnosis is not None
    assert s.diagnosis.best.check_next[0] == (
        f"openssl s_client -quic -connect {s.server} -servername localhost -alpn h3"
    )


def test_quic_commands_leave_out_tls_version_options() -> None:
    s = one(UDP / "quic-no-common-cipher.pcap")
    assert s.diagnosis is not None
    first = s.diagnosis.best.check_next[0]
    assert first.startswith(f"openssl s_client -quic -alpn h3 -connect {s.server} ")
    assert "-tls1_3" not in first and "-ciphersuites TLS_AES_128_GCM_SHA256:" in first


def test_dtls_untrusted_ca_suggests_s_client_dtls() -> None:
    s = one(UDP / "dtls12-untrusted-ca.pcap")
    assert s.diagnosis is not None
    best = s.diagnosis.best
    assert (best.cause, best.confidence) == ("untrusted_ca", "high")  # unchanged
    assert best.check_next[0] == (
        f"openssl s_client -dtls -connect {s.server} -servername localhost "
        "-showcerts -verify_return_error"
    )
    assert not any("-quic" in c or "OpenSSL 3.2" in c for c in best.check_next)


def test_dtls_version_options_become_dtls_ones() -> None:
    s = one(UDP / "dtls-version-mismatch.pcap")
    assert s.diagnosis is not None
    assert s.diagnosis.best.check_next == [
        f"openssl s_client -dtls1_2 -connect {s.server} -servername localhost",
        f"openssl s_client -dtls -connect {s.server} -servername localhost",
    ]


def test_tcp_commands_are_unchanged() -> None:
    s = one(CAPS / "go-client-untrusted-ca-tls12.pcap", keylog=False)
    assert s.transport == "tcp" and s.diagnosis is not None
    assert s.diagnosis.best.check_next[0] == (
        f"openssl s_client -connect {s.server} -servername localhost "
        "-showcerts -verify_return_error"
    )
    assert not any("OpenSSL 3.2" in c for c in s.diagnosis.best.check_next)


# --- notes are not damage ------------------------------------------------------------------


def test_tunnel_note_is_a_note_not_malformed() -> None:
    path = CAPS / "tunnels" / "vxlan.pcap"
    if not path.exists():
        pytest.skip("vxlan.pcap missing")
    for s in analyze(path).sessions:
        assert s.status == "ok"
        rows = describe.session_details(s)
        assert ("notes", "inside a tunnel: VXLAN (inner addresses shown)") in rows
        assert all(key != "malformed" for key, _ in rows)


# --- the frame detail says "decrypted" once ------------------------------------------------


def test_decrypted_alert_detail_says_decrypted_once() -> None:
    path = CAPS / "go-client-untrusted-ca-tls13-then-tls12.pcap"
    if not path.exists():
        pytest.skip("capture missing")
    s = analyze(path).sessions[0]
    (alert,) = [e for e in s.events if e.frame == 8 and e.type == "Alert"]
    rows = describe.event_details(alert, s)
    assert rows == [
        ("alert", "42 bad_certificate"),
        ("level", "fatal (2)"),
        ("sent by", "client (the side that noticed the problem)"),
        ("meaning", "a certificate was corrupt or failed verification for an unspecified reason"),
        ("decrypted", "yes, with the key log"),
        ("length", "19 bytes (record)"),
        ("frame", "8"),
    ]


def _report_text(path: Path, keylog: bool = False) -> str:
    if not path.exists():
        pytest.skip(f"{path.name} missing")
    out = io.StringIO()
    print_report(
        analyze(path, keylog=None if keylog else False), console=Console(file=out, width=80)
    )
    return " ".join(out.getvalue().split())  # wrapping undone


def test_quic_encrypted_alert_is_a_packet_not_a_0_byte_record() -> None:
    s = one(UDP / "quic-untrusted-ca.pcap", keylog=False)
    d = s.diagnosis.best  # type: ignore[union-attr]
    assert "-byte record" not in d.explanation
    assert "QUIC packet (likely a CONNECTION_CLOSE with an alert)" in d.explanation


def test_quic_alpn_mismatch_gives_quic_cases_not_h2() -> None:
    d = one(UDP / "quic-alpn-mismatch.pcap", keylog=False).diagnosis.best  # type: ignore[union-attr]
    assert d.cause == "alpn_mismatch"
    assert "h2-only" not in d.explanation and "HTTP/1.1 service" not in d.explanation
    assert "Typical cases over QUIC: an HTTP/3 client offering only" in d.explanation


def test_dtls_texts_name_dtls_not_tls13_or_curl() -> None:
    d = one(UDP / "dtls12-no-shared-cipher.pcap").diagnosis.best  # type: ignore[union-attr]
    assert "TLS 1.3" not in d.explanation and not any("TLS 1.3" in c for c in d.check_next)
    assert "Update or reconfigure the client's cipher list to include ECDHE-AESGCM suites" in (
        d.check_next
    )
    d = one(UDP / "dtls12-client-cert-missing.pcap").diagnosis.best  # type: ignore[union-attr]
    assert d.cause == "client_cert_missing"
    assert not any("curl" in c for c in d.check_next)
    assert "below TLS 1.3" not in d.explanation
    text = _report_text(UDP / "dtls12-client-cert-missing.pcap")
    assert "curl --cert" not in text and "below TLS 1.3" not in text


def test_keylog_line_fits_the_sessions_shown() -> None:
    assert (
        "key log: none (the handshakes shown are readable up to ChangeCipherSpec)"
        in _report_text(UDP / "dtls12-no-shared-cipher.pcap")
    )
    assert "key log: none (QUIC alerts can only be judged by size and position)" in (
        _report_text(UDP / "quic-ok.pcap")
    )
    assert "key log: none (TLS 1.3 alerts can only be judged by size and position)" in (
        _report_text(CAPS / "tls13-ok.pcap")
    )
