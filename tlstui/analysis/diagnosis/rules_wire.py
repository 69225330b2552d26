"""Rules about the connection itself: success, silence, closes, non-TLS replies, and alerts
whose meaning does not depend on the offer (internal_error, MAC/decrypt failures), plus the
honest fallback ``unknown``."""

from __future__ import annotations

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.registry import Context, make, rule
from tlstui.analysis.diagnosis.text import alert_text, plural, q, s_client
from tlstui.analysis.model import Cause, Confidence, Session
from tlstui.textsafe import safe_text
from tlstui.tls import names
from tlstui.tls.facts import PQ_GROUPS

POSITION_TEXT = {
    "P1": "in answer to the ClientHello, before any ServerHello",
    "P2": "right after the ServerHello",
    "P3": "after the server's certificate flight, before the client's own second flight",
    "P4": "after the client's second flight",
    "P5": "after the client's Finished: the client already considered the handshake done",
    "P6": "after the handshake",
}

ENDS_HANDSHAKE_FOR_CLIENT = frozenset({"FIN", "RST"})


def other(side: str) -> str:
    return "server" if side == "client" else "client"


def _ch_frame(s: Session) -> int | None:
    return pos.offer_frame(s)


# --- a damaged capture -----------------------------------------------------------------------


@rule(priority=3)
def capture_gap(s: Session, ctx: Context) -> Cause | None:
    """unknown: bytes of the handshake are missing from the capture itself (snaplen too small,
    or packets the capture dropped); the outcome cannot be read, and saying so beats a guess."""
    if s.status != "incomplete" or not s.gaps or ctx.alert_readable:
        return None
    notes = [n for n in s.malformed if "missing from the capture" in n]
    frames = [int(n.split(":")[0][6:]) for n in notes if n.startswith("frame ")]
    return make(
        "unknown",
        "medium",
        f"{s.gaps} bytes of this handshake are missing from the capture (snaplen too small "
        "or dropped packets): its outcome cannot be read",
        f"The capture lost {s.gaps} bytes of this connection ({plural(len(notes), 'place')}, "
        f"first at frame {frames[0] if frames else s.first_frame}). Records that span the "
        "hole could not be decoded, so whether the handshake completed is not visible here. "
        "Capture again with the full snaplen (tcpdump -s 0, the default in current versions) "
        "and check the capture's drop counters (tcpdump prints 'packets dropped by kernel').",
        [_ch_frame(s), *frames[:5]],
        "unknown",
        ["tcpdump -s 0 -w cap.pcap ... (and keep an eye on 'dropped by kernel')"],
    )


def _capture_end(s: Session, ctx: Context) -> float:
    if ctx.report is not None and ctx.report.capture.last_time is not None:
        return max(ctx.report.capture.last_time, s.end)
    return s.end


def _after_text(s: Session, ctx: Context, since: float) -> str:
    """How long the capture shows nothing more of this connection after *since*, and whether
    the capture itself went on (other traffic) or stopped there."""
    end = _capture_end(s, ctx)
    quiet = max(0.0, s.end - since)
    went_on = end - s.end
    if went_on >= 0.5:
        return (
            f"the connection shows {quiet:.1f} s more without it, and the capture went on "
            f"for {went_on:.1f} s after this connection's last packet"
        )
    return (
        f"the capture ends {max(0.0, end - since):.3f} s later (this connection's last packet "
        "is the end of the capture)"
    )


def unfinished_flight(s: Session) -> tuple[str, str] | None:
    """(side, what is missing) when the last side that spoke had not finished its flight, so
    its peer was not yet due to answer.  None when the flight looks complete or cannot be
    judged (a TLS 1.3 encrypted flight without keys)."""
    last = next((e for e in reversed(s.events) if e.type not in ("FIN", "RST")), None)
    if last is None or s.server_hello is None:
        return None
    types = {(e.sender, e.type) for e in s.events}
    tls13 = pos.is_tls13(s)
    if last.sender == "server":
        if tls13:
            if ("server", "Finished") in types:
                return None
            decrypted = {"EncryptedExtensions", "Certificate", "CertificateVerify"}
            if any(("server", t) in types for t in decrypted):
                return "server", "its Finished (the end of its TLS 1.3 flight)"
            if ("server", "EncryptedHandshake") not in types:
                return "server", "its encrypted flight (EncryptedExtensions to Finished)"
            return None
        if s.resumed:
            if ("server", "EncryptedHandshake") in types or ("server", "Finished") in types:
                return None
            return "server", "its ChangeCipherSpec and Finished (the end of a resumption)"
        if ("server", "ServerHelloDone") in types or ("server", "ChangeCipherSpec") in types:
            return None
        return "server", "ServerHelloDone (the end of its flight)"
    if last.sender == "client" and not tls13 and not s.resumed:
        if ("client", "ClientKeyExchange") in types and not (
            ("client", "EncryptedHandshake") in types or ("client", "Finished") in types
        ):
            return "client", "its ChangeCipherSpec and Finished"
    return None


@rule(priority=2)
def capture_ends_mid_flight(s: Session, ctx: Context) -> Cause | None:
    """unknown: the capture stops inside a record, or before the end of a flight, so the
    peer was not yet due to answer: nothing on the wire says anyone failed."""
    if s.status != "incomplete" or ctx.alert_readable or s.closed_by:
        return None
    cut = s.cut
    unfinished = unfinished_flight(s)
    if cut is None and unfinished is None:
        return None
    facts: list[str] = []
    evidence: list[int | None] = [_ch_frame(s)]
    side: str
    if cut is not None:
        side = cut.sender
        partial = next((m for m in cut.messages if m[1] < m[2]), None)
        if cut.length:
            kind = {22: "handshake", 23: "protected", 21: "alert"}.get(cut.content_type, "")
            facts.append(
                f"the {side}'s {kind + ' ' if kind else ''}record that begins in frame "
                f"{cut.frame} is {cut.length} bytes long and only {cut.captured} of them "
                "were captured"
            )
        else:
            facts.append(f"a handshake message from the {side} that began in frame {cut.frame}")
        done = [m[0] for m in cut.messages if m[1] >= m[2] and m[2]]
        if done:
            facts.append(f"it holds a complete {', '.join(done)}")
        if partial is not None:
            facts.append(f"the {partial[0]} in it is cut after {partial[1]} of {partial[2]} bytes")
        missing = f"the rest of the {side}'s flight"
        if partial is not None:
            missing = f"the rest of the {side}'s {partial[0]}"
        if unfinished is not None and unfinished[0] == side:
            missing += f" and {unfinished[1].removeprefix('its ')}"
        evidence.append(cut.frame)
        since = cut.time
        summary = (
            f"The capture ends mid-flight: {missing} is not in it "
            f"({cut.captured} of {cut.length or '?'} bytes of the last record captured)"
        )
    else:
        assert unfinished is not None
        side, what = unfinished
        last = next(e for e in reversed(s.events) if e.sender == side)
        facts.append(
            f"the {side}'s last message is the {last.type} in frame {last.frame}, and "
            f"{what} is not in the capture"
        )
        evidence.append(last.frame)
        since = last.time
        missing = f"the {side}'s " + what.removeprefix("its ")
        summary = f"The capture ends mid-flight: {missing} is not in it"
    peer = other(side)
    explanation = (
        "; ".join(facts)[:1].upper()
        + "; ".join(facts)[1:]
        + f". The {side} had not finished its flight, so the {peer} was not yet due to "
        f"answer: the capture does not show a failure, only that it stops here ("
        + _after_text(s, ctx, since)
        + "). Capture for longer (or capture the whole connection) to see the outcome."
    )
    return make(
        "unknown",
        "medium",
        summary,
        explanation,
        evidence,
        "unknown",
        ["Capture for longer, from before the connection opens until after it closes"],
    )


@rule(priority=6)
def damaged_record(s: Session, ctx: Context) -> Cause | None:
    """unknown: a record of this session is damaged in the capture.  A well-framed record
    with a mangled header is damaged TLS, not another protocol; what it probably said is
    stated, never at high confidence."""
    if not ctx.failed or not s.damage or ctx.alert_readable:
        return None
    dmg = next((d for d in s.damage if d.alert is not None), s.damage[0])
    shown = " ".join(f"{b:02x}" for b in dmg.data[:16])
    lines = [
        f"The {dmg.sender}'s bytes in frame {dmg.frame} ({shown}) are not a valid TLS record "
        f"header: {dmg.why}."
    ]
    summary = f"A damaged TLS record from the {dmg.sender} (frame {dmg.frame})"
    if dmg.alert is not None:
        _level, code = dmg.alert
        from tlstui.analysis.sessions import alert_words

        words = alert_words(dmg.alert)
        lines.append(
            f"Its length field matches the 2 bytes that follow, and those read as an alert: "
            f"{words}. The record type and version bytes were damaged (at the capture point, "
            "by a middlebox, or by a stack bug), so it is TLS, not another protocol, and the "
            "alert is read only with reservation."
        )
        summary = (
            f"The {dmg.sender}'s reply in frame {dmg.frame} is a damaged TLS record; it "
            f"reads as {words}"
        )
        same = [
            o
            for o in ctx._others
            if o.alerts
            and any(a.code == code and a.sender == dmg.sender and not a.encrypted for a in o.alerts)
        ]
        if same:
            o = same[0]
            a = next(a for a in o.alerts if a.code == code)
            lines.append(
                f"Session #{o.id} to the same server got the same code undamaged "
                f"({alert_text(a, s.transport)}"
                f" in frame {a.frame}); its diagnosis most likely applies "
                "here too."
            )
    else:
        lines.append(
            "The session carries TLS records on both sides, so this is a damaged record "
            "(capture point, middlebox or stack bug), not a peer speaking another protocol."
        )
    close = pos.first_close(s)
    if close is not None:
        lines.append(
            f"The {close.sender} then closed the connection ({close.type}, frame {close.frame})."
        )
    return make(
        "unknown",
        "medium",
        summary,
        " ".join(lines),
        [_ch_frame(s), dmg.frame, close.frame if close else None],
        "unknown",
        [
            "Capture again (on the client and on the server if possible) to see whether "
            "the damage is in the capture or on the wire",
            s_client(s, "-msg"),
        ],
    )


@rule(priority=4)
def heartbleed_probe(s: Session, ctx: Context) -> Cause | None:
    """abrupt_close: a heartbeat request before the handshake completed is a Heartbleed
    (CVE-2014-0160) probe; the prober drops the connection on purpose."""
    if not ctx.failed or s.established:
        return None
    beats = [e for e in s.events if e.type == "Heartbeat" and not e.encrypted]
    asked = [e for e in beats if e.sender == "client"]
    if not asked:
        return None
    answered = [e for e in beats if e.sender == "server" and e.frame >= asked[0].frame]
    close = pos.first_close(s)
    verdict = (
        f"The server answered with a heartbeat in frame {answered[0].frame} "
        f"({answered[0].length} bytes): it processes heartbeats before the handshake, the "
        "behaviour of a vulnerable OpenSSL (1.0.1 to 1.0.1f); patch or rebuild it without "
        "heartbeats."
        if answered
        else "The server did not answer the heartbeat in the capture, which is what a patched "
        "server does."
    )
    return make(
        "abrupt_close",
        "high",
        "Not a configuration failure: a Heartbleed (CVE-2014-0160) probe",
        f"The client sent a heartbeat request in frame {asked[0].frame}, in plaintext, before "
        f"the handshake completed; no real client does that, scanners testing for Heartbleed "
        f"do, and they drop the connection afterwards"
        f"{f' (the {close.type} in frame {close.frame})' if close else ''}. {verdict}",
        [
            _ch_frame(s),
            asked[0].frame,
            *(e.frame for e in answered[:1]),
            close.frame if close else None,
        ],
        "client",
        ["Find who runs the scanner (the client address); check the server's OpenSSL version"],
    )


# --- ok --------------------------------------------------------------------------------------


@rule(priority=0)
def handshake_ok(s: Session, ctx: Context) -> Cause | None:
    """ok: the engine saw the handshake complete and no fatal alert."""
    if s.status != "ok":
        return None
    parts = []
    if s.version is not None:
        parts.append(names.version_name(s.version))
    if s.cipher_suite is not None:
        parts.append(names.cipher_suite_name(s.cipher_suite))
    if s.group is not None:
        parts.append(names.group_name(s.group))
    what = ", ".join(parts) or "parameters not visible"
    summary = f"Handshake completed ({what})" + (", resumed session" if s.resumed else "")
    sh = pos.first(s, "ServerHello", "server")
    done = pos.first(s, "ApplicationData") or pos.first(s, "Finished", "server")
    lines = [
        f"The ClientHello in frame {_ch_frame(s)} was answered by the ServerHello in frame "
        f"{sh.frame if sh else '?'}; both sides finished the handshake ({what})."
    ]
    if s.damaged_but_completed:
        lines.append(
            f"The record in frame {s.damaged_but_completed} is damaged in the capture (where a "
            f"ChangeCipherSpec belongs), but the peer's Finished and application data in both "
            f"directions after it show that the endpoints received it intact: only the "
            f"captured copy is damaged."
        )
    ended = _renegotiation_ending(s, what)
    if ended is not None:
        return ended
    warnings = [a for a in s.alerts if a.code not in (None, 0) and a.level == "warning"]
    if warnings:
        lines.append(
            "Warning alerts that did not end the connection: "
            + ", ".join(
                f"{alert_text(a, s.transport)} from the {a.sender} in frame {a.frame}"
                for a in warnings
            )
            + "."
        )
    return make(
        "ok",
        "high",
        summary,
        " ".join(lines),
        [_ch_frame(s), sh.frame if sh else None, done.frame if done else None],
        "",
    )


_NOT_HANDSHAKE = frozenset({"ApplicationData", "Alert", "FIN", "RST", "Heartbeat", "Malformed"})


def _renegotiation_ending(s: Session, what: str) -> Cause | None:
    """abrupt_close on an ok session: after application data one side started a
    renegotiation and alerts ended the connection.  The handshake worked; say how it ended."""
    frame = s.renegotiation_frame
    if not frame:
        return None
    after = [a for a in s.alerts if a.frame > frame and a.code not in (0, 90)]
    if not after:
        return None
    ev = next((e for e in s.events if e.frame == frame and e.type != "ApplicationData"), None)
    who = ev.sender if ev is not None else "client"
    # A peer that answered with handshake records went along with the renegotiation: the
    # alerts after it are a later matter (usually close_notify), not a refusal.
    if any(
        e.sender != who and e.type not in _NOT_HANDSHAKE and frame < e.frame < after[0].frame
        for e in s.events
    ):
        errors = [a for a in after if a.code is not None]
        if not errors:
            return None  # unreadable alerts after a renegotiation that went on: a close
        a = errors[0]
        return make(
            "abrupt_close",
            "medium",
            f"The handshake worked; a later renegotiation failed ("
            f"{alert_text(a, s.transport)} from the "
            f"{a.sender})",
            f"Both sides finished the handshake ({what}). The {who} started a renegotiation "
            f"in frame {frame} and the peer went along with it, then the {a.sender} sent "
            f"{alert_text(a, s.transport)} in frame {a.frame}. The first handshake is fine; the "
            f"renegotiation (often the server asking for a client certificate for one "
            f"resource) is what failed, and the {a.sender}'s log says why.",
            [_ch_frame(s), frame, a.frame],
            a.sender,
            [f"Read the {a.sender}'s log at this time"],
        )
    data = next((e for e in s.events if e.type == "ApplicationData" and e.frame < frame), None)
    readable = all(a.code is not None for a in after)
    told = "; ".join(
        f"{alert_text(a, s.transport)} from the {a.sender} in frame {a.frame}" for a in after
    )
    refused = any(a.code == 100 for a in after)
    reading = (
        "The peer refused it (no_renegotiation, 100): OpenSSL 3 refuses client-initiated "
        "renegotiation by default"
        if refused
        else "The alerts end the connection there"
    )
    if not readable:
        reading = (
            "The alerts are encrypted (a key log would name them); a server that refuses "
            "renegotiation answers with no_renegotiation (100) and the client then aborts"
        )
    return make(
        "abrupt_close",
        "high" if readable and refused else "medium",
        "The handshake worked; the connection ended when a renegotiation after application "
        "data was refused" + ("" if readable else " (likely)"),
        f"Both sides finished the handshake ({what}) and application data flowed"
        + (f" (frame {data.frame})" if data else "")
        + f". Then the {who} started a renegotiation (its handshake record in frame {frame}),"
        f" and the connection ended with {told}. {reading}. The handshake itself is fine: "
        f"the application (or its TLS library) asked for a renegotiation the peer does not "
        f"allow; TLS 1.3 has no renegotiation at all.",
        [_ch_frame(s), data.frame if data else None, frame, *(a.frame for a in after[:2])],
        who,
        [
            f"Find why the {who} renegotiates (a client certificate asked per URL, a key "
            "refresh timer) or allow it on the peer (OpenSSL: -client_renegotiation)"
        ],
    )


# --- the reply is not TLS --------------------------------------------------------------------

_BANNERS = (
    (
        b"HTTP/",
        "a plain-HTTP server",
        "The port answers in plain HTTP: the client used https:// (or TLS) against an HTTP port, "
        "or the server's TLS listener is not on this port.",
        None,
    ),
    (b"SSH-", "an SSH server", "This is an SSH port; the client has the wrong port.", None),
    (
        b"220",
        "an SMTP or FTP greeting (220)",
        "The service greets in plaintext and upgrades with STARTTLS (SMTP) or AUTH TLS (FTP); "
        "the client must speak the plaintext protocol first, or use the implicit-TLS port "
        "(465 for SMTP, 990 for FTP).",
        "smtp",
    ),
    (
        b"* OK",
        "an IMAP greeting",
        "IMAP on this port upgrades with STARTTLS; use it, or the implicit-TLS port 993.",
        "imap",
    ),
    (
        b"+OK",
        "a POP3 greeting",
        "POP3 on this port upgrades with STLS; use it, or the implicit-TLS port 995.",
        "pop3",
    ),
    (
        b"\x03\x00",
        "an RDP/X.224 (TPKT) reply",
        "An RDP server answered: RDP negotiates TLS inside its own protocol.",
        None,
    ),
)


@rule(priority=5)
def non_tls_peer(s: Session, ctx: Context) -> Cause | None:
    """non_tls_peer: the server's first bytes are not a TLS record (§3 D)."""
    if not ctx.failed or s.non_tls_reply is None:
        return None
    data = s.non_tls_reply
    shown = safe_text(data[:48], 64)
    what, why, starttls = (
        "bytes that are not a TLS record",
        (
            "The server is not speaking TLS on this port: a different protocol, a proxy expecting "
            "a PROXY-protocol header or an HTTP CONNECT, or the wrong port."
        ),
        None,
    )
    head = data.lstrip()
    http = head.startswith(b"HTTP/") or head[:14].lower().startswith((b"<!doctype html", b"<html"))
    for prefix, name, text, st in _BANNERS:
        if data.startswith(prefix) or (http and prefix == b"HTTP/"):
            what, why, starttls = name, text, st
            break
    summary = f"The server replied with {what}, not TLS: wrong port or STARTTLS needed"
    if http:
        summary = "The server replied in plain HTTP, not TLS: wrong port or scheme"
    explanation = (
        f"After the ClientHello in frame {_ch_frame(s)}, the server sent {q(shown)} in frame "
        f'{s.non_tls_reply_frame}. {why} Clients report this as "wrong version number" '
        f'(OpenSSL), "first record does not look like a TLS handshake" (Go) or '
        f'"Unrecognized SSL message, plaintext connection?" (Java).'
    )
    checks = [
        f"Confirm which service listens on {s.server} (e.g. `nc {s.server.ip} "
        f"{s.server.port}` and read the banner)"
    ]
    if starttls:
        checks.insert(0, s_client(s, "-starttls", starttls))
    return make(
        "non_tls_peer",
        "high",
        summary,
        explanation,
        [_ch_frame(s), s.non_tls_reply_frame],
        "client",
        checks,
    )


# --- silence ---------------------------------------------------------------------------------


def _server_said_anything(s: Session) -> bool:
    return any(e.sender == "server" for e in s.events) or s.non_tls_reply is not None


@rule(priority=60)
def no_response(s: Session, ctx: Context) -> Cause | None:
    """no_response: the ClientHello got no answer at all (§3 A), or the handshake stalled."""
    if not ctx.failed or not s.client_hellos or s.non_tls_reply is not None:
        return None
    ch_ev = pos.first(s, "ClientHello", "client")
    ch = s.client_hello
    if ch_ev is None or ch is None:
        return None
    capture_end = None
    if ctx.report is not None and ctx.report.capture.last_time is not None:
        capture_end = ctx.report.capture.last_time
    if _server_said_anything(s):
        return _stall(s, ctx, capture_end)
    client_close = next(
        (e for e in s.events if e.sender == "client" and e.type in ENDS_HANDSHAKE_FOR_CLIENT), None
    )
    # Rounded as printed: the number the text shows and the threshold it is held to agree
    # (a client that gave up 0.99997 s after its hello gave up "after 1.0 s").
    waited = round((client_close.time if client_close else (capture_end or s.end)) - ch_ev.time, 1)
    retrans = s.client_hello_retransmits
    pq = [g for g in ch.key_share_groups if g in PQ_GROUPS]
    multi_segment = bool(ch_ev.first_frame and ch_ev.first_frame < ch_ev.frame)
    big = ch.length >= 1200 or multi_segment
    if s.transport in ("quic", "udp"):
        return _no_udp_reply(s, ch_ev.frame, ch.length, waited, capture_end)
    facts = [
        f"The ClientHello (frame {ch_ev.frame}, {ch.length} bytes"
        + (f", sent in segments from frame {ch_ev.first_frame}" if multi_segment else "")
        + ") got no reply from the server"
    ]
    if retrans:
        facts.append(
            f"the client retransmitted it {plural(retrans, 'time')}, so it was never acknowledged"
        )
    went_on = (capture_end or s.end) - s.end
    if client_close:
        facts.append(
            f"the client gave up with a {client_close.type} after {waited:.1f} s "
            f"(frame {client_close.frame})"
        )
    else:
        facts.append(
            f"the capture shows {waited:.1f} s of silence after it"
            + (
                f" (the capture went on {went_on:.1f} s past this connection's last packet)"
                if went_on >= 0.5
                else " (and ends there)"
            )
        )
    explanation = "; ".join(facts) + "."
    if retrans or (client_close and waited >= 1.0) or waited >= 5.0:
        confidence: Confidence = "high"
    elif waited >= 1.0:
        confidence = "medium"
    else:
        confidence = "low"
        if client_close:
            explanation += (
                " The client gave up quickly: a short client timeout, or a client that closed "
                "for its own reasons; a server may simply need longer to answer."
            )
        elif went_on < 0.5:
            explanation += " The capture may simply have stopped too soon."
        else:
            explanation += " The server had little time to answer before the connection ends."
    fault = "path" if retrans else "server"
    checks = [s_client(s), "Capture on the server side too: does the ClientHello arrive?"]
    if big and pq:
        pq_names = ", ".join(PQ_GROUPS[g] for g in pq)
        summary = (
            f"No reply to a large ClientHello carrying a post-quantum key share "
            f"({pq_names}): suspect an MTU black hole or a middlebox"
        )
        explanation += (
            f" The hello carries a {pq_names} key share (about 1.2 KB), so it spans several TCP "
            f"segments. Middleboxes that cannot reassemble a multi-segment ClientHello, and "
            f'paths with a PMTU black hole, drop exactly this ("tldr.fail"). Retry with a '
            f"classical group only to confirm."
        )
        checks.insert(0, s_client(s, "-groups", "X25519"))
        fault = "path"
    elif retrans:
        summary = (
            f"No reply to the ClientHello; it was retransmitted {plural(retrans, 'time')}"
            f": the path drops it"
        )
        explanation += (
            " An unacknowledged, retransmitted ClientHello is dropped on the way: a "
            "firewall or IPS (often one that filters on SNI), or a routing problem."
        )
    else:
        summary = "No reply from the server to the ClientHello"
        explanation += (
            " The server (or something in front of it) took the connection but never "
            "answered: a blocked server application (slow certificate or OCSP "
            "callback, full backlog), a server expecting a PROXY-protocol header "
            "first, or a load balancer waiting on its backend."
        )
    if big and not pq:
        explanation += (
            f" The hello is large ({ch.length} bytes): an MTU problem on the path is possible."
        )
    return make(
        "no_response",
        confidence,
        summary,
        explanation,
        [ch_ev.frame, client_close.frame if client_close else None],
        fault,
        checks,
    )


def _no_udp_reply(
    s: Session, chf: int, length: int, waited: float, capture_end: float | None
) -> Cause:
    """No packet at all from the server over UDP (QUIC or DTLS).  Unlike TCP there is no
    handshake to show that anything took the connection: an unanswered datagram is as
    consistent with UDP being filtered on the way, or nothing listening on the port (the
    server's ICMP port unreachable, when it is sent, is often filtered too), as with a server
    that received it and stayed silent.  So the capture supports "no reply" (never high),
    not whose fault it is."""
    proto = "QUIC Initial" if s.transport == "quic" else "DTLS ClientHello"
    retrans = s.client_hello_retransmits
    end = capture_end or s.end
    went_on = end - s.end
    facts = [f"The client's {proto} (frame {chf}, ClientHello of {length} bytes) got no reply"]
    if retrans:
        facts.append(f"the client sent it again {plural(retrans, 'time')}, also unanswered")
    facts.append(
        f"the capture shows {waited:.1f} s of silence from the server after it"
        + (
            f" (the capture went on {went_on:.1f} s past this connection's last packet)"
            if went_on >= 0.5
            else " (and ends there)"
        )
    )
    explanation = "; ".join(facts) + "."
    port = s.server.port
    explanation += (
        " Over UDP nothing shows that the server received it: the datagram may have been "
        f"dropped on the way (a firewall that lets TCP/{port} through but not UDP/{port} is "
        "common), "
        "nothing may listen on the port, or the server may have received it and not answered "
        "(a wrong version, a full or rate-limited listener). The capture cannot tell these apart."
    )
    # Medium: "no reply" is what the capture shows, the reason has named alternatives; low when
    # the client did not wait (or the capture did not run) long enough to call it silence.
    if retrans or waited >= 5.0 or (waited >= 1.0 and went_on >= 0.5):
        confidence: Confidence = "medium"
    else:
        confidence = "low"
        explanation += " The server had little time to answer in this capture."
    checks = [
        f"Check that UDP port {port} reaches the server (firewall, security group, NAT): "
        f"capture on the server side, does the datagram arrive?",
        "Look for ICMP port unreachable in the capture (tshark -Y icmp): it means nothing "
        "listens on that port",
        "Check that the server listens on UDP (ss -ulpn)",
    ]
    if s.transport == "quic":
        checks.append("Compare with TCP to the same server (curl --http2): does it answer there?")
    return make(
        "no_response",
        confidence,
        f"No reply from the server to the {proto}: filtered, nothing listening, or ignored",
        explanation,
        [chf],
        "unknown",
        checks,
    )


def _stall(s: Session, ctx: Context, capture_end: float | None) -> Cause | None:
    """The handshake started, a flight was complete, and the other side did not answer before
    the capture ended: only then does the silence point at the other side."""
    if s.status != "incomplete" or s.alerts or any(e.type in ("FIN", "RST") for e in s.events):
        return None
    if s.cut is not None or unfinished_flight(s) is not None:
        return None  # the capture ends mid-flight: capture_ends_mid_flight says so
    last = next((e for e in reversed(s.events) if e.type not in ("FIN", "RST")), None)
    if last is None:
        return None
    waiting = other(last.sender)
    end = capture_end or s.end
    quiet = end - last.time
    # The capture ran at least until its last packet: silence after *last* was recorded when
    # that packet is later (this connection's own retransmissions included), and only then.
    went_on = quiet >= 0.5
    sealed = s.transport == "quic" and s.secrets != "decrypted"
    # A QUIC flight without keys: its ServerHello is in the clear, the rest in encrypted
    # Handshake packets, so the ladder cannot show that the flight was complete.
    flight = "flight" if sealed else "complete flight"
    completes = (
        "which with its encrypted Handshake packets makes its flight"
        if sealed
        else "which completes its flight"
    )
    extra = ""
    if last.sender == "server" and pos.first(s, "CertificateRequest", "server"):
        extra = (
            " The server asked for a client certificate: a client waiting on a user "
            "prompt or a smart card stalls exactly here."
        )
    elif last.sender == "server" and (last.type in pos.SERVER_FLIGHT or sealed):
        extra = (
            " If the server's flight is large (a long chain) and keeps being "
            "retransmitted, it may not reach the client: a PMTU black hole."
        )
    # Silence means something only if the capture went on long enough to show it.
    confidence: Confidence = "medium" if round(quiet, 1) >= 5.0 else "low"  # as printed
    if went_on:
        tail = s.end - last.time
        more = (
            f"; this connection's packets go on until frame {s.last_frame}, {tail:.1f} s "
            f"after it (the {last.sender} sending again), still with nothing from the {waiting}"
            if tail >= 0.5
            else ""
        )
        seen = (
            f"the capture went on for {quiet:.1f} s after it with no handshake message from "
            f"the {waiting} and no close{more}"
        )
        why = f"Either the {waiting} is stuck or the bytes were lost on the path."
    else:
        seen = (
            f"the capture ends {quiet:.3f} s after it (this connection's last packet is "
            f"the end of the capture), so the {waiting} had little time to answer"
        )
        why = (
            f"Most likely the capture stopped too soon; if not, the {waiting} is stuck or "
            "the bytes were lost on the path."
        )
    summary = (
        f"No answer from the {waiting} to the {last.sender}'s {flight} "
        f"(last message: {last.type}, frame {last.frame}) in {quiet:.1f} s"
        if went_on
        else f"The capture ends {quiet:.3f} s after the {last.sender}'s {flight} "
        f"(last message: {last.type}, frame {last.frame}); the {waiting}'s answer is not in it"
    )
    return make(
        "no_response",
        confidence,
        summary,
        f"The last handshake message is the {last.sender}'s {last.type} in frame {last.frame}, "
        f"{completes}; {seen}. {why}{extra}",
        [last.frame],
        "unknown",
        [s_client(s), f"Check the {waiting}'s log around this time"],
    )


# --- closes without an alert -----------------------------------------------------------------


@rule(priority=90)
def abrupt_close(s: Session, ctx: Context) -> Cause | None:
    """abrupt_close: a side closed (FIN/RST, or close_notify) mid-handshake without an error
    alert (§3 B, C, J)."""
    if not ctx.failed or ctx.alert is not None or s.non_tls_reply is not None:
        return None
    close = pos.first_close(s)
    notify = next((a for a in s.alerts if a.code == 0), None)
    if notify and (close is None or notify.frame <= close.frame):
        idx = pos.alert_index(s, notify)
        side, frame, how = notify.sender, notify.frame, "close_notify"
    elif close is not None:
        idx = s.events.index(close)
        side, frame, how = close.sender, close.frame, close.type
    else:
        return None
    position = pos.position_at(s, idx, side)
    if position == "P6":
        return None
    if side == "client" and not _server_said_anything(s):
        return None  # the client gave up waiting: that is no_response
    prev = pos.last_before(s, idx)
    after = (
        f"right after the {prev.sender}'s {prev.type} in frame {prev.frame}"
        if prev
        else "before anything else"
    )
    ch = s.client_hello
    lines = [
        f"The {side} closed the connection with {'a ' + how if how != 'close_notify' else how}"
        f" in frame {frame}, {after}, without sending an error alert."
    ]
    fault = "unknown"
    silence = frame_time = 0.0
    if prev is not None:
        frame_time = next((e.time for e in s.events if e.frame == frame), prev.time)
        silence = frame_time - prev.time
    timed_out = silence >= pos.SILENT_TIMEOUT
    if timed_out:
        lines[0] = (
            f"The {side} closed the connection with "
            f"{'a ' + how if how != 'close_notify' else how} in frame {frame}, after "
            f"{silence:.1f} s of silence following the {prev.sender}'s {prev.type} in frame "
            f"{prev.frame}, without sending a single TLS byte in between or an error alert."
            if prev
            else lines[0]
        )
    if side == "server" and position == "P1" and timed_out:
        summary = (
            f"The server said nothing for {silence:.1f} s after the ClientHello, then closed "
            f"({how}): a timeout, not a refusal"
        )
        lines.append(
            "A server that refuses the offer (version, suites, name) answers at once, with an "
            "alert such as protocol_version (70) or handshake_failure (40), or closes "
            "right away. Waiting seconds and then closing is a timeout on the server side: "
            "its handshake timeout fired while it was stuck (a slow certificate or OCSP "
            "callback, a backend it waits for), or it expected something else first (a "
            "PROXY-protocol header, a plaintext protocol greeting)."
        )
        if ch is not None and max(ch.offered_versions, default=0x0303) <= 0x0302:
            lines.append(
                "The offer is old (at most TLS 1.1), but that does not explain the wait: a "
                "server that refuses the version does so at once (protocol_version (70), or "
                "an immediate close)."
            )
        fault = "server"
    elif side == "server" and position == "P1":
        summary = f"The server closed the connection after the ClientHello with no alert ({how})"
        lines.append(
            "Many servers refuse a ClientHello silently: rustls has no alert for some errors "
            "(no certificate for the requested name), SNI routers close when no backend matches "
            "the name, and IP allowlists or rate limits drop the connection."
        )
        if ch and not ch.sni:
            lines.append(
                "The ClientHello carries no SNI, which alone makes many SNI-routed "
                "servers and CDNs close."
            )
            fault = "client"
        elif ch and ch.sni:
            lines.append(f"Check that the server has a virtual host for the SNI {q(ch.sni)}.")
    elif side == "client" and position == "P3":
        summary = "The client closed after the server's certificate, without an alert"
        lines.append(
            "Some applications close after their own certificate verification "
            "(pinning, a custom verify callback) instead of sending an alert: treat "
            "it like a certificate rejection and read the client's log."
        )
        fault = "client"
    elif side == "client" and position == "P2":
        summary = "The client closed right after the ServerHello, without an alert"
        lines.append(
            "The client refused what the server chose (version, suite or group) "
            "without saying so; compare the ServerHello with the offer."
        )
    else:
        summary = f"The {side} closed the connection mid-handshake without an alert ({how})"
        lines.append(f"The {side}'s log should say why; nothing on the wire does.")
    for r in pos.reaction_alerts(s):
        lines.append(
            f"The {r.sender} then sent {alert_text(r, s.transport)} in frame {r.frame}: its "
            f"reaction to the unexpected end of the connection (OpenSSL 3 answers an "
            f"unexpected EOF with decode_error), not the cause."
        )
    if how == "RST":
        lines.append(
            "An RST rather than a FIN often just means the peer closed its socket "
            "with unread data (Linux then sends RST), not necessarily a middlebox; an "
            "injected RST would show a different TTL or IP-ID than the "
            f"{side}'s other packets."
        )
    return make(
        "abrupt_close",
        "medium",
        summary,
        " ".join(lines),
        [_ch_frame(s), prev.frame if prev else None, frame],
        fault,
        [s_client(s), f"Read the {side}'s log at this time"],
    )


# --- alerts whose meaning does not depend on the offer -----------------------------------------


@rule(priority=55)
def peer_internal_error(s: Session, ctx: Context) -> Cause | None:
    """peer_internal_error: internal_error (80) is the sender's own failure."""
    if not ctx.failed or not ctx.alert or ctx.alert.code != 80:
        return None
    a = ctx.alert
    position = ctx.position
    lines = [
        f"The {a.sender} sent internal_error (80) in frame {a.frame}"
        + (f", {POSITION_TEXT[position]}" if position in POSITION_TEXT else "")
        + ". "
        f"It reports a failure inside the {a.sender} (a callback error, a missing key or "
        f"certificate, an HSM or memory problem), not something the peer sent."
    ]
    fault = a.sender
    ch = s.client_hello
    if a.sender == "server" and position == "P1" and ch is not None and not ch.sni:
        lines.append(
            "The ClientHello has no SNI: some WAFs and CDNs answer exactly this with "
            "internal_error. Send SNI first."
        )
        fault = "client"
    lines.append(
        "GnuTLS also sends internal_error for any error it has no specific alert for. "
        f"The {a.sender}'s own log has the reason."
    )
    return make(
        "peer_internal_error",
        "high",
        f"The {a.sender} reported an internal error (internal_error, 80) in frame {a.frame}",
        " ".join(lines),
        [_ch_frame(s), a.frame],
        fault,
        [f"Read the {a.sender}'s TLS error log at this time", s_client(s)],
    )


@rule(priority=50)
def decrypt_failure(s: Session, ctx: Context) -> Cause | None:
    """decrypt_failure: bad_record_mac (20), decryption_failed (21) or decrypt_error (51)."""
    a = ctx.alert
    if not ctx.failed or a is None or a.code not in (20, 21, 51):
        return None
    position = ctx.position
    ev = pos.first(s, "ServerKeyExchange", "server")
    fault = "unknown"
    if a.code == 51:
        if a.sender == "client" and position in ("P2", "P3"):
            why = (
                "The client could not verify the server's signature (ServerKeyExchange or "
                "CertificateVerify): the server's private key does not match its "
                "certificate, typically a renewed certificate deployed with the old key."
            )
            fault = "server"
        elif a.sender == "server" and s.client_certificates:
            why = (
                "The server could not verify the client's CertificateVerify: the client's "
                "key does not match its certificate (often a smart card or HSM fault)."
            )
            fault = "client"
        elif position == "P1" and s.client_hello and s.client_hello.psk_offered:
            why = (
                "The ClientHello offered a PSK (resumption ticket) whose binder did not "
                "verify: a stale or foreign ticket."
            )
            fault = "client"
        else:
            why = (
                "A Finished or signature check failed: the two transcripts differ, so a "
                "middlebox edited handshake bytes or one side has a bug."
            )
            fault = "path"
    elif position == "P6":
        why = (
            "The MAC failed mid-stream, after good records: bytes changed in transit "
            "(a proxy, a NIC offload bug, or memory corruption)."
        )
        fault = "path"
    else:
        why = (
            "The first protected record did not decrypt: the two sides derived different "
            "keys. With RSA key exchange, a server key that does not match its certificate; "
            "otherwise a resumption-state mismatch, rejected 0-RTT data, or a middlebox that "
            "rewrote the handshake."
        )
    if a.code == 21:
        why += " decryption_failed (21) is reserved since TLS 1.1: a very old stack sent it."
    return make(
        "decrypt_failure",
        "high",
        f"The {a.sender} could not verify or decrypt what it received "
        f"({alert_text(a, s.transport)}, frame {a.frame})",
        f"The {a.sender} sent {alert_text(a, s.transport)} in frame {a.frame}"
        + (f", {POSITION_TEXT[position]}" if position in POSITION_TEXT else "")
        + f". {why}",
        [_ch_frame(s), ev.frame if ev and a.code == 51 else None, a.frame],
        fault,
        [
            s_client(s),
            "Compare the certificate and key modulus: `openssl x509 -noout "
            "-pubkey -in cert.pem` vs `openssl pkey -pubout -in key.pem`",
        ],
    )


# --- the honest fallback ---------------------------------------------------------------------

ALERT_MEANING = {
    10: "a message arrived in the wrong order for the handshake state",
    22: "a record was longer than allowed",
    47: "a field was out of range or inconsistent with the offer",
    50: "a message could not be parsed (truncated or malformed)",
    100: "the sender refuses to renegotiate",
    109: "a required extension is missing from the hello",
    110: "the peer sent an extension that was never offered",
    113: "the stapled OCSP response was rejected",
    115: "the server does not know the PSK identity",
    117: "the sender hides the reason (general_error)",
    121: "the client offered ECH and the server did not accept it",
}


@rule(priority=1000)
def unknown(s: Session, ctx: Context) -> Cause | None:
    """unknown: always a candidate for a failed or incomplete session; its summary says what
    would settle it."""
    if not ctx.failed:
        return None
    a = ctx.alert
    ch_frame = _ch_frame(s)
    when = f"at {_clock(s.start)}"
    if a is not None and a.code is None and a.sender == "client" and ctx.tls13:
        idx = pos.alert_index(s, a)
        own = pos.client_finished_flight(s, idx)
        if own and not any(x.sender == "server" and x.frame < a.frame for x in s.alerts):
            return make(
                "unknown",
                "low",
                "Probably a normal close: the client's encrypted record follows its own "
                "Finished (likely close_notify); a key log would confirm",
                f"The client sent its Finished (frame {own[-1].frame}), so it had accepted the "
                f"server's certificate and Finished; {alert_text(a, s.transport)} follows in frame "
                f"{a.frame}. A client that rejects the server alerts instead of sending "
                f"Finished, so this record is most likely close_notify (an application that "
                f"closed without sending data), and the handshake itself probably succeeded. "
                f"The client's SSLKEYLOGFILE would confirm it.",
                [ch_frame, own[-1].frame, a.frame],
                "unknown",
                ["Capture again with SSLKEYLOGFILE set on the client and load the key log"],
            )
    if a is not None and a.code is None:
        where = POSITION_TEXT.get(ctx.position or "", "at a position that does not settle it")
        return make(
            "unknown",
            "low",
            f"An encrypted alert from the {a.sender} (frame {a.frame}); a key log would show "
            f"its code",
            f"The {a.sender} sent "
            f"{alert_text(a, s.transport)} in frame {a.frame}, {where}. TLS 1.3 "
            f"encrypts alerts after the ServerHello, so the code is not in the capture. The "
            f"client's SSLKEYLOGFILE for this connection (or the {a.sender}'s log {when}) "
            f"would name it.",
            [ch_frame, a.frame],
            "unknown",
            [
                "Capture again with SSLKEYLOGFILE set on the client and load the key log",
                f"Read the {a.sender}'s log {when}",
            ],
        )
    if a is not None:
        meaning = ALERT_MEANING.get(a.code or -1)
        where = POSITION_TEXT.get(ctx.position or "", "")
        text = (
            f"The {a.sender} sent {alert_text(a, s.transport)} in frame {a.frame}"
            + (f", {where}" if where else "")
            + "."
            + (f" It means {meaning}." if meaning else "")
            + " The capture does not show which setting caused it; the "
            f"{a.sender}'s log {when} would."
        )
        return make(
            "unknown",
            "low",
            f"The {a.sender} sent {alert_text(a, s.transport)}; its log would say why",
            text,
            [ch_frame, a.frame],
            "unknown",
            [f"Read the {a.sender}'s log {when}", s_client(s, "-msg")],
        )
    if s.status == "incomplete":
        return make(
            "unknown",
            "low",
            "The capture ends mid-handshake; a longer capture would show the outcome",
            f"The last frame of this connection is {s.last_frame}; the handshake had "
            f"not finished and nothing failed before the capture ended.",
            [ch_frame, s.last_frame],
            "unknown",
            ["Capture for longer, or start the capture before the connection opens"],
        )
    return make(
        "unknown",
        "low",
        "The capture does not show why this handshake failed; the server's log would",
        f"No alert, close or reply pattern in this connection points to a cause. The "
        f"server's log {when} (or the client's error message) would settle it.",
        [ch_frame, s.last_frame],
        "unknown",
        [f"Read the server's and the client's logs {when}", s_client(s)],
    )


def _clock(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
