"""Cause titles and the small formatters the rule explanations share."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from tlstui.analysis.model import Alert, Session
from tlstui.textsafe import safe_text
from tlstui.tls import names

CAUSE_TITLES: dict[str, str] = {
    "ok": "Handshake OK",
    "no_shared_cipher": "No shared cipher suite",
    "protocol_version_mismatch": "Protocol version mismatch",
    "no_common_group": "No common key-exchange group",
    "untrusted_ca": "Untrusted CA",
    "expired_certificate": "Expired certificate",
    "not_yet_valid_certificate": "Certificate not yet valid",
    "hostname_mismatch": "Hostname mismatch",
    "bad_certificate": "Certificate rejected",
    "client_cert_missing": "Client certificate missing",
    "client_cert_rejected": "Client certificate rejected",
    "alpn_mismatch": "ALPN mismatch",
    "sni_rejected": "SNI rejected",
    "fallback_detected": "Fallback detected",
    "decrypt_failure": "Decryption failure",
    "abrupt_close": "Abrupt close",
    "non_tls_peer": "Peer is not speaking TLS",
    "no_response": "No response",
    "peer_internal_error": "Peer internal error",
    "unknown": "Unknown",
}

CAUSES = tuple(CAUSE_TITLES)


def q(value: str | bytes | None, limit: int = 120) -> str:
    """Quote wire text (SNI, names) for a sentence: control characters escaped, length capped."""
    return "'" + safe_text(value, limit) + "'"


def alert_text(alert: Alert, transport: str = "tcp") -> str:
    """``unknown_ca (48)``, or what carried an alert that could not be read: a record (TLS,
    DTLS) or a QUIC packet (an alert travels in a CONNECTION_CLOSE), with its size when known."""
    if alert.code is None:
        size = f"{alert.length}-byte " if alert.length > 0 else ""
        if transport == "quic":
            return f"an encrypted {size}QUIC packet (likely a CONNECTION_CLOSE with an alert)"
        return f"an encrypted {size}record (likely an alert)"
    return f"{alert.name or names.alert_name(alert.code)} ({alert.code})"


def versions_text(versions: Iterable[int]) -> str:
    return ", ".join(names.version_name(v) for v in versions) or "none"


def groups_text(groups: Iterable[int]) -> str:
    return ", ".join(names.group_name(g) for g in groups if not names.is_grease(g)) or "none"


def suites_text(suites: Iterable[int], limit: int = 8) -> str:
    real = [s for s in suites if not names.is_grease(s)]
    shown = ", ".join(names.cipher_suite_name(s) for s in real[:limit])
    if len(real) > limit:
        shown += f" … ({len(real)} in all)"
    return shown or "none"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# TLS version options of ``openssl s_client`` and what each becomes over DTLS.  OpenSSL
# speaks DTLS 1.0 and 1.2 only (no DTLS 1.3 in any release the suggestions target), so a
# TLS 1.3 (or 1.1) test becomes plain ``-dtls``: any DTLS version this OpenSSL has.
_DTLS_VERSION_FLAGS = {
    "-tls1": "-dtls1",
    "-tls1_1": "-dtls",
    "-tls1_2": "-dtls1_2",
    "-tls1_3": "-dtls",
}
# QUIC is TLS 1.3 only: a version option is meaningless there and dropped.
_TLS_VERSION_FLAGS = frozenset(_DTLS_VERSION_FLAGS)
# What ``s_client -quic`` needs; Debian 12 (and this tool's CI) ships OpenSSL 3.0.
QUIC_OPENSSL_NOTE = (
    "The QUIC command above needs OpenSSL 3.2 or newer (openssl s_client -quic; Debian 12 "
    "ships 3.0, which has no -quic)"
)


def _quic_alpn(session: Session) -> str:
    """The ALPN list ``s_client -quic`` must send: what the client offered (QUIC requires
    ALPN, RFC 9001 8.1), else h3."""
    ch = session.client_hello
    offered = [safe_text(p, 64) for p in (ch.alpn if ch else []) if p]
    return shlex.quote(",".join(offered) if offered else "h3")


def s_client(session: Session, *extra: str) -> str:
    """An ``openssl s_client`` line that repeats this connection (SNI shell-quoted) over the
    session's own transport: plain s_client is TCP, so a DTLS server gets ``-dtls`` (or the
    DTLS form of a version option) and a QUIC server ``-quic -alpn`` (OpenSSL 3.2+), with
    the TLS version options QUIC cannot use left out."""
    parts = ["openssl", "s_client"]
    options = list(extra)
    if session.transport == "quic":
        options = [o for o in options if o not in _TLS_VERSION_FLAGS]
        if "-alpn" not in options:
            parts += ["-quic", "-alpn", _quic_alpn(session)]
        else:
            parts.append("-quic")
    elif session.transport == "udp":
        versions = [_DTLS_VERSION_FLAGS[o] for o in options if o in _DTLS_VERSION_FLAGS]
        options = [o for o in options if o not in _DTLS_VERSION_FLAGS]
        parts.append(versions[0] if versions else "-dtls")
    parts += ["-connect", str(session.server)]
    ch = session.client_hello
    if ch and ch.sni:
        parts += ["-servername", shlex.quote(safe_text(ch.sni, 255))]
    parts += options
    return " ".join(parts)


def transport_checks(session: Session, checks: list[str]) -> list[str]:
    """*checks* with what a suggested command needs beyond the usual tools said once: the
    OpenSSL release a QUIC s_client line needs."""
    if session.transport == "quic" and any("s_client -quic" in c for c in checks):
        if QUIC_OPENSSL_NOTE not in checks:
            return [*checks, QUIC_OPENSSL_NOTE]
    return checks
