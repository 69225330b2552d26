"""The automatic partner of a failed session: the working session most like it.

Debugging a handshake failure starts by putting it next to one that works.  The partner is
looked for in widening circles, each one the successes the diagnosis already indexes
(``NeighbourIndex``), so the comparison and the diagnosis agree on what "the nearest success"
is:

1. the same server address and SNI (the same service, another client or another moment);
2. the same SNI on another address (another backend, port or load-balancer member);
3. the same client fingerprint (JA4): the same client build talking to another service.

Inside a circle the most similar wins: the same client fingerprint first, then the same TLS
version family (the JA4 prefix), then the longest shared ladder, then the nearest in time.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlstui.analysis.diagnosis.registry import NeighbourIndex
from tlstui.analysis.model import Report, Session
from tlstui.textsafe import safe_text

__all__ = ["Partner", "find_partner"]


@dataclass(slots=True, frozen=True)
class Partner:
    """The chosen session (None when there is none) and a sentence saying why, or, when there
    is none, what capture would give one."""

    session: Session | None
    reason: str


def _sni(s: Session) -> str | None:
    return s.client_hello.sni if s.client_hello else None


def _when(s: Session, o: Session) -> str:
    dt = o.start - s.start
    if abs(dt) < 0.0005:
        return "at the same time"
    amount = f"{abs(dt) * 1000:.0f} ms" if abs(dt) < 1 else f"{abs(dt):.1f} s"
    return f"{amount} {'later' if dt > 0 else 'earlier'}"


def _path(s: Session) -> list[tuple[str, str]]:
    return [(e.sender, e.type) for e in s.events]


def _shared_steps(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _rank(s: Session, candidates: list[Session]) -> Session | None:
    """The most similar of *candidates*: the same client fingerprint, then the same version
    family (JA4 prefix), then the longest shared ladder (a success that went the same way
    furthest, e.g. one that also asked for a client certificate), then the nearest in time."""
    prefix = (s.ja4 or "")[:3]
    path = _path(s)
    best: Session | None = None
    best_key: tuple[int, int, int, float] | None = None
    for o in candidates:
        if o is s:
            continue
        key = (
            0 if s.ja4 is not None and o.ja4 == s.ja4 else 1,
            0 if prefix and (o.ja4 or "")[:3] == prefix else 1,
            -_shared_steps(path, _path(o)),
            abs(o.start - s.start),
        )
        if best_key is None or key < best_key:
            best, best_key = o, key
    return best


def find_partner(session: Session, report: Report, index: NeighbourIndex | None = None) -> Partner:
    """The working session to compare *session* with, and why it was chosen."""
    if session.status == "ok":
        return Partner(
            None,
            f"session {session.id} succeeded: mark the session to compare it with "
            "(space, then c) or give both ids (--diff A B)",
        )
    index = index or NeighbourIndex.build(report)
    sni = _sni(session)
    shown_sni = safe_text(sni, 80) if sni is not None else None
    same_client = "the same client fingerprint (JA4)"
    circles: list[tuple[list[Session], str]] = [
        (
            index.nearest(index.ok_target, (session.server, sni, session.transport), session),
            f"the same server {session.server}"
            + (f" and SNI {shown_sni}" if shown_sni is not None else " (no SNI)"),
        )
    ]
    if sni is not None:
        circles.append(
            (
                index.nearest(index.ok_sni, (sni, session.transport), session),
                f"the same SNI {shown_sni}",
            )
        )
    if session.ja4 is not None:
        circles.append((index.nearest(index.ok_ja4, session.ja4, session), same_client))
    for candidates, why in circles:
        chosen = _rank(session, candidates)
        if chosen is None:
            continue
        extra = ""
        if why != same_client and session.ja4 is not None and chosen.ja4 == session.ja4:
            extra = f" and {same_client}"
        return Partner(
            chosen,
            f"session {chosen.id} succeeded with {why}{extra}, {_when(session, chosen)}",
        )
    target = f"{session.server}" + (f", SNI {shown_sni}" if shown_sni is not None else "")
    return Partner(
        None,
        f"no successful session shares this server, SNI or client fingerprint: capture a "
        f"connection from a client that works (to {target}) and open both captures together",
    )
