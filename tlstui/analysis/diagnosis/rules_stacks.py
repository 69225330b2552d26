"""Rules for what Go, Java (JSSE) and NSS do differently on the wire, and for the end of a
connection whose handshake worked.

Each habit below was seen in captures/generate_stacks.py's captures and checked with tshark
(captures/README.md, "Go, Java and NSS"):
- OpenSSL 3 at its default security level answers a ClientHello that offers only TLS 1.1 or
  older with internal_error (80): it cannot sign with SHA-1/MD5 at those versions. For the user
  that is a version mismatch, not a server bug.
- JSSE answers a TLS 1.3 ClientHello with no group in common with unexpected_message (10).
- Go negotiates ALPN after its TLS 1.3 ServerHello, so its no_application_protocol (120) is
  encrypted and comes right after the ServerHello, before any encrypted handshake flight.
- A peer that closes TCP without close_notify after application data is answered by OpenSSL 3
  with decode_error ("unexpected eof while reading"): the handshake worked (status ok) and the
  cause is abrupt_close.
- Go refuses a TLS 1.2 renegotiation with unexpected_message (10) after the handshake.
"""

from __future__ import annotations

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.registry import Context, make, rule
from tlstui.analysis.diagnosis.text import alert_text, s_client
from tlstui.analysis.model import Alert, Cause, Event, Session
from tlstui.textsafe import safe_text
from tlstui.tls import names as _names

TLS11 = 0x0302
KEY_SHARE = 51


def _ch_frame(s: Session) -> int | None:
    return pos.offer_frame(s)


@rule(priority=19)
def old_version_internal_error(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: internal_error (80) from the server right after a ClientHello
    that offers only TLS 1.1 or older."""
    ch = s.client_hello
    if not ctx.failed or ch is None or not ctx.alert_is("server", 80) or ctx.position != "P1":
        return None
    offered = ch.offered_versions
    if not offered or max(offered) > TLS11:
        return None
    a = ctx.alert
    assert a is not None
    top = _names.version_name(max(offered))
    return make(
        "protocol_version_mismatch",
        "high",
        f"The client offered at most {top}; the server answered internal_error (80)",
        f"The ClientHello in frame {_ch_frame(s)} offers nothing newer than {top}, and the "
        f"server answered at once with internal_error (80) in frame {a.frame}. OpenSSL 3 at "
        f"its default security level does this: it cannot sign the key exchange with SHA-1 "
        f"or MD5, which TLS 1.1 and older require, and reports it as an internal error. "
        f"Either way the server will not speak {top}: enable TLS 1.2 on the client (or, "
        f"only for a legacy peer, lower the server's security level).",
        [_ch_frame(s), a.frame],
        "client",
        [s_client(s, "-tls1_2")],
    )


@rule(priority=24)
def unexpected_message_no_group(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: unexpected_message (10) from the server in answer to a TLS 1.3
    ClientHello (JSSE's answer when no group is shared)."""
    ch = s.client_hello
    if not ctx.failed or ch is None or not ctx.alert_is("server", 10) or ctx.position != "P1":
        return None
    if 0x0304 not in ch.offered_versions or KEY_SHARE not in {e.type for e in ch.extensions}:
        return None
    a = ctx.alert
    assert a is not None
    groups = ", ".join(_names.group_name(g) for g in ch.supported_groups[:8]) or "none"
    return make(
        "no_common_group",
        "medium",
        "The server refused the TLS 1.3 offer with unexpected_message (10): likely no common group",
        f"The TLS 1.3 ClientHello in frame {_ch_frame(s)} offers the groups {groups}; the "
        f"server answered with unexpected_message (10) in frame {a.frame}, before any "
        f"ServerHello. A well-formed ClientHello is never out of order, so the code is not "
        f"literal: Java's JSSE sends exactly this when none of the offered groups is enabled "
        f"on the server (jdk.tls.namedGroups). Other candidates: a server that does not "
        f"accept the offered key shares or signature algorithms. The server's log names it.",
        [_ch_frame(s), a.frame],
        "server",
        ["Compare the server's enabled groups (jdk.tls.namedGroups) with the offer"],
    )


def _encrypted_handshake_between(s: Session, start: int, end: int, sender: str) -> bool:
    """Did *sender* send any protected record other than an alert between two frames?"""
    return any(
        e.sender == sender
        and e.encrypted
        and e.type not in ("ChangeCipherSpec", "Alert")
        and start < e.frame < end
        for e in s.events
    )


@rule(priority=16)
def alpn_refused_after_server_hello(s: Session, ctx: Context) -> Cause | None:
    """alpn_mismatch: TLS 1.3, an unreadable server alert right after its ServerHello, before
    any encrypted handshake flight, when the client offered ALPN (Go's habit)."""
    ch, a = s.client_hello, ctx.alert
    if not ctx.failed or ch is None or a is None or not ch.alpn or not ctx.tls13:
        return None
    if a.sender != "server" or a.code is not None:
        return None
    sh = pos.first(s, "ServerHello", "server")
    if sh is None or _encrypted_handshake_between(s, sh.frame, a.frame, "server"):
        return None
    offered = ", ".join(safe_text(p, 40) for p in ch.alpn[:6])
    return make(
        "alpn_mismatch",
        "medium",
        "The server refused right after its ServerHello (encrypted alert): likely ALPN",
        f"The client offered ALPN {offered} (frame {_ch_frame(s)}). The server sent its "
        f"ServerHello (frame {sh.frame}) and then, instead of its encrypted flight, one "
        f"encrypted alert (frame {a.frame}). Go's crypto/tls picks ALPN after its TLS 1.3 "
        f"ServerHello and sends no_application_protocol (120) there, encrypted, when none "
        f"of the offered protocols is on its list. A key log would show the code.",
        [_ch_frame(s), sh.frame, a.frame],
        "server",
        ["Compare the server's NextProtos with the client's ALPN list"],
    )


# --- after the handshake ---------------------------------------------------------------------


def _close(s: Session, side: str) -> Event | None:
    for e in s.events:
        if e.sender == side and e.type in ("FIN", "RST"):
            return e
    return None


def _last_data_frame(s: Session, side: str, before: int) -> int:
    """Frame of the last record *side* sent before frame *before* (0 when none)."""
    last = 0
    for e in s.events:
        if e.sender == side and e.frame < before and e.type not in ("FIN", "RST"):
            last = e.frame
    return last


def _close_notify_before(s: Session, side: str, frame: int) -> Alert | None:
    for a in s.alerts:
        if a.sender == side and a.frame < frame and (a.code == 0 or a.code is None):
            return a
    return None


@rule(priority=-10)
def post_handshake_end(s: Session, ctx: Context) -> Cause | None:
    """abrupt_close (status ok): after application data one side closed TCP without
    close_notify and the other answered with an alert; or ok with a refused renegotiation."""
    if s.status != "ok" or not pos.first(s, "ApplicationData"):
        return _renegotiation_refused(s) if s.status == "ok" else None
    for closer in ("server", "client"):
        other = "client" if closer == "server" else "server"
        fin = _close(s, closer)
        if fin is None:
            continue
        answer = next((a for a in s.alerts if a.sender == other and a.frame > fin.frame), None)
        if answer is None or _close_notify_before(s, closer, fin.frame):
            continue
        if answer.code == 0:
            continue  # the other side closed cleanly in reply
        rst = _close(s, other)
        if answer.code is None and not ctx.tls13:
            # TLS <=1.2 (corpus: browsers, mail clients): the unreadable answer to a server's
            # bare FIN is usually the client's own close_notify; nothing to add to "ok".
            return None
        if answer.code is None:
            # The closer's missing close_notify is on the wire; the answer is not: a reply
            # close_notify (normal) and OpenSSL 3's decode_error look the same.
            return make(
                "ok",
                "medium",
                f"Handshake completed; the {closer} closed TCP without close_notify after data",
                f"The handshake worked and application data flowed. The {closer} then closed "
                f"TCP ({fin.type} in frame {fin.frame}) without a close_notify record, and "
                f"the {other} answered with an encrypted alert in frame {answer.frame}. If "
                f"that alert is close_notify the connection ended normally; if it is "
                f'decode_error (OpenSSL 3\'s "unexpected eof while reading") the {other} '
                f"treated the close as a truncation (abrupt_close). A key log would tell.",
                [fin.frame, answer.frame],
                closer,
                [],
            )
        said = alert_text(answer, s.transport)
        return make(
            "abrupt_close",
            "high",
            f"Handshake ok; the {closer} closed TCP without close_notify after data "
            f"(the {other} answered {said})",
            f"The handshake worked and application data flowed. Then the {closer} closed "
            f"the connection ({fin.type} in frame {fin.frame}) without sending close_notify "
            f"first, and the {other} answered with {said} in frame {answer.frame}"
            + (f" (then {rst.type} in frame {rst.frame})" if rst and rst.frame > fin.frame else "")
            + f'. This is OpenSSL 3\'s "unexpected eof while reading" (SSL_R_UNEXPECTED_EOF_'
            f'WHILE_READING; GnuTLS: "The TLS connection was non-properly terminated"): '
            f"the peer's application or a proxy closed the socket without a TLS shutdown. "
            f"The data before it arrived; whether the response was complete depends on the "
            f"application protocol (Content-Length, chunked end). Fix the {closer} to call "
            f"its TLS shutdown before close, or accept the EOF in the {other} "
            f"(SSL_OP_IGNORE_UNEXPECTED_EOF) if the protocol marks its own end.",
            [fin.frame, answer.frame, _last_data_frame(s, closer, fin.frame)],
            closer,
            [f"Check the {closer}'s close path (TLS shutdown before the socket close)"],
        )
    return _renegotiation_refused(s)


def _renegotiation_refused(s: Session) -> Cause | None:
    """ok (high): a TLS 1.2 handshake that worked, then, before any application data, a second
    handshake the peer refused. (After data, handshake_ok names it: abrupt_close.)"""
    if pos.is_tls13(s) or s.renegotiation_frame:
        return None
    done: set[str] = set()
    ccs: set[str] = set()
    reneg: Event | None = None
    for e in s.events:
        if e.type == "ChangeCipherSpec":
            ccs.add(e.sender)
        elif e.type in ("Finished", "EncryptedHandshake") and e.sender in ccs:
            if done == {"client", "server"} and reneg is None:
                reneg = e
            done.add(e.sender)
        elif e.type in ("ClientHello", "HelloRequest") and done == {"client", "server"}:
            reneg = reneg or e
    if reneg is None:
        return None
    refusal = next(
        (a for a in s.alerts if a.frame > reneg.frame and a.sender != reneg.sender), None
    )
    if refusal is None or refusal.code == 0:
        return None
    said = alert_text(refusal, s.transport) if refusal.code is not None else "an encrypted alert"
    what = (
        "a ClientHello"
        if reneg.type == "ClientHello"
        else "an encrypted handshake record after the Finished messages"
    )
    return make(
        "ok",
        "high",
        f"Handshake completed; the {refusal.sender} then refused a renegotiation",
        f"Both sides finished the handshake. In frame {reneg.frame} the {reneg.sender} "
        f"started a second handshake on the encrypted connection (a renegotiation: {what}"
        f"), and the {refusal.sender} answered {said} in frame {refusal.frame}. The first "
        f"handshake was fine; the {refusal.sender} does not allow renegotiation (Go's "
        f"crypto/tls servers never do and answer unexpected_message (10); others send "
        f"no_renegotiation (100)). Drop the renegotiation on the {reneg.sender} side "
        f"(client certificates: request them in the first handshake).",
        [reneg.frame, refusal.frame],
        reneg.sender,
        [],
    )


# Alerts servers send for a client certificate they required and did not get: 116 (OpenSSL,
# GnuTLS, NSS in TLS 1.3), 42 (Go, JSSE in TLS 1.3; NSS, Go in TLS 1.2), 40 (OpenSSL, JSSE
# in TLS 1.2), 46 and 49 from some others.
MISSING_CERT_ALERTS = frozenset({40, 42, 46, 49, 116})


@rule(priority=34)
def empty_client_certificate_refused(s: Session, ctx: Context) -> Cause | None:
    """client_cert_missing (high): TLS 1.3 with keys, the client's Certificate was read and is
    empty, and the server refused right after the client's flight with a readable alert."""
    a = ctx.alert
    if not ctx.failed or not ctx.tls13 or a is None or a.sender != "server":
        return None
    if a.code not in MISSING_CERT_ALERTS or ctx.position not in ("P4", "P5"):
        return None
    ccert = pos.first(s, "Certificate", "client")
    if ccert is None or s.client_certificates != []:
        return None
    creq = pos.first(s, "CertificateRequest", "server")
    habit = {
        42: " Go's crypto/tls and Java's JSSE send bad_certificate (42) here, not "
        "certificate_required (116).",
        116: "",
    }.get(a.code, "")
    return make(
        "client_cert_missing",
        "high",
        f"The server requires a client certificate and the client sent an empty one "
        f"({alert_text(a, s.transport)})",
        (
            f"The server asked for a client certificate (CertificateRequest, frame {creq.frame}). "
            if creq
            else ""
        )
        + f"The client's Certificate (frame {ccert.frame}, read with the key log) is empty, "
        f"and the server answered with "
        f"{alert_text(a, s.transport)} in frame {a.frame}, after the client's "
        f"Finished: the client already thought it was connected.{habit} A client that holds "
        f"a certificate from a CA the server did not list in its CertificateRequest withholds "
        f"it silently (Go, NSS): check the client's certificate and the server's client-CA "
        f"list.",
        [_ch_frame(s), creq.frame if creq else None, ccert.frame, a.frame],
        "client",
        ["Configure the client with a certificate from a CA the server accepts"],
    )
