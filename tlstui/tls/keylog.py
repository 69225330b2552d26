"""The NSS key log (SSLKEYLOGFILE) a TLS client or server wrote: secrets by client_random.

Format: one ``LABEL <client_random hex> <secret hex>`` per line (``CLIENT_RANDOM`` for
TLS <= 1.2, ``*_TRAFFIC_SECRET_*`` for TLS 1.3).  The file is untrusted input: reading is bounded
(``MAX_LINES``, line length) and anything that does not match is skipped, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MAX_LINES", "KeyLog"]

MAX_LINES = 1_000_000  # key log lines read; a bigger file is cut, not refused

_LINE = re.compile(r"^([A-Z][A-Z0-9_]{2,63})\s+([0-9A-Fa-f]{64})\s+([0-9A-Fa-f]{16,256})\s*$")


class KeyLog:
    """Secrets from an NSS key log, by client_random (``CLIENT_RANDOM``, ``*_TRAFFIC_SECRET_*``)."""

    def __init__(self) -> None:
        self._by_random: dict[bytes, dict[str, bytes]] = {}
        # TLS <= 1.2 resumption: session ID or ticket -> master secret of the full handshake
        # that issued it, so a resumed session decrypts with that handshake's key log line
        # (as Wireshark does).  Filled as sessions are decrypted, in capture order.
        self._by_session: dict[bytes, bytes] = {}

    def remember_session(self, key: bytes, master: bytes) -> None:
        """*key*: ``b"id:" + session_id`` or ``b"tk:" + ticket`` (bounded: 100,000 kept)."""
        if len(self._by_session) < 100_000:
            self._by_session[key] = master

    def session_master(self, key: bytes) -> bytes | None:
        return self._by_session.get(key)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> KeyLog:
        """Read key log lines; comments, ``RSA`` lines (they need the premaster's private key)
        and garbage are skipped, not errors."""
        log = cls()
        for n, line in enumerate(lines):
            if n >= MAX_LINES:
                break
            if not isinstance(line, str) or len(line) > 600:
                continue
            m = _LINE.match(line.strip())
            if m is None:
                continue
            label, rand, secret = m.groups()
            if len(secret) % 2:
                continue
            entry = log._by_random.setdefault(bytes.fromhex(rand), {})
            entry[label] = bytes.fromhex(secret)
        return log

    def secrets(self, client_random: bytes) -> dict[str, bytes]:
        return dict(self._by_random.get(bytes(client_random), {}))

    def __len__(self) -> int:
        return len(self._by_random)
