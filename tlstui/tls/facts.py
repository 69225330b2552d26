"""Facts about TLS code points that several layers judge by: which suites are weak or modern,
which groups are post-quantum hybrids, which versions are TLS 1.3, which alerts are no error.

One definition each, so the session builder, the diagnosis rules and the views cannot disagree
(``names`` holds the IANA tables these read; this module holds the judgements).
"""

from __future__ import annotations

import re
from typing import Literal

from tlstui.tls.names import CIPHER_SUITES, SSL2_CIPHER_SPECS, cipher_suite_name, is_tls13_suite

__all__ = [
    "BENIGN_ALERTS",
    "NOT_ERROR_ALERTS",
    "PQ_GROUPS",
    "WARNING_OK_ALERTS",
    "SuiteClass",
    "is_tls13_version",
    "is_weak_suite",
    "tls_level",
    "suite_class",
]

# DTLS versions count down (DTLS 1.0 is 0xFEFF, 1.2 0xFEFD, 1.3 0xFEFC; 0x0100 is OpenSSL's
# pre-RFC DTLS 1.0): the TLS version each one follows (RFC 6347 1, RFC 9147 1), so "older than"
# and "at most" compare like with like.
_DTLS_LEVEL = {0xFEFF: 0x0302, 0xFEFD: 0x0303, 0xFEFC: 0x0304, 0x0100: 0x0302}


def tls_level(version: int) -> int:
    """The TLS version *version* stands level with: itself for TLS, its TLS base for DTLS."""
    return _DTLS_LEVEL.get(version, version)


# Alert codes that never explain a failure: close_notify (0) and user_canceled (90) end or
# abandon a connection on purpose (RFC 8446 6.1, RFC 5246 7.2.1).
BENIGN_ALERTS = frozenset({0, 90})
# Alerts that are no error when sent at warning level in TLS <= 1.2: no_renegotiation (100,
# RFC 5246 7.2.2) and unrecognized_name (112, RFC 6066 3).
WARNING_OK_ALERTS = frozenset({100, 112})
NOT_ERROR_ALERTS = BENIGN_ALERTS | WARNING_OK_ALERTS  # at warning level

# Hybrid post-quantum key-exchange groups (draft-ietf-tls-ecdhe-mlkem, and Kyber's draft code).
# Their key shares are about 1.2 KB, which makes a ClientHello span several TCP segments.
PQ_GROUPS: dict[int, str] = {
    0x11EB: "SecP256r1MLKEM768",
    0x11EC: "X25519MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x6399: "X25519Kyber768Draft00",
}

# NULL/integrity-only, EXPORT, RC4, RC2, DES, 3DES, IDEA, anonymous or MD5-MAC suites.
_WEAK = re.compile(r"NULL|EXPORT|RC4|RC2|_DES|DES_|DES40|3DES|anon|MD5|IDEA|TLS_SHA(256|384)_SHA")

SuiteClass = Literal["tls13", "modern", "legacy", "weak", "unknown"]


def is_weak_suite(code: int) -> bool:
    """A suite no current stack should agree to (see ``_WEAK``); unknown codes are not weak."""
    name = CIPHER_SUITES.get(code) if code <= 0xFFFF else SSL2_CIPHER_SPECS.get(code)
    if name is None:
        return False
    return _WEAK.search(name) is not None


def suite_class(code: int) -> SuiteClass:
    """'tls13' | 'modern' (ECDHE/DHE + AEAD) | 'legacy' (RSA kex or CBC) | 'weak' | 'unknown'."""
    if is_weak_suite(code):
        return "weak"
    if is_tls13_suite(code):
        return "tls13"
    name = cipher_suite_name(code)
    if not name.startswith("TLS_") and not name.startswith("SSL_"):
        return "unknown"
    aead = any(m in name for m in ("GCM", "CHACHA20", "CCM"))
    fs = "_ECDHE_" in name or "_DHE_" in name
    return "modern" if aead and fs else "legacy"


def is_tls13_version(version: int | None) -> bool:
    """TLS 1.3 or one of its drafts: 0x0304, IETF drafts 0x7fNN, Facebook's 0xfbNN, and the
    experimental 0x7e01/0x7e02 (all negotiate with TLS 1.3's message flow and key schedule)."""
    return version is not None and (
        version == 0x0304
        or 0x7F00 <= version <= 0x7FFF
        or version in (0x7E01, 0x7E02)
        or 0xFB00 <= version <= 0xFBFF
    )
