"""Where things sit in the handshake ladder: the P1–P6 positions of the knowledge base.

The position of an alert (or of a FIN/RST) is the strongest clue to its meaning, stronger than
its code: a server alert before any ServerHello (P1) is about the client's offer, a client alert
after the server's Certificate (P3) is about the certificate, and so on.

- P1: server alert (or close) answering the ClientHello, before any ServerHello.
- P2: client alert right after the ServerHello/HRR, before anything else from the server.
- P3: client alert after the server's Certificate/ServerKeyExchange/ServerHelloDone (TLS 1.2)
  or its encrypted first flight (TLS 1.3), before the client's second flight.
- P4: server alert after the client's second flight (TLS ≤1.2).
- P5: server alert after the client's Finished flight (TLS 1.3): the client already thinks it is
  connected.
- P6: after the handshake.
"""

from __future__ import annotations

from tlstui.analysis.model import Alert, Event, Session
from tlstui.tls.facts import BENIGN_ALERTS, is_tls13_version

SERVER_FLIGHT = frozenset(
    {
        "Certificate",
        "ServerKeyExchange",
        "CertificateRequest",
        "ServerHelloDone",
        "EncryptedExtensions",
        "EncryptedHandshake",
        "Finished",
        "CertificateVerify",
    }
)
CLIENT_FLIGHT2 = frozenset(
    {
        "Certificate",
        "ClientKeyExchange",
        "CertificateVerify",
        "Finished",
        "EncryptedHandshake",
    }
)
# A refusal comes at once (one round trip, well under a second on most paths): a close after
# this much silence is a timeout on the closing side, not an answer to the offer.
SILENT_TIMEOUT = 2.0


def is_tls13(session: Session) -> bool:
    """The session negotiated TLS 1.3 (or one of its drafts)."""
    version = session.version
    if version is None and session.server_hello is not None:
        version = session.server_hello.version
    return is_tls13_version(version)


def first(session: Session, type_: str, sender: str | None = None) -> Event | None:
    for ev in session.events:
        if ev.type == type_ and (sender is None or ev.sender == sender):
            return ev
    return None


def frame_of(session: Session, type_: str, sender: str | None = None) -> int | None:
    ev = first(session, type_, sender)
    return ev.frame if ev else None


# Server requests to send the ClientHello again (a DTLS cookie, a TLS 1.3 key share): the offer
# the server then judges is the ClientHello that follows, not the first one.
_RETRY_REQUESTS = frozenset({"HelloVerifyRequest", "HelloRetryRequest"})


def offer_frame(session: Session) -> int | None:
    """The frame of the ClientHello the server's decisive answer replies to: the first
    ClientHello after the last HelloVerifyRequest/HelloRetryRequest that precedes the server's
    first other message (a retransmitted copy of it does not move it); the first ClientHello
    when the server asked for no retry.  None without a ClientHello."""
    chf: int | None = None
    after_retry = True  # the next ClientHello is the offer being judged
    for ev in session.events:
        if ev.sender == "client" and ev.type == "ClientHello":
            if after_retry:
                chf, after_retry = ev.frame, False
        elif ev.sender == "server" and ev.type != "ChangeCipherSpec":
            if ev.type not in _RETRY_REQUESTS:
                break
            after_retry = True
    return chf


def decisive_alert(session: Session) -> Alert | None:
    """The alert that explains the failure: the first one that is not close_notify or
    user_canceled, preferring fatal (or unreadable) ones over warnings."""
    closed: dict[str, int] = {}
    for ev in session.events:
        if ev.type in ("FIN", "RST"):
            closed.setdefault(ev.sender, ev.frame)
    # An alert sent after the peer closed is a reaction to that close (OpenSSL answers an
    # unexpected EOF with decode_error), not the reason for the failure.
    candidates = [
        a
        for a in session.alerts
        if a.code not in BENIGN_ALERTS
        and not (_other(a.sender) in closed and closed[_other(a.sender)] < a.frame)
    ]
    for a in candidates:
        if a.code is None or a.level != "warning" or is_tls13(session):
            return a
    return candidates[0] if candidates else None


def _other(side: str) -> str:
    return "server" if side == "client" else "client"


def reaction_alerts(session: Session) -> list[Alert]:
    """Alerts sent after the peer had already closed (reactions to the close)."""
    decisive = decisive_alert(session)
    return [
        a
        for a in session.alerts
        if a is not decisive
        and a.code not in BENIGN_ALERTS
        and any(
            e.type in ("FIN", "RST") and e.sender != a.sender and e.frame < a.frame
            for e in session.events
        )
    ]


def index_of(
    session: Session, frame: int, type_: str | None = None, sender: str | None = None
) -> int:
    """Index of the matching event; else where an event of that frame would sit."""
    for i, ev in enumerate(session.events):
        if (
            ev.frame == frame
            and (type_ is None or ev.type == type_)
            and (sender is None or ev.sender == sender)
        ):
            return i
    return sum(1 for ev in session.events if ev.frame < frame)


def alert_index(session: Session, alert: Alert) -> int:
    return index_of(session, alert.frame, "Alert", alert.sender)


def _handshake_done(before: list[Event], tls13: bool) -> bool:
    if any(e.sender == "server" and e.type == "ApplicationData" for e in before):
        return True
    if tls13:
        return False
    if any(e.sender == "client" and e.type == "ApplicationData" for e in before):
        return True
    finished = {"Finished", "EncryptedHandshake"}
    done = set()
    for side in ("client", "server"):
        ccs = False
        for e in before:
            if e.sender != side:
                continue
            if e.type == "ChangeCipherSpec":
                ccs = True
            elif ccs and e.type in finished:
                done.add(side)
    return done == {"client", "server"}


def position_at(session: Session, idx: int, sender: str) -> str | None:
    """The ladder position of something *sender* did at event index *idx*."""
    before = session.events[:idx]
    tls13 = is_tls13(session)
    if _handshake_done(before, tls13):
        return "P6"
    server_hello = any(e.sender == "server" and e.type == "ServerHello" for e in before)
    hrr = any(e.sender == "server" and e.type == "HelloRetryRequest" for e in before)
    client_flight2 = any(e.sender == "client" and e.type in CLIENT_FLIGHT2 for e in before)
    if sender == "server":
        if not server_hello:
            return "P1"
        if client_flight2:
            return "P5" if tls13 else "P4"
        return None
    if not (server_hello or hrr):
        return None
    if client_flight2:
        return "P4" if not tls13 else "P5"
    if any(e.sender == "server" and e.type in SERVER_FLIGHT for e in before):
        return "P3"
    return "P2"


def alert_position(session: Session, alert: Alert) -> str | None:
    return position_at(session, alert_index(session, alert), alert.sender)


def data_before(session: Session, frame: int) -> bool:
    """Did either side send application data before *frame*?"""
    return any(e.type == "ApplicationData" and e.frame < frame for e in session.events)


def late_client_refusal(session: Session, alert: Alert) -> bool:
    """TLS <=1.2: a client alert sent after the client's own Finished (P4 or P6) and before
    any application data. A client that checks the server certificate only after the key
    exchange (NSS's asynchronous verification) refuses it here, not at P3."""
    if alert.sender != "client" or is_tls13(session):
        return False
    if alert_position(session, alert) not in ("P4", "P6"):
        return False
    return not data_before(session, alert.frame)


def first_close(session: Session) -> Event | None:
    """The first FIN or RST (either side)."""
    for ev in session.events:
        if ev.type in ("FIN", "RST"):
            return ev
    return None


def close_position(session: Session, ev: Event) -> str | None:
    return position_at(session, session.events.index(ev), ev.sender)


def last_before(
    session: Session, idx: int, sender: str | None = None, types: frozenset[str] | None = None
) -> Event | None:
    """The last event before index *idx* (optionally from *sender*, of one of *types*)."""
    for ev in reversed(session.events[:idx]):
        if (sender is None or ev.sender == sender) and (types is None or ev.type in types):
            return ev
    return None


def client_finished_flight(session: Session, idx: int) -> list[Event]:
    """TLS 1.3: the client's encrypted handshake records before *idx* (its Certificate,
    CertificateVerify and Finished, opaque without keys)."""
    seen_server_flight = False
    flight: list[Event] = []
    for ev in session.events[:idx]:
        if ev.sender == "server" and ev.type in SERVER_FLIGHT:
            seen_server_flight = True
        elif (
            ev.sender == "client"
            and seen_server_flight
            and ev.type in ("EncryptedHandshake", "Certificate", "CertificateVerify", "Finished")
        ):
            flight.append(ev)
    return flight


def silence_before(session: Session, ev: Event) -> float:
    """Seconds between *ev* and the event before it in the ladder (0 when it is the first)."""
    idx = session.events.index(ev)
    prev = last_before(session, idx)
    return ev.time - prev.time if prev is not None else 0.0
