"""The TLS facts several layers judge by (tls/facts.py): one definition each."""

from __future__ import annotations

from tlstui.tls.facts import (
    BENIGN_ALERTS,
    PQ_GROUPS,
    is_tls13_version,
    is_weak_suite,
    suite_class,
)


def test_suite_classes() -> None:
    assert suite_class(0x1301) == "tls13"  # TLS_AES_128_GCM_SHA256
    assert suite_class(0x1305) == "tls13"  # TLS_AES_128_CCM_8_SHA256
    assert suite_class(0xC02F) == "modern"  # ECDHE_RSA_WITH_AES_128_GCM_SHA256
    assert suite_class(0xCCA9) == "modern"  # ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    assert suite_class(0x009C) == "legacy"  # RSA_WITH_AES_128_GCM_SHA256: no forward secrecy
    assert suite_class(0xC013) == "legacy"  # ECDHE_RSA_WITH_AES_128_CBC_SHA: CBC
    assert suite_class(0x000A) == "weak"  # RSA_WITH_3DES_EDE_CBC_SHA
    assert suite_class(0x0007) == "weak"  # RSA_WITH_IDEA_CBC_SHA
    assert suite_class(0xC0B4) == "weak"  # TLS_SHA256_SHA256: integrity only
    assert suite_class(0x0A0A) == "unknown"  # GREASE


def test_weak_suite_is_the_class_used_by_diagnosis() -> None:
    for code in (0x0000, 0x0004, 0x0005, 0x0007, 0x0009, 0x000A, 0x0018, 0xC011, 0xC0B4):
        assert is_weak_suite(code) and suite_class(code) == "weak", hex(code)
    for code in (0x1301, 0xC02F, 0x009C, 0x1234):
        assert not is_weak_suite(code) and suite_class(code) != "weak", hex(code)


def test_tls13_versions_include_drafts() -> None:
    for v in (0x0304, 0x7F0E, 0x7F17, 0x7F1C, 0x7E01, 0x7E02, 0xFB17):
        assert is_tls13_version(v), hex(v)
    for v in (None, 0x0303, 0x0302, 0x0300, 0x0002, 0x7E03, 0x0A0A):
        assert not is_tls13_version(v), v


def test_benign_alerts_and_pq_groups() -> None:
    assert {0, 90} == BENIGN_ALERTS  # close_notify, user_canceled
    assert PQ_GROUPS[0x11EC] == "X25519MLKEM768"
    assert 29 not in PQ_GROUPS  # x25519 alone is classical
