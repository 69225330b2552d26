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


def alert_text(alert: Alert) -> str:
    """``unknown_ca (48)``, or ``an encrypted alert`` when the code could not be read."""
    if alert.code is None:
        return f"an encrypted {alert.length}-byte record (likely an alert)"
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


def s_client(session: Session, *extra: str) -> str:
    """An ``openssl s_client`` line that repeats this connection (SNI shell-quoted)."""
    parts = ["openssl", "s_client", "-connect", str(session.server)]
    ch = session.client_hello
    if ch and ch.sni:
        parts += ["-servername", shlex.quote(safe_text(ch.sni, 255))]
    parts += list(extra)
    return " ".join(parts)
