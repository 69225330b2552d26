"""Rules for facts the capture shows outright and that explain what happened better than a
generic refusal: a ClientHello without SNI refused by a name-routing server, a CA certificate
with explicit elliptic-curve parameters (the CurveBall shape), and a second ClientHello sent
after the server's flight (a protocol violation)."""

from __future__ import annotations

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.registry import Context, make, rule
from tlstui.analysis.diagnosis.text import alert_text, q, s_client
from tlstui.analysis.model import Cause, Session
from tlstui.tls.model import ClientHello

# What a current mainstream client offers: a default TLS 1.3 suite or an ECDHE + AEAD suite,
# and one of the curves every server supports.
_DEFAULT_TLS13 = frozenset({0x1301, 0x1302, 0x1303})
_MAINSTREAM_GROUPS = frozenset({23, 24, 29})
_MODERN_TLS12 = frozenset({0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0x009E, 0x009F, 0xCCAA})


def _ch_frame(s: Session) -> int | None:
    return pos.offer_frame(s)


def mainstream_offer(ch: ClientHello) -> bool:
    """True when any current server would find a suite and a group in this offer: then a
    refusal is about something else than the cryptography."""
    suites = set(ch.cipher_suites)
    groups = set(ch.supported_groups)
    tls13 = bool(suites & _DEFAULT_TLS13) and bool(set(ch.key_share_groups) & _MAINSTREAM_GROUPS)
    tls12 = bool(suites & _MODERN_TLS12) and (not groups or bool(groups & _MAINSTREAM_GROUPS))
    return tls13 or tls12


@rule(priority=14)
def sni_missing_refusal(s: Session, ctx: Context) -> Cause | None:
    """sni_rejected: a ClientHello without server_name, with a mainstream offer, refused at
    once with handshake_failure (40): name-routed servers (CDNs, virtual hosts, SNI proxies)
    refuse a hello they cannot route; no shared cipher is the alternative."""
    ch = s.client_hello
    a = ctx.alert
    if (
        not ctx.failed
        or ch is None
        or ch.sni is not None
        or ch.sslv2_format
        or a is None
        or not ctx.alert_is("server", 40)
        or ctx.position != "P1"
        or not mainstream_offer(ch)
    ):
        return None
    chf = _ch_frame(s)
    suites = [c for c in ch.cipher_suites if c not in (0x00FF, 0x5600) and c & 0x0F0F != 0x0A0A]
    others = sorted(
        {
            o.client_hello.sni
            for o in ctx._others
            if o.status == "ok" and o.client_hello and o.client_hello.sni
        }
    )
    seen = ""
    if others:
        seen = (
            " The same server completed handshakes for "
            + ", ".join(q(n) for n in others[:3])
            + " with SNI."
        )
    return make(
        "sni_rejected",
        "medium",
        "The ClientHello has no server_name (SNI) extension and the server refused it: "
        "name-routed servers need SNI",
        f"The ClientHello in frame {chf} carries no server_name extension (SNI), and its "
        f"offer is mainstream ({len(suites)} suites including ECDHE with AES-GCM "
        f"or TLS 1.3 suites, and common groups), so any current server would find a suite "
        f"in it. The server answered with "
        f"{alert_text(a, s.transport)} in frame {a.frame}, at once. "
        f"Servers that choose the certificate or the backend by name (CDNs, virtual hosts, "
        f"SNI proxies) refuse a hello without SNI, typically with handshake_failure; that is "
        f"more likely than no cipher in common.{seen} Alternative: the server's cipher list "
        f"shares nothing with this offer (no_shared_cipher).",
        [chf, a.frame],
        "client",
        [
            "Connect by host name so that the client sends SNI",
            s_client(s, "-servername", "HOST"),
        ],
    )


@rule(priority=44)
def explicit_curve_ca(s: Session, ctx: Context) -> Cause | None:
    """bad_certificate: a chain certificate whose EC key carries explicit curve parameters
    (RFC 5480 requires a named curve): the CurveBall (CVE-2020-0601) spoofing shape, visible
    in the capture."""
    if not ctx.failed or not s.server_certificates:
        return None
    bad = [(i, c) for i, c in enumerate(s.server_certificates) if c.explicit_ec_params]
    if not bad:
        return None
    i, cert = bad[0]
    ev = pos.first(s, "Certificate", "server")
    a = ctx.alert
    refused = a is not None and a.sender == "client" and ctx.position == "P3"
    what = (
        "the leaf"
        if i == 0
        else f"certificate #{i + 1} (a CA)"
        if cert.is_ca
        else (f"certificate #{i + 1}")
    )
    then = (
        f" The client then refused the chain ({alert_text(a, s.transport)} in frame {a.frame})."
        if refused and a is not None
        else ""
    )
    return make(
        "bad_certificate",
        "high" if refused and a is not None and a.code is not None else "medium",
        "The server's chain carries an EC key with explicit curve parameters "
        "(the CurveBall / CVE-2020-0601 spoofing pattern)",
        f"In the Certificate of frame {ev.frame if ev else '?'}, {what} ({q(cert.subject)}) "
        f"has an elliptic-curve key whose curve is spelled out as explicit parameters instead "
        f"of a named curve. RFC 5480 forbids this, current stacks refuse it, and it is the "
        f"shape of the CurveBall attack (CVE-2020-0601): a CA certificate that copies a "
        f"trusted root's public key with a crafted generator, which an unpatched Windows "
        f"CryptoAPI accepted as that root.{then} Treat the chain as forged or broken; "
        f"do not add it to a trust store.",
        [_ch_frame(s), ev.frame if ev else None, a.frame if a is not None else None],
        "server",
        [f"openssl x509 -noout -text (of certificate #{i + 1}): look for 'Field Type'"],
    )


@rule(priority=12)
def second_client_hello(s: Session, ctx: Context) -> Cause | None:
    """unknown: a second ClientHello after the server's flight without a HelloRetryRequest or
    a HelloRequest is a protocol violation (a scanner or a broken client)."""
    if not ctx.failed or len(s.client_hellos) < 2 or s.hello_retry is not None:
        return None
    hellos = [e for e in s.events if e.type == "ClientHello" and e.sender == "client"]
    if len(hellos) < 2:
        return None
    second = hellos[1]
    idx = s.events.index(second)
    flight = pos.last_before(s, idx, "server", pos.SERVER_FLIGHT | {"ServerHello"})
    if flight is None:
        return None
    asked = pos.last_before(s, idx, "server", frozenset({"HelloRequest"}))
    if asked is not None or pos.first(s, "Finished", "client"):
        return None  # renegotiation asked for, or after the handshake: allowed
    if second.encrypted:
        return None
    a = ctx.alert
    reply = (
        f" The server answered with {alert_text(a, s.transport)} in frame {a.frame}."
        if a is not None and a.sender == "server"
        else ""
    )
    return make(
        "unknown",
        "medium",
        f"Protocol violation: a second ClientHello (frame {second.frame}) after the "
        "server's flight",
        f"The client sent its ClientHello in frame {_ch_frame(s)}, the server answered "
        f"(its {flight.type} in frame {flight.frame}), and the client then sent another "
        f"ClientHello in frame {second.frame} in plaintext, without a HelloRetryRequest or a "
        f"HelloRequest asking for it. No TLS version allows that: the server treats it as an "
        f"unexpected message.{reply} Scanners and fuzzers do this on purpose; a real client "
        f"doing it has a bug.",
        [_ch_frame(s), flight.frame, second.frame, a.frame if a is not None else None],
        "client",
        ["Identify the client program (its address and JA3/JA4 fingerprint)"],
    )


# OpenSSL's default max_cert_list (SSL_MAX_CERT_LIST_DEFAULT): a longer Certificate message is
# refused with illegal_parameter (seen in captures/messy-big-chain.pcap.gz).
OPENSSL_MAX_CERT_LIST = 100 * 1024


@rule(priority=46)
def certificate_too_large(s: Session, ctx: Context) -> Cause | None:
    """bad_certificate: the client aborted while (or right after) a server Certificate
    message larger than common client limits was arriving: its size is the visible reason."""
    a = ctx.alert
    ev = pos.first(s, "Certificate", "server")
    if (
        not ctx.failed
        or a is None
        or a.sender != "client"
        or ev is None
        or ev.length <= OPENSSL_MAX_CERT_LIST
        or a.frame < ev.first_frame
    ):
        return None
    during = a.frame < ev.frame
    if not during and ctx.position != "P3":
        return None
    chain = s.server_certificates or []
    names = sum(max(c.san_total, len(c.san)) for c in chain)
    parts = [f"{len(chain)} certificate{'s' if len(chain) != 1 else ''}"] if chain else []
    if names:
        parts.append(f"{names} SAN names")
    if chain and chain[0].self_signed:
        parts.append("a self-signed leaf")
    what = f" ({', '.join(parts)})" if parts else ""
    when = (
        f"while the message was still arriving (it began in frame {ev.first_frame} and ends "
        f"in frame {ev.frame}), before the client could parse or verify any certificate"
        if during
        else f"right after it (frame {ev.frame})"
    )
    code_fits = a.code in (47, 50, 22)
    return make(
        "bad_certificate",
        "high" if during and code_fits else "medium",
        f"The server's Certificate message is {ev.length // 1024} KB, more than clients "
        "accept; the client aborted while reading it",
        f"The server's Certificate message is {ev.length} bytes{what}. The client sent "
        f"{alert_text(a, s.transport)} in frame {a.frame}, {when}. Clients cap the size of the "
        f"certificate list: OpenSSL's default max_cert_list is 100 KB and a longer list is "
        f"refused with illegal_parameter (47). Shrink the chain (fewer names per "
        f"certificate, no extra certificates), or raise the client's limit "
        f"(SSL_CTX_set_max_cert_list)."
        + (
            " The leaf is also self-signed, so a client that read it would still have to "
            "trust it explicitly."
            if chain and chain[0].self_signed
            else ""
        ),
        [_ch_frame(s), ev.first_frame, a.frame, ev.frame],
        "server",
        [s_client(s, "-showcerts")],
    )
