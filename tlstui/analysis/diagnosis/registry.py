"""The rule registry and the per-session context every rule receives.

A rule is a small function ``(session, ctx) -> Cause | None`` registered with ``@rule``.  It
looks only at the session (and, through ``ctx``, at other sessions of the same capture), never
at file names.  Rules run in priority order; ranking is by confidence first, then priority.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.model import Alert, Cause, Confidence, Report, Session
from tlstui.tls.model import CertificateInfo

RuleFunc = Callable[[Session, "Context"], Cause | None]

CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    priority: int
    func: RuleFunc


RULES: list[Rule] = []


def rule(priority: int, name: str | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule; lower *priority* wins between candidates of equal confidence."""

    def register(func: RuleFunc) -> RuleFunc:
        rname = name or func.__name__
        RULES[:] = [r for r in RULES if r.name != rname]
        RULES.append(Rule(rname, priority, func))
        RULES.sort(key=lambda r: r.priority)
        return func

    return register


def make(
    cause: str,
    confidence: Confidence,
    summary: str,
    explanation: str,
    evidence: Iterable[int | None],
    fault: str,
    check_next: Iterable[str] = (),
) -> Cause:
    """A Cause with evidence de-duplicated and sorted (frame numbers, zeros dropped)."""
    frames = sorted({f for f in evidence if f})
    return Cause(
        cause=cause,
        confidence=confidence,
        summary=summary,
        explanation=explanation,
        evidence=frames,
        fault=fault,
        check_next=list(check_next),
    )


@dataclass(slots=True)
class ServerChain:
    """The server's certificate chain and where it was seen (maybe in another session)."""

    chain: list[CertificateInfo]
    frame: int
    time: float
    session: Session
    borrowed: bool  # True when taken from another session to the same server


NEIGHBOURS = 64  # sessions looked at on each side in time: keeps the diagnosis linear


@dataclass(slots=True)
class NeighbourIndex:
    """Sessions by server and by (server, SNI), in start order, built once per report.

    Rules that compare a session with others only look at its nearest neighbours in time,
    so a capture of 20,000 sessions to one server is diagnosed in linear time.
    """

    by_server: dict[object, tuple[list[float], list[Session]]]
    by_target: dict[object, tuple[list[float], list[Session]]]
    # Successes only, by (server, SNI, transport): what the rules compare negotiated choices
    # with (version, suite, group, ALPN).  A TCP session tells nothing about those on QUIC or
    # DTLS to the same address and port (an HTTP/3 server's UDP 443 next to its TCP 443: QUIC
    # is TLS 1.3 only, its ALPN is h3), so each transport compares with its own.
    ok_target: dict[object, tuple[list[float], list[Session]]]
    # Successes by (SNI, transport) and by client fingerprint (JA4, whose first letter is the
    # transport): the wider circles the session comparison looks in when no success shares
    # the server and SNI.
    ok_sni: dict[object, tuple[list[float], list[Session]]] = field(default_factory=dict)
    ok_ja4: dict[object, tuple[list[float], list[Session]]] = field(default_factory=dict)

    @classmethod
    def build(cls, report: Report) -> NeighbourIndex:
        by_server: dict[object, list[Session]] = {}
        by_target: dict[object, list[Session]] = {}
        ok_target: dict[object, list[Session]] = {}
        ok_sni: dict[object, list[Session]] = {}
        ok_ja4: dict[object, list[Session]] = {}
        for o in sorted(report.sessions, key=lambda o: o.start):
            sni = o.client_hello.sni if o.client_hello else None
            by_server.setdefault(o.server, []).append(o)
            by_target.setdefault((o.server, sni), []).append(o)
            if o.status == "ok":
                ok_target.setdefault((o.server, sni, o.transport), []).append(o)
                if sni is not None:
                    ok_sni.setdefault((sni, o.transport), []).append(o)
                if o.ja4 is not None:
                    ok_ja4.setdefault(o.ja4, []).append(o)

        def starts(d: dict) -> dict:
            return {k: ([o.start for o in v], v) for k, v in d.items()}

        return cls(
            starts(by_server), starts(by_target), starts(ok_target), starts(ok_sni), starts(ok_ja4)
        )

    @staticmethod
    def near(table: dict, key: object, session: Session) -> list[Session]:
        entry = table.get(key)
        if entry is None:
            return []
        times, group = entry
        i = bisect.bisect_left(times, session.start)
        window = group[max(0, i - NEIGHBOURS) : i + NEIGHBOURS + 1]
        return [o for o in window if o is not session]

    def nearest(self, table: dict, key: object, session: Session) -> list[Session]:
        """The sessions of *table* under *key*, nearest in time to *session* first: how the
        diagnosis finds the nearest success, and how the comparison picks a partner."""
        start = session.start
        return sorted(self.near(table, key, session), key=lambda o: abs(o.start - start))


@dataclass(slots=True)
class Context:
    session: Session
    report: Report | None = None
    alert: Alert | None = None  # the decisive alert, if any
    position: str | None = None  # its ladder position
    tls13: bool = False
    index: NeighbourIndex | None = None
    _same: list[Session] | None = None  # same_server(), computed once
    _successes: list[Session] | None = None  # server_successes(), computed once

    @classmethod
    def build(
        cls, session: Session, report: Report | None = None, index: NeighbourIndex | None = None
    ) -> Context:
        alert = pos.decisive_alert(session)
        ctx = cls(
            session=session,
            report=report,
            alert=alert,
            position=pos.alert_position(session, alert) if alert else None,
            tls13=pos.is_tls13(session),
        )
        if report is not None:
            ctx.index = index or NeighbourIndex.build(report)
        return ctx

    @property
    def _others(self) -> list[Session]:
        """Other sessions to the same server address (the nearest in time, bounded)."""
        if self.index is None:
            return []
        return self.index.near(self.index.by_server, self.session.server, self.session)

    # --- facts every rule asks ---------------------------------------------------------------

    @property
    def failed(self) -> bool:
        """Rules explain failures; ok sessions get only the ``ok`` cause."""
        return self.session.status != "ok"

    @property
    def alert_readable(self) -> bool:
        return self.alert is not None and self.alert.code is not None

    def alert_is(self, sender: str, *codes: int) -> bool:
        a = self.alert
        return a is not None and a.sender == sender and a.code in codes

    @property
    def alert_encrypted_opaque(self) -> bool:
        """An alert the capture cannot read: inferred causes stay medium or low."""
        return self.alert is not None and self.alert.code is None

    # --- other sessions of the capture ---------------------------------------------------------

    def same_server(self) -> list[Session]:
        """Other sessions to the same server address and SNI, nearest in time first."""
        if self._same is not None:
            return self._same
        s = self.session
        if self.index is None:
            return []
        sni = s.client_hello.sni if s.client_hello else None
        out = self.index.near(self.index.by_target, (s.server, sni), s)
        start = s.start
        self._same = sorted(out, key=lambda o: abs(o.start - start))
        return self._same

    def server_successes(self) -> list[Session]:
        """Successful sessions to the same server and SNI over the same transport, nearest in
        time first: taken from their own index, so a long run of failures cannot hide the
        nearest success."""
        if self._successes is not None:
            return self._successes
        s = self.session
        if self.index is None:
            return []
        sni = s.client_hello.sni if s.client_hello else None
        self._successes = self.index.nearest(self.index.ok_target, (s.server, sni, s.transport), s)
        return self._successes

    def earlier_attempt(self, window: float = 120.0) -> Session | None:
        """The latest failed connection from the same client host to the same server and SNI
        that started within *window* seconds before this one."""
        s = self.session
        cands = [
            o
            for o in self.same_server()
            if o.client.ip == s.client.ip
            and o.start < s.start
            and s.start - o.start <= window
            and o.status != "ok"
        ]
        return max(cands, key=lambda o: o.start) if cands else None

    def server_chain(self) -> ServerChain | None:
        s = self.session
        if s.server_certificates:
            ev = pos.first(s, "Certificate", "server")
            return ServerChain(
                s.server_certificates, ev.frame if ev else 0, ev.time if ev else s.start, s, False
            )
        for o in self.same_server():
            if o.server_certificates:
                ev = pos.first(o, "Certificate", "server")
                return ServerChain(
                    o.server_certificates,
                    ev.frame if ev else 0,
                    ev.time if ev else o.start,
                    o,
                    True,
                )
        return None
