"""Plain-text descriptions of the model, shared by the TUI, the report printer and the export.

No Textual import and no markup: every function returns plain strings, and every string that
came from the capture (SNI, ALPN, certificate names, reply bytes) has been through
``safe_text``.  Callers that render Rich put these strings in ``Text`` objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tlstui.analysis.diagnosis import CAUSE_TITLES
from tlstui.analysis.model import Alert, Cause, Event, Report, Session, Status
from tlstui.textsafe import printable_preview, safe_text
from tlstui.tls import names
from tlstui.tls.facts import BENIGN_ALERTS, NOT_ERROR_ALERTS
from tlstui.tls.model import (
    AlertMsg,
    CertificateInfo,
    CertificateMsg,
    CertificateRequest,
    ClientHello,
    NewSessionTicket,
    ServerHello,
    ServerKeyExchange,
)

# --- small values -----------------------------------------------------------------------------

STATUS_GLYPHS: dict[str, str] = {"ok": "✓", "failed": "✗", "incomplete": "…"}


def status_mark(status: Status | str) -> str:
    """``✓ ok`` / ``✗ failed`` / ``… incomplete``: readable without colour."""
    return f"{STATUS_GLYPHS.get(status, '?')} {status}"


def status_glyph(status: Status | str) -> str:
    return STATUS_GLYPHS.get(status, "?")


def version_text(version: int | None) -> str:
    """``TLS 1.3``; ``—`` when not negotiated."""
    if version is None:
        return "—"
    return names.version_name(version)


def version_short(version: int | None) -> str:
    """``1.3`` for TLS, ``SSL3`` for SSL 3.0; for narrow columns."""
    text = version_text(version)
    if text.startswith("TLS "):
        return text[4:]
    if text.startswith("SSL "):
        return "SSL" + text[4:].removesuffix(".0")
    return text


def session_version_short(s: Session) -> str:
    """``1.3`` for TLS over TCP; ``Q1.3`` for QUIC and ``D1.2`` for DTLS: the transport shows."""
    if s.transport == "quic":
        return "Q" + version_short(s.version).replace("—", "?")
    if s.transport == "udp":
        text = version_text(s.version)
        return "D" + text[5:] if text.startswith("DTLS ") else "D?"
    return version_short(s.version)


def session_version_text(s: Session) -> str:
    """``TLS 1.3``; ``QUIC 1.3`` for TLS 1.3 inside QUIC; DTLS versions name themselves."""
    if s.transport == "quic":
        return "QUIC " + version_short(s.version).replace("—", "?")
    return version_text(s.version)


def hex_code(value: int, width: int = 4) -> str:
    return f"0x{value:0{width}x}"


def cipher_text(code: int | None) -> str:
    return "—" if code is None else names.cipher_suite_name(code)


def cipher_short(code: int | None) -> str:
    """A compact suite name for tables.  TLS 1.3 suites keep their IANA name: their short
    forms ("AES256-GCM-SHA384") are what OpenSSL calls TLS 1.2 RSA suites."""
    if code is None:
        return "—"
    name = names.cipher_suite_name(code)
    if name.startswith("TLS_") and "_WITH_" not in name:
        return name
    return names.cipher_short(code)


def duration_text(seconds: float) -> str:
    """``0.4 ms``, ``12.3 ms``, ``1.25 s``, ``3m07s``."""
    seconds = max(seconds, 0.0)
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ms_since(time: float, origin: float) -> str:
    """Milliseconds since the capture's first frame, as the ladder shows them."""
    return f"{(time - origin) * 1000:.1f}"


def capture_origin(report: Report) -> float:
    """The time of the capture's first frame (or of the first session when unknown)."""
    if report.capture.first_time is not None:
        return report.capture.first_time
    starts = [s.start for s in report.sessions]
    return min(starts) if starts else 0.0


def sni_text(session: Session, limit: int = 253) -> str:
    ch = session.client_hello
    return safe_text(ch.sni, limit) if ch and ch.sni is not None else ""


# --- alerts and closes ------------------------------------------------------------------------

ALERT_MEANINGS: dict[int, str] = {
    0: "the sender is closing the connection normally (close_notify)",
    10: "a message arrived that was not expected at this point of the protocol",
    20: "a record failed its integrity check: wrong keys, corruption or a middlebox edit",
    21: "a record could not be decrypted (obsolete, SSL 3.0 / TLS 1.0)",
    22: "a record was longer than the protocol allows",
    30: "decompression failed (obsolete)",
    40: "the sender could not agree on security parameters: no acceptable cipher suite, group "
    "or signature algorithm, or a policy check failed",
    41: "the client has no certificate to send (SSL 3.0 only)",
    42: "a certificate was corrupt or failed verification for an unspecified reason",
    43: "a certificate was of an unsupported type",
    44: "a certificate was revoked by its signer",
    45: "a certificate has expired or is not yet valid",
    46: "some other problem with a certificate made it unacceptable",
    47: "a field in a handshake message was out of range or inconsistent",
    48: "the certificate chain could not be built to a trusted CA (unknown issuer or missing "
    "intermediate)",
    49: "a valid certificate was received but access was refused by policy",
    50: "a message could not be decoded: a field was out of range or a length was wrong",
    51: "a handshake signature or Finished check failed",
    60: "export-grade restriction (obsolete)",
    70: "the peer's protocol version is recognised but not supported",
    71: "the server requires a cipher suite stronger than any the client offered",
    80: "an error unrelated to the peer or the protocol: the sender itself failed",
    86: "inappropriate fallback: the client retried with a lower version than it supports "
    "(TLS_FALLBACK_SCSV)",
    90: "the user cancelled the handshake",
    100: "renegotiation was refused",
    109: "a required extension is missing",
    110: "an extension was sent that the peer did not offer or cannot accept here",
    111: "the client certificate could not be retrieved (certificate URL)",
    112: "the server does not recognise the requested server name (SNI)",
    113: "the OCSP status response was invalid or unacceptable",
    114: "the certificate hash value did not match (certificate URL)",
    115: "no PSK identity known to the server",
    116: "a certificate is required but was not sent",
    117: "general error (RFC 9846)",
    120: "the server supports none of the application protocols the client offered (ALPN)",
}


def alert_meaning(code: int | None) -> str:
    if code is None:
        return "the alert could not be read"
    return ALERT_MEANINGS.get(code, "an alert code this tool does not know")


def alert_name_text(code: int | None) -> str:
    return "unreadable" if code is None else names.alert_name(code)


def alert_text(alert: Alert) -> str:
    """``fatal 48 unknown_ca (client)``; ``encrypted alert (server)`` when it cannot be read."""
    if alert.code is None:
        kind = "encrypted" if alert.encrypted else "unreadable"
        return f"{kind} alert ({alert.sender})"
    level = alert.level or "alert"
    name = safe_text(alert.name) if alert.name else names.alert_name(alert.code)
    return f"{level} {alert.code} {name} ({alert.sender})"


def alert_short(alert: Alert) -> str:
    """``unknown_ca (C)``, ``enc alert (S)``: for a narrow column."""
    side = alert.sender[0].upper()
    if alert.code is None:
        return f"{'enc' if alert.encrypted else '?'} alert ({side})"
    name = safe_text(alert.name) if alert.name else names.alert_name(alert.code)
    return f"{name} ({side})"


def _close_event(session: Session) -> Event | None:
    closes = [e for e in session.events if e.type in ("FIN", "RST")]
    rst = [e for e in closes if e.type == "RST"]
    return rst[0] if rst else (closes[0] if closes else None)


def close_text(session: Session) -> str:
    """``RST by server`` (a reset wins over a FIN), ``FIN by client``, or ``""``."""
    event = _close_event(session)
    if event is not None:
        return f"{event.type} by {event.sender}"
    for side, how in session.closed_by.items():
        if how == "RST":
            return f"RST by {side}"
    for side, how in session.closed_by.items():
        return f"{how} by {side}"
    return ""


def error_alert(session: Session) -> Alert | None:
    """The first alert that is not a plain close_notify / user_canceled."""
    for alert in session.alerts:
        if alert.code not in BENIGN_ALERTS:
            return alert
    return None


def _version_list(versions: tuple[int, ...]) -> str:
    """``0x00000001, 0x6b3343cf``; a count past three (a narrow line stays short)."""
    if not versions:
        return "no versions"
    if len(versions) > 3:
        return f"{len(versions)} versions"
    return ", ".join(f"0x{v:08x}" for v in versions)


def _server_answer(session: Session) -> tuple[str, str] | None:
    """What the server sent when no ServerHello came, as (text, short), or None when it sent
    nothing at all: only then is the outcome "no reply".  The server's last packet names it:
    a QUIC Version Negotiation or Retry, a DTLS HelloVerifyRequest (each a real answer that
    the client did not, or could not, follow up)."""
    last: Event | None = None
    for event in session.events:
        if event.sender == "server":
            last = event
    if last is None:
        return None
    if last.type == "VersionNegotiation":
        offered = session.quic.version_negotiation if session.quic else ()
        return (
            f"Version Negotiation (server: {_version_list(offered)})",
            "Version Neg. (S)",
        )
    if last.type == "Retry":
        return "Retry from the server, then no ServerHello", "Retry (S)"
    if last.type == "HelloVerifyRequest":
        return "HelloVerifyRequest from the server, then no ServerHello", "HelloVerify (S)"
    return f"{last.type} from the server, no ServerHello", f"{last.type} (S)"


def _ended_badly(session: Session) -> bool:
    """A handshake that worked but whose connection the diagnosis says ended badly (a
    refused renegotiation, an abrupt close): its row names the alert that ended it, or
    the list would show it as a clean success."""
    d = session.diagnosis
    return d is not None and d.best.cause != "ok"


def outcome_text(session: Session) -> str:
    """What ended the session: its first error alert, else how TCP closed, else what the
    server answered instead of a ServerHello, else ``no reply`` (the server sent nothing).
    An ok session shows nothing, unless its diagnosis says it ended badly: then its alert."""
    if session.status == "ok":
        alert = error_alert(session) if _ended_badly(session) else None
        return alert_text(alert) if alert is not None else ""
    alert = error_alert(session)
    if alert is not None:
        return alert_text(alert)
    if session.non_tls_reply is not None:
        return "non-TLS reply"
    close = close_text(session)
    if close:
        return close
    if session.server_hello is None:
        answer = _server_answer(session)
        return answer[0] if answer else "no reply"
    return ""


def outcome_short(session: Session) -> str:
    if session.status == "ok":
        alert = error_alert(session) if _ended_badly(session) else None
        return alert_short(alert) if alert is not None else ""
    alert = error_alert(session)
    if alert is not None:
        return alert_short(alert)
    if session.non_tls_reply is not None:
        return "non-TLS reply"
    event = _close_event(session)
    if event is not None:
        return f"{event.type} ({event.sender[0].upper()})"
    if session.server_hello is not None:
        return ""
    answer = _server_answer(session)
    return answer[1] if answer else "no reply"


# --- causes -----------------------------------------------------------------------------------


def cause_title(cause: str) -> str:
    return CAUSE_TITLES.get(cause, cause.replace("_", " "))


def session_cause(session: Session) -> str | None:
    return session.diagnosis.best.cause if session.diagnosis else None


def frames_text(frames: Iterable[int]) -> str:
    frames = list(frames)
    return ", ".join(str(f) for f in frames) if frames else "—"


def cause_details(cause: Cause) -> list[tuple[str, str]]:
    """Key/value lines of one candidate cause."""
    rows = [
        ("cause", f"{cause.cause} ({cause_title(cause.cause)})"),
        ("confidence", cause.confidence),
        ("summary", safe_text(cause.summary, 2000)),
    ]
    if cause.fault:
        rows.append(("look at", safe_text(cause.fault)))
    if cause.explanation:
        rows.append(("why", safe_text(cause.explanation, 8000)))
    rows.append(("evidence", "frames " + frames_text(cause.evidence)))
    for i, item in enumerate(cause.check_next):
        rows.append(("check next" if i == 0 else "", "• " + safe_text(item, 2000)))
    return rows


def failure_counts(report: Report) -> list[tuple[str, int]]:
    """Failed sessions by cause, most frequent first (ties by name)."""
    counts: dict[str, int] = {}
    for session in report.failed:
        cause = session_cause(session) or "unknown"
        counts[cause] = counts.get(cause, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def failure_summary(report: Report) -> str:
    """``12 failed: 7 untrusted_ca, 5 no_shared_cipher``, then the sessions that never
    finished (``; 11 incomplete: 11 no_response``): a session that got no answer is not a
    success, so "no failures" is said only when neither kind exists."""
    counts = failure_counts(report)
    parts: list[str] = []
    if counts:
        total = sum(n for _, n in counts)
        parts.append(f"{total} failed: " + ", ".join(f"{n} {cause}" for cause, n in counts))
    pending: dict[str, int] = {}
    for session in report.sessions:
        if session.status == "incomplete" and not session.in_progress:
            cause = session_cause(session) or "unknown"
            pending[cause] = pending.get(cause, 0) + 1
    if pending:
        ranked = sorted(pending.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(
            f"{sum(pending.values())} incomplete: "
            + ", ".join(f"{n} {cause}" for cause, n in ranked)
        )
    return "; ".join(parts) or "no failures"


# --- the ladder -------------------------------------------------------------------------------

_ENCRYPTED_TYPES = ("EncryptedHandshake", "ApplicationData")


_QUIC_PACKETS = (
    ("QUIC Initial", " [Initial]"),
    ("QUIC Handshake", " [Handshake]"),
    ("QUIC 1-RTT", " [1-RTT]"),
    ("last QUIC Handshake packet", " [Handshake]"),
)


def quic_packet_suffix(event: Event) -> str:
    """`` [Initial]`` etc. for a message carried in a QUIC packet (from the engine's note)."""
    note = event.note
    if note is None or "QUIC" not in note:
        return ""
    if note.startswith("QUIC CONNECTION_CLOSE"):  # "... (transport) in Initial: ..."
        where = note.split(" in ", 1)[-1].split(":", 1)[0]
        return f" [{where}]" if where in ("Initial", "Handshake", "1-RTT") else ""
    for prefix, suffix in _QUIC_PACKETS:
        if note.startswith(prefix):
            return suffix
    return ""


def event_label(event: Event) -> str:
    """One ladder label: ``ClientHello``, ``Alert fatal 48 unknown_ca``, ``Alert (encrypted)``;
    a QUIC session's messages name their packet type (``ClientHello [Initial]``)."""
    return _event_label(event) + quic_packet_suffix(event)


def _event_label(event: Event) -> str:
    if event.type == "Alert":
        detail = event.detail
        if isinstance(detail, AlertMsg):
            level = names.alert_level_name(detail.level)
            return f"Alert {level} {detail.code} {names.alert_name(detail.code)}"
        return "Alert (encrypted)" if event.encrypted else "Alert (unreadable)"
    if event.type == "NotTLS":
        return "non-TLS data"
    label = event.type
    if isinstance(event.detail, CertificateMsg):
        n = len(event.detail.chain) + event.detail.omitted
        if n == 0:
            label += " (empty)"
        elif n > 1:
            label += f" ({n} certs)"
    if event.malformed and event.type != "Malformed":  # the row's name already says it
        label += " (malformed)"
    return label


def is_decrypted(event: Event) -> bool:
    """Carried in a protected record and read with the key log.

    Without keys the engine can only say ``EncryptedHandshake`` (or an alert without detail);
    a named message in a protected record was therefore decrypted.
    """
    if not event.encrypted or event.type in (*_ENCRYPTED_TYPES, "ChangeCipherSpec"):
        return False
    return event.type != "Alert" or event.detail is not None


def group_label(events: list[Event]) -> str:
    """The label of one ladder line: ``ServerHello, EncryptedHandshake ×4``."""
    parts: list[tuple[str, int]] = []
    for event in events:
        label = event_label(event)
        if parts and parts[-1][0] == label:
            parts[-1] = (label, parts[-1][1] + 1)
        else:
            parts.append((label, 1))
    text = ", ".join(label if n == 1 else f"{label} ×{n}" for label, n in parts)
    if any(is_decrypted(e) and e.type != "Alert" for e in events):
        text += " (decrypted)"
    return text


def is_fatal_alert(event: Event) -> bool:
    """A fatal alert, or an encrypted/unreadable one (which nearly always is)."""
    if event.type != "Alert":
        return False
    detail = event.detail
    if isinstance(detail, AlertMsg):
        return detail.level == 2 or detail.code not in NOT_ERROR_ALERTS
    return True


def is_warning_alert(event: Event) -> bool:
    return event.type == "Alert" and not is_fatal_alert(event)


def ladder_groups(events: list[Event], merge: bool = True) -> list[list[int]]:
    """Indexes of events grouped for one ladder line each.

    Consecutive messages of one sender completing in the same frame share a line: with
    *merge* any messages (``ServerHello, Certificate, ServerKeyExchange, ServerHelloDone``),
    without it only repeats of one kind (``EncryptedHandshake ×4``), so that each message
    can be selected on its own.  Alerts and TCP closes always get their own line.
    """
    groups: list[list[int]] = []
    solo = ("Alert", "FIN", "RST")
    for i, event in enumerate(events):
        if groups and event.type not in solo:
            prev = events[groups[-1][-1]]
            if (
                prev.type not in solo
                and prev.sender == event.sender
                and prev.frame == event.frame
                and (merge or event_label(prev) == event_label(event))
            ):
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


# --- the detail pane --------------------------------------------------------------------------


SAN_SHOWN = 20  # SAN names listed in the detail pane; a 10,000-name leaf shows a count


def _san_text(cert) -> str:
    shown = _list((safe_text(n, 253) for n in cert.san[:SAN_SHOWN]), "(none)")
    total = max(cert.san_total, len(cert.san))
    if total > SAN_SHOWN:
        shown += f", ... ({total} names in all)"
    return shown


def _list(values: Iterable[str], empty: str = "—") -> str:
    values = list(values)
    return ", ".join(values) if values else empty


def _code_names(codes: Iterable[int], namer, width: int = 4) -> str:
    parts = []
    for code in codes:
        name = "GREASE" if names.is_grease(code) else namer(code)
        parts.append(f"{name} ({hex_code(code, width)})")
    return _list(parts)


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def client_hello_details(ch: ClientHello) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("SNI", safe_text(ch.sni) if ch.sni is not None else "(none)"),
        ("ALPN", _list((safe_text(p, 64) for p in ch.alpn), "(none)")),
        ("versions", _list(version_text(v) for v in ch.offered_versions)),
        ("hello version", version_text(ch.legacy_version)),
        ("record version", version_text(ch.record_version)),
        ("cipher suites", f"{len(ch.cipher_suites)} offered"),
    ]
    for code in ch.cipher_suites:
        name = "GREASE" if names.is_grease(code) else names.cipher_suite_name(code)
        rows.append(("", f"{hex_code(code)} {name}"))
    rows += [
        ("groups", _code_names(ch.supported_groups, names.group_name)),
        ("key shares", _code_names(ch.key_share_groups, names.group_name)),
        ("signature algs", _code_names(ch.signature_algorithms, names.sigalg_name)),
        ("extensions", _code_names((e.type for e in ch.extensions), names.extension_name)),
    ]
    if ch.psk_offered:
        rows.append(("PSK", "offered (resumption)"))
    if ch.early_data:
        rows.append(("early data", "offered"))
    if ch.session_ticket is not None:
        ticket = f"{len(ch.session_ticket)} bytes" if ch.session_ticket else "asks for one"
        rows.append(("session ticket", ticket))
    if ch.fallback_scsv:
        rows.append(("fallback SCSV", "present: this is a downgraded retry"))
    if ch.sslv2_format:
        rows.append(("format", "SSLv2-compatible ClientHello"))
    rows.append(("length", f"{ch.length} bytes"))
    return rows


def server_hello_details(sh: ServerHello) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if sh.is_hrr:
        rows.append(("retry", "HelloRetryRequest: the server wants another key share"))
    rows += [
        ("version", version_text(sh.version)),
        ("cipher suite", f"{hex_code(sh.cipher_suite)} {names.cipher_suite_name(sh.cipher_suite)}"),
    ]
    if sh.key_share_group is not None:
        rows.append(("key share group", names.group_name(sh.key_share_group)))
    if sh.alpn is not None:
        rows.append(("ALPN", safe_text(sh.alpn, 64)))
    if sh.psk_selected:
        rows.append(("PSK", "accepted (resumed)"))
    if sh.downgrade_sentinel:
        rows.append(("downgrade sentinel", f"{sh.downgrade_sentinel} (RFC 8446 4.1.3)"))
    rows.append(("extensions", _code_names((e.type for e in sh.extensions), names.extension_name)))
    rows.append(("session id", f"{len(sh.session_id)} bytes"))
    return rows


def certificate_info_details(cert: CertificateInfo) -> list[tuple[str, str]]:
    if cert.error:
        return [("error", safe_text(cert.error))]
    rows = [
        ("subject", safe_text(cert.subject)),
        ("issuer", safe_text(cert.issuer)),
        ("valid from", _date(cert.not_before)),
        ("valid until", _date(cert.not_after)),
        ("SAN", _san_text(cert)),
    ]
    if cert.self_signed:
        rows.append(("self-signed", "yes"))
    if cert.key:
        rows.append(("key", safe_text(cert.key)))
    if cert.signature_algorithm:
        rows.append(("signature", safe_text(cert.signature_algorithm)))
    if cert.is_ca is not None:
        rows.append(("CA", "yes" if cert.is_ca else "no"))
    if cert.serial:
        rows.append(("serial", safe_text(cert.serial)))
    return rows


def certificate_details(msg: CertificateMsg) -> list[tuple[str, str]]:
    if not msg.chain:
        return [("chain", "empty (no certificate sent)")]
    rows: list[tuple[str, str]] = []
    n = len(msg.chain) + msg.omitted
    for i, cert in enumerate(msg.chain):
        role = "leaf" if i == 0 else "intermediate or CA"
        rows.append(("certificate", f"{i + 1} of {n}: {role}"))
        rows += certificate_info_details(cert)
    if msg.omitted:
        rows.append(("omitted", f"{msg.omitted} more certificate(s) not decoded"))
    return rows


def encrypted_alert_guess(event: Event | Alert, session: Session) -> str:
    """What an encrypted alert most likely is, and that a key log would tell for sure."""
    version = session.version
    n = event.length
    if version == 0x0304:
        base = (
            f"An encrypted TLS 1.3 record of {n} bytes"
            + (" (the size of an encrypted alert)" if n in (19, 11) else "")
            + ". Sent during the handshake this is almost always a fatal error alert: "
            "the sender aborted."
        )
    else:
        base = (
            f"An alert record of {n} bytes sent after ChangeCipherSpec, so it is encrypted. "
            "Right after the handshake this is usually a fatal error; at the end of a "
            "connection it is usually close_notify."
        )
    return base + " Load the key log (SSLKEYLOGFILE) to read it for sure."


def _frame_text(event: Event) -> str:
    if event.first_frame in (0, event.frame):
        return str(event.frame)
    return f"{event.first_frame}-{event.frame}"


def alert_event_details(event: Event, session: Session) -> list[tuple[str, str]]:
    detail = event.detail
    if isinstance(detail, AlertMsg):
        rows = [
            ("alert", f"{detail.code} {names.alert_name(detail.code)}"),
            ("level", f"{names.alert_level_name(detail.level)} ({detail.level})"),
            ("sent by", f"{event.sender} (the side that noticed the problem)"),
            ("meaning", alert_meaning(detail.code)),
        ]
        if event.encrypted:
            rows.append(("decrypted", "yes, with the key log"))
    else:
        rows = [
            ("alert", "encrypted: level and code cannot be read"),
            ("sent by", event.sender),
            ("probably", encrypted_alert_guess(event, session)),
        ]
    if event.encrypted and event.length:
        rows.append(("length", f"{event.length} bytes (record)"))
    rows.append(("frame", _frame_text(event)))
    return rows


def event_details(event: Event, session: Session) -> list[tuple[str, str]]:
    """Key/value lines describing one ladder event for the detail pane."""
    if event.type == "Alert":
        rows = alert_event_details(event, session)
    else:
        rows = []
    detail = event.detail
    if event.type == "Alert":
        pass
    elif isinstance(detail, ClientHello):
        rows += client_hello_details(detail)
        if session.client_hello is detail:
            if session.ja3:
                rows.append(("JA3", safe_text(session.ja3, 2000)))
            if session.ja4:
                rows.append(("JA4", safe_text(session.ja4)))
    elif isinstance(detail, ServerHello):
        rows += server_hello_details(detail)
    elif isinstance(detail, CertificateMsg):
        rows += certificate_details(detail)
    elif isinstance(detail, ServerKeyExchange):
        rows.append(("key exchange", detail.kex))
        if detail.named_group is not None:
            rows.append(("group", names.group_name(detail.named_group)))
        if detail.dh_bits is not None:
            rows.append(("DH prime", f"{detail.dh_bits} bits"))
        if detail.signature_algorithm is not None:
            rows.append(("signature", names.sigalg_name(detail.signature_algorithm)))
    elif isinstance(detail, CertificateRequest):
        rows.append(("signature algs", _code_names(detail.signature_algorithms, names.sigalg_name)))
        cas = [safe_text(n) for n in detail.ca_names]
        if detail.ca_names_omitted:
            cas.append(f"… {detail.ca_names_omitted} more")
        rows.append(("acceptable CAs", _list(cas, "(any)")))
    elif isinstance(detail, NewSessionTicket):
        rows.append(("lifetime", f"{detail.lifetime} s"))
        rows.append(("ticket", f"{detail.ticket_length} bytes"))
    elif isinstance(detail, bytes) and detail:
        rows.append(("bytes", printable_preview(detail)))
    if event.type in ("FIN", "RST"):
        rows.append(
            (
                "meaning",
                (
                    "the sender reset the TCP connection (abortive close)"
                    if event.type == "RST"
                    else "the sender closed its side of the TCP connection"
                ),
            )
        )
    elif is_decrypted(event) and event.type != "Alert":  # an alert's rows say it already
        rows.append(("decrypted", "yes, with the key log"))
    elif event.encrypted and event.type == "ApplicationData":
        rows.append(("encrypted", "application data (only the first record is shown)"))
    elif event.encrypted and event.type != "Alert":
        rows.append(("encrypted", "content protected; a key log would show it"))
    # decrypt.py marks what it opened with the bare note "decrypted": the row above says it.
    decrypted_said = any(key == "decrypted" for key, _ in rows)
    if event.note and not (decrypted_said and event.note == "decrypted"):
        rows.append(("note", safe_text(event.note)))
    if event.malformed:
        rows.append(("malformed", safe_text(event.malformed)))
    if event.type != "Alert":
        rows.append(("sender", event.sender))
        rows.append(("frame", _frame_text(event)))
        if event.length:
            rows.append(("length", f"{event.length} bytes"))
    return rows


def session_details(session: Session) -> list[tuple[str, str]]:
    """Key/value lines summarising a whole session (shown when no event is selected)."""
    ch = session.client_hello
    rows: list[tuple[str, str]] = [
        ("session", f"#{session.id}  {status_mark(session.status)}"),
        ("client", str(session.client)),
        ("server", str(session.server)),
        ("SNI", sni_text(session) or "(none)"),
        ("frames", f"{session.first_frame}-{session.last_frame}"),
        ("duration", duration_text(session.end - session.start)),
    ]
    if ch is not None:
        rows.append(("offered", _list(version_text(v) for v in ch.offered_versions)))
        if ch.alpn:
            rows.append(("ALPN offered", _list(safe_text(p, 64) for p in ch.alpn)))
    rows.append(("version", version_text(session.version)))
    rows.append(("cipher suite", cipher_text(session.cipher_suite)))
    if session.group is not None:
        rows.append(("group", names.group_name(session.group)))
    if session.resumed:
        rows.append(("resumed", "yes"))
    leaf = session.leaf
    if leaf is not None and not leaf.error:
        rows.append(("certificate", safe_text(leaf.subject)))
        rows.append(("issuer", safe_text(leaf.issuer)))
        rows.append(("valid until", _date(leaf.not_after)))
    for i, alert in enumerate(session.alerts):
        rows.append(("alerts" if i == 0 else "", f"{alert_text(alert)}, frame {alert.frame}"))
    close = close_text(session)
    if close:
        rows.append(("closed", close))
    if session.non_tls_reply is not None:
        rows.append(
            (
                "non-TLS reply",
                f"frame {session.non_tls_reply_frame}: {printable_preview(session.non_tls_reply)}",
            )
        )
    if session.client_hello_retransmits:
        rows.append(("retransmits", f"{session.client_hello_retransmits} ClientHello"))
    if session.gaps:
        rows.append(("capture gaps", f"{session.gaps} bytes missing"))
    # The engine's notes mix damage ("frame 12: record length 70000") with plain facts
    # (the tunnel the session was found in, the next file it goes on in): "notes", as in
    # the JSON, so a healthy session is not called malformed.
    for i, item in enumerate(session.malformed):
        rows.append(("notes" if i == 0 else "", safe_text(item)))
    if session.ja3:
        rows.append(("JA3", safe_text(session.ja3, 2000)))
    if session.ja4:
        rows.append(("JA4", safe_text(session.ja4)))
    return rows


SECRETS_TEXT = {
    "decrypted": "secrets found; records decrypted",
    "found": "secrets found; nothing here needed them",
    "missing": "no secrets for this session's client_random (records stay encrypted)",
}


def secrets_text(session: Session) -> str:
    """What the key log did for *session* ("" when no key log was used)."""
    return SECRETS_TEXT.get(session.secrets or "", "")


def search_text(session: Session) -> str:
    """Everything the ``/`` filter matches against, lower-cased."""
    parts = [
        f"#{session.id}",
        str(session.client),
        str(session.server),
        sni_text(session),
        session.status,
        version_text(session.version),
        outcome_text(session),
        close_text(session),
    ]
    if session.cipher_suite is not None:
        parts.append(cipher_text(session.cipher_suite))
    for alert in session.alerts:
        parts.append(alert_text(alert))
    if session.diagnosis:
        for cause in [session.diagnosis.best, *session.diagnosis.candidates]:
            parts.append(cause.cause)
    return " ".join(parts).lower()
