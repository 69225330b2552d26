"""Certificate rules: the client rejecting the server's certificate (P3), and the server
rejecting the client's (P4, or P5 in TLS 1.3).

The certificate checks (dates, name, chain linkage) are facts of the capture; the alert code
says what the client thought.  Both together make a high-confidence answer.  In TLS 1.3 without
keys the certificate and the alert are encrypted, so the answer is at best *likely*.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlstui.analysis.diagnosis import certs
from tlstui.analysis.diagnosis import positions as pos
from tlstui.analysis.diagnosis.registry import Context, ServerChain, make, rule
from tlstui.analysis.diagnosis.text import alert_text, plural, q, s_client
from tlstui.analysis.model import Cause, Confidence, Session
from tlstui.tls import names
from tlstui.tls.model import CertificateRequest

CERT_ALERTS = frozenset({42, 43, 44, 45, 46, 48, 113})
CLIENT_CERT_ALERTS = frozenset({42, 43, 44, 45, 46, 48, 49})
ECH_EXTENSION = 0xFE0D
# TLS 1.3 client flight sizes (record payloads): Finished alone is 53 bytes with SHA-256
# suites, an empty Certificate adds 25 (61 when coalesced); SHA-384 adds 16.  A real client
# certificate plus CertificateVerify is several hundred bytes.
SMALL_CLIENT_FLIGHT = 120
LARGE_CLIENT_FLIGHT = 250


def _ch_frame(s: Session) -> int | None:
    return pos.offer_frame(s)


@dataclass(slots=True)
class Rejection:
    """How the client turned the server's certificate flight down."""

    kind: str  # "alert" | "encrypted" | "close"
    frame: int
    code: int | None
    text: str  # "the client sent unknown_ca (48) in frame 9"


def client_rejection(s: Session, ctx: Context) -> Rejection | None:
    """The client's refusal at P3: a certificate alert, an unreadable alert, or a bare close."""
    if not ctx.failed:
        return None
    a = ctx.alert
    if a is not None:
        if a.sender != "client":
            return None
        late = ctx.position != "P3"
        if late and not pos.late_client_refusal(s, a):
            return None
        sent = f"the client sent {alert_text(a, s.transport)} in frame {a.frame}"
        if late:
            fin = pos.last_before(s, pos.alert_index(s, a), "client", pos.CLIENT_FLIGHT2)
            sent += (
                f" (late: after its own Finished{f' in frame {fin.frame}' if fin else ''} and "
                f"before any data; the client checked the server certificate only after the "
                f"key exchange, as NSS does, so the ladder looks complete)"
            )
        if a.code is None:
            return Rejection("encrypted", a.frame, None, sent)
        if a.code in CERT_ALERTS or a.code == 40:
            return Rejection("alert", a.frame, a.code, sent)
        return None
    close = pos.first_close(s)
    if close and close.sender == "client" and pos.close_position(s, close) == "P3":
        return Rejection(
            "close",
            close.frame,
            None,
            f"the client closed the connection ({close.type}) in frame "
            f"{close.frame} without an alert",
        )
    return None


def _when(chain: ServerChain, s: Session) -> float:
    return s.start if chain.borrowed else chain.time


def _chain_phrase(chain: ServerChain) -> str:
    n = len(chain.chain)
    if chain.borrowed:
        return (
            f"The server's certificate is encrypted in this connection; the same server "
            f"sent a chain of {plural(n, 'certificate')} in session #{chain.session.id} "
            f"(frame {chain.frame}), assumed unchanged."
        )
    return f"The server's Certificate in frame {chain.frame} carries {plural(n, 'certificate')}."


def _ech_offered(s: Session) -> bool:
    ch = s.client_hello
    return bool(ch and any(e.type == ECH_EXTENSION for e in ch.extensions))


def _show_certs(s: Session) -> str:
    return (
        s_client(s, "-showcerts") + " </dev/null | openssl x509 -noout -subject -issuer "
        "-dates -ext subjectAltName"
    )


# --- dates -----------------------------------------------------------------------------------


def _grease_client(s: Session) -> bool:
    ch = s.client_hello
    return bool(ch and any(names.is_grease(c) for c in ch.cipher_suites))


def _stack_note(s: Session, code: int | None) -> str:
    """What the alert code is worth, given what the ClientHello says about the client stack."""
    if code == 46 and _grease_client(s):
        return (
            " The ClientHello carries GREASE values, as Chrome and other BoringSSL-based "
            "clients send; Chrome answers every certificate error with certificate_unknown "
            "(46), so the code does not say which check failed."
        )
    return ""


def _validity_rule(s: Session, ctx: Context, kind: str) -> Cause | None:
    rej = client_rejection(s, ctx)
    if rej is None:
        return None
    chain = ctx.server_chain()
    cause = "expired_certificate" if kind == "expired" else "not_yet_valid_certificate"
    chf = _ch_frame(s)
    if chain is None:
        if rej.code == 45 and kind == "expired":
            return make(
                cause,
                "medium",
                "The client says the server's certificate is expired (certificate_expired)",
                f"After the server's encrypted flight, {rej.text}. The certificate itself is "
                f"encrypted in this capture, so its dates cannot be checked; BoringSSL, Go and "
                f"rustls also send 45 for a not-yet-valid certificate, and a wrong client "
                f"clock produces the same alert.",
                [chf, rej.frame],
                "server",
                [_show_certs(s)],
            )
        return None
    found = [f for f in certs.validity(chain.chain, _when(chain, s)) if f.kind == kind]
    if not found:
        other = certs.validity(chain.chain, _when(chain, s))
        if rej.code == 45 and kind == "expired" and not other and not chain.borrowed:
            return make(
                cause,
                "medium",
                "The client says the certificate is expired, but it is valid at capture time",
                f"{_chain_phrase(chain)} Every certificate is within its validity period at "
                f"the capture time, yet {rej.text}. The client's clock is probably wrong, or "
                f"a CRL it relies on has expired. (The capture's timestamps come from the "
                f"capturing host's clock, not the client's.)",
                [chf, chain.frame, rej.frame],
                "client",
                ["Check the client's clock (`date -u`, NTP status)", _show_certs(s)],
            )
        return None
    if chain.borrowed:
        confidence: Confidence = "medium"
    elif rej.kind == "alert":
        confidence = "high" if rej.code in (42, 45, 46) else "medium" if rej.code == 40 else "low"
    else:
        confidence = "medium"
    leaf_only = all(f.index == 0 for f in found)
    if kind == "expired":
        summary = (
            "The server's certificate has expired"
            if leaf_only
            else "The server sends an expired certificate in its chain"
        )
        advice = (
            "Renew the certificate on the server."
            if leaf_only
            else "Replace the expired intermediate or cross-signed certificate in the "
            "server's chain file."
        )
    else:
        summary = "The server's certificate is not yet valid"
        advice = (
            "Either the certificate was issued with a future start date, or a clock is "
            "wrong (the server's CA, or the capturing host)."
        )
    reading = {
        "alert": "",
        "encrypted": " The alert is encrypted, so its code is not visible.",
        "close": " Some clients close after their own verification instead of alerting.",
    }[rej.kind]
    if rej.code in (42, 46) and kind == "not_yet_valid":
        reading = (
            " OpenSSL and Java send bad_certificate (42) for a not-yet-valid certificate "
            "(BoringSSL, Go and rustls send 45, Chrome 46); the dates alone are enough "
            "for any client to refuse."
        )
    elif rej.code in (42, 46):
        reading = (
            f" {alert_text_code(rej.code)} is a generic certificate refusal (Chrome sends "
            f"46 for every certificate error); the dates alone are enough for any client "
            f"to refuse."
        )
    if rej.code == 40:
        reading = _GENERIC_40
    if rej.code in (43, 44, 48, 113):
        reading = (
            f" The client named another reason ({alert_text_code(rej.code)}), so the "
            f"dates may not be what it tripped on first."
        )
    return make(
        cause,
        confidence,
        summary,
        f"{_chain_phrase(chain)} {' '.join(f.text for f in found)} Then {rej.text}, "
        f"right after the certificate.{reading} {advice}",
        [chf, chain.frame, rej.frame],
        "server",
        [_show_certs(s)],
    )


_GENERIC_40 = (
    " handshake_failure (40) is a generic refusal that does not name the certificate, "
    "but it came right after the certificate and nothing else in the capture "
    "explains it."
)


def alert_text_code(code: int | None) -> str:
    return f"{names.alert_name(code)} ({code})" if code is not None else "an unreadable alert"


@rule(priority=40)
def expired_certificate(s: Session, ctx: Context) -> Cause | None:
    """expired_certificate: a certificate in the chain ended before the capture time and the
    client refused the flight (any certificate alert, or a bare close)."""
    return _validity_rule(s, ctx, "expired")


@rule(priority=41)
def not_yet_valid_certificate(s: Session, ctx: Context) -> Cause | None:
    """not_yet_valid_certificate: notBefore is after the capture time."""
    return _validity_rule(s, ctx, "not_yet_valid")


# --- name ------------------------------------------------------------------------------------


@rule(priority=42)
def hostname_mismatch(s: Session, ctx: Context) -> Cause | None:
    """hostname_mismatch: the leaf's SAN (or CN when there is no SAN) does not cover the SNI."""
    rej = client_rejection(s, ctx)
    chain = ctx.server_chain()
    if rej is None or chain is None or not chain.chain:
        return None
    ch = s.client_hello
    sni = ch.sni if ch else None
    finding = certs.hostname(sni, s.server.ip, chain.chain[0])
    if finding is None:
        return None
    if chain.borrowed or rej.kind != "alert" or sni is None:
        confidence: Confidence = "medium"
    else:
        confidence = "high" if rej.code in (42, 46) else "medium" if rej.code == 40 else "low"
    reading = ""
    if rej.code == 40:
        reading = _GENERIC_40
    elif rej.code in (42, 46):
        reading = (
            " OpenSSL, BoringSSL, Go and rustls send bad_certificate (42) for a name "
            "mismatch; Chrome and Java send certificate_unknown (46)."
        )
    elif rej.kind == "alert":
        reading = (
            f" The client named another reason ({alert_text_code(rej.code)}), so the "
            f"name may not be what it tripped on first."
        )
    leaf = chain.chain[0]
    return make(
        "hostname_mismatch",
        confidence,
        f"The server's certificate does not cover {q(sni) if sni else 'the address used'}",
        f"{_chain_phrase(chain)} {finding.text} Then {rej.text}.{reading} The server presented "
        f"a certificate for {q(leaf.subject)}: a missing virtual host for this name (so the "
        f"default certificate was sent), or a certificate without this name in its SAN. Add "
        f"the name to the certificate, or fix the name the client uses.",
        [_ch_frame(s), chain.frame, rej.frame],
        "server",
        [_show_certs(s)],
    )


# --- trust -----------------------------------------------------------------------------------


@rule(priority=43)
def untrusted_ca(s: Session, ctx: Context) -> Cause | None:
    """untrusted_ca: unknown_ca (48), or a generic refusal with a chain that cannot be anchored,
    or (TLS 1.3, no keys) an encrypted client alert right after the server's flight."""
    rej = client_rejection(s, ctx)
    if rej is None:
        return None
    chf = _ch_frame(s)
    chain = ctx.server_chain()
    links = chain.chain if chain is not None else []
    trust: list[certs.Finding] = certs.chain_trust(links)
    other: list[certs.Finding] = []
    if chain is not None and links:
        other = certs.validity(links, _when(chain, s))
        name = certs.hostname(s.client_hello.sni if s.client_hello else None, s.server.ip, links[0])
        other += [name] if name else []
    evidence = [chf, chain.frame if chain else None, rej.frame]
    fault = "server" if chain is not None else "unknown"
    private = [
        f
        for f in trust
        if f.kind == "private_root"
        or (f.kind == "issuer_missing" and len(links) == 1 and certs.private_hint(links[0].issuer))
    ]
    if trust and len(private) == len(trust):
        fault = "client"
    detail = " ".join(f.text for f in trust)
    head = _chain_phrase(chain) if chain is not None else ""
    if rej.code == 48:
        if chain is None:
            text = (
                f"After the server's encrypted flight, {rej.text}: the client could not "
                f"build a chain to a root it trusts. The certificate is encrypted in this "
                f"capture; check the chain the server sends."
            )
        else:
            text = (
                f"{head} {detail or _anchor_sentence(chain)} Then {rej.text}, right after "
                f"the certificate: the client could not build a chain to a root it trusts."
            )
        return make(
            "untrusted_ca",
            "high",
            "The client does not trust the server certificate's issuer (unknown_ca)",
            text + _fix(trust),
            evidence,
            fault,
            _trust_checks(s, chain),
        )
    if rej.kind == "alert" and rej.code in (40, 42, 46) and trust and not other:
        stack = (
            'Java clients send 46 for an untrusted issuer ("PKIX path building failed"), '
            "Chrome sends 46 for every certificate error, and GnuTLS sends bad_certificate "
            "(42) for every verification failure."
        )
        return make(
            "untrusted_ca",
            "medium",
            "The client likely does not trust the server certificate's issuer",
            f"{head} {detail} Then {rej.text}. The dates and the name are fine, so the "
            f"chain is the likely reason. {stack}{_fix(trust)}",
            evidence,
            fault,
            _trust_checks(s, chain),
        )
    if rej.kind == "close" and trust and not other:
        return make(
            "untrusted_ca",
            "medium",
            "The client closed after an unanchored certificate chain (likely untrusted CA)",
            f"{head} {detail} Then {rej.text}. Some applications close after their own "
            f"verification instead of alerting.{_fix(trust)}",
            evidence,
            fault,
            _trust_checks(s, chain),
        )
    if rej.kind == "encrypted" and not _ech_offered(s):
        if chain is not None and (trust or other):
            if other and not trust:
                return None
            return make(
                "untrusted_ca",
                "medium",
                "The client likely rejected the server certificate's issuer",
                f"{head} {detail} In this connection {rej.text}, right "
                f"after the server's encrypted flight: the client rejected the "
                f"certificate, its signature or the Finished, and the chain above is "
                f"the visible problem. A key log would show the alert code." + _fix(trust),
                evidence,
                fault,
                _trust_checks(s, chain),
            )
        # Without the certificate or the alert code, the issuer is one candidate among
        # several: Go, Java and NSS clients encrypt every TLS 1.3 certificate refusal.
        return make(
            "untrusted_ca",
            "low",
            "The client rejected the server's certificate (encrypted alert); an untrusted CA "
            "is one candidate",
            f"After the server's encrypted flight ({_flight_frames(s, rej.frame)}), which "
            f"carries its certificate, {rej.text}{_gap_after_flight(s, rej.frame)}, before "
            f"any Finished of its own. TLS 1.3 hides both the certificate and the alert "
            f"without keys. A client refusing the server's flight "
            f"this way is most often refusing the certificate's issuer (private CA, missing "
            f"intermediate); an expired certificate, a name mismatch or a bad signature look "
            f"the same. The client's SSLKEYLOGFILE for this connection, or its error message, "
            f"settles it.",
            [chf, pos.frame_of(s, "EncryptedHandshake", "server"), rej.frame],
            "unknown",
            [
                _show_certs(s) + " (compare issuer and dates with the client's trust store)",
                "Capture again with SSLKEYLOGFILE set on the client",
            ],
        )
    return None


def _flight_frames(s: Session, frame: int) -> str:
    idx = pos.index_of(s, frame)
    frames = sorted(
        {e.frame for e in s.events[:idx] if e.sender == "server" and e.type == "EncryptedHandshake"}
    )
    if not frames:
        return "not seen"
    return f"frame {frames[0]}" if len(frames) == 1 else f"frames {frames[0]}–{frames[-1]}"


def _gap_after_flight(s: Session, frame: int) -> str:
    idx = pos.index_of(s, frame)
    last = pos.last_before(s, idx, "server")
    ev = s.events[idx] if idx < len(s.events) else None
    if last is None or ev is None or ev.frame != frame:
        return ""
    return f", {(ev.time - last.time) * 1000:.0f} ms after the server's last record"


def _anchor_sentence(chain: ServerChain) -> str:
    top = chain.chain[-1]
    anchor = top.subject if certs.is_self_signed(top) else top.issuer
    return (
        f"The chain links up and ends at {q(anchor)}; the client's trust store does not "
        f"hold that root (a private CA, or an outdated trust store)."
    )


def _fix(trust: list[certs.Finding]) -> str:
    kinds = {f.kind for f in trust}
    if "self_signed" in kinds:
        return (
            " Use a certificate from a CA the client trusts, or add this certificate to the "
            "client's trust store."
        )
    if "issuer_missing" in kinds:
        return (
            " If the issuer is an intermediate, configure the server to send it (the full "
            "chain file); if it is a private CA, install that CA on the client."
        )
    if "private_root" in kinds:
        return (
            " Install the private root on the client, or (for a TLS-inspection proxy) "
            "trust the proxy's CA or bypass it."
        )
    return ""


def _trust_checks(s: Session, chain: ServerChain | None) -> list[str]:
    checks = [s_client(s, "-showcerts", "-verify_return_error")]
    if chain and chain.chain:
        checks.append(
            f"Check that the client's trust store holds "
            f"{q(chain.chain[-1].issuer or chain.chain[-1].subject)} "
            f"(`openssl verify -CAfile ca.pem -untrusted chain.pem leaf.pem`)"
        )
    return checks


# --- everything else the client may dislike --------------------------------------------------


@rule(priority=45)
def bad_certificate(s: Session, ctx: Context) -> Cause | None:
    """bad_certificate: a certificate refusal (42/43/44/46/113) that the visible dates, name and
    chain do not explain; weak keys or signatures when visible."""
    rej = client_rejection(s, ctx)
    if rej is None or rej.kind == "close":
        return None
    chain = ctx.server_chain()
    chf = _ch_frame(s)
    if rej.kind == "encrypted":
        if _ech_offered(s):
            return make(
                "bad_certificate",
                "low",
                "The client refused the server's flight (encrypted alert); ECH was offered",
                f"The ClientHello offers Encrypted Client Hello and {rej.text} right after the "
                f"server's flight: an ech_required (121) rejection is likely (a stale ECH "
                f"config from DNS, or ECH disabled on the server); a certificate refusal "
                f"looks the same. A new connection within seconds would be the client's retry.",
                [chf, rej.frame],
                "unknown",
                [s_client(s)],
            )
        return make(
            "bad_certificate",
            "medium",
            "The client refused the server's certificate (encrypted alert; the reason is not "
            "visible)",
            f"{rej.text[0].upper() + rej.text[1:]}, right after the server's encrypted flight "
            f"and before any Finished of its own: the client refused what that flight "
            f"carries, almost always the certificate. Which check failed is encrypted: an "
            f"untrusted issuer (private CA, missing intermediate), an expired or not yet "
            f"valid certificate, a host name mismatch, or (rarely) a bad CertificateVerify "
            f"all give this ladder. Go and NSS say bad_certificate (42) or unknown_ca (48), "
            f"Java certificate_unknown (46), all encrypted in TLS 1.3. The client's error "
            f"message, its SSLKEYLOGFILE, or a TLS 1.2 connection to the same server (which "
            f"shows the chain) settles it.",
            [chf, rej.frame],
            "unknown",
            [_show_certs(s)],
        )
    if rej.code not in (42, 43, 44, 46, 113):
        return None
    specific, weak = [], []
    if chain is not None:
        found = certs.all_findings(
            chain.chain,
            _when(chain, s),
            s.client_hello.sni if s.client_hello else None,
            s.server.ip,
        )
        specific = [
            f
            for f in found
            if f.kind
            in (
                "expired",
                "not_yet_valid",
                "hostname",
                "self_signed",
                "issuer_missing",
                "private_root",
            )
        ]
        weak = [
            f
            for f in found
            if f.kind in ("weak_key", "weak_signature", "unreadable", "chain_order")
        ]
    if specific:
        return None
    meaning = {
        42: "the certificate is corrupt, badly signed or otherwise unacceptable",
        43: "the certificate's type or key usage is unsupported (e.g. no serverAuth EKU, or a "
        "key type that does not fit the chosen suite)",
        44: "the client says the certificate is revoked (a CRL or OCSP answer it holds)",
        46: "the certificate was rejected for an unspecified reason",
        113: "the client rejected the stapled OCSP response",
    }[rej.code]
    head = _chain_phrase(chain) if chain else "The server's certificate is not visible."
    body = (
        " ".join(f.text for f in weak)
        if weak
        else (
            "The dates, the name and the chain linkage are fine in the capture, so the reason lies "
            "in what the capture cannot show: the client's trust store, pinning, key usage, "
            "revocation or policy."
        )
    )
    confidence: Confidence = "high" if rej.code == 44 or weak else "medium"
    return make(
        "bad_certificate",
        confidence,
        f"The client rejected the server's certificate ({alert_text_code(rej.code)})",
        f"{head} Then {rej.text}: {meaning}.{_stack_note(s, rej.code)} {body}",
        [chf, chain.frame if chain else None, rej.frame],
        "server",
        [_show_certs(s), "Read the client's verification error in its log"],
    )


# --- client certificates ---------------------------------------------------------------------


def _server_refusal_after_client_flight(s: Session, ctx: Context):
    """(kind, frame, code, text) for a server alert or close at P4/P5; None otherwise."""
    a = ctx.alert
    if a is not None:
        if a.sender != "server" or ctx.position not in ("P4", "P5"):
            return None
        return (
            "encrypted" if a.code is None else "alert",
            a.frame,
            a.code,
            f"the server sent {alert_text(a, s.transport)} in frame {a.frame}",
        )
    close = pos.first_close(s)
    if close and close.sender == "server" and pos.close_position(s, close) in ("P4", "P5"):
        return (
            "close",
            close.frame,
            None,
            f"the server closed the connection ({close.type}) in frame {close.frame} "
            f"without an alert",
        )
    return None


def _flight_size(s: Session, frame: int) -> tuple[int, list[int]]:
    flight = pos.client_finished_flight(s, pos.index_of(s, frame))
    return sum(e.length for e in flight), [e.frame for e in flight]


@rule(priority=35)
def client_cert_missing(s: Session, ctx: Context) -> Cause | None:
    """client_cert_missing: the server asked for a client certificate and got none (TLS 1.2
    CertificateRequest + empty Certificate; TLS 1.3 certificate_required or its encrypted
    shape: a small client flight answered by a 19-byte record)."""
    ref = _server_refusal_after_client_flight(s, ctx) if ctx.failed else None
    if ref is None:
        return None
    kind, frame, code, text = ref
    chf = _ch_frame(s)
    creq = pos.first(s, "CertificateRequest", "server")
    ccert = pos.first(s, "Certificate", "client")
    ca_names = ""
    if creq is not None and isinstance(creq.detail, CertificateRequest) and creq.detail.ca_names:
        issuers = creq.detail.ca_names
        ca_names = (
            " It lists the acceptable issuers: "
            + ", ".join(q(n) for n in issuers[:4])
            + ("…" if len(issuers) > 4 else "")
            + "."
        )
    checks = [
        s_client(s, "-cert", "client.pem", "-key", "client.key"),
        "Check that the client is configured with a certificate and key "
        + (
            "(the app's DTLS settings or keystore; openssl s_client -dtls -cert)"
            if s.transport == "udp"
            else "(curl --cert, a browser's certificate selection, the app's keystore)"
            if s.transport == "tcp"
            else "(the app's QUIC/HTTP/3 client settings or keystore)"
        ),
    ]
    if code == 116:
        return make(
            "client_cert_missing",
            "high",
            "The server requires a client certificate and the client sent none "
            "(certificate_required)",
            f"{text[0].upper() + text[1:]}: certificate_required (116) means the server wanted "
            f"a client certificate and got none. In TLS 1.3 the client's handshake already "
            f"looked complete, so the client sees this error on its first read, often after "
            f"sending its request.{ca_names}",
            [chf, creq.frame if creq else None, ccert.frame if ccert else None, frame],
            "client",
            checks,
        )
    if not ctx.tls13 and s.certificate_request and creq is not None:
        if s.client_certificates:
            return None
        sent = (
            "an empty Certificate message" if ccert is not None else "no Certificate message at all"
        )
        if kind == "alert" and code in (40, 41, 42, 46, 49):
            confidence: Confidence = "high"
        elif kind == "close":
            confidence = "medium"
        else:
            confidence = "medium" if kind == "encrypted" else "low"
        stack = ""
        if code == 40:
            stack = (
                " OpenSSL, BoringSSL, Go and Java servers send handshake_failure (40) for "
                f"a missing client certificate below {'DTLS' if s.transport == 'udp' else 'TLS'} "
                "1.3; NSS and old Go send "
                "bad_certificate (42)."
            )
        return make(
            "client_cert_missing",
            confidence,
            "The server requires a client certificate and the client sent none",
            f"The server sent a CertificateRequest in frame {creq.frame}.{ca_names} The client "
            f"answered with {sent}"
            + (f" (frame {ccert.frame})" if ccert else "")
            + f", and {text}.{stack} Configure the client with a certificate issued by one of "
            f"the CAs the server accepts.",
            [chf, creq.frame, ccert.frame if ccert else None, frame],
            "client",
            checks,
        )
    if ctx.tls13:
        size, frames = _flight_size(s, frame)
        if not frames or size > SMALL_CLIENT_FLIGHT:
            return None
        if kind == "alert" and code not in (40, 42, 116):
            return None
        confidence = "medium" if kind in ("encrypted", "alert") else "low"
        return make(
            "client_cert_missing",
            confidence,
            "Likely the server requires a client certificate and the client sent none",
            f"The client's encrypted flight after the server's was {size} bytes in "
            f"{plural(len(frames), 'record')} ({_frames_text(frames)}): "
            f"{_small_flight_reading(s, [e.length for e in _flight_events(s, frame)])} "
            f"Then {text}, "
            f"{POSITION_TEXT_P5}{_early_data_note(s, frame)} This is the shape of "
            f"certificate_required (116); the CertificateRequest itself is encrypted, and a "
            f"key log would confirm it.",
            [chf, *frames, frame],
            "client",
            checks,
        )
    return None


def _flight_events(s: Session, frame: int):
    return pos.client_finished_flight(s, pos.index_of(s, frame))


def _frames_text(frames: list[int]) -> str:
    uniq = sorted(set(frames))
    return f"frame {uniq[0]}" if len(uniq) == 1 else "frames " + ", ".join(map(str, uniq))


def _small_flight_reading(s: Session, sizes: list[int]) -> str:
    """Name what a small TLS 1.3 client flight holds, from AEAD record sizes: 17 bytes of
    overhead (content type + 16-byte tag), Finished = 4 + hash length, empty Certificate = 8."""
    hash_len = 48 if s.cipher_suite == 0x1302 else 32
    fin = 4 + hash_len + 17
    empty_cert = 8 + 17
    suite = _names_suite(s.cipher_suite)
    if sorted(sizes) == sorted([empty_cert, fin]) or sizes == [4 + hash_len + 8 + 17]:
        return (
            f"exactly an empty Certificate and a Finished ({empty_cert} and {fin} bytes "
            f"with {suite}), with no CertificateVerify. A client sends an empty "
            f"Certificate only when the server asked for one, so the server requested a "
            f"certificate and the client had none to send."
        )
    if sizes == [fin]:
        return f"exactly a Finished ({fin} bytes with {suite}) and no Certificate at all."
    return (
        "room for a Finished and at most an empty Certificate, not for a certificate and "
        "its CertificateVerify."
    )


def _early_data_note(s: Session, frame: int) -> str:
    idx = pos.index_of(s, frame)
    sent = [e.frame for e in s.events[:idx] if e.sender == "client" and e.type == "ApplicationData"]
    if not sent:
        return ""
    return (
        f" The client had already sent application data (frame {sent[0]}), which the "
        f"server never answered."
    )


def _names_suite(code: int | None) -> str:
    return names.cipher_suite_name(code) if code is not None else "this suite"


POSITION_TEXT_P5 = (
    "after the client's Finished: the client already considered itself "
    "connected, so its application sees the error on its first read."
)


@rule(priority=36)
def client_cert_rejected(s: Session, ctx: Context) -> Cause | None:
    """client_cert_rejected: the client sent a certificate and the server refused it
    (42/43/44/45/46/48/49), or (TLS 1.3, no keys) a full client flight answered by a 19-byte
    record."""
    ref = _server_refusal_after_client_flight(s, ctx) if ctx.failed else None
    if ref is None:
        return None
    kind, frame, code, text = ref
    chf = _ch_frame(s)
    ccert = pos.first(s, "Certificate", "client")
    checks = [
        s_client(s, "-cert", "client.pem", "-key", "client.key"),
        "Read the server's log: it names the verification error for the client certificate",
    ]
    # An empty Certificate (client_certificates == []) is a missing certificate, never a
    # rejected one; in TLS 1.3 without keys the certificate is unread (None).
    sent = s.client_certificates or (ctx.tls13 and s.client_certificates is None)
    if kind == "alert" and code in CLIENT_CERT_ALERTS and sent:
        reasons = {
            42: "the client certificate is unacceptable (bad signature, wrong name or key "
            "usage, or not yet valid)",
            43: "the certificate's type or key usage is unsupported (e.g. no clientAuth EKU)",
            44: "the client certificate is revoked",
            45: "the client certificate is expired",
            46: "the client certificate was rejected for an unspecified reason",
            48: "the server does not trust the client certificate's issuer (its client-CA "
            "list does not include it)",
            49: "the certificate is valid but the server's access control refuses this client",
        }
        lines = [
            f"{text[0].upper() + text[1:]}, after the client's certificate"
            + (f" (frame {ccert.frame})" if ccert else "")
            + f": {reasons[code]}."
        ]
        chain = s.client_certificates or []
        if chain:
            leaf = chain[0]
            lines.append(f"The client presented {q(leaf.subject)}, issued by {q(leaf.issuer)}.")
            lines += [f.text for f in certs.validity(chain, ccert.time if ccert else s.start)]
        fault = "server" if code == 49 else "client"
        return make(
            "client_cert_rejected",
            "high",
            f"The server rejected the client's certificate ({alert_text_code(code)})",
            " ".join(lines),
            [chf, ccert.frame if ccert else None, frame],
            fault,
            checks,
        )
    if not ctx.tls13 or kind == "alert":
        return None
    size, frames = _flight_size(s, frame)
    if size < LARGE_CLIENT_FLIGHT:
        return None
    return make(
        "client_cert_rejected",
        "medium" if kind == "encrypted" else "low",
        "Likely the server rejected the client's certificate",
        f"The client's encrypted flight after the server's was {size} bytes in "
        f"{plural(len(frames), 'record')} ({_frames_text(frames)}): large enough "
        f"for a certificate, a CertificateVerify and a Finished. Then {text}, "
        f"{POSITION_TEXT_P5} That is the shape of a client-certificate refusal "
        f"(bad_certificate, unknown_ca, certificate_expired or access_denied); a key log "
        f"would name it.",
        [chf, *frames, frame],
        "client",
        checks,
    )
