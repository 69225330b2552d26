"""Handshake body decoders, on real messages from the corpus (tests/data) and on hostile bytes."""

from __future__ import annotations

import contextlib

import pytest
from conftest import certificate_ders, handshake_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlstui.tls.messages import (
    HRR_RANDOM,
    MAX_CA_NAMES,
    MAX_CERTS,
    DecodeError,
    decode_certificate,
    decode_certificate_request,
    decode_client_hello,
    decode_new_session_ticket,
    decode_server_hello,
    decode_server_key_exchange,
    decode_sslv2_client_hello,
    dn_to_string,
)
from tlstui.tls.names import is_grease


def _u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def _u24(v: int) -> bytes:
    return v.to_bytes(3, "big")


# --- ClientHello ------------------------------------------------------------------------------


def test_client_hello_tls13_capable_browser() -> None:
    ch = decode_client_hello(handshake_body("client_certificate", 1), 0x0301)
    assert ch.sni == "certauth.idrix.fr"
    assert len(ch.cipher_suites) == 17
    assert ch.cipher_suites[:3] == [0x1301, 0x1303, 0x1302]
    assert ch.alpn == ["h2", "http/1.1"]
    assert ch.supported_versions == [0x0304, 0x0303]
    assert ch.offered_versions == [0x0304, 0x0303]
    assert ch.key_share_groups == [29, 23]
    assert ch.supported_groups == [29, 23, 24, 25, 256, 257]
    assert ch.ec_point_formats == [0]
    assert len(ch.signature_algorithms) == 11
    assert ch.session_ticket == b""
    assert not ch.psk_offered and not ch.early_data
    assert [e.type for e in ch.extensions] == [
        0,
        23,
        65281,
        10,
        11,
        35,
        16,
        5,
        34,
        51,
        43,
        13,
        45,
        28,
        21,
    ]
    assert ch.legacy_version == 0x0303 and ch.record_version == 0x0301
    assert ch.length == 508 and len(ch.random) == 32 and len(ch.session_id) == 32
    assert not ch.fallback_scsv and not ch.sslv2_format


def test_client_hello_keeps_grease_and_pq_share() -> None:
    ch = decode_client_hello(handshake_body("chrome_kyber", 1), 0x0301)
    assert ch.sni == "lh3.google.com"
    assert ch.supported_groups == [0xCACA, 0x6399, 29, 23, 24]
    assert ch.key_share_groups == [0xCACA, 0x6399, 29]
    assert ch.supported_versions == [0x8A8A, 0x0304, 0x0303]
    assert ch.offered_versions == [0x0304, 0x0303]
    assert is_grease(ch.cipher_suites[0])
    types = [e.type for e in ch.extensions]
    assert is_grease(types[0]) and is_grease(types[-1])
    assert 0xFE0D in types and 17513 in types
    assert ch.length == 1747


def test_client_hello_legacy_and_draft() -> None:
    ch = decode_client_hello(handshake_body("many_extensions", 1), 0x0301)
    assert ch.legacy_version == 0x0301
    assert ch.sni == "ssl.gstatic.com"
    assert ch.alpn == []
    assert ch.supported_versions == []
    assert ch.offered_versions == [0x0301]
    assert [e.type for e in ch.extensions] == [0, 65281, 10, 11, 35, 13172]

    ch = decode_client_hello(handshake_body("draft16_aborted", 1), 0x0301)
    assert ch.sni == "tls13.crypto.mozilla.org"
    assert ch.supported_versions == [0x7F10, 0x0303, 0x0302, 0x0301]

    ch = decode_client_hello(handshake_body("tls13_psk", 1), 0x0301)
    assert ch.psk_offered


def test_client_hello_ssl3_without_extensions() -> None:
    ch = decode_client_hello(handshake_body("selfsign_ssl3", 1), 0x0300)
    assert ch.legacy_version == 0x0300
    assert ch.extensions == []
    assert ch.cipher_suites[-1] == 0x00FF
    assert len(ch.cipher_suites) == 23
    assert ch.session_ticket is None and ch.sni is None


def test_sslv2_client_hello() -> None:
    ch = decode_sslv2_client_hello(handshake_body("sslv2", "sslv2"))
    assert ch.sslv2_format and ch.record_version == 0x0002 and ch.legacy_version == 0x0002
    assert ch.cipher_suites == [
        0x0700C0,
        0x050080,
        0x030080,
        0x010080,
        0x060040,
        0x040080,
        0x020080,
    ]
    assert len(ch.random) == 32 and ch.random[:16] == bytes(16)
    assert ch.extensions == [] and ch.length == 46

    up = decode_sslv2_client_hello(handshake_body("sslv2_upgrade", "sslv2"))
    assert up.legacy_version == 0x0301
    assert up.cipher_suites[:3] == [0x010080, 0x030080, 0x0700C0]
    assert 0x0039 in up.cipher_suites and 0xFEFF in up.cipher_suites  # 00XXYY -> XXYY


def test_dtls_client_hello_cookie_is_skipped() -> None:
    ch_body = (
        _u16(0xFEFD) + bytes(32) + b"\x00" + b"\x04abcd" + _u16(2) + _u16(0xC02B) + b"\x01\x00"
    )
    ch = decode_client_hello(ch_body, 0xFEFF)
    assert ch.cipher_suites == [0xC02B] and ch.legacy_version == 0xFEFD


# --- ServerHello ------------------------------------------------------------------------------


def test_server_hello_tls12() -> None:
    sh = decode_server_hello(handshake_body("client_certificate", 2), 0x0303)
    assert sh.cipher_suite == 0xC030
    assert sh.alpn == "http/1.1"
    assert sh.selected_version is None and sh.version == 0x0303
    assert not sh.is_hrr and sh.downgrade_sentinel is None
    assert [e.type for e in sh.extensions] == [65281, 0, 11, 35, 16, 23]


def test_hello_retry_request() -> None:
    ch1 = decode_client_hello(handshake_body("hrr", 1, 0), 0x0301)
    hrr = decode_server_hello(handshake_body("hrr", 2), 0x0303)
    ch2 = decode_client_hello(handshake_body("hrr", 1, 1), 0x0303)
    assert hrr.is_hrr and hrr.random == HRR_RANDOM
    assert hrr.selected_version == 0x0304
    assert hrr.key_share_group == 23  # secp256r1 requested
    assert hrr.cipher_suite == 0x1302
    assert ch1.key_share_groups == [21] and ch2.key_share_groups == [23]


def test_server_hello_tls13() -> None:
    sh = decode_server_hello(handshake_body("chrome_kyber", 2), 0x0303)
    assert sh.selected_version == 0x0304 and sh.version == 0x0304
    assert sh.key_share_group == 0x6399
    assert sh.cipher_suite == 0x1301 and not sh.is_hrr

    psk = decode_server_hello(handshake_body("tls13_psk", 2), 0x0303)
    assert psk.psk_selected and psk.key_share_group == 29


def test_server_hello_old_draft_layout() -> None:
    sh = decode_server_hello(handshake_body("draft19", 2), 0x0301)
    assert sh.legacy_version == 0x7F13 and sh.version == 0x7F13
    assert sh.cipher_suite == 0x1302 and sh.key_share_group == 29
    assert sh.session_id == b""


@pytest.mark.parametrize(
    ("tail", "expected"),
    [(b"DOWNGRD\x01", "TLS 1.2"), (b"DOWNGRD\x00", "TLS 1.1 or below"), (b"DOWNGRD\x02", None)],
)
def test_downgrade_sentinel(tail: bytes, expected: str | None) -> None:
    real = bytearray(handshake_body("client_certificate", 2))
    real[2 + 24 : 2 + 32] = tail
    assert decode_server_hello(bytes(real), 0x0303).downgrade_sentinel == expected


# --- Certificate ------------------------------------------------------------------------------


def test_certificate_tls12_chain() -> None:
    msg = decode_certificate(handshake_body("client_certificate", 11, direction="s2c"), tls13=False)
    assert [c.subject for c in msg.chain] == [
        "CN=certauth.idrix.fr",
        "CN=R3,O=Let's Encrypt,C=US",
        "CN=ISRG Root X1,O=Internet Security Research Group,C=US",
    ]
    leaf = msg.chain[0]
    assert leaf.san == ["certauth.idrix.fr"] and leaf.key == "RSA 2048"
    assert leaf.issuer == "CN=R3,O=Let's Encrypt,C=US"
    assert leaf.error is None and not leaf.self_signed and leaf.is_ca is False
    assert msg.omitted == 0 and msg.request_context == b""

    client = decode_certificate(
        handshake_body("client_certificate", 11, direction="c2s"), tls13=False
    )
    assert client.chain[0].subject == "CN=johanna@corelight.com"


def test_certificate_empty_and_tls13() -> None:
    assert decode_certificate(b"\x00\x00\x00", tls13=False).chain == []
    ders = certificate_ders(handshake_body("client_certificate", 11, direction="s2c"))
    entries = b"".join(_u24(len(d)) + d + _u16(0) for d in ders)
    msg13 = b"\x00" + _u24(len(entries)) + entries
    msg = decode_certificate(msg13, tls13=True)
    assert msg.chain[0].subject == "CN=certauth.idrix.fr" and len(msg.chain) == 3
    ctx = b"\x02\xab\xcd" + _u24(len(entries)) + entries
    assert decode_certificate(ctx, tls13=True).request_context == b"\xab\xcd"


def test_certificate_cap_and_bad_der() -> None:
    junk = b"\x30\x03\x02\x01\x01"
    entries = b"".join(_u24(len(junk)) + junk for _ in range(MAX_CERTS + 5))
    msg = decode_certificate(_u24(len(entries)) + entries, tls13=False)
    assert len(msg.chain) == MAX_CERTS and msg.omitted == 5
    assert all(c.error and c.error.startswith("not a valid X.509 certificate") for c in msg.chain)


# --- ServerKeyExchange ------------------------------------------------------------------------


def test_server_key_exchange_ecdhe_and_dhe() -> None:
    ske = decode_server_key_exchange(handshake_body("client_certificate", 12), 0xC030, 0x0303)
    assert (ske.kex, ske.named_group, ske.signature_algorithm) == ("ECDHE", 29, 0x0804)
    ske = decode_server_key_exchange(handshake_body("ecdhe", 12), 0xC014, 0x0303)
    assert (ske.kex, ske.named_group, ske.signature_algorithm) == ("ECDHE", 23, 0x0601)
    ske = decode_server_key_exchange(handshake_body("ecdsa_cert", 12), 0xC02B, 0x0303)
    assert (ske.kex, ske.named_group, ske.signature_algorithm) == ("ECDHE", 24, 0x0603)
    ske = decode_server_key_exchange(handshake_body("dhe", 12), 0x0088, 0x0303)
    assert (ske.kex, ske.dh_bits, ske.signature_algorithm) == ("DHE", 1024, 0x0601)


def test_server_key_exchange_tls10_has_no_sigalg() -> None:
    ske = decode_server_key_exchange(handshake_body("tls10", 12), 0xC011, 0x0301)
    assert ske.kex == "ECDHE" and ske.named_group == 23 and ske.signature_algorithm is None


def test_server_key_exchange_psk_and_unknown() -> None:
    assert decode_server_key_exchange(b"\x00\x02id", 0x008C, 0x0303).kex == "PSK"
    assert decode_server_key_exchange(b"\x01\x02", 0x1234, 0x0303).kex == "unknown"
    with pytest.raises(DecodeError):
        decode_server_key_exchange(b"\x03\x00", 0xC02F, 0x0303)


# --- CertificateRequest -----------------------------------------------------------------------


def test_certificate_request_tls12() -> None:
    req = decode_certificate_request(handshake_body("client_certificate", 13), tls13=False)
    assert req.certificate_types == [1, 2, 64]
    assert len(req.signature_algorithms) == 20 and req.signature_algorithms[0] == 0x0403
    assert req.ca_names == []


def test_certificate_request_ssl3_with_ca_names() -> None:
    req = decode_certificate_request(
        handshake_body("selfsign_ssl3", 13), tls13=False, version=0x0300
    )
    assert req.certificate_types == [1, 2]
    assert req.signature_algorithms == []
    assert req.ca_names == ["C=CH,O=LO,CN=MO"]
    # Without the version the 1.2 layout fails to parse and the old one is used.
    assert decode_certificate_request(handshake_body("selfsign_ssl3", 13), tls13=False) == req
    with pytest.raises(DecodeError):
        decode_certificate_request(handshake_body("selfsign_ssl3", 13), tls13=False, version=0x0303)


def test_certificate_request_tls13_and_cap() -> None:
    from cryptography import x509

    der = certificate_ders(handshake_body("client_certificate", 11, direction="s2c"))[1]
    name = x509.load_der_x509_certificate(der).subject.public_bytes()
    cas = b"".join(_u16(len(name)) + name for _ in range(MAX_CA_NAMES + 3))
    sig = _u16(4) + _u16(0x0804) + _u16(0x0403)
    exts = _u16(13) + _u16(len(sig)) + sig + _u16(47) + _u16(len(cas) + 2) + _u16(len(cas)) + cas
    req = decode_certificate_request(b"\x00" + _u16(len(exts)) + exts, tls13=True)
    assert req.signature_algorithms == [0x0804, 0x0403]
    assert len(req.ca_names) == MAX_CA_NAMES and req.ca_names_omitted == 3
    assert req.ca_names[0] == "CN=R3,O=Let's Encrypt,C=US"


def test_dn_to_string_matches_cryptography() -> None:
    from cryptography import x509

    for fixture in ("client_certificate", "dhe", "missing_intermediate", "tls10"):
        for der in certificate_ders(handshake_body(fixture, 11)):
            cert = x509.load_der_x509_certificate(der)
            assert dn_to_string(cert.subject.public_bytes()) == cert.subject.rfc4514_string()
            assert dn_to_string(cert.issuer.public_bytes()) == cert.issuer.rfc4514_string()
    assert dn_to_string(b"\x30\x05\x31").startswith("<undecodable name")


# --- NewSessionTicket -------------------------------------------------------------------------


def test_new_session_ticket() -> None:
    nst = decode_new_session_ticket(handshake_body("ticket12", 4), tls13=False)
    assert (nst.lifetime, nst.ticket_length) == (300, 160)
    nst = decode_new_session_ticket(handshake_body("client_certificate", 4), tls13=False)
    assert (nst.lifetime, nst.ticket_length) == (300, 1744)
    t13 = (
        (7200).to_bytes(4, "big") + b"\x01\x02\x03\x04" + b"\x01\x00" + _u16(5) + b"t" * 5 + _u16(0)
    )
    nst = decode_new_session_ticket(t13, tls13=True)
    assert (nst.lifetime, nst.ticket_length) == (7200, 5)


# --- errors -----------------------------------------------------------------------------------


def test_lying_extension_length_is_reported() -> None:
    ch_body = bytearray(handshake_body("client_certificate", 1))
    ext_start = len(ch_body) - sum(
        4 + len(e.data) for e in decode_client_hello(bytes(ch_body), 0).extensions
    )
    # first extension (server_name): make it claim more than the block holds
    ch_body[ext_start + 2 : ext_start + 4] = _u16(3000)
    with pytest.raises(DecodeError, match=r"extension 0x0000 length 3000 exceeds \d+ remaining"):
        decode_client_hello(bytes(ch_body), 0x0301)


@pytest.mark.parametrize("cut", [0, 1, 2, 20, 34, 35, 40])
def test_truncated_client_hello(cut: int) -> None:
    with pytest.raises(DecodeError):
        decode_client_hello(handshake_body("client_certificate", 1)[:cut], 0x0301)


def test_odd_cipher_list() -> None:
    bad = _u16(0x0303) + bytes(32) + b"\x00" + _u16(3) + b"\x00\x2f\x00" + b"\x01\x00"
    with pytest.raises(DecodeError, match="odd length"):
        decode_client_hello(bad, 0x0301)


def test_sslv2_errors() -> None:
    with pytest.raises(DecodeError):
        decode_sslv2_client_hello(b"\x80\x10\x01\x00\x02")
    with pytest.raises(DecodeError, match="not client_hello"):
        decode_sslv2_client_hello(b"\x80\x03\x04\x00\x02")


# --- nothing but DecodeError, whatever the bytes ----------------------------------------------

_DECODERS = [
    lambda b: decode_client_hello(b, 0x0301),
    lambda b: decode_server_hello(b, 0x0303),
    decode_sslv2_client_hello,
    lambda b: decode_certificate(b, False),
    lambda b: decode_certificate(b, True),
    lambda b: decode_server_key_exchange(b, 0xC02F, 0x0303),
    lambda b: decode_server_key_exchange(b, 0x009E, 0x0303),
    lambda b: decode_server_key_exchange(b, 0xC035, 0x0301),
    lambda b: decode_server_key_exchange(b, 0x0003, 0x0300),
    lambda b: decode_certificate_request(b, False),
    lambda b: decode_certificate_request(b, False, version=0x0303),
    lambda b: decode_certificate_request(b, True),
    lambda b: decode_certificate_request(b, False, version=0x0301),
    lambda b: decode_new_session_ticket(b, False),
    lambda b: decode_new_session_ticket(b, True),
]


def _only_decode_error(data: bytes) -> None:
    for decode in _DECODERS:
        with contextlib.suppress(DecodeError):
            decode(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    _only_decode_error(data)


_REAL = [
    ("client_certificate", 1),
    ("chrome_kyber", 1),
    ("client_certificate", 2),
    ("hrr", 2),
    ("client_certificate", 13),
    ("client_certificate", 12),
    ("dhe", 12),
    ("ticket12", 4),
    ("selfsign_ssl3", 13),
    ("sslv2_upgrade", "sslv2"),
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_REAL), st.data())
def test_mutated_real_messages_raise_only_decode_error(which: tuple, data: st.DataObject) -> None:
    raw = bytearray(handshake_body(*which))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    _only_decode_error(bytes(raw[:cut]))
    _only_decode_error(bytes(raw))
