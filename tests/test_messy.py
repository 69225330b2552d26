"""Messy captures: cut short, damaged, trimmed, odd.  The answer must claim only what the
capture shows.

The captures are in captures/ (made by captures/generate_messy.py: real stacks on loopback,
or a real capture of that folder cut or damaged by one header byte).  Frame numbers and
sizes were read with ``tshark -r FILE`` (e.g. the Certificate record of
messy-tls12-cut-in-certificate.pcap: 851 bytes, 300 captured; the server's FIN in
messy-silent-then-close.pcap comes 3.0 s after the ClientHello).  The corpus tests at the end
use ../shared/corpus and skip without it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.sessionkit import Kit, ca, diag, leaf, report
from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Cause, Endpoint, Session
from tlstui.analysis.sessions import SessionBuilder
from tlstui.tls.model import CertificateInfo
from tlstui.tls.records import RecordReader
from tlstui.wire.capture import open_capture
from tlstui.wire.packet import decode_tcp

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
OPENSSL_EC = ["openssl", "ecparam", "-name", "prime256v1"]
OPENSSL_REQ = ["openssl", "req", "-x509", "-new", "-days", "30", "-key"]


def _only(name: str, keylog: bool = False) -> Session:
    rep = analyze(CAPTURES / name, keylog=None if keylog else False)
    assert len(rep.sessions) == 1
    return rep.sessions[0]


def _best(s: Session) -> Cause:
    assert s.diagnosis is not None
    return s.diagnosis.best


def _causes(s: Session) -> list[tuple[str, str]]:
    assert s.diagnosis is not None
    return [(c.cause, c.confidence) for c in s.diagnosis.candidates]


# --- 1. the capture ends before the peer was due to answer ---------------------------------


def test_cut_inside_the_certificate_record_is_incomplete_not_a_silent_client() -> None:
    s = _only("messy-tls12-cut-in-certificate.pcap")
    assert s.status == "incomplete"
    best = _best(s)
    assert (best.cause, best.confidence) == ("unknown", "medium")
    assert "Certificate" in best.summary and "ServerHelloDone" in best.summary
    assert "300 of 851 bytes" in best.summary
    assert s.cut is not None and (s.cut.sender, s.cut.length, s.cut.captured) == (
        "server",
        851,
        300,
    )
    assert ("Certificate", 296, 847) in s.cut.messages
    assert "no_response" not in [c for c, _ in _causes(s)]
    assert "not yet due to answer" in best.explanation


def test_capture_that_stops_before_server_hello_done_names_the_missing_message() -> None:
    s = _only("messy-tls12-cut-before-done.pcap")
    assert s.status == "incomplete" and s.cut is None
    best = _best(s)
    assert (best.cause, best.confidence) == ("unknown", "medium")
    assert "ServerHelloDone" in best.summary
    assert all(c != "no_response" for c, _ in _causes(s))


def test_tls13_flight_cut_inside_a_protected_record() -> None:
    s = _only("messy-tls13-cut-in-flight.pcap")
    assert s.status == "incomplete"
    assert (_best(s).cause, _best(s).confidence) == ("unknown", "medium")
    assert s.cut is not None and (s.cut.content_type, s.cut.captured) == (23, 100)
    assert "100 of 871 bytes" in _best(s).summary


def test_complete_flight_then_the_capture_ends_is_at_most_low_no_response() -> None:
    # A complete TLS 1.2 server flight that is the last thing in the capture.
    kit = Kit().ch().sh(version=0x0303, suite=0xC02F).cert([leaf("www.example.com")]).shd()
    s = kit.build(status="incomplete", established=False)
    best = diag(s, report(s)).best
    assert (best.cause, best.confidence) == ("no_response", "low")
    assert "capture ends" in best.summary and "ServerHelloDone" in best.summary


def test_complete_flight_then_long_silence_while_the_capture_went_on() -> None:
    kit = Kit().ch().sh(version=0x0303, suite=0xC02F).cert([leaf("www.example.com")]).shd()
    s = kit.build(status="incomplete", established=False)
    best = diag(s, report(s, last_time=s.end + 30.0)).best
    assert (best.cause, best.confidence) == ("no_response", "medium")
    assert "30.0 s" in best.summary and "capture went on" in best.explanation


# --- 2. one damaged record in a working session ----------------------------------------------


def test_damaged_change_cipher_spec_in_a_working_session_is_ok_with_a_note() -> None:
    s = _only("messy-damaged-ccs.pcap")
    assert (s.status, s.established) == ("ok", True)
    assert s.damaged_but_completed == 8
    assert (_best(s).cause, _best(s).confidence) == ("ok", "high")
    assert "frame 8 is damaged" in _best(s).explanation
    assert any("ChangeCipherSpec is damaged" in n for n in s.malformed)


def test_damaged_ccs_without_proof_that_the_peers_went_on_stays_unproven() -> None:
    # The client's flight after its key exchange with the CCS header damaged, and nothing
    # after it: no server Finished, no application data, so nothing proves completion.
    b, (client, _server) = _builder()
    b.s.server_hello = _only("tls12-ok.pcap").server_hello
    b.kx_sent[0] = True
    client.feed(_ccs_flight(damaged=True), 8, 1.0)
    assert b.assumed_ccs[0] == 8 and b.damaged_finished[0]
    s = b.finish()
    assert (s.established, s.damaged_but_completed) == (False, 0)
    assert s.status == "incomplete"


def test_ethernet_padding_is_not_tcp_payload() -> None:
    cap = open_capture(CAPTURES / "tls12-ok.pcap")
    frames = list(cap.frames())
    # frame 3: the client's bare ACK (54 bytes on the wire); pad it like a real NIC does
    _ts, off, caplen, _origlen, link = frames[2]
    raw = bytes(cap.data[off : off + caplen])
    assert decode_tcp(raw, 0, len(raw), link)[7] == 0
    padded = raw + b"\x00" * 6 + b"\x16\x03\x03\x00\x01\x01"
    got = decode_tcp(padded, 0, len(padded), link, len(padded))
    assert got[7] == 0  # payload length from the IP total length, padding ignored


# --- 3. a well-framed but mangled record -----------------------------------------------------


def _builder() -> tuple[SessionBuilder, tuple[RecordReader, RecordReader]]:
    s = Session(
        id=1,
        client=Endpoint("10.0.0.1", 1),
        server=Endpoint("10.0.0.2", 443),
        first_frame=1,
        last_frame=1,
        start=0.0,
        end=0.0,
    )
    b = SessionBuilder(s)
    b.readers = [RecordReader(b, 0), RecordReader(b, 1)]
    return b, (b.readers[0], b.readers[1])


def _ccs_flight(damaged: bool) -> bytes:
    ccs = bytes.fromhex("140303000101")
    if damaged:
        ccs = bytes.fromhex("140303ff0101")  # length 0xff01: beyond any record, not a header
    return ccs + bytes.fromhex("1603030028") + b"\xaa" * 40


def test_seven_byte_alert_with_zeroed_header_is_damaged_tls_not_another_protocol() -> None:
    b, (_client, server) = _builder()
    server.feed(bytes.fromhex("00000000020028"), 6, 1.0)
    s = b.s
    assert s.non_tls_reply is None
    assert len(s.damage) == 1 and s.damage[0].alert == (0, 40)


def test_http_reply_is_still_not_tls() -> None:
    b, (_client, server) = _builder()
    server.feed(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 6, 1.0)
    assert b.s.non_tls_reply is not None and not b.s.damage


def test_damaged_alert_capture_is_never_non_tls_peer_nor_high() -> None:
    s = _only("messy-damaged-alert.pcap")
    assert s.status == "failed" and s.non_tls_reply is None
    best = _best(s)
    assert (best.cause, best.confidence) == ("unknown", "medium")
    assert "handshake_failure (40)" in best.summary
    causes = _causes(s)
    assert "non_tls_peer" not in [c for c, _ in causes]
    assert all(conf != "high" for _, conf in causes)


# --- 4. a missing SNI explains a refusal ----------------------------------------------------


def test_no_sni_refused_with_40_is_sni_rejected_medium() -> None:
    s = _only("messy-no-sni.pcap")
    assert s.client_hello is not None and s.client_hello.sni is None
    best = _best(s)
    assert (best.cause, best.confidence) == ("sni_rejected", "medium")
    assert "server_name" in best.explanation
    assert "no_shared_cipher" in [c for c, _ in _causes(s)]


def test_no_sni_with_a_legacy_only_offer_is_not_blamed_on_sni() -> None:
    s = (
        Kit()
        .ch(sni=None, versions=[0x0303], suites=[0x000A, 0x002F])
        .alert("server", 40)
        .fin("server")
        .build()
    )
    assert "sni_rejected" not in [c.cause for c in diag(s, report(s)).candidates]


# --- 5. silence then close ------------------------------------------------------------------


def test_silence_then_close_is_a_timeout_not_a_version_refusal() -> None:
    s = _only("messy-silent-then-close.pcap")
    assert s.client_hello is not None and max(s.client_hello.supported_versions or [0x0301]) in (
        0x0301,
    )
    best = _best(s)
    assert (best.cause, best.confidence) == ("abrupt_close", "medium")
    assert "3.0 s" in best.summary and "not a refusal" in best.summary
    assert "protocol_version_mismatch" not in [c for c, _ in _causes(s)]


def test_a_prompt_close_to_a_tls10_offer_still_reads_as_a_version_refusal() -> None:
    s = Kit().ch(versions=[], legacy=0x0301).fin("server", dt=0.05).build()
    s.client_hellos[0].supported_versions = []
    causes = [(c.cause, c.confidence) for c in diag(s, report(s)).candidates]
    assert ("protocol_version_mismatch", "medium") in causes


# --- 6. big certificate chains ----------------------------------------------------------------


def test_300_kb_chain_is_read_and_its_size_named() -> None:
    s = _only("messy-big-chain.pcap.gz")
    leaf_ = s.leaf
    assert leaf_ is not None and leaf_.error is None and leaf_.self_signed
    assert leaf_.san_total == 10_000 and leaf_.san[-1] == "localhost"
    cert = next(e for e in s.events if e.type == "Certificate")
    assert cert.length == 300_737 and cert.first_frame < cert.frame
    best = _best(s)
    assert (best.cause, best.confidence) == ("bad_certificate", "high")
    assert "illegal_parameter (47)" in best.explanation
    assert "hostname_mismatch" not in [c for c, _ in _causes(s)]


def test_an_unreadable_leaf_never_yields_a_hostname_mismatch() -> None:
    bad = CertificateInfo(error="not a valid X.509 certificate: too large", length=400_000)
    s = (
        Kit()
        .ch(sni="www.example.com", versions=[0x0303])
        .sh(version=0x0303, suite=0xC02F)
        .cert([bad])
        .shd()
        .alert("client", 42)
        .build()
    )
    assert "hostname_mismatch" not in [c.cause for c in diag(s, report(s)).candidates]


def test_a_capped_san_list_is_not_evidence_of_a_mismatch() -> None:
    big = leaf("a.example", "b.example")
    big.san_total = 50_000  # more names than were kept
    s = (
        Kit()
        .ch(sni="www.example.com", versions=[0x0303])
        .sh(version=0x0303, suite=0xC02F)
        .cert([big, ca("CN=Example Issuing CA")])
        .shd()
        .alert("client", 42)
        .build()
    )
    assert "hostname_mismatch" not in [c.cause for c in diag(s, report(s)).candidates]


# --- 7. what the capture shows ----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_explicit_curve_parameters_are_seen_and_named(tmp_path: Path) -> None:
    from tlstui.tls.x509 import summarize_certificate

    key, crt = tmp_path / "k.pem", tmp_path / "c.der"
    subprocess.run(
        [*OPENSSL_EC, "-param_enc", "explicit", "-genkey", "-out", str(key)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    subprocess.run(
        [*OPENSSL_REQ, str(key), "-subj", "/CN=Spoofed Root", "-outform", "DER", "-out", str(crt)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    info = summarize_certificate(crt.read_bytes())
    assert info.explicit_ec_params
    subprocess.run(
        [*OPENSSL_EC, "-genkey", "-out", str(key)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    subprocess.run(
        [*OPENSSL_REQ, str(key), "-subj", "/CN=Named Root", "-outform", "DER", "-out", str(crt)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    named = summarize_certificate(crt.read_bytes())
    assert named.error is None and named.key == "EC secp256r1"
    assert not named.explicit_ec_params
    root = ca("CN=Spoofed Root")
    root.explicit_ec_params = True
    s = (
        Kit()
        .ch(versions=[0x0303])
        .sh(version=0x0303, suite=0xC02B)
        .cert([leaf("www.example.com", issuer="CN=Spoofed Root"), root])
        .shd()
        .alert("client", 42)
        .build()
    )
    best = diag(s, report(s)).best
    assert (best.cause, best.confidence) == ("bad_certificate", "high")
    assert "CVE-2020-0601" in best.summary and "certificate #2 (a CA)" in best.explanation


def test_second_client_hello_after_the_server_flight_is_a_protocol_violation() -> None:
    s = (
        Kit()
        .ch(versions=[0x0303])
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("www.example.com")])
        .shd()
        .ch(versions=[0x0303])
        .alert("server", 10)
        .build()
    )
    best = diag(s, report(s)).best
    assert (best.cause, best.confidence) == ("unknown", "medium")
    assert "second ClientHello" in best.summary and "frame 8" in best.summary


def test_hello_retry_is_not_a_protocol_violation() -> None:
    s = Kit().ch(shares=[23]).hrr(29).ch(shares=[29]).alert("server", 40).build()
    assert "second ClientHello" not in diag(s, report(s)).best.summary


def test_renegotiation_refused_after_data_is_an_ok_handshake_that_ended_badly() -> None:
    s = _only("messy-renegotiation-refused.pcap", keylog=True)
    assert (s.status, s.established, s.renegotiation_frame) == ("ok", True, 12)
    assert [(a.frame, a.sender, a.code) for a in s.alerts] == [
        (14, "server", 100),
        (15, "client", 40),
    ]
    best = _best(s)
    assert (best.cause, best.confidence) == ("abrupt_close", "high")
    assert "renegotiation" in best.summary and "no_renegotiation (100)" in best.explanation


def test_renegotiation_refused_without_keys_says_likely() -> None:
    s = _only("messy-renegotiation-refused.pcap")
    assert (s.status, s.established) == ("ok", True)
    best = _best(s)
    assert (best.cause, best.confidence) == ("abrupt_close", "medium")
    assert "(likely)" in best.summary


def test_a_renegotiation_that_went_on_then_failed_is_named() -> None:
    s = (
        Kit()
        .ch(versions=[0x0303])
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("www.example.com")])
        .shd()
        .tls12_client_flight()
        .tls12_server_finish()
        .appdata("client")
        .ev("EncryptedHandshake", "client", encrypted=True, length=200)
        .ev("EncryptedHandshake", "server", encrypted=True, length=1200)
        .alert("client", 42)
        .build(status="ok", renegotiation_frame=14)
    )
    best = diag(s, report(s)).best
    assert (best.cause, best.confidence) == ("abrupt_close", "medium")
    assert "later renegotiation failed" in best.summary and "frame 16" in best.explanation


def test_a_fatal_alert_during_the_first_handshake_still_fails() -> None:
    s = _only("tls12-untrusted-ca.pcap", keylog=True)
    assert (s.status, s.renegotiation_frame) == ("failed", 0)


# --- the corpus (../shared/corpus): the files named in the issue ------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")


def _corpus(name: str) -> Session:
    rep = analyze(CORPUS / name)
    return rep.sessions[0]


@corpus
def test_corpus_mysql_ends_right_after_a_complete_flight() -> None:
    s = _corpus("arkime/mysql-tls.pcap")
    best = _best(s)
    assert (s.status, best.cause, best.confidence) == ("incomplete", "no_response", "low")
    assert "capture ends" in best.summary and "frame 10" in best.summary


@corpus
def test_corpus_late_protocol_error_is_ok_with_the_damaged_frame() -> None:
    s = _corpus("zeek/tls/tls1.2-late-protocol-error.pcap")
    assert (s.status, _best(s).cause, _best(s).confidence) == ("ok", "ok", "high")
    assert s.damaged_but_completed == 10


@corpus
def test_corpus_tls_extra_alert_is_sni_rejected() -> None:
    s = _corpus("suricata-verify/tls-extra-alert/input.pcap")
    best = _best(s)
    assert (best.cause, best.confidence) == ("sni_rejected", "medium")
    assert "no_shared_cipher" in [c for c, _ in _causes(s)]


@corpus
def test_corpus_malicious_c2_silence_is_a_timeout() -> None:
    s = _corpus("suricata-verify/bug-5713-01/TLSv1-Extracted-MaliciousC2.pcap")
    best = _best(s)
    assert (best.cause, best.confidence) == ("abrupt_close", "medium")
    assert "7.2 s" in best.summary
    assert "protocol_version_mismatch" not in [c for c, _ in _causes(s)]


@corpus
def test_corpus_heartbleed_probe_keeps_its_name() -> None:
    s = _corpus("zeek/tls/heartbleed.pcap")
    best = _best(s)
    assert (best.cause, best.confidence) == ("abrupt_close", "high")
    assert "Heartbleed" in best.summary


def test_pcap_writer_fixed_ip_lengths_of_the_cut_frame() -> None:
    # The cut frame's IP total length matches what the file holds (tshark reads it whole).
    raw = (CAPTURES / "messy-tls12-cut-in-certificate.pcap").read_bytes()
    off = 24
    last = b""
    while off + 16 <= len(raw):
        caplen = struct.unpack_from("<I", raw, off + 8)[0]
        last = raw[off + 16 : off + 16 + caplen]
        off += 16 + caplen
    assert struct.unpack_from(">H", last, 16)[0] == len(last) - 14
