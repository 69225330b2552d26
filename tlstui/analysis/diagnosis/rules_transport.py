"""Rules for what QUIC adds to a handshake: Version Negotiation and transport-level closes.

A CRYPTO_ERROR close carries a TLS alert and is diagnosed by the TLS rules like any alert;
these rules cover the QUIC packets that have no TLS counterpart.
"""

from __future__ import annotations

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.registry import Context, make, rule
from tlstui.analysis.model import Cause, Session
from tlstui.textsafe import safe_text
from tlstui.tls.quic import transport_error_name


def _vhex(v: int) -> str:
    return f"0x{v:08x}"


@rule(priority=2)
def quic_version_negotiation(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: the server answered the client's Initial with a Version
    Negotiation packet and no ServerHello followed: the two share no QUIC version.  The
    packet lists the server's versions in clear, so this is read, not guessed."""
    qi = s.quic
    if qi is None or not qi.version_negotiation or s.server_hello is not None:
        return None
    if qi.version in qi.version_negotiation:
        return None
    vn_frame = pos.frame_of(s, "VersionNegotiation", "server")
    ch_frame = pos.offer_frame(s)
    theirs = ", ".join(_vhex(v) for v in qi.version_negotiation[:8]) or "none"
    return make(
        "protocol_version_mismatch",
        "high",
        f"No common QUIC version: the client spoke {_vhex(qi.version)}, the server "
        f"supports {theirs}",
        f"The client's Initial (frame {ch_frame}) used QUIC version {_vhex(qi.version)}; the "
        f"server answered with a Version Negotiation packet (frame {vn_frame}) listing "
        f"{theirs}, and no handshake followed. Enable a common version on one side (QUIC v1, "
        "0x00000001, is the one every stack supports).",
        [ch_frame, vn_frame],
        "both",
        ["Check the QUIC versions the client library and the server are configured for"],
    )


@rule(priority=6)
def quic_transport_close(s: Session, ctx: Context) -> Cause | None:
    """unknown (medium): a QUIC transport error other than CRYPTO_ERROR ended the handshake;
    the error code and reason are read from the packet and named, the TLS cause is none."""
    qi = s.quic
    c = qi.close if qi is not None else None
    if c is None or c.encrypted or c.tls_alert is not None or not c.error_code:
        return None
    if s.established:
        return None
    name = transport_error_name(c.error_code)
    reason = f" ({safe_text(c.reason)})" if c.reason else ""
    return make(
        "unknown",
        "medium",
        f"The {c.sender} closed the QUIC connection with transport error {name}{reason}",
        f"In frame {c.frame} the {c.sender} sent CONNECTION_CLOSE in a {c.packet_type} packet "
        f"with transport error {name} (0x{c.error_code:x}){reason}. That is a QUIC-level "
        "failure, not a TLS alert: look at the QUIC configuration and logs of the "
        f"{c.sender} (connection limits, transport parameters, tokens).",
        [c.frame],
        c.sender,
        [f"Check the {c.sender}'s QUIC log for error 0x{c.error_code:x}"],
    )
