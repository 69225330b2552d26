"""Why did this handshake fail?  The diagnosis layer of tlstui.

Every rule is a small named function ``(session, ctx) -> Cause | None`` (see ``registry``);
``diagnose_session`` runs them all and ranks the candidates by confidence, then by rule
priority.  Rules read only the session (and, through the context, other sessions of the same
capture); the cause words are the vocabulary of the JSON report spec.

Honesty rules enforced here, not left to each rule:
- an alert the capture cannot read (TLS 1.3 without keys) never yields a *high* cause;
- a failed or incomplete session always has the ``unknown`` candidate, whose summary says what
  would settle it (a key log, a peer's log);
- ok sessions get ``ok``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis import (  # noqa: F401  (registers rules)
    rules_cert,
    rules_hello,
    rules_stacks,
    rules_transport,
    rules_visible,
    rules_wire,
)
from tlstui.analysis.diagnosis.registry import (
    CONFIDENCE_RANK,
    RULES,
    Context,
    NeighbourIndex,
    Rule,
    make,
    rule,
)
from tlstui.analysis.diagnosis.text import CAUSE_TITLES, CAUSES, transport_checks
from tlstui.analysis.model import Cause, Diagnosis, FailureGroup, Report, Session

if TYPE_CHECKING:
    import logging

__all__ = [
    "CAUSES",
    "CAUSE_TITLES",
    "RULES",
    "Context",
    "Rule",
    "diagnose_report",
    "diagnose_session",
    "group_failures",
    "make",
    "rule",
]


def _log() -> logging.Logger:
    """The logger, imported when a rule fails (logging costs ~0.8 MB at start-up)."""
    import logging

    return logging.getLogger(__name__)


# Tests set this to let a broken rule raise instead of being skipped.
STRICT = False


# Rules that also run on sessions whose handshake worked (status ok): how it ended.
OK_SESSION_RULES = frozenset({"handshake_ok", "post_handshake_end"})
_ok_rules: tuple[int, list[Rule]] = (-1, [])  # (len(RULES) it was made from, the rules)


def _rules_for_ok() -> list[Rule]:
    """The rules an ok session gets, in RULES order; made again when a rule is registered."""
    global _ok_rules
    if _ok_rules[0] != len(RULES):
        _ok_rules = (len(RULES), [r for r in RULES if r.name in OK_SESSION_RULES])
    return _ok_rules[1]


def _opaque_alert_before_data(session: Session) -> bool:
    """An unreadable alert sent before any application data: it may be a refusal."""
    # TLS 1.3: a client refuses before its Finished, and a server's refusal after it is
    # inferred by the session builder; only TLS <=1.2 clients refuse after their Finished.
    tls13 = pos.is_tls13(session)
    for a in session.alerts:
        if a.code is not None or pos.data_before(session, a.frame):
            continue
        if not tls13:
            return True
        # a server record that answers the client's own closing alert is its close_notify
        answered = any(b.sender == "client" and b.frame < a.frame for b in session.alerts)
        if a.sender == "server" and not answered:
            return True
    return False


def _cap(cause: Cause, ctx: Context) -> Cause:
    if cause.confidence == "high" and ctx.alert_encrypted_opaque and cause.cause != "ok":
        cause.confidence = "medium"
    # "ok" is never high when the last word before any data is an alert nobody can read.
    if (
        cause.cause == "ok"
        and cause.confidence == "high"
        and cause.rule != "post_handshake_end"
        and _opaque_alert_before_data(ctx.session)
    ):
        cause.confidence = "medium"
        cause.explanation += (
            " An encrypted alert was sent before any application data: most likely a "
            "close_notify from a client that only connected, but a refusal right after the "
            "handshake (a late certificate check) looks the same; a key log would tell."
        )
    return cause


def diagnose_session(
    session: Session, report: Report | None = None, index: NeighbourIndex | None = None
) -> Diagnosis:
    """Run every rule on *session* and rank what fits; best = first."""
    ctx = Context.build(session, report, index)
    found: list[tuple[int, int, Cause]] = []
    # An ok session gets only the ``ok`` cause: the failure rules need not look at it.
    rules = RULES if session.status != "ok" else _rules_for_ok()
    for r in rules:
        try:
            cause = r.func(session, ctx)
        except Exception:
            if STRICT:
                raise
            _log().exception("diagnosis rule %s failed on session %s", r.name, session.id)
            continue
        if cause is None:
            continue
        if cause.cause not in CAUSE_TITLES:
            _log().error("rule %s returned %r, not a cause word", r.name, cause.cause)
            continue
        cause.rule = cause.rule or r.name
        cause.check_next = transport_checks(session, cause.check_next)
        found.append((CONFIDENCE_RANK.get(cause.confidence, 3), r.priority, _cap(cause, ctx)))
    if any(c.rule == "post_handshake_end" for _, _, c in found):
        # how the connection ended replaces the plain "handshake completed"
        found = [t for t in found if t[2].rule != "handshake_ok"]
    found.sort(key=lambda t: (CONFIDENCE_RANK.get(t[2].confidence, 3), t[1]))
    ranked: list[Cause] = []
    seen: set[str] = set()
    for _, _, cause in found:
        if cause.cause in seen:
            continue
        seen.add(cause.cause)
        ranked.append(cause)
    # ``unknown`` makes way for a cause that explains more, unless ``unknown`` itself ranks
    # first (a capture cut mid-flight or damaged: saying so beats any guess).
    if len(ranked) > 1 and ranked[0].confidence != "low" and ranked[0].cause != "unknown":
        ranked = [c for c in ranked if c.cause != "unknown"]
    if not ranked:
        ranked = [
            make(
                "unknown",
                "low",
                "No rule explains this session",
                "None of the diagnosis rules matched.",
                [session.first_frame],
                "unknown",
            )
        ]
        ranked[0].rule = "fallback"
    return Diagnosis(best=ranked[0], candidates=ranked)


def diagnose_report(report: Report) -> None:
    """Set ``session.diagnosis`` on every session, earliest first, so a later session (a
    fallback retry) can point at the diagnosis of the attempt before it."""
    index = NeighbourIndex.build(report)
    for session in sorted(report.sessions, key=lambda s: (s.start, s.id)):
        session.diagnosis = diagnose_session(session, report, index)
    # Proxy legs: a client leg that failed after its upstream leg is explained by it.
    from tlstui.analysis.legs import explain_client_legs, link_legs

    if link_legs(report):
        explain_client_legs(report)


def group_failures(report: Report, include_incomplete: bool = False) -> list[FailureGroup]:
    """Failed sessions grouped by (server endpoint, SNI, cause), most frequent first."""
    groups: dict[tuple, FailureGroup] = {}
    for s in sorted(report.sessions, key=lambda s: (s.start, s.id)):
        if s.status == "ok" or (s.status == "incomplete" and not include_incomplete):
            continue
        if s.diagnosis is None:
            s.diagnosis = diagnose_session(s, report)
        sni = s.client_hello.sni if s.client_hello else None
        key = (s.server, sni, s.diagnosis.best.cause)
        g = groups.get(key)
        if g is None:
            g = groups[key] = FailureGroup(
                server=s.server, sni=sni, cause=key[2], first_time=s.start, last_time=s.start
            )
        g.session_ids.append(s.id)
        g.first_time = min(g.first_time, s.start)
        g.last_time = max(g.last_time, s.start)
    return sorted(groups.values(), key=lambda g: (-g.count, g.first_time))
