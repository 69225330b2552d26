"""The IANA name tables and the helpers built on them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tlstui.tls import names
from tlstui.tls.facts import is_weak_suite
from tlstui.tls.names import (
    alert_level_name,
    alert_name,
    cipher_short,
    cipher_suite_name,
    extension_name,
    group_name,
    handshake_type_name,
    is_grease,
    is_tls13_suite,
    kex_of_suite,
    sigalg_name,
    version_name,
)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0x0000, "TLS_NULL_WITH_NULL_NULL"),
        (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
        (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
        (0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
        (0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
        (0x1301, "TLS_AES_128_GCM_SHA256"),
        (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
        (0x1305, "TLS_AES_128_CCM_8_SHA256"),
        (0x5600, "TLS_FALLBACK_SCSV"),
        (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        (0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
        (0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8"),
        (0xC0B4, "TLS_SHA256_SHA256"),
        (0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC"),
        (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        (0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
        (0x00C6, "TLS_SM4_GCM_SM3"),
        (0x0080, "TLS_GOSTR341094_WITH_28147_CNT_IMIT"),
        (0x010080, "SSL2_RC4_128_WITH_MD5"),
        (0x0700C0, "SSL2_DES_192_EDE3_CBC_WITH_MD5"),
    ],
)
def test_cipher_suite_names(code: int, name: str) -> None:
    assert cipher_suite_name(code) == name


def test_every_registered_suite_block_is_complete() -> None:
    # Contiguous IANA blocks: 0x0000-0x001B, 0x001E-0x0046, 0x0067-0x006D, 0x0084-0x00C7,
    # 0xC001-0xC0B5, 0xCCA8-0xCCAE.
    for lo, hi in [
        (0x0000, 0x001B),
        (0x001E, 0x0046),
        (0x0067, 0x006D),
        (0x0084, 0x00C7),
        (0xC001, 0xC0B5),
        (0xCCA8, 0xCCAE),
        (0x1301, 0x1305),
        (0xC100, 0xC106),
    ]:
        missing = [hex(c) for c in range(lo, hi + 1) if c not in names.CIPHER_SUITES]
        assert not missing


@pytest.mark.parametrize(
    ("code", "short"),
    [
        (0xC02F, "ECDHE-RSA-AES128-GCM-SHA256"),
        (0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384"),
        (0xC013, "ECDHE-RSA-AES128-SHA"),
        (0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305"),
        (0x0039, "DHE-RSA-AES256-SHA"),
        (0x1301, "AES128-GCM-SHA256"),
        (0x1303, "CHACHA20-POLY1305"),
        (0x009C, "RSA-AES128-GCM-SHA256"),
        (0x000A, "RSA-DES-CBC3-SHA"),
        (0xC0AE, "ECDHE-ECDSA-AES128-CCM8"),
        (0x0034, "ADH-AES128-SHA"),
        (0x1234, "0x1234"),
    ],
)
def test_cipher_short(code: int, short: str) -> None:
    assert cipher_short(code) == short


def test_cipher_short_is_unique_over_the_table() -> None:
    shorts = [cipher_short(c) for c in names.CIPHER_SUITES]
    dupes = {s for s in shorts if shorts.count(s) > 1}
    # The SSL_RSA_FIPS names are used twice by Netscape (0xFEFE/0xFFE1 and 0xFEFF/0xFFE0) and
    # Wireshark lists both old ChaCha drafts under the RFC names.
    assert dupes <= {
        "RSA-FIPS-DES-CBC-SHA",
        "RSA-FIPS-DES-CBC3-SHA",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "DHE-RSA-CHACHA20-POLY1305",
    }


def test_kex_of_suite() -> None:
    assert kex_of_suite(0xC02F) == "ECDHE"
    assert kex_of_suite(0x009E) == "DHE"
    assert kex_of_suite(0x002F) == "RSA"
    assert kex_of_suite(0x0003) == "RSA"  # export RSA
    assert kex_of_suite(0x008C) == "PSK"
    assert kex_of_suite(0xC035) == "ECDHE_PSK"
    assert kex_of_suite(0x0090) == "DHE_PSK"
    assert kex_of_suite(0xC004) == "ECDH"
    assert kex_of_suite(0x0030) == "DH"
    assert kex_of_suite(0x0034) == "DH_anon"
    assert kex_of_suite(0xC018) == "ECDH_anon"
    assert kex_of_suite(0x1302) == "TLS13"
    assert kex_of_suite(0x5600) == "SCSV"
    assert kex_of_suite(0x0A0A) == "unknown"
    assert kex_of_suite(0x010080) == "SSL2"


def test_tls13_and_weak() -> None:
    assert is_tls13_suite(0x1301) and is_tls13_suite(0x1305)
    assert not is_tls13_suite(0xC02F)
    for weak in (0x0000, 0x0001, 0x0003, 0x0005, 0x0009, 0x000A, 0x0018, 0xC011, 0x010080, 0xC0B4):
        assert is_weak_suite(weak), hex(weak)
    for strong in (0x1301, 0xC02F, 0xCCA8, 0x009E, 0xC0AD, 0x1234, 0x0A0A):
        assert not is_weak_suite(strong), hex(strong)


def test_extension_names() -> None:
    assert extension_name(0) == "server_name"
    assert extension_name(16) == "application_layer_protocol_negotiation"
    assert extension_name(21) == "padding"
    assert extension_name(22) == "encrypt_then_mac"
    assert extension_name(23) == "extended_master_secret"
    assert extension_name(27) == "compress_certificate"
    assert extension_name(28) == "record_size_limit"
    assert extension_name(43) == "supported_versions"
    assert extension_name(51) == "key_share"
    assert extension_name(0xFE0D) == "encrypted_client_hello"
    assert extension_name(0xFF01) == "renegotiation_info"
    assert extension_name(17513) == "application_settings_old"
    assert extension_name(17613) == "application_settings"
    assert extension_name(0x3A3A) == "Reserved (GREASE)"
    assert extension_name(0x1234) == "0x1234"


def test_group_and_sigalg_names() -> None:
    assert group_name(29) == "x25519"
    assert group_name(23) == "secp256r1"
    assert group_name(256) == "ffdhe2048"
    assert group_name(0x11EC) == "X25519MLKEM768"
    assert group_name(0x11EB) == "SecP256r1MLKEM768"
    assert group_name(0x11ED) == "SecP384r1MLKEM1024"
    assert group_name(0x6399) == "X25519Kyber768Draft00"
    assert group_name(26) == "brainpoolP256r1"
    assert group_name(0xFF01) == "arbitrary_explicit_prime_curves"
    assert group_name(0x4242) == "0x4242"
    assert sigalg_name(0x0201) == "rsa_pkcs1_sha1"
    assert sigalg_name(0x0203) == "ecdsa_sha1"
    assert sigalg_name(0x0804) == "rsa_pss_rsae_sha256"
    assert sigalg_name(0x0807) == "ed25519"
    assert sigalg_name(0x0905) == "mldsa65"
    assert sigalg_name(0x0402) == "dsa_sha256 (legacy)"
    assert sigalg_name(0xABCD) == "0xabcd"


def test_alerts_and_handshake_types() -> None:
    assert alert_name(40) == "handshake_failure"
    assert alert_name(116) == "certificate_required"
    assert alert_name(117) == "general_error"
    assert alert_name(120) == "no_application_protocol"
    assert alert_name(121) == "ech_required"
    assert alert_name(255) == "0xff"
    assert alert_level_name(1) == "warning"
    assert alert_level_name(2) == "fatal"
    assert alert_level_name(7) == "0x07"
    assert handshake_type_name(0) == "hello_request"
    assert handshake_type_name(24) == "key_update"
    assert handshake_type_name(25) == "compressed_certificate"
    assert handshake_type_name(254) == "message_hash"
    assert handshake_type_name(99) == "0x63"


def test_versions() -> None:
    assert version_name(0x0002) == "SSL 2.0"
    assert version_name(0x0300) == "SSL 3.0"
    assert version_name(0x0301) == "TLS 1.0"
    assert version_name(0x0304) == "TLS 1.3"
    assert version_name(0xFEFD) == "DTLS 1.2"
    assert version_name(0xFEFC) == "DTLS 1.3"
    assert version_name(0x7F1C) == "TLS 1.3 (draft 28)"
    assert version_name(0x7F10) == "TLS 1.3 (draft 16)"
    assert version_name(0x2A2A) == "GREASE"
    assert version_name(0x7E01) == "TLS 1.3 (Google experiment 1)"
    assert version_name(0x7E02) == "TLS 1.3 (Google experiment 2)"
    assert version_name(0x7E04) == "0x7e04"


def test_is_grease() -> None:
    grease = [0x0A0A + 0x1010 * i for i in range(16)]
    assert grease[-1] == 0xFAFA
    assert all(is_grease(v) for v in grease)
    assert not any(is_grease(v) for v in (0x0A1A, 0x0B0B, 0x0303, 0xAA0A, 0x0A0B))


@given(st.integers(min_value=0, max_value=0xFFFFFF))
def test_lookups_never_fail(code: int) -> None:
    for fn in (
        cipher_suite_name,
        cipher_short,
        extension_name,
        group_name,
        sigalg_name,
        alert_name,
        alert_level_name,
        handshake_type_name,
        version_name,
        kex_of_suite,
    ):
        text = fn(code)
        assert isinstance(text, str) and text
    assert isinstance(is_weak_suite(code), bool)
