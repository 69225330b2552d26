"""From one connection's TLS records to a ``Session``: the ladder, the choices, the outcome.

The builder receives records and handshake messages from both directions' ``RecordReader`` in
capture order and fills a ``Session``.  ``finish()`` decides, once the capture is over, whether
the handshake completed, which small encrypted records were probably alerts (TLS 1.3 without
keys), and the status.  The rules for "established" follow the oracle in
``../shared/corpus/MANIFEST.md`` and are documented in the README.
"""

from __future__ import annotations

from tlstui.analysis.model import Alert, CutRecord, Damage, Detail, Event, Session, Side, Status
from tlstui.tls import messages as msgs
from tlstui.tls import names
from tlstui.tls.facts import BENIGN_ALERTS, WARNING_OK_ALERTS, is_tls13_version
from tlstui.tls.model import AlertMsg, ServerHello, ServerKeyExchange

CLIENT, SERVER = 0, 1
SIDES: tuple[Side, Side] = ("client", "server")
MAX_EVENTS = 2000  # per session: a 50,000-message handshake stays bounded
MAX_NOTES = 50
MAX_SEALED = 256  # encrypted records remembered per direction (for key logs)
MAX_HELLOS = 4
MAX_DAMAGE = 20  # damaged records remembered per session
MAX_CUT_MESSAGES = 16  # handshake messages named inside a cut record


def alert_size(cipher_suite: int | None) -> int:
    """Length of an unpadded TLS 1.3 alert record: 2 + content type + AEAD tag."""
    return 11 if cipher_suite == 0x1305 else 19


class Sealed:
    """One encrypted record kept for key-log decryption after the capture is read."""

    __slots__ = ("side", "index", "rtype", "length", "body", "event", "frame", "time")

    def __init__(self, side, index, rtype, length, body, event, frame, time) -> None:
        self.side, self.index, self.rtype, self.length = side, index, rtype, length
        self.body, self.event, self.frame, self.time = body, event, frame, time


class SessionBuilder:
    """Implements the record reader's sink for one connection."""

    def __init__(self, session: Session, keep_sealed: bool = True) -> None:
        self.s = session
        self.keep_sealed = keep_sealed  # keep encrypted records for a key log
        self.enc = [False, False]  # records from this side are protected
        self.ccs = [False, False]
        self.finished = [False, False]  # a Finished (encrypted or not) was sent
        self.tls13 = False
        self.sslv2 = False
        self.cmk = False  # SSLv2 CLIENT-MASTER-KEY seen
        self.enc_records = [0, 0]  # type-23 (or SSLv2 encrypted) records
        self.first_enc_frame = [0, 0]
        self.hs_enc_events = [0, 0]
        self.appdata_event = [False, False]
        self.appdata_count = [0, 0]  # application records after the handshake
        self.first_appdata_frame = [0, 0]  # frame of each side's first application record
        self.client_done = False  # TLS 1.3: client's encrypted flight seen
        self.client_done_frame = 0
        self.server_after_client = 0  # TLS 1.3: server records after the client's flight
        self.last_rec: list[Sealed | None] = [None, None]
        self.sealed: list[list[Sealed]] = [[], []]
        self.sealed_count = [0, 0]  # protected records per direction (sequence no.)
        self.data_seen = [False, False]  # any valid TLS record from this side
        self.damaged_events = 0
        self.encrypted_alerts_pending = 0
        self.readers: list = []  # the two RecordReaders, set by the engine
        self.decrypted = False  # a key log opened this session's records
        self.close_frame = [0, 0]  # frame of each side's first FIN/RST
        self.reset_after_fin = [False, False]  # a RST after that side's FIN, shown once
        self.kx_sent = [False, False]  # ClientKeyExchange (client) seen
        # Frame of a damaged record that sits where this side's ChangeCipherSpec belongs
        # (TLS <= 1.2, after the key exchange): the records after it are read as protected.
        self.assumed_ccs = [0, 0]
        self.damaged_finished = [False, False]  # a Finished read only thanks to assumed_ccs
        # TLS <= 1.2: frame of the first handshake record after both Finished, once
        # application data had flowed (a renegotiation attempt); 0 when there is none.
        self.reneg_frame = 0

    # -- helpers ----------------------------------------------------------------------------

    def _sync(self) -> None:
        """Apply the readers' deferred application-data runs and drop their cached fast-path
        answers: the first thing every entry below does (except fast_appdata and
        on_appdata_run, which a run can neither change nor need flushed first), so a deferred
        run is never visible as such (see ``RecordReader.flush_run``)."""
        for reader in self.readers:
            if reader.run_count:
                reader.flush_run()
            reader.fast_answer = -3

    def encrypted(self, side: int) -> bool:
        return self.enc[side]

    def _event(
        self,
        side: int,
        etype: str,
        frame: int,
        time: float,
        *,
        detail=None,
        encrypted: bool = False,
        length: int = 0,
        first_frame: int = 0,
        malformed: str | None = None,
        note: str | None = None,
    ) -> Event | None:
        s = self.s
        if len(s.events) >= MAX_EVENTS:
            if len(s.events) == MAX_EVENTS:
                self._note(f"frame {frame}: more than {MAX_EVENTS} ladder events; rest omitted")
                s.events.append(
                    Event(frame, time, SIDES[side], "Malformed", malformed="event limit reached")
                )
            return None
        ev = Event(
            frame,
            time,
            SIDES[side],
            etype,
            detail,
            encrypted,
            length,
            first_frame or frame,
            malformed,
            note,
        )
        s.events.append(ev)
        return ev

    def _note(self, text: str) -> None:
        if len(self.s.malformed) < MAX_NOTES:
            self.s.malformed.append(text)

    # -- records ----------------------------------------------------------------------------

    def on_record(
        self,
        side: int,
        rtype: int,
        version: int,
        length: int,
        body: bytes | None,
        frame: int,
        first_frame: int,
        time: float,
    ) -> bool:
        self._sync()
        self.data_seen[side] = True
        if rtype == 20:
            self._event(
                side, "ChangeCipherSpec", frame, time, length=length, first_frame=first_frame
            )
            # A CCS switches keys in TLS <= 1.2 (also when a gap ate the ServerHello); in
            # TLS 1.3 it is middlebox-compatibility noise, also after a HelloRetryRequest.
            if not self.tls13 and (self.s.server_hello is not None or self.s.hello_retry is None):
                self.ccs[side] = True
                self.enc[side] = True
            return True
        if rtype == 21:
            self._alert(side, length, body, frame, first_frame, time)
            return True
        if rtype == 24:
            ev = self._event(
                side,
                "Heartbeat",
                frame,
                time,
                length=length,
                encrypted=self.enc[side],
                first_frame=first_frame,
                note=f"heartbeat record, {length} bytes",
            )
            if self.enc[side]:
                self._seal(side, 24, length, body, ev, frame, time)  # uses a sequence number
            return True
        if self.sslv2:
            self._sslv2_encrypted(side, length, body, frame, first_frame, time)
            return True
        if rtype == 22:  # a handshake record after ChangeCipherSpec
            note = None
            if self.ccs[side] and not self.finished[side]:
                self.finished[side] = True
                note = "Finished (encrypted)"
            elif self.assumed_ccs[side] and not self.finished[side]:
                if not self.damaged_finished[side]:
                    self.damaged_finished[side] = True
                    note = (
                        "probably Finished (encrypted): the record before it, where the "
                        f"ChangeCipherSpec belongs, is damaged (frame {self.assumed_ccs[side]})"
                    )
            elif self.finished[side]:
                note = "encrypted handshake message (renegotiation or post-handshake)"
                if (
                    not self.reneg_frame
                    and self.finished[1 - side]
                    and (self.appdata_count[CLIENT] or self.appdata_count[SERVER])
                ):
                    self.reneg_frame = frame
            ev = self._event(
                side,
                "EncryptedHandshake",
                frame,
                time,
                encrypted=True,
                length=length,
                first_frame=first_frame,
                note=note,
            )
            self._seal(side, rtype, length, body, ev, frame, time)
            return True
        # rtype 23: application data, or any TLS 1.3 protected record.
        self.enc_records[side] += 1
        if not self.first_enc_frame[side]:
            self.first_enc_frame[side] = frame
        if self.tls13:
            ev = self._tls13_record(side, length, frame, first_frame, time)
        else:
            self.appdata_count[side] += 1
            if not self.first_appdata_frame[side]:
                self.first_appdata_frame[side] = frame
            ev = None
            if not self.appdata_event[side]:
                self.appdata_event[side] = True
                note = None if self.enc[side] else "application data before any ChangeCipherSpec"
                ev = self._event(
                    side,
                    "ApplicationData",
                    frame,
                    time,
                    encrypted=self.enc[side],
                    length=length,
                    first_frame=first_frame,
                    note=note,
                )
        self._seal(side, rtype, length, body, ev, frame, time)
        return True

    def fast_appdata(self, side: int) -> int:
        """Whether the next application-data records of *side* would change nothing but
        counters and the last sealed record, so the reader may batch them
        (``on_appdata_run``): -2 no; -1 yes; a frame number: yes except for a record ending
        in that frame (the TLS 1.3 client's Finished flight, which on_record names).

        Mirrors on_record for rtype 23: the first record's event is made, the sealed list
        is not kept (no key log), SSLv2 is not involved and, in TLS 1.3, the client's flight
        has been seen.
        """
        if (
            self.keep_sealed
            or self.sslv2
            or not self.appdata_event[side]
            or not self.first_enc_frame[side]
            or self.last_rec[side] is None
        ):
            return -2
        if self.tls13:
            if not self.client_done:
                return -2
            if side == CLIENT and self.hs_enc_events[side] < 16:
                return self.client_done_frame
        return -1

    def on_appdata_run(self, side: int, count: int, length: int, frame: int, time: float) -> None:
        """*count* application-data records that fast_appdata allowed, the last *length*
        bytes long and ending in *frame*: the same state on_record would leave."""
        self.data_seen[side] = True
        self.enc_records[side] += count
        if self.tls13 and side == SERVER:
            self.server_after_client += count
        self.appdata_count[side] += count
        index = self.sealed_count[side] + count - 1
        self.sealed_count[side] = index + 1
        rec = self.last_rec[side]
        assert rec is not None  # fast_appdata checked it
        rec.index, rec.rtype, rec.length, rec.event = index, 23, length, None
        rec.frame, rec.time = frame, time

    def _tls13_record(
        self, side: int, length: int, frame: int, first_frame: int, time: float
    ) -> Event | None:
        """Name an opaque TLS 1.3 record from its position (no keys needed)."""
        if side == SERVER:
            if not self.client_done:
                self.hs_enc_events[side] += 1
                if self.hs_enc_events[side] > 16:
                    return None
                return self._event(
                    side,
                    "EncryptedHandshake",
                    frame,
                    time,
                    encrypted=True,
                    length=length,
                    first_frame=first_frame,
                    note="server's encrypted handshake flight",
                )
            self.server_after_client += 1
        else:
            if not self.client_done:
                self.client_done = True
                self.client_done_frame = frame
            if frame == self.client_done_frame and self.hs_enc_events[side] < 16:
                self.hs_enc_events[side] += 1
                return self._event(
                    side,
                    "EncryptedHandshake",
                    frame,
                    time,
                    encrypted=True,
                    length=length,
                    first_frame=first_frame,
                    note="client's encrypted handshake flight (Finished)",
                )
        self.appdata_count[side] += 1
        if not self.first_appdata_frame[side]:
            self.first_appdata_frame[side] = frame
        if self.appdata_event[side]:
            return None
        self.appdata_event[side] = True
        return self._event(
            side,
            "ApplicationData",
            frame,
            time,
            encrypted=True,
            length=length,
            first_frame=first_frame,
        )

    def _seal(
        self,
        side: int,
        rtype: int,
        length: int,
        body: bytes | None,
        ev: Event | None,
        frame: int,
        time: float,
    ) -> None:
        sealed = self.sealed[side]
        index = self.sealed_count[side]
        self.sealed_count[side] = index + 1
        if not self.keep_sealed:
            # No key log: only the last record matters (alert inference); reuse one object.
            rec = self.last_rec[side]
            if rec is None:
                self.last_rec[side] = Sealed(side, index, rtype, length, None, ev, frame, time)
            else:
                rec.index, rec.rtype, rec.length, rec.event = index, rtype, length, ev
                rec.frame, rec.time = frame, time
            return
        rec = Sealed(side, index, rtype, length, body, ev, frame, time)
        # Past the cap, only alert-sized records are kept: the closing alert of a long
        # session must still decrypt (indexes keep the sequence numbers right).
        if len(sealed) < MAX_SEALED or (length <= 64 and len(sealed) < 4 * MAX_SEALED):
            sealed.append(rec)
        self.last_rec[side] = rec

    def _alert(
        self, side: int, length: int, body: bytes | None, frame: int, first_frame: int, time: float
    ) -> None:
        s = self.s
        plain = body is not None and length == 2 and not (self.enc[side] and not self.tls13)
        if (
            body is not None
            and self.enc[side]
            and not self.tls13
            and length >= 2
            and "_WITH_NULL_" in names.cipher_suite_name(s.cipher_suite or 0)
        ):
            plain = True  # NULL cipher: "encrypted" but readable
        if plain and body is not None and body[0] in (1, 2):
            level, code = body[0], body[1]
            alert = Alert(
                frame,
                time,
                SIDES[side],
                names.alert_level_name(level),
                code,
                names.alert_name(code),
                False,
                False,
                length,
            )
            self._event(
                side,
                "Alert",
                frame,
                time,
                detail=AlertMsg(level, code),
                length=length,
                first_frame=first_frame,
            )
        else:
            alert = Alert(frame, time, SIDES[side], None, None, None, True, False, length)
            ev = self._event(
                side,
                "Alert",
                frame,
                time,
                encrypted=True,
                length=length,
                first_frame=first_frame,
                note=f"encrypted alert, {length} bytes",
            )
            self._seal(side, 21, length, body, ev, frame, time)
        if len(s.alerts) < MAX_EVENTS:
            s.alerts.append(alert)

    # -- handshake messages -----------------------------------------------------------------

    def on_handshake(
        self,
        side: int,
        mtype: int,
        body: bytes,
        version: int,
        frame: int,
        first_frame: int,
        time: float,
    ) -> None:
        self._sync()
        self.data_seen[side] = True
        etype, detail, malformed = self.message(side, mtype, body, version, frame)
        self._event(
            side,
            etype,
            frame,
            time,
            detail=detail,
            length=len(body) + 4,
            first_frame=first_frame,
            malformed=malformed,
        )

    def message(
        self, side: int, mtype: int, body: bytes, version: int, frame: int, decrypted: bool = False
    ) -> tuple[str, Detail, str | None]:
        """Decode one handshake message and record the session facts it carries.

        The one dispatch for plaintext messages and for those a key log opened (*decrypted*);
        returns the ladder row's type, detail and malformed text.  Encrypted hellos and key
        exchanges belong to a renegotiation: the session keeps the first negotiation's facts.
        """
        etype = names.HANDSHAKE_EVENTS.get(mtype, f"Handshake{mtype}")
        detail: Detail = None
        malformed = None
        s = self.s
        try:
            if mtype == 1 and not decrypted:
                ch = msgs.decode_client_hello(body, version)
                detail = ch
                if len(s.client_hellos) < MAX_HELLOS:
                    s.client_hellos.append(ch)
            elif mtype == 2 and not decrypted:
                sh = msgs.decode_server_hello(body, version)
                detail = sh
                self._server_hello(sh)
                if sh.is_hrr:
                    etype = "HelloRetryRequest"
            elif mtype == 11:
                cert = msgs.decode_certificate(body, self.tls13)
                detail = cert
                bad = [(i, c.error) for i, c in enumerate(cert.chain, 1) if c.error]
                if bad:
                    malformed = "; ".join(f"certificate #{i}: {err}" for i, err in bad[:3])
                if side == SERVER:
                    s.server_certificates = cert.chain
                else:
                    s.client_certificates = cert.chain
            elif mtype == 12 and not decrypted:
                cs = s.cipher_suite or 0
                ske = msgs.decode_server_key_exchange(body, cs, s.version or version)
                detail = ske
                s.server_key_exchange = ske
                if isinstance(ske, ServerKeyExchange) and ske.named_group is not None:
                    s.group = ske.named_group
            elif mtype == 13:
                s.certificate_request = True
                detail = msgs.decode_certificate_request(body, self.tls13, s.version or version)
            elif mtype == 4:
                detail = msgs.decode_new_session_ticket(body, self.tls13)
                if decrypted and self.tls13 and side == SERVER:
                    self.finished[CLIENT] = True  # tickets follow the client's Finished (4.6.1)
            elif mtype == 8 and s.server_hello is not None:
                alpn = msgs.alpn_of_extensions(body)
                if alpn is not None:
                    s.server_hello.alpn = alpn
            elif mtype == 20:
                self.finished[side] = True
            elif mtype == 16:
                self.kx_sent[side] = True
        except msgs.DecodeError as exc:
            malformed = str(exc)
            self._note(f"frame {frame}: {etype} malformed: {exc}")
        return etype, detail, malformed

    def has_room(self, pending: int = 0) -> bool:
        """Whether the ladder takes *pending* + 1 more rows (``MAX_EVENTS`` per session)."""
        return len(self.s.events) + pending < MAX_EVENTS

    def _server_hello(self, sh: ServerHello) -> None:
        s = self.s
        if sh.is_hrr:
            s.hello_retry = sh
            if sh.key_share_group is not None:
                s.group = sh.key_share_group
            return
        s.server_hello = sh
        s.version = sh.version
        s.cipher_suite = sh.cipher_suite
        if sh.key_share_group is not None:
            s.group = sh.key_share_group
        if is_tls13_version(sh.version):
            self.tls13 = True
            self.enc[SERVER] = True
            s.resumed = sh.psk_selected
        else:
            ch = s.client_hellos[-1] if s.client_hellos else None
            if ch is not None and sh.session_id and sh.session_id == ch.session_id:
                s.resumed = True

    # -- SSLv2 ------------------------------------------------------------------------------

    def on_sslv2(self, side: int, record: bytes, frame: int, time: float) -> None:
        self._sync()
        self.data_seen[side] = True
        s = self.s
        hdr = 2 if record[0] & 0x80 else 3
        body = record[hdr:]
        if side == CLIENT and not s.client_hellos and body[:1] == b"\x01":
            try:
                ch = msgs.decode_sslv2_client_hello(record)
                s.client_hellos.append(ch)
                self._event(
                    side,
                    "ClientHello",
                    frame,
                    time,
                    detail=ch,
                    length=len(body),
                    note="SSLv2-format ClientHello",
                )
            except msgs.DecodeError as exc:
                self._event(
                    side,
                    "ClientHello",
                    frame,
                    time,
                    length=len(body),
                    malformed=str(exc),
                    note="SSLv2-format ClientHello",
                )
            return
        if side == SERVER and s.server_hello is None and body[:1] == b"\x04":
            self.sslv2 = True
            s.version = 0x0002
            self._event(
                side, "ServerHello", frame, time, length=len(body), note="SSLv2 SERVER-HELLO"
            )
            return
        if side == CLIENT and self.sslv2 and not self.cmk and body[:1] == b"\x02":
            self.cmk = True
            if len(body) >= 4:
                s.cipher_suite = int.from_bytes(body[1:4], "big")
            self._event(
                side,
                "ClientKeyExchange",
                frame,
                time,
                length=len(body),
                note="SSLv2 CLIENT-MASTER-KEY",
            )
            return
        self._sslv2_encrypted(side, len(body), None, frame, frame, time)

    def _sslv2_encrypted(
        self, side: int, length: int, body: bytes | None, frame: int, first_frame: int, time: float
    ) -> None:
        self.enc_records[side] += 1
        if self.enc_records[side] == 1:
            self.finished[side] = True
            self._event(
                side,
                "EncryptedHandshake",
                frame,
                time,
                encrypted=True,
                length=length,
                first_frame=first_frame,
                note="SSLv2 encrypted handshake",
            )
        elif not self.appdata_event[side]:
            self.appdata_event[side] = True
            self._event(
                side,
                "ApplicationData",
                frame,
                time,
                encrypted=True,
                length=length,
                first_frame=first_frame,
            )

    # -- oddities ---------------------------------------------------------------------------

    def on_garbage(self, side: int, data: bytes, frame: int, time: float, why: str) -> None:
        self._sync()
        s = self.s
        framed = _framed_record(data)
        if (
            side == SERVER
            and not self.data_seen[SERVER]
            and s.non_tls_reply is None
            and framed is None
        ):
            s.non_tls_reply = data
            s.non_tls_reply_frame = frame
            self._event(
                side, "NotTLS", frame, time, detail=data, length=len(data), note="reply is not TLS"
            )
            self.reader_dead(side)
            return
        self._note(f"frame {frame}: {why} ({SIDES[side]})")
        alert = None
        if framed is not None:
            # The bytes frame exactly one record (its length field matches what follows): a
            # TLS record whose header was damaged, not another protocol.
            length, alert = framed
            why = f"TLS record with a damaged header ({length}-byte body)"
            if alert is not None:
                why += f", shaped like an alert: {alert_words(alert)}"
            self.data_seen[side] = True
        if len(s.damage) < MAX_DAMAGE:
            s.damage.append(Damage(frame, time, SIDES[side], bytes(data[:64]), why, alert))
        if (
            not self.tls13
            and not self.ccs[side]
            and not self.assumed_ccs[side]
            and s.server_hello is not None
            and (self.kx_sent[CLIENT] or (side == SERVER and s.resumed))
            and (side == SERVER or self.kx_sent[CLIENT])
        ):
            # Damage right after this side's key exchange: where its ChangeCipherSpec belongs.
            # What follows is read as protected; whether the handshake went on is decided at
            # the end from the peer's Finished and the application data (``_established``).
            self.assumed_ccs[side] = frame
            self.enc[side] = True
        if self.damaged_events < 20:
            self.damaged_events += 1
            self._event(side, "Malformed", frame, time, detail=data[:64], malformed=why)

    def on_cut_record(
        self,
        side: int,
        rtype: int,
        length: int,
        have: int,
        frame: int,
        time: float,
        handshake: bytes,
    ) -> None:
        """The stream of *side* ends inside a record (or inside a handshake message that
        spans records): remember what was cut so the diagnosis can say the capture ends
        mid-flight instead of blaming the peer for not answering."""
        self._sync()
        s = self.s
        if time < 0:
            time = next((e.time for e in reversed(s.events) if e.frame <= frame), s.end)
        messages: list[tuple[str, int, int]] = []
        pos, n = 0, len(handshake)
        while n - pos >= 4 and len(messages) < MAX_CUT_MESSAGES:
            mtype = handshake[pos]
            mlen = handshake[pos + 1] << 16 | handshake[pos + 2] << 8 | handshake[pos + 3]
            got = min(mlen, n - pos - 4)
            messages.append((names.HANDSHAKE_EVENTS.get(mtype, f"Handshake{mtype}"), got, mlen))
            pos += 4 + mlen
        if pos < n and 0 < n - pos < 4 and len(messages) < MAX_CUT_MESSAGES:
            messages.append(("Handshake", n - pos, 0))  # a message header cut in two
        s.cut = CutRecord(SIDES[side], rtype, length, have, frame, time, messages)
        what = _CONTENT_TYPES.get(rtype, "")
        if length:
            text = (
                f"frame {frame}: the capture ends inside a {length}-byte "
                f"{what + ' ' if what else ''}record from the {SIDES[side]} "
                f"({have} bytes captured)"
            )
        else:
            text = f"frame {frame}: the capture ends inside a handshake message from the " + (
                f"{SIDES[side]}"
            )
        if messages:
            cut = [m for m in messages if m[1] < m[2] or not m[2]]
            if cut:
                name, got, mlen = cut[0]
                text += f"; {name} cut after {got} of {mlen} bytes"
        self._note(text)
        if length and (self.data_seen[side] or side == CLIENT):
            self._event(
                side,
                "Malformed",
                frame,
                time,
                detail=None,
                length=length,
                malformed=f"record of {length} bytes cut off after {have} "
                "(the stream ends before the record does)",
            )

    def on_gap(self, side: int, nbytes: int, frame: int) -> None:
        self._sync()
        self.s.gaps += nbytes
        self._note(
            f"frame {frame}: {nbytes} bytes from the {SIDES[side]} missing from the "
            f"capture; resynchronised on the next record"
        )

    def reader_dead(self, side: int) -> None:
        if self.readers:
            self.readers[side].dead = True

    # -- TCP --------------------------------------------------------------------------------

    def on_close(self, side: int, kind: str, frame: int, time: float) -> None:
        self._sync()
        s = self.s
        closed = s.closed_by.get(SIDES[side])
        if closed is not None:
            # A reset after this side's FIN (data arrived after it closed, or it aborted the
            # rest) is a row of its own; closed_by keeps how the side closed first, and
            # further FINs (retransmissions) or RSTs add nothing.
            if kind == "RST" and closed == "FIN" and not self.reset_after_fin[side]:
                self.reset_after_fin[side] = True
                self._event(side, kind, frame, time)
            return
        s.closed_by[SIDES[side]] = kind
        self.close_frame[side] = frame
        self._event(side, kind, frame, time)

    # -- the end ----------------------------------------------------------------------------

    def finish(self) -> Session:
        self._sync()
        s = self.s
        if self.tls13:
            self._infer_tls13_alerts()
        # Data held back for a hole is delivered late: keep the ladder in capture order.
        s.events.sort(key=lambda e: e.frame)
        s.alerts.sort(key=lambda a: a.frame)
        s.established = self._established()
        s.renegotiation_frame = self.reneg_frame
        s.status = self._status()
        ch = s.client_hello
        if ch is not None:
            s.ja3, s.ja4 = _fingerprints(ch)
        return s

    def _infer_tls13_alerts(self) -> None:
        """Small protected records right before a close are alerts (stated as likely)."""
        s = self.s
        size = alert_size(s.cipher_suite)
        client_alert_frame = 1 << 62
        for side in (CLIENT, SERVER):
            rec = self.last_rec[side]
            # JSSE pads its TLS 1.3 alerts with 16 zero bytes (35-byte records, seen in
            # captures/java-*-tls13.pcap)
            if rec is None or rec.rtype != 23 or rec.length not in (size, size + 16):
                continue
            if rec.event is not None and rec.event.type == "Alert":
                continue
            closer = s.closed_by.get(SIDES[side]) or s.closed_by.get(SIDES[1 - side])
            if not closer:
                continue
            sent_data = self.appdata_count[side] > (
                1 if rec.event is None or rec.event.type == "ApplicationData" else 0
            )
            if side == CLIENT:
                # Sent instead of the client's Finished: its very first protected record.
                error = rec.index == 0 and not sent_data
                client_alert_frame = rec.frame
            else:
                # The server's first answer to the client's flight, unless the client had
                # already closed (then it is the server's close_notify in reply).
                closed_first = min(client_alert_frame, self.close_frame[CLIENT] or 1 << 62)
                error = (
                    self.client_done and self.server_after_client <= 1 and closed_first > rec.frame
                )
            kind = "likely an error alert" if error else "likely close_notify"
            note = f"{rec.length}-byte protected record before the close: {kind}"
            ev = rec.event
            if ev is None:
                ev = Event(
                    rec.frame,
                    rec.time,
                    SIDES[side],
                    "Alert",
                    None,
                    True,
                    rec.length,
                    rec.frame,
                    None,
                    note,
                )
                idx = len(s.events)
                while idx > 0 and s.events[idx - 1].frame > rec.frame:
                    idx -= 1
                s.events.insert(idx, ev)
                rec.event = ev
            else:
                ev.type = "Alert"
                ev.note = note
            alert = Alert(
                rec.frame, rec.time, SIDES[side], None, None, None, True, False, rec.length
            )
            s.alerts.append(alert)
            if error:
                self.encrypted_alerts_pending += 1

    def _established(self) -> bool:
        s = self.s
        if self.sslv2:
            return self.cmk and self.enc_records[CLIENT] > 0 and self.enc_records[SERVER] > 0
        if s.server_hello is None:
            return False
        if self.tls13 and self.decrypted:
            return (
                self.finished[CLIENT]
                and self.finished[SERVER]
                and not any(
                    a.decrypted and a.code not in BENIGN_ALERTS and not self._answers_truncation(a)
                    for a in s.alerts
                )
            )
        if self.tls13:
            if self.encrypted_alerts_pending:
                return False
            if not self.enc_records[SERVER] or not self.client_done:
                return False
            return self.enc_records[CLIENT] >= 2 or self.server_after_client >= 1
        if self.finished[CLIENT] and self.finished[SERVER]:
            return True
        # A damaged record where one side's ChangeCipherSpec belongs: the handshake went on
        # if the peer finished too and application data then flowed both ways (a peer does
        # not send application data on a handshake it failed).
        went_on = self.appdata_count[CLIENT] > 0 and self.appdata_count[SERVER] > 0
        done = [
            self.finished[i] or (self.damaged_finished[i] and went_on) for i in (CLIENT, SERVER)
        ]
        if done[CLIENT] and done[SERVER]:
            side = CLIENT if self.damaged_finished[CLIENT] else SERVER
            s.damaged_but_completed = self.assumed_ccs[side]
            self._note(
                f"frame {self.assumed_ccs[side]}: the {SIDES[side]}'s ChangeCipherSpec is "
                f"damaged in the capture; the {SIDES[1 - side]}'s Finished and application "
                "data in both directions show that the handshake completed"
            )
            return True
        return False

    def _answers_truncation(self, a: Alert) -> bool:
        """An alert sent after the peer closed TCP, once the peer had sent application data:
        the answer to a truncated connection (OpenSSL 3's "unexpected eof while reading",
        decode_error), not a refusal of the handshake, which had worked."""
        peer = SERVER if a.sender == "client" else CLIENT
        closed, data = self.close_frame[peer], self.first_appdata_frame[peer]
        return bool(closed and data) and data < closed < a.frame

    def _answers_renegotiation(self, a: Alert) -> bool:
        """TLS <=1.2: an alert sent after the peer started a second handshake on an
        established connection (a renegotiation the sender refuses). The first handshake
        worked; the refusal ends the connection, not the handshake."""
        if self.tls13 or not self.s.established:
            return False
        done: set[str] = set()
        ccs: set[str] = set()
        for e in self.s.events:
            if e.frame >= a.frame:
                return False
            if e.type == "ChangeCipherSpec":
                ccs.add(e.sender)
            elif e.type in ("Finished", "EncryptedHandshake") and e.sender in ccs:
                if done == {"client", "server"} and e.sender != a.sender:
                    return True
                done.add(e.sender)
            elif e.type in ("ClientHello", "HelloRequest") and done == {"client", "server"}:
                if e.sender != a.sender:
                    return True
        return False

    def _refused_before_peer_finished(self) -> bool:
        """TLS <=1.2: an unreadable alert sent before the peer's Finished and before any
        application data. NSS checks the server certificate after sending its own Finished
        and then sends an encrypted fatal alert: the ladder shows both Finished, yet the
        connection was refused."""
        s = self.s
        if self.tls13:
            return False
        for a in s.alerts:
            if a.code is not None or not a.encrypted:
                continue
            if any(f and f < a.frame for f in self.first_appdata_frame):
                return False
            peer = "server" if a.sender == "client" else "client"
            ccs = peer_finished = False
            for e in s.events:
                if e.frame >= a.frame:
                    break
                if e.sender != peer:
                    continue
                if e.type == "ChangeCipherSpec":
                    ccs = True
                elif ccs and e.type in ("Finished", "EncryptedHandshake"):
                    peer_finished = True
                    break
            if not peer_finished:
                return True
        return False

    def _status(self) -> Status:
        s = self.s
        if s.non_tls_reply is not None:
            return "failed"
        if s.established and self._refused_before_peer_finished():
            s.established = False
            return "failed"
        for a in s.alerts:
            if a.code is None:
                continue
            if a.code in BENIGN_ALERTS or self._answers_truncation(a):
                continue
            if self._answers_renegotiation(a):
                continue
            if s.established and self.reneg_frame and a.frame > self.reneg_frame:
                # A renegotiation refused after application data: the handshake worked and
                # the connection ended badly (the diagnosis names how).
                continue
            if a.level == "fatal" or self.tls13 or a.code not in WARNING_OK_ALERTS:
                # refused right after the Finished messages, before any data: not established
                if s.established and not any(f and f < a.frame for f in self.first_appdata_frame):
                    s.established = False
                return "failed"
        if s.established:
            return "ok"
        if s.gaps:
            # Bytes are missing from the capture: the handshake may well have gone on.
            return "incomplete"
        if s.closed_by or any(a.encrypted for a in s.alerts):
            return "failed"
        return "incomplete"


_CONTENT_TYPES = {
    20: "ChangeCipherSpec",
    21: "alert",
    22: "handshake",
    23: "protected (application_data)",
}


def _framed_record(data: bytes) -> tuple[int, tuple[int, int] | None] | None:
    """(body length, (level, code) when alert-shaped) for bytes that frame exactly one record
    although the header is not valid; None otherwise.

    The header's length field must match the bytes that follow (all of them, or up to a valid
    next header), and the record must look like TLS in some other way: a TLS-like type or
    version byte, or a 2-byte body whose second byte is a defined alert code.  A banner or a
    binary protocol rarely passes both checks.
    """
    n = len(data)
    if n < 7:
        return None
    length = data[3] << 8 | data[4]
    end = 5 + length
    if length == 0 or end > n:
        return None
    if end < n and not (n - end >= 3 and 20 <= data[end] <= 24 and data[end + 1] == 3):
        return None
    alert = None
    if length == 2 and data[6] in names.ALERT_DESCRIPTIONS:
        alert = (data[5], data[6])
    tls_like = 20 <= data[0] <= 24 or (data[1] == 3 and data[2] <= 4)
    if alert is None and not tls_like:
        return None
    return length, alert


def alert_words(alert: tuple[int, int]) -> str:
    level, code = alert
    lv = names.alert_level_name(level) if level in (1, 2) else f"level byte 0x{level:02x}"
    return f"{lv} {names.alert_name(code)} ({code})"


_FP_CACHE: dict[tuple, tuple[str | None, str | None]] = {}


def _fingerprints(ch) -> tuple[str | None, str | None]:
    """JA3 and JA4 of a ClientHello, cached by the fields they read: one client sends the
    same hello shape on every connection, and hashing it 20,000 times costs seconds."""
    key = (
        ch.legacy_version,
        tuple(ch.cipher_suites),
        tuple(e.type for e in ch.extensions),
        tuple(ch.supported_groups),
        tuple(ch.ec_point_formats),
        tuple(ch.signature_algorithms),
        tuple(ch.supported_versions),
        tuple(ch.alpn),
        ch.sni is not None,
        ch.sslv2_format,
    )
    hit = _FP_CACHE.get(key)
    if hit is None:
        from tlstui.tls import fingerprint

        try:
            hit = (fingerprint.ja3(ch), fingerprint.ja4(ch))
        except Exception:
            hit = (None, None)
        if len(_FP_CACHE) > 4096:
            _FP_CACHE.clear()
        _FP_CACHE[key] = hit
    return hit
