"""Proxy legs: the client's connection to a proxy, and the proxy's own connection upstream.

When a TLS-terminating proxy sits in the middle, the usual advice is to capture on both sides.
Two sessions are the two legs of one proxied connection when:

- the proxy's address is the server of one (the client leg) and the client of the other (the
  upstream leg), and neither leg has the same address at both ends (on one address, every
  connection would look like a proxy's);
- the upstream leg starts while the client leg is open (after its first frame, before its
  last): proxies connect upstream when the client's hello (SNI) or request arrives;
- both ask for the same server name (SNI, compared without case).

Of several candidates the upstream leg that started first after the client leg wins; a leg is
linked at most once.  When the client leg failed after its upstream leg had failed, the client
leg's diagnosis becomes the upstream failure, named with its file and frame (a proxy answers
an upstream failure with its own alert, internal_error or handshake_failure, or a close, which
alone says nothing about the cause).  The link is inferred from addresses, names and times,
so that cause is never *high* confidence.
"""

from __future__ import annotations

import bisect
from pathlib import PurePath

from tlstui.analysis.model import Cause, Report, Session
from tlstui.textsafe import safe_text

__all__ = ["explain_client_legs", "link_legs"]

SLACK = 0.001  # seconds: timestamps of two files written on one host, rounded


def _sni(s: Session) -> str | None:
    ch = s.client_hello
    return ch.sni.lower() if ch is not None and ch.sni else None


def link_legs(report: Report) -> int:
    """Set ``upstream_leg``/``client_leg`` on every pair found; return how many."""
    by_client: dict[str, tuple[list[float], list[Session]]] = {}
    for s in sorted(report.sessions, key=lambda s: s.start):
        if s.client.ip != s.server.ip and _sni(s) is not None:
            times, group = by_client.setdefault(s.client.ip, ([], []))
            times.append(s.start)
            group.append(s)
    if not by_client:
        return 0
    linked = 0
    for c in sorted(report.sessions, key=lambda s: s.start):
        entry = by_client.get(c.server.ip)
        name = _sni(c)
        if entry is None or name is None or c.client.ip == c.server.ip:
            continue
        times, group = entry
        i = bisect.bisect_left(times, c.start - SLACK)
        while i < len(group) and times[i] <= c.end + SLACK:
            u = group[i]
            i += 1
            if u is c or u.client_leg is not None or u.server == c.server or _sni(u) != name:
                continue
            c.upstream_leg, u.client_leg = u, c
            linked += 1
            break
    return linked


def _failure_time(s: Session) -> tuple[float, int]:
    """When (and in which frame) a failed session failed: its first error alert, else its
    first close, else its last frame."""
    for a in s.alerts:
        if a.code not in (0, 90):
            return a.time, a.frame
    for ev in s.events:
        if ev.type in ("FIN", "RST", "NotTLS"):
            return ev.time, ev.frame
    return s.end, s.last_frame


def _delay(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.1f} s"


def explain_client_legs(report: Report) -> None:
    """Put the upstream failure first in the diagnosis of every client leg that failed after
    its upstream leg had failed."""
    for c in report.sessions:
        u = c.upstream_leg
        if u is None or c.status == "ok" or u.status != "failed":
            continue
        if c.diagnosis is None or u.diagnosis is None:
            continue
        u_time, u_frame = _failure_time(u)
        c_time, _ = _failure_time(c)
        if u_time > c_time + SLACK:
            continue  # the client leg failed first: the upstream did not cause it
        up = u.diagnosis.best
        own = c.diagnosis.best
        where = (
            f"frame {u_frame} of {safe_text(PurePath(u.capture).name, 80)}"
            if u.capture and u.capture != c.capture
            else f"frame {u_frame}"
        )
        summary = (
            f"The proxy's own connection to {u.server} failed {_delay(max(0.0, c_time - u_time))} "
            f"earlier: {up.cause}, {where}"
        )
        explanation = (
            f"This connection's server, {c.server.ip}, opened session {u.id} "
            f"({u.client} -> {u.server}, same SNI) while this one was open: it is a proxy, and "
            f"that is its connection to the upstream server. That leg failed first ({where}): "
            f"{up.summary}. Then the proxy ended this connection: {own.summary}. The fix is on "
            f"the proxy's upstream side, not between this client and the proxy."
        )
        cause = Cause(
            cause=up.cause,
            confidence="low" if up.confidence == "low" else "medium",
            summary=summary,
            explanation=explanation,
            evidence=list(own.evidence),
            rule="proxy_upstream_failed",
            check_next=list(up.check_next),
            fault=f"the proxy {c.server.ip} and its upstream {u.server}"
            + (f" ({up.fault})" if up.fault else ""),
        )
        c.diagnosis.candidates = [cause, *c.diagnosis.candidates]
        c.diagnosis.best = cause
