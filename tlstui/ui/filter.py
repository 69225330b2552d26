"""The ``/`` filter language, parsed and matched without Textual.

A filter is words separated by spaces; a session is shown when every word matches:

- ``word`` occurs in any column (client, server, SNI, status, version, cipher, ALPN, JA3, JA4,
  alerts, close, causes), case-insensitively;
- ``a|b`` matches when any alternative does;
- ``!word`` matches when ``word`` does not (``!a|b``: neither);
- ``field:value`` looks in one field only: ``cause``, ``server``, ``client``, ``sni``,
  ``version``, ``alert``, ``alpn``, ``ja4``, ``status``, ``cipher``, ``transport``.  An
  unknown field name is an ordinary word (so an IPv6 address like ``::1`` still works).
"""

from __future__ import annotations

from dataclasses import dataclass

from tlstui.analysis.model import Session
from tlstui.output import describe

FIELDS = (
    "cause",
    "server",
    "client",
    "sni",
    "version",
    "alert",
    "alpn",
    "ja4",
    "status",
    "cipher",
    "transport",
)

# What ``transport`` holds per Session.transport: the protocol and what it runs over.
_TRANSPORT_WORDS = {"tcp": "tcp", "udp": "dtls udp", "quic": "quic udp"}
_TUNNEL_NOTE = "inside a tunnel: "


def transport_text(session: Session) -> str:
    """``tcp``, ``dtls udp`` or ``quic udp``, then the tunnel it was carried in (``vxlan``),
    from the engine's note: the words a person types to find sessions by how they travel."""
    words = [_TRANSPORT_WORDS.get(session.transport, session.transport)]
    for note in session.malformed:
        if note.startswith(_TUNNEL_NOTE):
            words.append(note[len(_TUNNEL_NOTE) :].split(" ", 1)[0])
    return " ".join(words)


ANY = "any"


@dataclass(frozen=True, slots=True)
class Term:
    """One word of the filter: alternatives looked for in *field*, maybe negated."""

    field: str
    alternatives: tuple[str, ...]
    negated: bool = False

    def matches(self, fields: dict[str, str]) -> bool:
        haystack = fields.get(self.field, "")
        hit = any(alt in haystack for alt in self.alternatives)
        return hit != self.negated


def parse(text: str) -> list[Term]:
    """The terms of *text*; empty words and empty alternatives are dropped."""
    terms: list[Term] = []
    for word in text.lower().split():
        negated = word.startswith("!")
        word = word.removeprefix("!")
        field = ANY
        name, colon, value = word.partition(":")
        if colon and name in FIELDS:
            field, word = name, value
        alternatives = tuple(a for a in word.split("|") if a)
        if alternatives:
            terms.append(Term(field, alternatives, negated))
    return terms


def fields_of(session: Session) -> dict[str, str]:
    """The lower-cased text of each filterable field of *session*, and ``any``: all of them."""
    hello = session.client_hello
    alpn = list(hello.alpn) if hello else []
    if session.server_hello is not None and session.server_hello.alpn:
        alpn.append(session.server_hello.alpn)
    causes = (
        [c.cause for c in [session.diagnosis.best, *session.diagnosis.candidates]]
        if session.diagnosis
        else []
    )
    fields = {
        "cause": " ".join(causes),
        "server": str(session.server),
        "client": str(session.client),
        "sni": describe.sni_text(session),
        # Every label the version column shows at some width (``Q1.3``, ``QUIC 1.3``,
        # ``D1.2``), and the TLS version inside (QUIC carries TLS 1.3).
        "version": " ".join(
            dict.fromkeys(
                (
                    describe.version_text(session.version),
                    describe.session_version_text(session),
                    describe.session_version_short(session),
                )
            )
        ),
        "alert": " ".join(describe.alert_text(a) for a in session.alerts),
        "alpn": " ".join(alpn),
        "ja4": session.ja4 or "",
        "status": session.status,
        "cipher": (
            f"{describe.cipher_text(session.cipher_suite)} "
            f"{describe.cipher_short(session.cipher_suite)}"
            if session.cipher_suite is not None
            else ""
        ),
        "transport": transport_text(session),
    }
    fields = {k: v.lower() for k, v in fields.items()}
    extra = " ".join(
        (f"#{session.id}", describe.outcome_text(session), describe.close_text(session))
    )
    fields[ANY] = " ".join([*fields.values(), extra.lower(), (session.ja3 or "").lower()])
    return fields


def matches(fields: dict[str, str], terms: list[Term]) -> bool:
    return all(term.matches(fields) for term in terms)
