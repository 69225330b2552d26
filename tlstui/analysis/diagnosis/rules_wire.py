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
    return pos.frame_of(s, "ClientHello", "client")


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
    warnings = [a for a in s.alerts if a.code not in (None, 0) and a.level == "warning"]
    if warnings:
        lines.append(
            "Warning alerts that did not end the connection: "
            + ", ".join(f"{alert_text(a)} from the {a.sender} in frame {a.frame}" for a in warnings)
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
    waited = (client_close.time if client_close else (capture_end or s.end)) - ch_ev.time
    retrans = s.client_hello_retransmits
    pq = [g for g in ch.key_share_groups if g in PQ_GROUPS]
    multi_segment = bool(ch_ev.first_frame and ch_ev.first_frame < ch_ev.frame)
    big = ch.length >= 1200 or multi_segment
    facts = [
        f"The ClientHello (frame {ch_ev.frame}, {ch.length} bytes"
        + (f", sent in segments from frame {ch_ev.first_frame}" if multi_segment else "")
        + ") got no reply from the server"
    ]
    if retrans:
        facts.append(
            f"the client retransmitted it {plural(retrans, 'time')}, so it was never acknowledged"
        )
    if client_close:
        facts.append(
            f"the client gave up with a {client_close.type} after {waited:.1f} s "
            f"(frame {client_close.frame})"
        )
    else:
        facts.append(f"the capture shows {waited:.1f} s of silence after it")
    explanation = "; ".join(facts) + "."
    if retrans or (client_close and waited >= 1.0) or waited >= 5.0:
        confidence: Confidence = "high"
    elif waited >= 1.0:
        confidence = "medium"
    else:
        confidence = "low"
        explanation += " The capture may simply have stopped too soon."
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


def _stall(s: Session, ctx: Context, capture_end: float | None) -> Cause | None:
    """The handshake started but one side stopped answering before any alert or close."""
    if s.status != "incomplete" or s.alerts or any(e.type in ("FIN", "RST") for e in s.events):
        return None
    last = next((e for e in reversed(s.events) if e.type not in ("FIN", "RST")), None)
    if last is None:
        return None
    waiting = other(last.sender)
    end = capture_end or s.end
    quiet = end - last.time
    extra = ""
    if last.sender == "server" and pos.first(s, "CertificateRequest", "server"):
        extra = (
            " The server asked for a client certificate: a client waiting on a user "
            "prompt or a smart card stalls exactly here."
        )
    elif last.sender == "server" and last.type in pos.SERVER_FLIGHT:
        extra = (
            " If the server's flight is large (a long chain) and keeps being "
            "retransmitted, it may not reach the client: a PMTU black hole."
        )
    confidence: Confidence = "medium" if quiet >= 5.0 else "low"
    return make(
        "no_response",
        confidence,
        f"Handshake stalled: the {waiting} never answered the {last.type} in frame {last.frame}",
        f"The last handshake message is the {last.sender}'s {last.type} in frame {last.frame}; "
        f"the capture shows {quiet:.1f} s more with nothing from the {waiting} and no close. "
        f"Either the {waiting} is stuck, the bytes were lost on the path, or the capture "
        f"stopped too soon.{extra}",
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
    if side == "server" and position == "P1":
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
            f"The {r.sender} then sent {alert_text(r)} in frame {r.frame}: its "
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
        f"({alert_text(a)}, frame {a.frame})",
        f"The {a.sender} sent {alert_text(a)} in frame {a.frame}"
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
                f"server's certificate and Finished; {alert_text(a)} follows in frame "
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
            f"The {a.sender} sent {alert_text(a)} in frame {a.frame}, {where}. TLS 1.3 "
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
            f"The {a.sender} sent {alert_text(a)} in frame {a.frame}"
            + (f", {where}" if where else "")
            + "."
            + (f" It means {meaning}." if meaning else "")
            + " The capture does not show which setting caused it; the "
            f"{a.sender}'s log {when} would."
        )
        return make(
            "unknown",
            "low",
            f"The {a.sender} sent {alert_text(a)}; its log would say why",
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
