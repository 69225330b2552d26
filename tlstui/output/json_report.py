"""The JSON report of ``docs/report-schema.md`` (schema 1), built from the model.

Field names, types and meanings follow the spec exactly; fields added beyond it are marked in
the README.  Capture-derived strings go into JSON as they are (the encoder escapes them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

from tlstui import __version__
from tlstui.analysis.compare import Comparison
from tlstui.analysis.model import CaptureInfo, Event, Report, Session
from tlstui.tls.model import CertificateInfo
from tlstui.tls.names import cipher_suite_name, version_name


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _certificate(c: CertificateInfo | None) -> dict[str, Any] | None:
    if c is None or c.error:
        return None
    return {
        "subject": c.subject,
        "issuer": c.issuer,
        "not_before": _iso(c.not_before),
        "not_after": _iso(c.not_after),
        "san": list(c.san),
        "self_signed": c.self_signed,
    }


def _event(e: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"frame": e.frame, "time": e.time, "sender": e.sender, "type": e.type}
    if e.encrypted:
        out["encrypted"] = True
    if e.malformed:
        out["malformed"] = e.malformed
    if e.note:
        out["note"] = e.note
    return out


def _quic(s: Session) -> dict[str, Any] | None:
    qi = s.quic
    if qi is None:
        return None
    c = qi.close
    return {
        "version": f"0x{qi.version:08x}",
        "client_cid": qi.client_cid.hex(),
        "server_cid": qi.server_cid.hex(),
        "close": (
            {
                "frame": c.frame,
                "sender": c.sender,
                "packet_type": c.packet_type,
                "error_code": c.error_code,
                "frame_type": c.frame_type,
                "tls_alert": c.tls_alert,
                "reason": c.reason,
                "encrypted": c.encrypted,
            }
            if c is not None
            else None
        ),
    }


def _leg(s: Session | None) -> dict[str, Any] | None:
    """A linked proxy leg: its id and (with several captures) its file."""
    return None if s is None else {"id": s.id, "capture": s.capture}


def session_dict(s: Session) -> dict[str, Any]:
    ch = s.client_hello
    sh = s.server_hello
    alpn = sh.alpn if sh is not None else None
    d = s.diagnosis
    return {
        "id": s.id,
        "client": {"ip": s.client.ip, "port": s.client.port},
        "server": {"ip": s.server.ip, "port": s.server.port},
        "first_frame": s.first_frame,
        "last_frame": s.last_frame,
        "start": s.start,
        "duration": round(max(0.0, s.end - s.start), 6),
        "sni": ch.sni if ch else None,
        "alpn_offered": list(ch.alpn) if ch else [],
        "alpn": alpn,
        "client_versions": [version_name(v) for v in ch.offered_versions] if ch else [],
        "version": version_name(s.version) if s.version is not None else None,
        "cipher_suite": (
            {"code": s.cipher_suite, "name": cipher_suite_name(s.cipher_suite)}
            if s.cipher_suite is not None
            else None
        ),
        "resumed": s.resumed,
        "established": s.established,
        "status": s.status,
        "alerts": [
            {
                "frame": a.frame,
                "time": a.time,
                "sender": a.sender,
                "level": a.level,
                "code": a.code,
                "name": a.name,
                "encrypted": a.encrypted,
                "decrypted": a.decrypted,
            }
            for a in s.alerts
        ],
        "handshake": [_event(e) for e in s.events],
        "certificate": _certificate(s.leaf),
        "ja3": s.ja3,
        "ja4": s.ja4,
        "diagnosis": (
            {
                "cause": d.best.cause,
                "confidence": d.best.confidence,
                "summary": d.best.summary,
                "evidence": list(d.best.evidence),
                "explanation": d.best.explanation,
                **({"provisional": True} if d.provisional else {}),
            }
            if d is not None
            else None
        ),
        # Additions beyond schema 1 (the spec allows new fields):
        "transport": s.transport,
        **({"quic": _quic(s)} if s.quic is not None else {}),
        "group": s.group,
        "hello_retry": s.hello_retry is not None,
        "closed_by": dict(s.closed_by),
        "notes": list(s.malformed),
        "upstream_leg": _leg(s.upstream_leg),
        "client_leg": _leg(s.client_leg),
        "candidates": (
            [
                {
                    "cause": c.cause,
                    "confidence": c.confidence,
                    "summary": c.summary,
                    "evidence": list(c.evidence),
                }
                for c in d.candidates[1:]
            ]
            if d is not None
            else []
        ),
    }


def capture_dict(c: CaptureInfo) -> dict[str, Any]:
    return {
        "file": c.file,
        "format": c.format,
        "link_types": list(c.link_types),
        "packets": c.packets,
        "damaged": c.damaged,
        "truncated": c.truncated,
        "warnings": list(c.warnings),
        "keylog": (
            {
                "paths": list(c.keylog.paths),
                "lines": c.keylog.lines,
                "sessions_decrypted": c.keylog.sessions_decrypted,
            }
            if c.keylog is not None
            else None
        ),
    }


def _report_head(report: Report) -> tuple[dict[str, Any], bool]:
    """Everything of the report but its sessions, and whether it spans several captures."""
    out: dict[str, Any] = {
        "schema": 1,
        "tool": {"name": "tlstui", "version": __version__},
        "capture": capture_dict(report.capture),
    }
    several = len(report.captures) > 1
    if several:
        # Several captures (spec "Additions"): `capture` is the first, `captures` all of them,
        # and every session names its file.
        out["captures"] = [capture_dict(c) for c in report.captures]
    return out, several


def _report_session(s: Session, several: bool) -> dict[str, Any]:
    d = session_dict(s)
    if several:
        d["capture"] = s.capture
    return d


def report_dict(report: Report) -> dict[str, Any]:
    out, several = _report_head(report)
    # `sessions` is the last key: write_json relies on it to stream the list after the head.
    out["sessions"] = [_report_session(s, several) for s in report.sessions]
    return out


def _dumps(obj: object, indent: int | None) -> str:
    # The one set of encoder options for --json, whole or streamed: the two must agree.
    return json.dumps(obj, indent=indent, ensure_ascii=False, check_circular=False)


def to_json(report: Report, indent: int | None = None) -> str:
    """The report as one JSON document; compact by default (the C encoder is ~5x faster than
    the indented one on large captures), indented for a person when asked."""
    return _dumps(report_dict(report), indent)


# Sessions encoded per write: large enough that a 20,000-session report is ~80 writes, small
# enough that the dicts and text held at once stay a few MB (measured: 2.4 MB peak).
_BATCH = 256


def write_json(report: Report, out: TextIO, indent: int | None = None) -> None:
    """Write ``to_json(report, indent) + "\n"`` to *out*, byte for byte, a batch of sessions
    at a time: the whole report never exists as one dict or one string (on 20,000 sessions
    those raised the peak RSS by ~195 MB over the analysis's own).

    json.dumps puts a dict's items in order, so the head (every key but the last,
    ``sessions``) is encoded whole and its closing brace replaced by the sessions list, whose
    items are encoded one by one with the separators json.dumps itself uses: ``", "`` when
    compact; ``","`` plus a newline and the nesting's indentation when indented.  Re-indenting
    an encoded session by inserting spaces after each newline is exact because JSON text has
    newlines only between tokens (one inside a string is always escaped as ``\n``).
    """
    head, several = _report_head(report)
    text = _dumps(head, indent)
    if indent is None:
        open_item, between, close = "", ", ", "]}\n"
        out.write(text[:-1] + ', "sessions": [')
    else:
        pad = " " * indent
        open_item = "\n" + pad + pad
        between = "," + open_item
        close = "\n" + pad + "]\n}\n"
        # An indented dict ends with a newline and its closing brace at column 0.
        out.write(text[:-2] + ",\n" + pad + '"sessions": [')
    sessions = report.sessions
    if not sessions:
        out.write("]}\n" if indent is None else "]\n}\n")
        return
    for start in range(0, len(sessions), _BATCH):
        texts = [
            _dumps(_report_session(s, several), indent) for s in sessions[start : start + _BATCH]
        ]
        if indent is not None:
            texts = [t.replace("\n", open_item) for t in texts]
        out.write((between if start else open_item) + between.join(texts))
    out.write(close)


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """``--diff --json``: the comparison of two sessions (README, "Comparing sessions")."""
    return {
        "a": c.a.id,
        "b": c.b.id,
        "partner_reason": c.partner_reason,
        "summary": c.summary,
        "parting": c.parting.as_dict(),
        "differences": [
            {
                "field": d.field,
                "a": d.a,
                "b": d.b,
                "only_a": list(d.only_a),
                "only_b": list(d.only_b),
            }
            for d in c.differences
        ],
    }


def no_partner_dict(s: Session, reason: str) -> dict[str, Any]:
    """``--diff A --json`` when A has no partner: the same keys, ``b`` null, nothing compared."""
    return {
        "a": s.id,
        "b": None,
        "partner_reason": reason,
        "summary": reason,
        "parting": None,
        "differences": [],
    }
