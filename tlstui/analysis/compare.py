"""Two sessions side by side: what differs, where their ladders part, and which difference
explains the failure.

The comparison is headless (no Textual, no Rich): the ``--diff`` printer, its JSON form, the
compare screen and the Markdown export all read a :class:`Comparison`.  Values are names, not
codes (``TLS_AES_128_GCM_SHA256``, ``x25519``), so every reader shows the same words; GREASE
values are left out of every list (RFC 8701: they mean nothing, and differ on every connection).
A value the capture did not show (no ServerHello, a TLS 1.3 certificate without keys) is None,
which differs from an empty list (an empty Certificate, no ALPN offered).  Two unknowns are not
the same: a field None on either side is never counted as same, and ``why_a``/``why_b`` say why
that side could not be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import UTC, datetime
from pathlib import PurePath

from tlstui.analysis.diagnosis.text import CAUSE_TITLES
from tlstui.analysis.model import Event, Session
from tlstui.analysis.partner import Partner
from tlstui.textsafe import safe_text
from tlstui.tls.facts import is_tls13_version, tls_level
from tlstui.tls.model import AlertMsg, CertificateInfo, ClientHello
from tlstui.tls.names import (
    alert_name,
    cipher_suite_name,
    extension_name,
    group_name,
    is_grease,
    sigalg_name,
    version_name,
)

__all__ = ["FIELDS", "Comparison", "Difference", "Parting", "compare_sessions"]

Value = str | list[str] | None


@dataclass(slots=True)
class Difference:
    """One field of the two sessions.  For a list field, ``only_a``/``only_b`` hold what only
    one side has and ``reordered`` says the shared items come in another order."""

    field: str
    a: Value
    b: Value
    is_list: bool = False
    only_a: list[str] = _field(default_factory=list)
    only_b: list[str] = _field(default_factory=list)
    reordered: bool = False
    why_a: str | None = None  # why ``a`` is None (the capture did not show it); else None
    why_b: str | None = None

    @property
    def visible(self) -> bool:
        """Both sides were read: only then can the field be the same."""
        return self.a is not None and self.b is not None

    @property
    def same(self) -> bool:
        return self.visible and self.a == self.b


@dataclass(slots=True)
class LadderStep:
    """One ladder row as the comparison names it."""

    frame: int
    sender: str
    type: str
    label: str  # "Alert handshake_failure (40)", "ServerHello", ...


@dataclass(slots=True)
class Parting:
    """Where the two ladders stop matching: the steps both took, then each side's next one
    (None when that side's ladder ended there)."""

    common: list[str]  # "client ClientHello", ... the shared prefix
    a: LadderStep | None
    b: LadderStep | None
    text: str  # one sentence

    def as_dict(self) -> dict[str, object]:
        def step(s: LadderStep | None) -> dict[str, object] | None:
            if s is None:
                return None
            return {"frame": s.frame, "sender": s.sender, "type": s.type, "label": s.label}

        return {"common": len(self.common), "a": step(self.a), "b": step(self.b), "text": self.text}


@dataclass(slots=True)
class Comparison:
    a: Session
    b: Session
    fields: list[Difference]  # every compared field, in FIELDS order
    parting: Parting
    summary: str
    partner_reason: str | None = None  # set when *b* was chosen automatically
    capture_a: str | None = None  # file names, when the sessions come from several captures
    capture_b: str | None = None

    @property
    def differences(self) -> list[Difference]:
        """Every field not known to be the same: the ones that differ and the ones not visible
        on one or both sides (``--diff --json`` lists both, so a script never takes two
        unknowns for equal)."""
        return [d for d in self.fields if not d.same]

    @property
    def not_visible(self) -> list[Difference]:
        return [d for d in self.fields if not d.visible]

    @property
    def same(self) -> list[Difference]:
        return [d for d in self.fields if d.same]


# --- the values compared --------------------------------------------------------------------


def _names(values: Iterable[int], name: Callable[[int], str]) -> list[str]:
    return [name(v) for v in values if not is_grease(v)]


def _hello(s: Session) -> ClientHello | None:
    return s.client_hello


def _date(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if dt else "?"


# Fields a TLS 1.3 / DTLS 1.3 / QUIC server sends encrypted (EncryptedExtensions,
# CertificateRequest, Certificate): without keys they are unknown, not absent.
_SEALED_FIELDS = frozenset(
    {
        "alpn",
        "certificate_chain",
        "certificate_names",
        "certificate_validity",
        "certificate_key",
        "certificate_request",
        "client_certificate",
    }
)
_CLIENT_HELLO_FIELDS = frozenset(
    {
        "sni",
        "versions",
        "cipher_suites",
        "groups",
        "key_shares",
        "signature_algorithms",
        "alpn_offered",
        "extensions",
        "ja4",
    }
)
_CERT_FIELDS = frozenset(
    {"certificate_chain", "certificate_names", "certificate_validity", "certificate_key"}
)


def _sealed(s: Session) -> str | None:
    """Why the server's encrypted flight (TLS 1.3, DTLS 1.3, QUIC) could not be read, or None
    when it could (decrypted) or is in the clear (TLS 1.2 and older)."""
    if s.server_hello is None:
        return None
    if s.transport == "quic":
        proto = "QUIC"
    elif is_tls13_version(s.version) or (s.version is not None and tls_level(s.version) == 0x0304):
        proto = "DTLS 1.3" if s.transport == "udp" else "TLS 1.3"
    else:
        return None
    if s.secrets == "decrypted":
        return None
    keys = {
        None: "no key log was given",
        "missing": "the key log has no secrets for it",
        "found": "the key log's secrets did not open it",
    }.get(s.secrets, "it was not decrypted")
    return f"encrypted {proto} handshake, {keys}"


def _why(name: str, s: Session) -> str:
    """Why field *name* of *s* is None: what the capture did not show."""
    if name in _CLIENT_HELLO_FIELDS and s.client_hello is None:
        return "no ClientHello in the capture"
    if name == "sni":
        return "the client sent no SNI"
    if name == "ja4":
        return "no fingerprint computed"
    if name == "cause":
        return "not diagnosed"
    if name in ("version", "cipher_suite", "group", "alpn") or name in _SEALED_FIELDS:
        if s.server_hello is None:
            return "no ServerHello: the handshake did not get that far"
        if name in _SEALED_FIELDS:
            sealed = _sealed(s)
            if sealed is not None:
                return sealed
        if name == "group":
            return "no key exchange group shown"
        if name in _CERT_FIELDS:
            if s.resumed:
                return "resumed session: no certificate sent"
            leaf = s.leaf
            if leaf is not None and leaf.error:
                return "the certificate could not be read"
            return "no server Certificate in the capture"
    return "not shown in the capture"


def _chain(s: Session) -> list[str] | None:
    if s.server_certificates is None:
        return None
    return [_cert_line(c) for c in s.server_certificates]


def _cert_line(c: CertificateInfo) -> str:
    if c.error:
        return f"(unreadable: {safe_text(c.error, 60)})"
    return f"{safe_text(c.subject, 120)} by {safe_text(c.issuer, 120)}"


def _leaf(s: Session, what: Callable[[CertificateInfo], Value]) -> Value:
    leaf = s.leaf
    if leaf is None or leaf.error:
        return None
    return what(leaf)


def _client_cert(s: Session) -> Value:
    if s.client_certificates is None:
        # Encrypted: unknown.  In the clear: the client sent none.
        if _sealed(s) is not None or s.server_hello is None:
            return None
        return "none"
    if not s.client_certificates:
        return "an empty Certificate"
    return _cert_line(s.client_certificates[0])


def _diagnosis(s: Session) -> str | None:
    return s.diagnosis.best.cause if s.diagnosis else None


def _alpn(s: Session) -> str | None:
    sh = s.server_hello
    if sh is None or (sh.alpn is None and _sealed(s) is not None):
        return None  # no ServerHello, or an EncryptedExtensions not read: unknown
    return safe_text(sh.alpn, 60) if sh.alpn is not None else "none"


def _cert_request(s: Session) -> str | None:
    if s.certificate_request:
        return "yes"
    return None if _sealed(s) is not None or s.server_hello is None else "no"


def _list(get: Callable[[ClientHello], Iterable[int]], name: Callable[[int], str]):
    def read(s: Session) -> list[str] | None:
        ch = _hello(s)
        return _names(get(ch), name) if ch is not None else None

    return read


def _alpn_offered(s: Session) -> list[str] | None:
    ch = _hello(s)
    return [safe_text(p, 60) for p in ch.alpn] if ch is not None else None


# (field name, reader, is a list).  The order is the order a person reads a comparison in:
# outcome, then what was negotiated, then the client's offer, then the certificates.
FIELDS: list[tuple[str, Callable[[Session], Value], bool]] = [
    ("status", lambda s: s.status, False),
    ("cause", _diagnosis, False),
    ("server", lambda s: str(s.server), False),
    ("client_ip", lambda s: s.client.ip, False),
    ("sni", lambda s: safe_text(s.client_hello.sni, 120) if s.client_hello else None, False),
    ("version", lambda s: version_name(s.version) if s.version is not None else None, False),
    (
        "cipher_suite",
        lambda s: cipher_suite_name(s.cipher_suite) if s.cipher_suite is not None else None,
        False,
    ),
    ("group", lambda s: group_name(s.group) if s.group is not None else None, False),
    ("alpn", _alpn, False),
    ("resumed", lambda s: "yes" if s.resumed else "no", False),
    ("hello_retry", lambda s: "yes" if s.hello_retry is not None else "no", False),
    ("versions", _list(lambda ch: ch.offered_versions, version_name), True),
    ("cipher_suites", _list(lambda ch: ch.cipher_suites, cipher_suite_name), True),
    ("groups", _list(lambda ch: ch.supported_groups, group_name), True),
    ("key_shares", _list(lambda ch: ch.key_share_groups, group_name), True),
    ("signature_algorithms", _list(lambda ch: ch.signature_algorithms, sigalg_name), True),
    ("alpn_offered", _alpn_offered, True),
    ("extensions", _list(lambda ch: [e.type for e in ch.extensions], extension_name), True),
    ("certificate_chain", _chain, True),
    ("certificate_names", lambda s: _leaf(s, lambda c: [safe_text(n, 120) for n in c.san]), True),
    (
        "certificate_validity",
        lambda s: _leaf(s, lambda c: f"{_date(c.not_before)} to {_date(c.not_after)}"),
        False,
    ),
    ("certificate_key", lambda s: _leaf(s, lambda c: c.key or None), False),
    ("certificate_request", _cert_request, False),
    ("client_certificate", _client_cert, False),
    ("ja4", lambda s: s.ja4, False),
]


def _diff_list(name: str, a: list[str] | None, b: list[str] | None) -> Difference:
    d = Difference(name, a, b, is_list=True)
    if a is None or b is None:
        return d
    sa, sb = set(a), set(b)
    d.only_a = [x for x in a if x not in sb]
    d.only_b = [x for x in b if x not in sa]
    shared_a = [x for x in a if x in sb]
    shared_b = [x for x in b if x in sa]
    d.reordered = shared_a != shared_b
    return d


def diff_fields(a: Session, b: Session) -> list[Difference]:
    out: list[Difference] = []
    for name, read, is_list in FIELDS:
        va, vb = read(a), read(b)
        if is_list:
            d = _diff_list(name, va, vb)  # type: ignore[arg-type]
        else:
            d = Difference(name, va, vb)
        d.why_a = _why(name, a) if va is None else None
        d.why_b = _why(name, b) if vb is None else None
        out.append(d)
    return out


# --- where the ladders part -----------------------------------------------------------------

# Rows that say nothing about the handshake's course: bulk data and closes after success.
_SKIP = frozenset({"ApplicationData", "NewSessionTicket"})


def _label(s: Session, ev: Event) -> str:
    if ev.type == "Alert":
        if isinstance(ev.detail, AlertMsg):
            return f"Alert {alert_name(ev.detail.code)} ({ev.detail.code})"
        return "Alert (encrypted)"
    if ev.type == "NotTLS":
        return "a reply that is not TLS"
    return ev.type


def _steps(s: Session) -> list[LadderStep]:
    return [
        LadderStep(e.frame, e.sender, e.type, _label(s, e)) for e in s.events if e.type not in _SKIP
    ]


def _role(s: Session) -> str:
    return {"ok": "working", "failed": "failing"}.get(s.status, "unfinished")


def ladder_parting(a: Session, b: Session) -> Parting:
    sa, sb = _steps(a), _steps(b)
    i = 0
    while i < len(sa) and i < len(sb) and (sa[i].sender, sa[i].type) == (sb[i].sender, sb[i].type):
        i += 1
    common = [f"{x.sender} {x.type}" for x in sa[:i]]
    na = sa[i] if i < len(sa) else None
    nb = sb[i] if i < len(sb) else None
    ra, rb = _role(a), _role(b)
    if ra == rb:
        ra, rb = f"{ra} session {a.id}", f"{rb} session {b.id}"
    prefix = ""
    if common:
        shown = [x.type for x in sa[:i]]
        if len(shown) > 4:
            shown = [*shown[:2], "...", shown[-1]]
        prefix = f"both went {', '.join(shown)}; "

    # Sessions from two files: a frame number means nothing without its file.
    files = a.capture is not None and b.capture is not None and a.capture != b.capture

    def of(s: Session) -> str:
        return f" of {safe_text(PurePath(s.capture or '').name, 80)}" if files else ""

    def what(role: str, step: LadderStep | None, s: Session) -> str:
        if step is None:
            return f"the {role} ladder ends there (frame {s.last_frame}{of(s)})"
        return f"the {role} {step.sender} sent {step.label} in frame {step.frame}{of(s)}"

    if na is None and nb is None:
        text = "the two ladders are the same, step for step"
    else:
        text = f"{prefix}then {what(rb, nb, b)}; {what(ra, na, a)}"
    return Parting(common, na, nb, text)


# --- the sentence that explains the failure -------------------------------------------------


def _fmt(values: Value, limit: int = 3) -> str:
    if not values:
        return "none"
    if isinstance(values, str):
        return values
    shown = ", ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def _explain(cause: str, f: Session, w: Session, by: dict[str, Difference]) -> str | None:
    """The difference that explains *f*'s failure, given its diagnosed *cause*, in words; None
    when the fields that would explain it do not differ (then the caller says so)."""

    # *by* is oriented: "a" is the failing session, "b" the working one.
    def fv(name: str) -> Value:
        return by[name].a

    def wv(name: str) -> Value:
        return by[name].b

    if cause == "no_shared_cipher":
        chosen = wv("cipher_suite")
        offered = fv("cipher_suites")
        if isinstance(chosen, str) and isinstance(offered, list) and chosen not in offered:
            return (
                f"the failing client offers none of the suites the server chose for the working "
                f"one: {chosen} (it offers {_fmt(offered)})"
            )
    elif cause == "protocol_version_mismatch" or cause == "fallback_detected":
        fvers, wver = fv("versions"), wv("version")
        if cause == "fallback_detected":
            suites = fv("cipher_suites")
            if isinstance(suites, list) and "TLS_FALLBACK_SCSV" in suites:
                return (
                    f"the failing client offers TLS_FALLBACK_SCSV with versions {_fmt(fvers)}; "
                    f"the working one negotiated {wver or 'a version'} without it"
                )
        if isinstance(fvers, list) and wver is not None and wver not in fvers:
            return (
                f"the failing client offers {_fmt(fvers)} only; the working one negotiated {wver}"
            )
        if isinstance(fvers, list) and wver in fvers:
            return (
                f"the working server accepted {wver} from the same offer ({_fmt(fvers)}); the "
                "failing server refuses every version the client offers"
            )
    elif cause == "no_common_group":
        fg, wg = fv("groups"), wv("group")
        if isinstance(fg, list) and isinstance(wg, str) and wg not in fg:
            return f"the failing client offers groups {_fmt(fg)}; the working one negotiated {wg}"
        if isinstance(fg, list) and isinstance(wg, str) and wg in fg:
            return (
                f"the working server accepted {wg} from the client's groups ({_fmt(fg)}); the "
                "failing server accepts none of them"
            )
        if isinstance(fg, list) and by["groups"].only_a + by["groups"].only_b:
            return (
                f"the failing client offers groups {_fmt(fg)}; the working one {_fmt(wv('groups'))}"
            )
    elif cause in ("untrusted_ca", "bad_certificate"):
        fc, wc = fv("certificate_chain"), wv("certificate_chain")
        if isinstance(fc, list) and isinstance(wc, list) and fc and wc and fc[-1] != wc[-1]:
            return f"the failing server's chain ends in {fc[-1]}; the working one's in {wc[-1]}"
        if isinstance(fc, list) and isinstance(wc, list) and fc == wc and fv("ja4") != wv("ja4"):
            return (
                "both servers send the same chain, so the clients' trust stores differ "
                f"(client fingerprints {fv('ja4')} and {wv('ja4')})"
            )
    elif cause == "expired_certificate" or cause == "not_yet_valid_certificate":
        fval, wval = fv("certificate_validity"), wv("certificate_validity")
        if fval is not None and fval != wval:
            when = _date(datetime.fromtimestamp(f.start, UTC))
            return (
                f"the failing server's certificate is valid {fval}, the capture is from {when}; "
                f"the working one's is valid {wval}"
            )
    elif cause == "hostname_mismatch":
        fn, wn = fv("certificate_names"), wv("certificate_names")
        if fn != wn:
            return (
                f"the failing server's certificate names {_fmt(fn)} (SNI {fv('sni')}); the "
                f"working one names {_fmt(wn)}"
            )
    elif cause in ("client_cert_missing", "client_cert_rejected"):
        fcc, wcc = fv("client_certificate"), wv("client_certificate")
        if fcc != wcc:
            if wcc is None and wv("certificate_request") == "no":
                sent = "none: its server did not ask for one"
            else:
                sent = str(wcc or "no Certificate")
            return (
                f"the failing client sent {fcc or 'no Certificate'} when asked; the working one "
                f"sent {sent}"
            )
    elif cause == "alpn_mismatch":
        fa = fv("alpn_offered")
        wa, wo = wv("alpn"), wv("alpn_offered")
        if isinstance(fa, list) and isinstance(wa, str) and wa in fa:
            return (
                f"the working server accepted ALPN {wa}; the failing server accepts none of the "
                f"client's protocols ({_fmt(fa)})"
            )
        if fa != wo or wa is not None:
            got = f"negotiated {wa}" if wa else f"offered {_fmt(wo)}"
            return f"the failing client offers ALPN {_fmt(fa)}; the working one {got}"
    elif cause == "sni_rejected":
        if fv("sni") != wv("sni"):
            return f"the failing client asks for SNI {fv('sni')}; the working one for {wv('sni')}"
    return None


# Causes a field cannot explain: what the peer did instead is the story.
_LADDER_CAUSES = frozenset(
    {
        "non_tls_peer",
        "abrupt_close",
        "no_response",
        "unknown",
        "decrypt_failure",
        "peer_internal_error",
    }
)


def _summary(a: Session, b: Session, by: dict[str, Difference], parting: Parting) -> str:
    failing = [s for s in (a, b) if s.status != "ok"]
    working = [s for s in (a, b) if s.status == "ok"]
    # Fields that differ as far as the capture shows (an unknown on both sides is not one).
    diffs = [
        d
        for d in by.values()
        if not d.same
        and d.field not in ("status", "cause")
        and (d.a is not None or d.b is not None)
    ]
    if len(failing) == 1 and len(working) == 1:
        f, w = failing[0], working[0]
        cause = _diagnosis(f) or "unknown"
        title = CAUSE_TITLES.get(cause, cause)
        # Orient the field table with the failing session as "a" for the explainer.
        oriented = by if f is a else {k: _swap(d) for k, d in by.items()}
        text = _explain(cause, f, w, oriented)
        if text is not None:
            return f"{title}: {text}"
        if cause in _LADDER_CAUSES or not diffs:
            return f"{title}: {parting.text}"
        return f"{title}; the fields that differ: {', '.join(d.field for d in diffs[:6])}"
    if not diffs:
        return "the two sessions agree on every compared field; " + parting.text
    return (
        f"{len(diffs)} field{'s' if len(diffs) != 1 else ''} differ: "
        + ", ".join(d.field for d in diffs[:6])
        + ("" if len(diffs) <= 6 else ", ...")
    )


def _swap(d: Difference) -> Difference:
    return Difference(
        d.field, d.b, d.a, d.is_list, d.only_b, d.only_a, d.reordered, d.why_b, d.why_a
    )


def compare_sessions(a: Session, b: Session, partner: Partner | None = None) -> Comparison:
    """Compare *a* with *b* (usually: a failing session with a working one)."""
    fields = diff_fields(a, b)
    parting = ladder_parting(a, b)
    by = {d.field: d for d in fields}
    return Comparison(
        a=a,
        b=b,
        fields=fields,
        parting=parting,
        summary=_summary(a, b, by, parting),
        partner_reason=partner.reason if partner is not None else None,
    )
