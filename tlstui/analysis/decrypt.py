"""Key-log decryption of one session: open its protected records, put what they held on the ladder.

In TLS 1.3 every alert after the ServerHello is encrypted, so without keys tlstui can only call a
19-byte record "likely an alert".  With the SSLKEYLOGFILE the client or server wrote (NSS key
log format) the records ``SessionBuilder`` kept in ``sealed`` are opened by ``tls.crypto13`` or
``tls.crypto12`` before ``finish()`` decides the outcome; the opened handshake messages go
through the builder's own dispatch (``SessionBuilder.message``), the opened alerts replace the
placeholders, so the ladder gets the real alert codes and handshake messages.

Nothing in here may raise into the pipeline: a wrong key, a truncated record or a cipher we do
not implement leaves the records as they were.  Work is bounded by the builder's caps
(``MAX_SEALED`` records per direction, ``MAX_EVENTS`` rows) and by the openers' own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tlstui.analysis.model import Alert, Event, Session
from tlstui.analysis.sessions import SIDES, Sealed, SessionBuilder
from tlstui.tls import names
from tlstui.tls.crypto12 import Epoch, open_tls12
from tlstui.tls.crypto13 import can_open, open_tls13
from tlstui.tls.keylog import KeyLog
from tlstui.tls.model import AlertMsg, NewSessionTicket
from tlstui.tls.protected import MAX_HS_BUFFER, Opened

__all__ = ["decrypt_session"]

MAX_NOTES = 50

Plain = Opened[Sealed]


@dataclass(slots=True)
class _HsBuffer:
    """Handshake bytes of one direction that may continue in the next record."""

    data: bytearray = field(default_factory=bytearray)
    first_frame: int = 0
    pending: list[Event] = field(default_factory=list)  # fragment records' placeholder events


def decrypt_session(builder: SessionBuilder, keys: KeyLog | None) -> None:
    """Open the builder's sealed records with the key log's secrets; never raises."""
    try:
        _decrypt(builder, keys)
    except Exception as exc:
        _note(builder, f"key log decryption stopped: {type(exc).__name__}")


def _decrypt(builder: SessionBuilder, keys: KeyLog | None) -> None:
    s = builder.s
    sh = s.server_hello
    if not s.client_hellos or sh is None or keys is None:
        return
    if not any(builder.sealed):
        return
    client_random = s.client_hellos[0].random
    secrets = keys.secrets(client_random)
    resumed_master = None
    if not secrets and not builder.tls13:
        resumed_master = _resumed_master(keys, s)
        if resumed_master is not None:
            secrets = {"CLIENT_RANDOM": resumed_master}
            _note(
                builder,
                "key log: resumed session, decrypted with the master secret of the full "
                "handshake that issued its session ID or ticket",
            )
    if not secrets:
        _note(
            builder,
            "key log has no secrets for this session's client_random (records stay encrypted)",
        )
        return
    plains: list[list[Plain]]
    if builder.tls13:
        suite = s.cipher_suite
        if suite is None or not can_open(suite):
            _note(
                builder,
                f"key log: cannot decrypt cipher suite {names.cipher_suite_name(suite or 0)}",
            )
            return
        plains, finished, tried = open_tls13(builder.sealed, suite, s.version or 0x0304, secrets)
        for side in (0, 1):
            builder.finished[side] = builder.finished[side] or finished[side]
    else:
        first = Epoch(
            client_random,
            sh.random,
            s.cipher_suite or 0,
            s.version or 0,
            sh.compression_method == 1,
            resumed_master,
        )
        notes: list[str] = []
        plains, tried = open_tls12(builder.sealed, first, keys, notes, dtls=s.transport == "udp")
        for text in notes:
            _note(builder, text)
        master = secrets.get("CLIENT_RANDOM")
        if tried and master is not None and resumed_master is None:
            _remember_session(keys, s, master)
    if not tried:
        return
    if not any(plains):
        _note(builder, "key log has secrets for this session but they do not decrypt its records")
        return
    for side in (0, 1):
        _apply(builder, side, plains[side])
    builder.decrypted = _outcome_known(builder, plains)


def _remember_session(keys: KeyLog, s: Session, master: bytes) -> None:
    """Record the session ID and tickets *s* issued, for the sessions that resume it."""
    sh = s.server_hello
    if sh is not None and sh.session_id:
        keys.remember_session(b"id:" + bytes(sh.session_id), master)
    for ev in s.events:
        d = ev.detail
        if ev.type == "NewSessionTicket" and isinstance(d, NewSessionTicket) and d.ticket:
            keys.remember_session(b"tk:" + d.ticket, master)


def _resumed_master(keys: KeyLog, s: Session) -> bytes | None:
    """The master secret of the full handshake *s* resumes (by ticket, else session ID)."""
    ch = s.client_hellos[0] if s.client_hellos else None
    sh = s.server_hello
    if ch is None or sh is None:
        return None
    if ch.session_ticket:
        m = keys.session_master(b"tk:" + bytes(ch.session_ticket))
        if m is not None:
            return m
    if sh.session_id and sh.session_id == ch.session_id:
        return keys.session_master(b"id:" + bytes(sh.session_id))
    return None


def _outcome_known(builder: SessionBuilder, plains: list[list[Plain]]) -> bool:
    """May ``finish()`` judge the handshake from what we decrypted instead of by position?

    Yes when an alert was opened, or (TLS 1.3) when both sides' Finished were seen.  When only
    part is known (one side's secrets missing, a Finished inside a record the capture lost),
    the position rules stay in charge: a success must not turn into "failed" for want of keys.
    """
    if any(p.ctype == 21 for side in plains for p in side):
        return True
    return not builder.tls13 or (builder.finished[0] and builder.finished[1])


def _note(builder: SessionBuilder, text: str) -> None:
    notes = builder.s.malformed
    if len(notes) < MAX_NOTES and text not in notes:
        notes.append(text)


# --- the ladder -------------------------------------------------------------------------------


def _apply(builder: SessionBuilder, side: int, plains: list[Plain]) -> None:
    """Put what one direction's records held into the ladder, alerts and session facts."""
    buf = _HsBuffer()
    opened = {id(p.rec) for p in plains}
    last = builder.last_rec[side]
    for p in plains:
        if p.ctype == 21:
            _apply_alert(builder, side, p)
            buf = _HsBuffer()
        elif p.ctype == 22:
            _apply_handshake(builder, side, p, buf)
        elif p.ctype == 23:
            ev = p.rec.event
            if ev is not None and ev.type == "EncryptedHandshake":
                ev.type, ev.note = "ApplicationData", "decrypted"
    _ensure_appdata_row(builder, side, plains)
    # A record we opened is no longer a candidate for the "likely an alert" guess.
    if last is not None and id(last) in opened:
        builder.last_rec[side] = None


def _ensure_appdata_row(builder: SessionBuilder, side: int, plains: list[Plain]) -> None:
    """Keep one ApplicationData row per side when its placeholder became handshake messages."""
    first = next((p for p in plains if p.ctype == 23), None)
    if first is None or any(
        e.type == "ApplicationData" and e.sender == SIDES[side] for e in builder.s.events
    ):
        return
    rec = first.rec
    ev = Event(
        rec.frame,
        rec.time,
        SIDES[side],
        "ApplicationData",
        None,
        True,
        rec.length,
        rec.frame,
        None,
        "decrypted",
    )
    _insert_event(builder, rec, ev)
    if rec.event is None:
        rec.event = ev


def _apply_alert(builder: SessionBuilder, side: int, p: Plain) -> None:
    rec, s = p.rec, builder.s
    if len(p.data) < 2:
        return
    level, code = p.data[0], p.data[1]
    detail = AlertMsg(level, code)
    ev = rec.event
    if ev is None:
        ev = Event(
            rec.frame,
            rec.time,
            SIDES[side],
            "Alert",
            detail,
            True,
            rec.length,
            rec.frame,
            None,
            "decrypted",
        )
        _insert_event(builder, rec, ev)
        rec.event = ev
    else:
        ev.type, ev.detail, ev.encrypted, ev.note = "Alert", detail, True, "decrypted"
    for a in s.alerts:
        if a.frame == rec.frame and a.sender == SIDES[side] and a.code is None:
            a.level, a.code, a.name = names.alert_level_name(level), code, names.alert_name(code)
            a.encrypted = a.decrypted = True
            return
    s.alerts.append(
        Alert(
            rec.frame,
            rec.time,
            SIDES[side],
            names.alert_level_name(level),
            code,
            names.alert_name(code),
            True,
            True,
            rec.length,
        )
    )


def _apply_handshake(builder: SessionBuilder, side: int, p: Plain, buf: _HsBuffer) -> None:
    """Cut the direction's handshake byte stream into messages, one ladder row each."""
    rec, events = p.rec, builder.s.events
    if p.after_gap and buf.data:
        buf.data.clear()  # the message's middle was lost with a record
    if not buf.data:
        buf.first_frame = rec.frame
    buf.data += p.data
    new: list[Event] = []
    version = builder.s.version or 0x0303
    while len(buf.data) >= 4 and len(buf.data) <= MAX_HS_BUFFER:
        mtype, mlen = buf.data[0], int.from_bytes(buf.data[1:4], "big")
        if mtype not in names.HANDSHAKE_EVENTS or mlen > MAX_HS_BUFFER:
            buf.data.clear()  # not a message start: bytes of a lost record
            break
        if len(buf.data) < 4 + mlen:
            break
        body = bytes(buf.data[4 : 4 + mlen])
        del buf.data[: 4 + mlen]
        etype, detail, malformed = builder.message(
            side, mtype, body, version, rec.frame, decrypted=True
        )
        if builder.has_room(len(new)):  # past the cap facts are kept, rows are not
            new.append(
                Event(
                    rec.frame,
                    rec.time,
                    SIDES[side],
                    etype,
                    detail,
                    True,
                    len(body) + 4,
                    buf.first_frame or rec.frame,
                    malformed,
                    "decrypted",
                )
            )
        buf.first_frame = rec.frame
    if len(buf.data) > MAX_HS_BUFFER:
        buf.data.clear()
    if new:
        for ev in buf.pending:  # fragments now shown by the completed message
            _remove_event(events, ev)
        buf.pending.clear()
        _replace_event(builder, rec, new)
    elif rec.event is not None:
        rec.event.note = "decrypted: part of a handshake message continued in the next record"
        buf.pending.append(rec.event)


def _replace_event(builder: SessionBuilder, rec: Sealed, new: list[Event]) -> None:
    """Swap the record's placeholder event for its messages."""
    events = builder.s.events
    old = rec.event
    idx = next((i for i, e in enumerate(events) if e is old), None) if old is not None else None
    if idx is not None:
        events[idx : idx + 1] = new
    else:
        for ev in new:
            _insert_event(builder, rec, ev)
    rec.event = new[-1] if new else None


def _remove_event(events: list[Event], ev: Event) -> None:
    for i, e in enumerate(events):
        if e is ev:
            del events[i]
            return


def _insert_event(builder: SessionBuilder, rec: Sealed, ev: Event) -> None:
    """Insert in capture order; in the record's own frame, before rows of its later records."""
    events = builder.s.events
    sealed = builder.sealed[rec.side]
    pos = next((i for i, r in enumerate(sealed) if r is rec), len(sealed))
    later = {id(r.event) for r in sealed[pos + 1 :] if r.event is not None}
    idx = len(events)
    while idx > 0 and (
        events[idx - 1].frame > ev.frame
        or (events[idx - 1].frame == ev.frame and id(events[idx - 1]) in later)
    ):
        idx -= 1
    events.insert(idx, ev)
