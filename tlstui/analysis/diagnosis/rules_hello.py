"""Negotiation rules: the server refusing the offer (P1) or the client refusing the server's
choice (P2).  The server's policy is never on the wire, so a refusal is explained by what the
offer lacks; a success of the same server in another session turns *likely* into *certain*."""

from __future__ import annotations

from dataclasses import dataclass

from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.certs import _is_ip
from tlstui.analysis.diagnosis.registry import Context, make, rule
from tlstui.analysis.diagnosis.text import (
    alert_text,
    groups_text,
    q,
    s_client,
    suites_text,
    versions_text,
)
from tlstui.analysis.model import Alert, Cause, Confidence, Session
from tlstui.tls import names
from tlstui.tls.facts import PQ_GROUPS, is_tls13_version, suite_class, tls_level
from tlstui.tls.model import ClientHello, ServerHello

SCSVS = frozenset({0x00FF, 0x5600})
MAINSTREAM_GROUPS = frozenset({23, 24, 25, 29, 30})
# TLS 1.3 suites every mainstream stack enables by default (CCM and CCM_8 are opt-in).
DEFAULT_TLS13_SUITES = frozenset({0x1301, 0x1302, 0x1303})
FFDHE_GROUPS = frozenset({256, 257, 258, 259, 260})
RSA_PSS_RSAE = frozenset({0x0804, 0x0805, 0x0806})


def _ch_frame(s: Session) -> int | None:
    return pos.offer_frame(s)


def real_suites(ch: ClientHello) -> list[int]:
    return [c for c in ch.cipher_suites if not names.is_grease(c) and c not in SCSVS]


def offer_profile(ch: ClientHello) -> dict[str, list[int]]:
    prof: dict[str, list[int]] = {
        "tls13": [],
        "modern": [],
        "legacy": [],
        "weak": [],
        "unknown": [],
    }
    for c in real_suites(ch):
        prof[suite_class(c)].append(c)
    return prof


def real_groups(ch: ClientHello) -> list[int]:
    return [g for g in ch.supported_groups if not names.is_grease(g)]


def _p1_refusal(ctx: Context, *codes: int) -> bool:
    return ctx.failed and ctx.alert_is("server", *codes) and ctx.position == "P1"


def _server_closed_at_p1(s: Session, ctx: Context) -> bool:
    close = pos.first_close(s)
    return (
        ctx.failed
        and ctx.alert is None
        and close is not None
        and close.sender == "server"
        and pos.close_position(s, close) == "P1"
        # A close after seconds of silence is a timeout, not a refusal of the offer.
        and pos.silence_before(s, close) < pos.SILENT_TIMEOUT
    )


def _refusal_phrase(ctx: Context, s: Session) -> tuple[str, int | None]:
    if ctx.alert is not None:
        return (
            f"the server answered with "
            f"{alert_text(ctx.alert, s.transport)} in frame {ctx.alert.frame}",
            ctx.alert.frame,
        )
    close = pos.first_close(s)
    return (
        f"the server closed the connection ({close.type}, frame {close.frame}) without an alert"
        if close
        else "the server refused it",
        close.frame if close else None,
    )


# --- versions --------------------------------------------------------------------------------


@dataclass(slots=True)
class _VersionRefusal:
    """A client that refused the server's choice: the ServerHello it answered, the alert."""

    ch: ClientHello
    sh: ServerHello
    a: Alert
    offered: list[int]
    chf: int | None
    shf: int | None


def _client_refuses_choice(s: Session, ctx: Context) -> _VersionRefusal | None:
    """A failed session whose client alerted right after the ServerHello (P2/P3)."""
    ch, sh, a = s.client_hello, s.server_hello, ctx.alert
    if not ctx.failed or ch is None or sh is None or a is None:
        return None
    if a.sender != "client" or ctx.position not in ("P2", "P3"):
        return None
    shf = pos.frame_of(s, "ServerHello", "server")
    return _VersionRefusal(ch, sh, a, ch.offered_versions, _ch_frame(s), shf)


def _sentinel(r: _VersionRefusal) -> bool:
    return bool(r.sh.downgrade_sentinel) and 0x0304 in r.offered


def _version_checks(s: Session) -> list[str]:
    return [s_client(s, "-tls1_2"), s_client(s, "-tls1_3")]


@rule(priority=20)
def version_downgrade_sentinel(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: a client offering TLS 1.3 aborts on a ServerHello that carries
    the RFC 8446 4.1.3 downgrade sentinel."""
    r = _client_refuses_choice(s, ctx)
    if r is None or not _sentinel(r):
        return None
    sh, a, chf, shf = r.sh, r.a, r.chf, r.shf
    return make(
        "protocol_version_mismatch",
        "high",
        "Downgrade detected: the ServerHello carries the TLS 1.3 downgrade sentinel",
        f"The client offered {versions_text(r.offered)} (frame {chf}); the ServerHello in "
        f"frame {shf} chose {names.version_name(sh.version)} and its random ends with "
        f"the RFC 8446 sentinel for {sh.downgrade_sentinel}. The client aborted with "
        f"{alert_text(a, s.transport)}"
        f" in frame {a.frame}. A server that supports TLS 1.3 only sets "
        f"this when something forced TLS 1.2: most often a TLS-terminating middlebox "
        f"that speaks only TLS 1.2 to the server.",
        [chf, shf, a.frame],
        "path",
        [s_client(s, "-tls1_3"), "Look for a TLS-inspecting proxy on the path"],
    )


@rule(priority=20)
def version_not_offered(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: the server chose a version the client did not offer, and the
    client refused it (70, 47, 40 or an unreadable alert)."""
    r = _client_refuses_choice(s, ctx)
    if r is None or _sentinel(r) or r.sh.version in r.offered:
        return None
    sh, a, chf, shf = r.sh, r.a, r.chf, r.shf
    if a.code not in (70, 47, 40, None):
        return None
    return make(
        "protocol_version_mismatch",
        "high" if a.code is not None else "medium",
        f"The server chose {names.version_name(sh.version)}, which the client did not offer",
        f"The client offered {versions_text(r.offered)} (frame {chf}); the ServerHello in "
        f"frame {shf} selected {names.version_name(sh.version)}, and the client "
        f"refused with {alert_text(a, s.transport)} in frame {a.frame}. The server (or a middlebox "
        f"that rewrote the hello) is at fault.",
        [chf, shf, a.frame],
        "server",
        _version_checks(s),
    )


@rule(priority=20)
def version_below_client_minimum(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: the client answers an offered but too old version with 70."""
    r = _client_refuses_choice(s, ctx)
    if r is None or _sentinel(r) or r.sh.version not in r.offered or r.a.code != 70:
        return None
    sh, a, chf, shf = r.sh, r.a, r.chf, r.shf
    return make(
        "protocol_version_mismatch",
        "high",
        f"The client refuses {names.version_name(sh.version)}, chosen by the server",
        f"The server chose {names.version_name(sh.version)} in frame {shf}; the client "
        f"rejected it with protocol_version (70) in frame {a.frame}: the version is "
        f"below the client's configured minimum. Upgrade the server's TLS stack.",
        [chf, shf, a.frame],
        "server",
        _version_checks(s),
    )


@rule(priority=20)
def no_secure_renegotiation(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: a TLS <= 1.2 ServerHello without renegotiation_info (RFC 5746)
    answered by the client's handshake_failure, the client having signalled support."""
    r = _client_refuses_choice(s, ctx)
    if r is None or _sentinel(r) or r.sh.version not in r.offered or r.a.code != 40:
        return None
    ch, sh, a, chf, shf = r.ch, r.sh, r.a, r.chf, r.shf
    client_ri = any(e.type == 0xFF01 for e in ch.extensions) or 0x00FF in ch.cipher_suites
    if sh.version > 0x0303 or not client_ri or any(e.type == 0xFF01 for e in sh.extensions):
        return None
    return make(
        "protocol_version_mismatch",
        "medium",
        "The server lacks secure renegotiation (RFC 5746); the client refuses legacy servers",
        f"The ServerHello in frame {shf} has no renegotiation_info extension, and the "
        f"client aborted with handshake_failure (40) in frame {a.frame}, right after "
        f"it. OpenSSL 3 clients refuse such servers by default (unsafe legacy "
        f"renegotiation disabled; SSL_OP_LEGACY_SERVER_CONNECT is no longer set). "
        f"Upgrade the server, or allow legacy servers on the client as a stopgap.",
        [chf, shf, a.frame],
        "server",
        [s_client(s, "-legacy_server_connect")],
    )


# The versions a server may be limited to, oldest first, as the TLS version they stand level
# with (DTLS 1.0 = TLS 1.1, DTLS 1.2 = TLS 1.2, DTLS 1.3 = TLS 1.3).
_TLS_LEVELS = (0x0300, 0x0301, 0x0302, 0x0303, 0x0304)
_DTLS_NAMES = {0x0302: "DTLS 1.0", 0x0303: "DTLS 1.2", 0x0304: "DTLS 1.3"}


def _outside_examples(offered: list[int], dtls: bool) -> str:
    """ " (for example a server that accepts only X, or only Y)": server ranges that miss
    every version of *offered*, so each example really is refused; "" when there is none
    (the client offers every version)."""
    if not offered:
        return ""
    drafts = [v for v in offered if is_tls13_version(v) and v != 0x0304]
    levels = {0x0304 if is_tls13_version(v) else tls_level(v) for v in offered}
    if dtls:
        name = _DTLS_NAMES
    else:
        name = {v: names.version_name(v) for v in _TLS_LEVELS}
    lo, hi = min(levels), max(levels)
    examples: list[str] = []
    if drafts and 0x0304 not in offered:
        examples.append(
            "TLS 1.3 as published (RFC 8446) or a draft other than "
            + ", ".join(names.version_name(v) for v in drafts)
        )
    elif hi < 0x0304:
        examples.append(name[min(v for v in name if v > hi)])
    examples += [name[v] for v in name if lo < v < hi and v not in levels]  # gaps
    below = [v for v in name if v < lo]
    if below:
        examples.append(name[below[-1]])
    if not examples:
        return ""
    return " (for example a server that accepts only " + ", or only ".join(examples[:3]) + ")"


@rule(priority=20)
def protocol_version_mismatch(s: Session, ctx: Context) -> Cause | None:
    """protocol_version_mismatch: 70 at P1 (the offer is outside the server's range), or 40 or
    a silent close at P1 from a server facing an old or SSLv2-format offer."""
    ch = s.client_hello
    if not ctx.failed or ch is None:
        return None
    offered = ch.offered_versions
    # DTLS versions count down: compare the TLS versions they stand level with.
    levels = [tls_level(v) for v in offered] or [tls_level(ch.legacy_version)]
    top = max(levels)
    dtls = s.transport == "udp"
    proto = "DTLS" if dtls else "TLS"
    a = ctx.alert
    chf = _ch_frame(s)
    checks = _version_checks(s)

    # The server refuses the offer (P1).
    if not (_p1_refusal(ctx, 70, 40) or _server_closed_at_p1(s, ctx)):
        return None
    exact = a is not None and a.code == 70
    phrase, refusal_frame = _refusal_phrase(ctx, s)
    others = [o for o in ctx.server_successes() if o.version]
    seen_ok = ""
    evidence = [chf, refusal_frame]
    if others:
        o = others[0]
        seen_ok = (
            f" The same server negotiated {names.version_name(o.version or 0)} with "
            f"session #{o.id} (ServerHello in frame "
            f"{pos.frame_of(o, 'ServerHello', 'server')})."
        )
        evidence.append(pos.frame_of(o, "ServerHello", "server"))
    if ch.sslv2_format:
        why, fault = (
            (
                "The ClientHello came in the SSLv2-compatible format: a very old client "
                "(Java 6, old OpenSSL) or a scanner. Current servers refuse it."
            ),
            "client",
        )
        summary = "The client sent an SSLv2-format ClientHello; the server refuses it"
    elif top <= 0x0302:
        newest = max(offered, key=tls_level) if offered else ch.legacy_version
        why = (
            f"The client offers at most {names.version_name(newest)}. "
            + (
                "DTLS 1.0 is deprecated (RFC 8996) and refused by current DTLS servers. "
                "Enable DTLS 1.2 on the client"
                if dtls
                else "TLS 1.0 and 1.1 are deprecated (RFC 8996) and disabled by default in "
                "current OpenSSL, Go, Java, rustls and browsers. Enable TLS 1.2 on the client"
            )
            + " (or, as a stopgap, lower the server's minimum version)."
        )
        fault = "client"
        summary = f"The client offers only {versions_text(sorted(offered))}; the server refuses"
    elif min(levels) >= 0x0304:
        why = (
            f"The client offers only {proto} 1.3; the server presumably supports at most "
            f"{proto} 1.2. Enable {proto} 1.3 on the server, or allow {proto} 1.2 on the client."
        )
        fault = "server"
        summary = f"The client offers only {proto} 1.3; the server does not support it"
    else:
        why = (
            f"The client offers {versions_text(offered)}, so the server's allowed range "
            f"lies outside it{_outside_examples(offered, dtls)}. The server's version "
            f"settings are not visible in the capture."
        )
        fault = "server" if 0x0303 in levels else "client"
        summary = f"No protocol version in common (client offers {versions_text(offered)})"
    if exact:
        confidence: Confidence = "high"
    elif top <= 0x0302 or ch.sslv2_format:
        # 40 or a silent close: a version refusal would normally be 70, so stay cautious.
        confidence = "medium" if a is None else "low"
    else:
        return None
    note = ""
    if a is not None and a.code == 40:
        note = (
            " The alert is handshake_failure, not protocol_version: most stacks send 70 "
            "for a version problem, so a cipher mismatch is at least as likely."
        )
    return make(
        "protocol_version_mismatch",
        confidence,
        summary,
        f"The ClientHello in frame {chf} offers {versions_text(offered)}; {phrase}. "
        f"{why}{seen_ok}{note}",
        evidence,
        fault,
        checks,
    )


# --- fallback --------------------------------------------------------------------------------


@rule(priority=10)
def fallback_detected(s: Session, ctx: Context) -> Cause | None:
    """fallback_detected: inappropriate_fallback (86); the real failure is the attempt before."""
    ch = s.client_hello
    if not ctx.failed or ch is None or not ctx.alert_is("server", 86):
        return None
    a = ctx.alert
    assert a is not None
    chf = _ch_frame(s)
    offered = ch.offered_versions
    scsv = "carries TLS_FALLBACK_SCSV (0x5600)" if ch.fallback_scsv else "signals a fallback retry"
    lines = [
        f"The ClientHello in frame {chf} {scsv} and offers at most "
        f"{names.version_name(max(offered))}: the client is retrying with a lower version "
        f"after an earlier failure. The server supports a higher version and refused with "
        f"inappropriate_fallback (86) in frame {a.frame} (RFC 7507). Its downgrade "
        f"protection worked; the real problem is the first attempt."
    ]
    evidence = [chf, a.frame]
    fault = "client"
    earlier = ctx.earlier_attempt()
    if earlier is not None:
        e_alert = pos.decisive_alert(earlier)
        e_frame = e_alert.frame if e_alert else earlier.last_frame
        evidence.append(e_frame)
        what = ""
        if earlier.diagnosis is not None and earlier.diagnosis.best.cause != "unknown":
            what = f" (diagnosed: {earlier.diagnosis.best.summary})"
            fault = earlier.diagnosis.best.fault or fault
        lines.append(
            f"The earlier attempt is session #{earlier.id} from the same client, "
            f"{s.start - earlier.start:.1f} s before, which failed at frame "
            f"{e_frame}{what}. Fix that failure; the fallback only hides it."
        )
    else:
        lines.append(
            "No earlier attempt to this server is in the capture: start the capture "
            "earlier to see the first failure."
        )
    return make(
        "fallback_detected",
        "high",
        "The server rejected a fallback retry (inappropriate_fallback); the first "
        "attempt is the real failure",
        " ".join(lines),
        evidence,
        fault,
        [s_client(s), "Look at the client's first attempt to this server"],
    )


# --- cipher suites ---------------------------------------------------------------------------
#
# One refusal, several explanations: ``_cipher_case`` walks the evidence in a fixed order and
# names the first branch that fits, so exactly one of the rules below fires for a session and
# the candidate list is what a single rule would give.

_STACKS_40 = (
    " OpenSSL, BoringSSL, Go, Java, rustls and GnuTLS all answer a missing common "
    "suite with handshake_failure (40); GnuTLS also sends 40 for no common group or "
    "key share, no usable signature algorithm and no certificate for the offered "
    "key exchange, so 40 alone does not separate them."
)


@dataclass(slots=True)
class _Case:
    """The branch a negotiation refusal falls in, with the facts its rule reports."""

    kind: str
    ch: ClientHello
    a: Alert | None
    chf: int | None
    other: Session | None = None  # a success of the same server that proves the mismatch


def _cipher_case(s: Session, ctx: Context) -> _Case | None:
    """Which cipher-suite explanation fits: the client refusing an unoffered suite (P2/P3), or
    the server's 40/71 at P1 classified by cross-session proof, then by the offer."""
    ch = s.client_hello
    if not ctx.failed or ch is None:
        return None
    chf = _ch_frame(s)
    sh = s.server_hello
    a = ctx.alert
    if (
        sh is not None
        and a is not None
        and a.sender == "client"
        and sh.cipher_suite not in ch.cipher_suites
        and ctx.position in ("P2", "P3")
    ):
        return _Case("suite_chosen_not_offered", ch, a, chf)
    if not _p1_refusal(ctx, 40, 71):
        return None
    for o in ctx.server_successes():
        if o.cipher_suite is not None and o.cipher_suite not in ch.cipher_suites:
            return _Case("suite_used_elsewhere", ch, a, chf, o)
    prof = offer_profile(ch)
    versions = ch.offered_versions
    if not prof["tls13"] and not prof["modern"] and real_suites(ch):
        return _Case("legacy_suites_only", ch, a, chf)
    rare13 = [c for c in prof["tls13"] if c not in DEFAULT_TLS13_SUITES]
    if prof["tls13"] and rare13 == prof["tls13"] and not prof["modern"]:
        return _Case("rare_tls13_suites_only", ch, a, chf)
    if (
        versions == [0x0304]
        and prof["tls13"]
        and set(prof["tls13"]) < DEFAULT_TLS13_SUITES
        and set(real_groups(ch)) & MAINSTREAM_GROUPS
    ):
        return _Case("narrow_tls13_suites", ch, a, chf)
    if (
        0x0304 in versions
        and ch.signature_algorithms
        and not (set(ch.signature_algorithms) & RSA_PSS_RSAE)
    ):
        return _Case("no_rsa_pss_offered", ch, a, chf)
    groups = real_groups(ch)
    if (
        0x0304 not in versions
        and (prof["modern"] or prof["legacy"])
        and (not groups or set(groups) & MAINSTREAM_GROUPS)
    ):
        return _Case("tls12_suites_refused", ch, a, chf)
    return _Case("no_shared_cipher", ch, a, chf)


def _cipher_p1(s: Session, ctx: Context, kind: str) -> tuple[_Case, Alert, str] | None:
    """The case when it is *kind*, a server refusal at P1, with its alert and opening text."""
    c = _cipher_case(s, ctx)
    if c is None or c.kind != kind or c.a is None:
        return None
    suites = real_suites(c.ch)
    base = (
        f"The server refused the ClientHello in frame {c.chf} with "
        f"{alert_text(c.a, s.transport)} in frame "
        f"{c.a.frame}, before any ServerHello. The client offers {len(suites)} suites: "
        f"{suites_text(suites)}."
    )
    return c, c.a, base


@rule(priority=30)
def suite_chosen_not_offered(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: the client refuses (P2/P3) a ServerHello whose suite it did not
    offer."""
    c = _cipher_case(s, ctx)
    if c is None or c.kind != "suite_chosen_not_offered" or c.a is None:
        return None
    a, chf, sh = c.a, c.chf, s.server_hello
    assert sh is not None  # the case needs a ServerHello
    shf = pos.frame_of(s, "ServerHello", "server")
    chosen = names.cipher_suite_name(sh.cipher_suite)
    return make(
        "no_shared_cipher",
        "high" if a.code is not None else "medium",
        f"The server chose {chosen}, which the client did not offer",
        f"The ServerHello in frame {shf} selected {chosen}; the "
        f"ClientHello in frame {chf} did not offer it, and the client refused with "
        f"{alert_text(a, s.transport)}"
        f" in frame {a.frame}. The server, or a middlebox that rewrote the "
        f"hello, is broken.",
        [chf, shf, a.frame],
        "server",
        [s_client(s)],
    )


@rule(priority=30)
def suite_used_elsewhere(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1, and a success of the same server used a suite
    this offer lacks (not a client refusing an unoffered suite)."""
    p = _cipher_p1(s, ctx, "suite_used_elsewhere")
    if p is None:
        return None
    c, a, base = p
    o = c.other
    assert o is not None and o.cipher_suite is not None  # set by _cipher_case for this kind
    prof = offer_profile(c.ch)
    of = pos.frame_of(o, "ServerHello", "server")
    return make(
        "no_shared_cipher",
        "high",
        f"No cipher suite in common: the server uses "
        f"{names.cipher_suite_name(o.cipher_suite)}, which this client does not offer",
        f"{base} The same server negotiated {names.cipher_suite_name(o.cipher_suite)} with "
        f"session #{o.id} (frame {of}); this ClientHello does not offer it.{_STACKS_40}",
        [c.chf, a.frame, of],
        "client" if not (prof["tls13"] or prof["modern"]) else "server",
        [s_client(s, "-cipher", "'ALL'"), "Compare the client's and server's cipher lists"],
    )


@rule(priority=30)
def legacy_suites_only(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to an offer with neither TLS 1.3 nor forward-secret
    AEAD suites, no success of the same server proving the mismatch."""
    p = _cipher_p1(s, ctx, "legacy_suites_only")
    if p is None:
        return None
    c, a, base = p
    prof = offer_profile(c.ch)
    kinds = []
    if prof["weak"]:
        kinds.append("RC4/3DES/NULL/EXPORT")
    if prof["legacy"]:
        kinds.append("RSA key exchange or CBC")
    return make(
        "no_shared_cipher",
        "medium",
        "Likely no cipher suite in common: the client offers only legacy suites",
        f"{base} None of them is a forward-secret AEAD suite (ECDHE/DHE with GCM or "
        f"ChaCha20){'' if s.transport == 'udp' else ' or a TLS 1.3 suite'}; they are all "
        f"{' or '.join(kinds)}, which current "
        f"server defaults (OpenSSL 3 security level 2, Mozilla 'intermediate') refuse. "
        f"The server's own list is not in the capture, hence 'likely'.{_STACKS_40}",
        [c.chf, a.frame],
        "client",
        [
            s_client(s, "-cipher", "'ECDHE+AESGCM'"),
            "Update or reconfigure the client's cipher list to include ECDHE-AESGCM"
            + (" suites" if s.transport == "udp" else " or TLS 1.3 suites"),
        ],
    )


@rule(priority=30)
def rare_tls13_suites_only(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to an offer whose only suites are TLS 1.3 ones
    outside the default three (CCM, CCM_8), no cross-session proof."""
    p = _cipher_p1(s, ctx, "rare_tls13_suites_only")
    if p is None:
        return None
    c, a, base = p
    rare13 = offer_profile(c.ch)["tls13"]
    return make(
        "no_shared_cipher",
        "medium",
        "Likely no cipher suite in common: the client offers only "
        f"{suites_text(rare13, 2)}, which servers do not enable by default",
        f"{base} The only TLS 1.3 suites offered are {suites_text(rare13, 2)}. OpenSSL, "
        f"BoringSSL, Go, rustls and NSS enable only TLS_AES_128_GCM_SHA256, "
        f"TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 unless configured "
        f"otherwise (GnuTLS's default priority does include AES-128-CCM), so a default "
        f"server has nothing to pick. Add a GCM or ChaCha20 suite to the client, or enable "
        f"the CCM suite on the server (OpenSSL: -ciphersuites).{_STACKS_40}",
        [c.chf, a.frame],
        "client",
        [
            s_client(s, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"),
            "Compare the client's TLS 1.3 ciphersuites with the server's",
        ],
    )


@rule(priority=30)
def narrow_tls13_suites(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to a TLS 1.3-only offer that lists only some of the
    three standard suites but mainstream groups. Medium when the mandatory TLS_AES_128_GCM_SHA256
    is left out; low when it is offered, since then a group restriction is as likely."""
    p = _cipher_p1(s, ctx, "narrow_tls13_suites")
    if p is None:
        return None
    c, a, base = p
    offered = offer_profile(c.ch)["tls13"]
    missing = sorted(DEFAULT_TLS13_SUITES - set(offered))
    groups = real_groups(c.ch)
    low = 0x1301 in offered
    confidence: Confidence = "low" if low else "medium"
    return make(
        "no_shared_cipher",
        confidence,
        f"{'Possibly' if low else 'Likely'} no cipher suite in common: the client offers only "
        f"{suites_text(offered, 2)} of the three standard TLS 1.3 suites",
        f"{base} The offer is TLS 1.3 only and leaves out {suites_text(missing, 2)}, while its "
        f"groups ({groups_text(groups)}) include the mainstream ones a server accepts or answers "
        f"with a HelloRetryRequest. A server restricted to the suites the client left out (an "
        f"AES-256-only or ChaCha20-only policy) refuses exactly like this. The server's list is "
        f"not in the capture; a group restriction (the server accepting none of the groups) is "
        f"the other possibility"
        + (", as likely since the mandatory TLS_AES_128_GCM_SHA256 is offered." if low else "."),
        [c.chf, a.frame],
        "client",
        [
            s_client(
                s,
                "-tls1_3",
                "-ciphersuites",
                ":".join(names.cipher_suite_name(x) for x in sorted(DEFAULT_TLS13_SUITES)),
            ),
            "Compare the client's TLS 1.3 ciphersuites with the server's",
        ],
    )


@rule(priority=30)
def no_rsa_pss_offered(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to a TLS 1.3 offer with usable suites whose
    signature_algorithms has no rsa_pss_rsae_* scheme."""
    p = _cipher_p1(s, ctx, "no_rsa_pss_offered")
    if p is None:
        return None
    c, a, base = p
    hint = (
        " The signature_algorithms list has no rsa_pss_rsae_* scheme, which a TLS 1.3 "
        "server with an RSA certificate needs: that alone makes it fail with 40."
    )
    return make(
        "no_shared_cipher",
        "medium",
        "Likely no usable signature algorithm: no RSA-PSS in the offer",
        base + hint + _STACKS_40,
        [c.chf, a.frame],
        "client",
        [s_client(s)],
    )


@rule(priority=30)
def tls12_suites_refused(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to a TLS 1.2 offer of modern or legacy suites with
    mainstream groups (or none), so the suites are the likely mismatch."""
    p = _cipher_p1(s, ctx, "tls12_suites_refused")
    if p is None:
        return None
    c, a, base = p
    n = len(real_suites(c.ch))
    return make(
        "no_shared_cipher",
        "medium",
        f"Likely no cipher suite in common: the server accepts none of the client's {n} suites",
        f"{base} The offer is TLS 1.2 with mainstream groups and signature algorithms, so "
        f"the suites are the likely mismatch: the server must be restricted to suites "
        f"outside this list (or hold only a certificate type, RSA or ECDSA, that none of "
        f"these suites can use). The server's list is not visible, hence 'likely'.{_STACKS_40}",
        [c.chf, a.frame],
        "server",
        [
            s_client(s, "-tls1_2", "-cipher", "'ALL'"),
            # nmap's ssl-enum-ciphers probes over TCP only.
            "Compare the client's cipher list "
            + (
                "with the server's (e.g. `nmap --script ssl-enum-ciphers -p PORT HOST`)"
                if s.transport == "tcp"
                else "with the server's configuration"
            ),
        ],
    )


@rule(priority=30)
def no_shared_cipher(s: Session, ctx: Context) -> Cause | None:
    """no_shared_cipher: server 40/71 at P1 to an offer a default server would accept (none of
    the narrower suite rules above fits), so only 'possibly'."""
    p = _cipher_p1(s, ctx, "no_shared_cipher")
    if p is None:
        return None
    c, a, base = p
    prof = offer_profile(c.ch)
    only13 = prof["tls13"] and not prof["modern"] and not prof["legacy"] and not prof["weak"]
    extra = (
        (
            " The client offers only TLS 1.3 suites: a TLS 1.2-only server has nothing to "
            "pick (most servers would send protocol_version for that, some send 40)."
        )
        if only13
        else ""
    )
    accepted = [x for x in prof["tls13"] if x in DEFAULT_TLS13_SUITES] + prof["modern"]
    return make(
        "no_shared_cipher",
        "low",
        "Possibly no cipher suite in common (the offer looks modern; the server's list is "
        "not visible)",
        f"{base} The offer includes {suites_text(accepted, 4)}, which a default server "
        f"accepts, so the server's policy must be narrower (a restricted "
        f"suite list, or only an ECDSA certificate while the client offers only RSA "
        f"suites).{extra}{_STACKS_40}",
        [c.chf, a.frame],
        "server",
        [s_client(s), "Check the server's cipher-suite and certificate configuration"],
    )


# --- groups ----------------------------------------------------------------------------------
#
# As for the suites, ``_group_case`` picks the one branch that fits: a HelloRetryRequest, then a
# ServerKeyExchange refused at P3, then a ServerHello key share refused at P2/P3, then the
# server's refusal at P1 classified by cross-session proof and by the offered groups.


def _group_case(s: Session, ctx: Context) -> _Case | None:
    """Which key-exchange-group explanation fits this failed session, if any."""
    ch = s.client_hello
    if not ctx.failed or ch is None:
        return None
    chf = _ch_frame(s)
    a = ctx.alert
    hrr = s.hello_retry
    if hrr is not None and hrr.key_share_group is not None:
        g = hrr.key_share_group
        if (g not in ch.supported_groups or g in ch.key_share_groups) and (
            (a is not None and a.sender == "client") or len(s.client_hellos) < 2
        ):
            return _Case("hrr_group_not_offered", ch, a, chf)
        if len(s.client_hellos) >= 2 and g not in s.client_hellos[1].key_share_groups:
            return _Case("hrr_share_not_sent", ch, a, chf)
    ske = s.server_key_exchange
    if (
        ske is not None
        and a is not None
        and a.sender == "client"
        and ctx.position == "P3"
        and a.code in (71, 40, 47)
    ):
        if ske.dh_bits and ske.dh_bits < 2048:
            return _Case("weak_dh_group", ch, a, chf)
        if ske.named_group is not None and ske.named_group not in ch.supported_groups:
            return _Case("ske_curve_not_offered", ch, a, chf)
    sh = s.server_hello
    last_ch = s.client_hellos[-1]
    if (
        sh is not None
        and a is not None
        and a.sender == "client"
        and ctx.position in ("P2", "P3")
        and sh.key_share_group is not None
        and last_ch.key_share_groups
        and sh.key_share_group not in last_ch.key_share_groups
    ):
        return _Case("key_share_not_offered", ch, a, chf)
    if not _p1_refusal(ctx, 40, 47, 71, 109):
        return None
    for o in ctx.server_successes():
        if o.group is not None and o.group not in ch.supported_groups:
            return _Case("group_used_elsewhere", ch, a, chf, o)
    groups = real_groups(ch)
    versions = ch.offered_versions
    if not groups:
        needs_groups = 0x0304 in versions or not any(
            "_DHE_" in names.cipher_suite_name(c) or "_RSA_WITH" in names.cipher_suite_name(c)
            for c in real_suites(ch)
        )
        return _Case("no_supported_groups", ch, a, chf) if needs_groups else None
    if set(groups) & MAINSTREAM_GROUPS:
        if (
            versions == [0x0304]
            and set(ch.cipher_suites) >= DEFAULT_TLS13_SUITES
            and (not ch.signature_algorithms or set(ch.signature_algorithms) & RSA_PSS_RSAE)
        ):
            return _Case("tls13_groups_refused", ch, a, chf)
        return None
    return _Case("no_common_group", ch, a, chf)


def _group_rule_case(s: Session, ctx: Context, kind: str) -> tuple[_Case, Alert | None] | None:
    c = _group_case(s, ctx)
    return (c, c.a) if c is not None and c.kind == kind else None


def _group_p1(s: Session, ctx: Context, kind: str) -> tuple[_Case, Alert, str] | None:
    """The case when it is *kind*, a server refusal at P1, with its alert and opening text."""
    c = _group_case(s, ctx)
    if c is None or c.kind != kind or c.a is None:
        return None
    base = (
        f"The server refused the ClientHello in frame {c.chf} with "
        f"{alert_text(c.a, s.transport)} in frame "
        f"{c.a.frame}, before any ServerHello."
    )
    return c, c.a, base


def _hrr_tail(a: Alert | None, transport: str) -> str:
    if a is None:
        return ""
    return f" and the client answered with {alert_text(a, transport)} in frame {a.frame}"


@rule(priority=25)
def hrr_group_not_offered(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: a HelloRetryRequest asks for a group the client never listed, or one it
    already sent a share for (RFC 8446 forbids both), and the client refused it or never sent a
    second ClientHello."""
    p = _group_rule_case(s, ctx, "hrr_group_not_offered")
    hrr = s.hello_retry
    if p is None or hrr is None or hrr.key_share_group is None:
        return None
    c, a = p
    g, ch = hrr.key_share_group, c.ch
    hf = pos.frame_of(s, "HelloRetryRequest", "server")
    why = (
        "which the client never listed in supported_groups"
        if g not in ch.supported_groups
        else "although the client had already sent a share for it"
    )
    return make(
        "no_common_group",
        "high" if a and a.code == 47 else "medium",
        f"The server's HelloRetryRequest asked for {names.group_name(g)}, {why}",
        f"The ClientHello in frame {c.chf} lists {groups_text(real_groups(ch))} with key "
        f"shares for {groups_text(ch.key_share_groups)}. The HelloRetryRequest in "
        f"frame {hf} asked for {names.group_name(g)}, {why}{_hrr_tail(a, s.transport)}. RFC 8446 "
        f"forbids this; the server (or a middlebox) is broken.",
        [c.chf, hf, a.frame if a else None],
        "server",
        [s_client(s)],
    )


@rule(priority=25)
def hrr_share_not_sent(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: the second ClientHello lacks the key share the HelloRetryRequest asked
    for (the request itself being valid, or answered by a second hello and a server alert)."""
    p = _group_rule_case(s, ctx, "hrr_share_not_sent")
    hrr = s.hello_retry
    if p is None or hrr is None or hrr.key_share_group is None:
        return None
    _, a = p
    g = hrr.key_share_group
    hf = pos.frame_of(s, "HelloRetryRequest", "server")
    ch2f = [e.frame for e in s.events if e.type == "ClientHello"][1:2]
    return make(
        "no_common_group",
        "high" if a and a.code in (47, 40) else "medium",
        f"The second ClientHello lacks the {names.group_name(g)} key share the server asked for",
        f"The HelloRetryRequest in frame {hf} asked for {names.group_name(g)}; the "
        f"second ClientHello (frame {ch2f[0] if ch2f else '?'}) sent shares for "
        f"{groups_text(s.client_hellos[1].key_share_groups)} instead"
        f"{_hrr_tail(a, s.transport)}. The "
        f"client's TLS stack is broken.",
        # The first hello (what the request answered), the request, the second hello.
        [pos.frame_of(s, "ClientHello", "client"), hf, a.frame if a else None, *ch2f],
        "client",
        [s_client(s)],
    )


@rule(priority=25)
def weak_dh_group(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: client 71/40/47 at P3 after a ServerKeyExchange with a DH prime under
    2048 bits (no HelloRetryRequest explanation applies)."""
    p = _group_rule_case(s, ctx, "weak_dh_group")
    ske = s.server_key_exchange
    if p is None or p[1] is None or ske is None:
        return None
    c, a = p[0], p[1]
    skf = pos.frame_of(s, "ServerKeyExchange", "server")
    return make(
        "no_common_group",
        "high" if a.code in (71, 40) else "medium",
        f"The server's {ske.dh_bits}-bit DH group is too small for the client",
        f"The ServerKeyExchange in frame {skf} uses a {ske.dh_bits}-bit DH prime; the "
        f"client refused with "
        f"{alert_text(a, s.transport)} in frame {a.frame}. Current clients need "
        f"at least 2048 bits (OpenSSL 'dh key too small', Java 71). Configure a "
        f"2048-bit or larger DH group (RFC 7919 ffdhe2048) or prefer ECDHE suites.",
        [c.chf, skf, a.frame],
        "server",
        [s_client(s)],
    )


@rule(priority=25)
def ske_curve_not_offered(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: client 71/40/47 at P3 after a ServerKeyExchange on a curve the client
    did not list (the DH prime, if any, being large enough)."""
    p = _group_rule_case(s, ctx, "ske_curve_not_offered")
    ske = s.server_key_exchange
    if p is None or p[1] is None or ske is None or ske.named_group is None:
        return None
    c, a = p[0], p[1]
    skf = pos.frame_of(s, "ServerKeyExchange", "server")
    return make(
        "no_common_group",
        "high",
        f"The server picked the curve {names.group_name(ske.named_group)}, which the "
        f"client did not offer",
        f"The ServerKeyExchange in frame {skf} uses "
        f"{names.group_name(ske.named_group)}; the client offered "
        f"{groups_text(real_groups(c.ch))} and refused with "
        f"{alert_text(a, s.transport)} in frame {a.frame}.",
        [c.chf, skf, a.frame],
        "server",
        [s_client(s)],
    )


@rule(priority=25)
def key_share_not_offered(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: the client refuses (P2/P3) a ServerHello key share in a group it sent
    no share for (no HelloRetryRequest or ServerKeyExchange explanation applies)."""
    p = _group_rule_case(s, ctx, "key_share_not_offered")
    sh = s.server_hello
    if p is None or p[1] is None or sh is None or sh.key_share_group is None:
        return None
    c, a = p[0], p[1]
    last_ch = s.client_hellos[-1]
    shf = pos.frame_of(s, "ServerHello", "server")
    return make(
        "no_common_group",
        "high" if a.code is not None else "medium",
        f"The server's key share uses {names.group_name(sh.key_share_group)}, for which "
        f"the client sent no share",
        f"The ServerHello in frame {shf} answers with a {names.group_name(sh.key_share_group)}"
        f" key share; the ClientHello sent shares only for "
        f"{groups_text(last_ch.key_share_groups)}. The client refused with "
        f"{alert_text(a, s.transport)} "
        f"in frame {a.frame}.",
        [c.chf, shf, a.frame],
        "server",
        [s_client(s)],
    )


@rule(priority=25)
def group_used_elsewhere(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: server 40/47/71/109 at P1, and a success of the same server used a group
    this offer does not list."""
    p = _group_p1(s, ctx, "group_used_elsewhere")
    if p is None:
        return None
    c, a, base = p
    o = c.other
    assert o is not None and o.group is not None  # set by _group_case for this kind
    of = pos.frame_of(o, "ServerHello", "server")
    return make(
        "no_common_group",
        "high",
        f"No key-exchange group in common: the server uses "
        f"{names.group_name(o.group)}, which this client does not offer",
        f"{base} The client offers {groups_text(real_groups(c.ch))}; the same server used "
        f"{names.group_name(o.group)} with session #{o.id} (frame {of}).",
        [c.chf, a.frame, of],
        "client",
        [s_client(s, "-groups", "X25519:P-256")],
    )


@rule(priority=25)
def no_supported_groups(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: server 40/47/71/109 at P1 to an offer that needs an (EC)DHE group (TLS
    1.3, or ECDHE suites only) but has no supported_groups extension."""
    p = _group_p1(s, ctx, "no_supported_groups")
    if p is None:
        return None
    c, a, base = p
    return make(
        "no_common_group",
        "medium",
        "Likely no common group: the ClientHello has no supported_groups extension",
        f"{base} The offer needs an (EC)DHE group ("
        f"{'TLS 1.3' if 0x0304 in c.ch.offered_versions else 'ECDHE suites only'}) but carries "
        f"no supported_groups extension, so the server has nothing to choose. TLS 1.3 servers "
        f"answer missing_extension (109) or handshake_failure (40). A hand-made client or "
        f"scanner is likely.",
        [c.chf, a.frame],
        "client",
        [s_client(s)],
    )


@rule(priority=25)
def tls13_groups_refused(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: server 40/47/71/109 at P1 to a TLS 1.3-only offer with mainstream groups,
    TLS_AES_128_GCM_SHA256 and RSA-PSS: without a HelloRetryRequest only the groups are left."""
    p = _group_p1(s, ctx, "tls13_groups_refused")
    if p is None:
        return None
    c, a, base = p
    ch, groups = c.ch, real_groups(c.ch)
    return make(
        "no_common_group",
        "medium",
        f"Likely no common key-exchange group: the server accepts none of {groups_text(groups)}",
        f"{base} The client offers only TLS 1.3, with the mandatory suites and "
        f"RSA-PSS/ECDSA signatures, which leaves the groups: it lists "
        f"{groups_text(groups)} (key share {groups_text(ch.key_share_groups)}). Had "
        f"the server accepted any listed group it would have sent a HelloRetryRequest "
        f"instead of failing, so it is restricted to others (for example only "
        f"secp384r1, or only post-quantum groups). The server's list is not visible, "
        f"hence 'likely'.",
        [c.chf, a.frame],
        "server",
        [
            s_client(s, "-tls1_3", "-groups", "X25519:P-256:P-384:P-521"),
            "Compare with the server's configured groups (OpenSSL -groups / ssl_ecdh_curve)",
        ],
    )


@rule(priority=25)
def no_common_group(s: Session, ctx: Context) -> Cause | None:
    """no_common_group: server 40/47/71/109 at P1 to an offer with no mainstream group (only
    post-quantum, only FFDHE, or other odd groups), no success of the same server to compare."""
    p = _group_p1(s, ctx, "no_common_group")
    if p is None:
        return None
    c, a, base = p
    ch, groups = c.ch, real_groups(c.ch)
    pq = [g for g in groups if g in PQ_GROUPS or g in (0x0200, 0x0201, 0x0202)]
    ff = [g for g in groups if g in FFDHE_GROUPS]
    if pq and len(pq) == len(groups):
        why = (
            "only post-quantum groups: a server without ML-KEM support (OpenSSL before 3.5, "
            "most servers today) has no group to choose"
        )
    elif ff and len(ff) == len(groups):
        why = (
            "only finite-field (FFDHE) groups, which Go, BoringSSL and rustls servers do not "
            "implement for TLS 1.3"
        )
    else:
        why = "none of x25519, secp256r1 or secp384r1, which nearly every server uses"
    return make(
        "no_common_group",
        "medium",
        f"Likely no common key-exchange group: the client offers only {groups_text(groups)}",
        f"{base} The client offers {groups_text(groups)} (key shares: "
        f"{groups_text(ch.key_share_groups)}): {why}. The server's group list is not visible, "
        f"hence 'likely'; a group mismatch is answered with handshake_failure (40) by "
        f"OpenSSL, BoringSSL, rustls and GnuTLS.",
        [c.chf, a.frame],
        "client",
        [s_client(s, "-groups", "X25519:P-256")],
    )


# --- SNI, ALPN -------------------------------------------------------------------------------


@rule(priority=15)
def sni_rejected(s: Session, ctx: Context) -> Cause | None:
    """sni_rejected: unrecognized_name (112) from the server."""
    ch = s.client_hello
    if not ctx.failed or ch is None or not ctx.alert_is("server", 112):
        return None
    a = ctx.alert
    assert a is not None
    chf = _ch_frame(s)
    warning = a.level == "warning"
    if ch.sni is None:
        why = (
            "The ClientHello carries no SNI, and the server requires one to pick a virtual "
            "host. Make the client send SNI (connect by name, not by address)."
        )
        fault, summary = "client", "The server requires SNI and the ClientHello has none"
    elif _is_ip(ch.sni):
        why = (
            f"The SNI is an IP address ({q(ch.sni)}), which RFC 6066 forbids; connect by host name."
        )
        fault, summary = "client", "The SNI is an IP address, which the server rejects"
    else:
        why = (
            f"The server has no virtual host or certificate for {q(ch.sni)} (nginx "
            f"ssl_reject_handshake, an OpenSSL servername callback, Go without a matching "
            f"certificate). Check the name for a typo or a stale DNS record, or add it to "
            f"the server's configuration."
        )
        fault, summary = "server", f"The server does not serve the name {q(ch.sni)}"
    others = sorted(
        {
            o.client_hello.sni
            for o in ctx._others
            if o.server == s.server
            and o.status == "ok"
            and o.client_hello
            and o.client_hello.sni
            and o.client_hello.sni != ch.sni
        }
    )
    if others:
        why += " The same server accepted " + ", ".join(q(n) for n in others[:5]) + "."
    if warning:
        why += (
            " The alert is only a warning (allowed before TLS 1.3); clients such as Java "
            "still abort on it."
        )
    return make(
        "sni_rejected",
        "medium" if warning else "high",
        summary,
        f"The ClientHello in frame {chf} asked for "
        f"{q(ch.sni) if ch.sni else 'no name'}; the server answered with "
        f"unrecognized_name (112) in frame {a.frame}. {why}",
        [chf, a.frame],
        fault,
        [s_client(s)],
    )


@rule(priority=15)
def alpn_mismatch(s: Session, ctx: Context) -> Cause | None:
    """alpn_mismatch: no_application_protocol (120)."""
    ch = s.client_hello
    if not ctx.failed or ch is None or not ctx.alert_is("server", 120):
        return None
    a = ctx.alert
    assert a is not None
    chf = _ch_frame(s)
    offered = ", ".join(q(p) for p in ch.alpn) or "nothing"
    chosen = sorted(
        {
            o.server_hello.alpn
            for o in ctx.server_successes()
            if o.server_hello and o.server_hello.alpn
        }
    )
    lines = [
        f"The ClientHello in frame {chf} offers ALPN {offered}; the server supports none "
        f"of the offered protocols and answered with no_application_protocol (120) in "
        f"frame {a.frame}."
    ]
    if chosen:
        lines.append(
            "The same server selected "
            + ", ".join(q(c) for c in chosen)
            + " for other connections."
        )
    if not ch.alpn:
        lines.append("The client sent no ALPN at all, and this server requires it.")
        fault = "client"
    elif "http/1.1" in ch.alpn:
        lines.append(
            "An offer that includes http/1.1 being refused points at the server's "
            "ALPN configuration."
        )
        fault = "server"
    elif s.transport == "quic":
        # QUIC carries HTTP/3 (h3) or its own application protocols (DNS over QUIC "doq",
        # SMB, ...): never h2 or http/1.1 (RFC 9114 3.1, RFC 9250 4.1).
        lines.append(
            "Typical cases over QUIC: an HTTP/3 client offering only an old draft token "
            "(h3-29) to a server that speaks final h3 only, or a protocol such as DNS over "
            "QUIC (doq) sent to an HTTP/3 server (or the reverse)."
        )
        fault = "client"
    else:
        lines.append(
            "Typical cases: an h2-only (gRPC) client against an HTTP/1.1 service, or a "
            "special protocol (acme-tls/1) sent to a normal virtual host."
        )
        fault = "client"
    return make(
        "alpn_mismatch",
        "high",
        f"No common application protocol (ALPN): the client offered {offered}",
        " ".join(lines),
        [chf, a.frame],
        fault,
        # HTTP/3 is what a QUIC server on the web speaks; h2 and http/1.1 never run on QUIC.
        [s_client(s, "-alpn", "h3" if s.transport == "quic" else "h2,http/1.1")],
    )
