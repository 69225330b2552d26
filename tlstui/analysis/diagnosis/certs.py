"""Certificate checks that a capture can settle on its own.

Only facts visible in the Certificate message are checked: validity against the packet time,
the name against the SNI, whether the chain links up, key size and signature hash.  Trust stores,
pinning, revocation and the peer's clock are not visible and are never assumed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tlstui.analysis.diagnosis.text import q
from tlstui.tls.model import CertificateInfo

# Words in an issuer name that point at a private CA or a TLS-inspection product.
PRIVATE_HINTS = (
    "test",
    "private",
    "internal",
    "self-signed",
    "selfsigned",
    "localhost",
    "mitmproxy",
    "charles",
    "burp",
    "fiddler",
    "zscaler",
    "fortinet",
    "fortigate",
    "palo alto",
    "blue coat",
    "bluecoat",
    "sophos",
    "netskope",
    "forcepoint",
    "websense",
    "cisco umbrella",
    "kaspersky",
    "avast",
    "untrusted",
    "snakeoil",
)


@dataclass(slots=True)
class Finding:
    kind: str  # expired | not_yet_valid | hostname | self_signed | issuer_missing |
    #                     chain_order | weak_key | weak_signature | unreadable
    index: int  # position in the chain, 0 = leaf
    text: str  # one sentence, for the explanation


def _dn_norm(dn: str) -> str:
    return re.sub(r"\s*([,/=+])\s*", r"\1", dn.strip().strip("/")).lower()


def cn_of(dn: str) -> str | None:
    m = re.search(r"(?:^|[,/])\s*CN\s*=\s*((?:\\.|[^,/+])+)", dn, re.IGNORECASE)
    return m.group(1).replace("\\", "").strip() if m else None


def _label(cert: CertificateInfo, index: int) -> str:
    return "the leaf" if index == 0 else f"chain certificate #{index + 1}"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def fmt_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def validity(chain: list[CertificateInfo], when: float) -> list[Finding]:
    """Certificates not valid at *when* (the frame time that carried them)."""
    now = _utc(when)
    found = []
    for i, cert in enumerate(chain):
        name = q(cert.subject or "?")
        if cert.not_after is not None and cert.not_after < now:
            days = (now - cert.not_after).days
            ago = f"{days} days" if days != 1 else "1 day"
            found.append(
                Finding(
                    "expired",
                    i,
                    f"{_label(cert, i).capitalize()} ({name}) expired on "
                    f"{fmt_time(cert.not_after)}, {ago} before the capture ({fmt_time(now)}).",
                )
            )
        if cert.not_before is not None and cert.not_before > now:
            found.append(
                Finding(
                    "not_yet_valid",
                    i,
                    f"{_label(cert, i).capitalize()} ({name}) is valid only from "
                    f"{fmt_time(cert.not_before)}, after the capture time ({fmt_time(now)}).",
                )
            )
    return found


def _split_san(entry: str) -> tuple[str, str]:
    """('dns'|'ip'|'other', value) for a SAN string in any of the usual spellings."""
    e = entry.strip()
    low = e.lower()
    for prefix, kind in (
        ("dns:", "dns"),
        ("ip address:", "ip"),
        ("ip:", "ip"),
        ("email:", "other"),
        ("uri:", "other"),
        ("dirname:", "other"),
    ):
        if low.startswith(prefix):
            return kind, e[len(prefix) :].strip()
    try:
        ipaddress.ip_address(e)
        return "ip", e
    except ValueError:
        return "dns", e


def name_matches(host: str, pattern: str) -> bool:
    """RFC 6125 matching as browsers do it: exact, or one whole-label ``*`` leftmost, never
    covering the bare parent or more than one label, and never ``*.tld``."""
    host = host.rstrip(".").lower()
    pattern = pattern.rstrip(".").lower()
    if "*" not in pattern:
        return host == pattern
    plabels = pattern.split(".")
    hlabels = host.split(".")
    if plabels[0] != "*" or any("*" in p for p in plabels[1:]) or len(plabels) < 3:
        return False
    return len(hlabels) == len(plabels) and hlabels[1:] == plabels[1:]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def hostname(sni: str | None, server_ip: str, leaf: CertificateInfo) -> Finding | None:
    """A Finding when the leaf does not cover the name the client asked for.

    With no SNI the client probably connected by address: then the server's IP must be an IP
    SAN.  CN is consulted only when there is no DNS SAN (OpenSSL's rule; Chrome, Go and rustls
    ignore CN altogether)."""
    if leaf.error:
        return None  # an unreadable certificate says nothing about its names
    sans = [_split_san(s) for s in leaf.san]
    dns = [v for k, v in sans if k == "dns"]
    ips = [v for k, v in sans if k == "ip"]
    cn = cn_of(leaf.subject)
    shown = ", ".join(leaf.san[:5]) if leaf.san else "no SAN"
    if len(leaf.san) > 5:
        shown += f", ... ({max(leaf.san_total, len(leaf.san))} names)"
    # Names past the kept cap were not compared: no mismatch can be claimed then.
    partial = leaf.san_total > len(leaf.san)
    target = sni if sni else server_ip
    if sni is None or _is_ip(target):
        try:
            want = ipaddress.ip_address(target)
            if any(_ip_eq(want, v) for v in ips) or partial:
                return None
        except ValueError:
            return None
        how = (
            "sent no SNI (it probably connected by address)"
            if sni is None
            else f"asked for the address {q(target)}"
        )
        return Finding(
            "hostname",
            0,
            f"The client {how}, and the leaf ({shown}) has no IP SAN for {q(target)}.",
        )
    if dns:
        if any(name_matches(target, p) for p in dns) or partial:
            return None
        near = [p for p in dns if p.startswith("*.") and target.lower().endswith(p[1:].lower())]
        extra = ""
        if near:
            extra = f" A wildcard covers exactly one label, so {q(near[0])} does not cover it."
        elif any(p.lower() == "*." + target.lower() for p in dns):
            extra = " A wildcard does not cover the bare parent domain."
        return Finding(
            "hostname", 0, f"The SNI {q(target)} is not covered by the leaf's SAN ({shown}).{extra}"
        )
    if cn and name_matches(target, cn):
        return None
    return Finding(
        "hostname",
        0,
        f"The SNI {q(target)} matches neither the leaf's SAN ({shown}) nor its CN ({q(cn or '')}).",
    )


def _ip_eq(want: ipaddress.IPv4Address | ipaddress.IPv6Address, text: str) -> bool:
    try:
        return ipaddress.ip_address(text) == want
    except ValueError:
        return False


def is_self_signed(cert: CertificateInfo) -> bool:
    return cert.self_signed or (
        bool(cert.subject) and _dn_norm(cert.subject) == _dn_norm(cert.issuer)
    )


def private_hint(dn: str) -> bool:
    low = dn.lower()
    return any(h in low for h in PRIVATE_HINTS)


def chain_trust(chain: list[CertificateInfo]) -> list[Finding]:
    """How the chain links up: a self-signed leaf, a leaf whose issuer is not in the chain,
    certificates out of order."""
    if not chain:
        return []
    found = []
    leaf = chain[0]
    subjects = {_dn_norm(c.subject) for c in chain if c.subject}
    if is_self_signed(leaf):
        found.append(
            Finding(
                "self_signed",
                0,
                f"The leaf {q(leaf.subject)} is self-signed: only a client that "
                f"pins or explicitly trusts this certificate accepts it.",
            )
        )
        return found
    if leaf.issuer and _dn_norm(leaf.issuer) not in subjects:
        if len(chain) == 1:
            found.append(
                Finding(
                    "issuer_missing",
                    0,
                    f"Its only certificate is issued by {q(leaf.issuer)}, which is not in the "
                    f"chain: either the server does not send its intermediate, or "
                    f"{q(leaf.issuer)} is a private CA the client does not trust.",
                )
            )
        else:
            found.append(
                Finding(
                    "issuer_missing",
                    0,
                    f"The leaf's issuer {q(leaf.issuer)} is not among the {len(chain)} "
                    f"certificates sent: the intermediate that signed the leaf is missing.",
                )
            )
    start = 1 if found else 0  # a missing issuer already explains the leaf's link
    for i in range(start, len(chain) - 1):
        cur, nxt = chain[i], chain[i + 1]
        if (
            cur.issuer
            and nxt.subject
            and _dn_norm(cur.issuer) != _dn_norm(nxt.subject)
            and not is_self_signed(cur)
        ):
            found.append(
                Finding(
                    "chain_order",
                    i + 1,
                    f"Certificate #{i + 2} ({q(nxt.subject)}) did not sign certificate #{i + 1} "
                    f"(issuer {q(cur.issuer)}): the chain is out of order or has extra "
                    f"certificates.",
                )
            )
            break
    top = chain[-1]
    anchor = top.subject if is_self_signed(top) else top.issuer
    if anchor and private_hint(anchor) and not any(f.kind == "issuer_missing" for f in found):
        found.append(
            Finding(
                "private_root",
                len(chain) - 1,
                f"The chain ends at {q(anchor)}, which looks like a private CA or a TLS-inspection "
                f"product; the client must have that root in its trust store.",
            )
        )
    return found


def weakness(chain: list[CertificateInfo]) -> list[Finding]:
    found = []
    for i, cert in enumerate(chain):
        m = re.match(r"\s*RSA\D*(\d+)", cert.key or "", re.IGNORECASE)
        if m and int(m.group(1)) < 2048:
            found.append(
                Finding(
                    "weak_key",
                    i,
                    f"{_label(cert, i).capitalize()} has a {m.group(1)}-bit RSA "
                    f"key; current clients require at least 2048 bits.",
                )
            )
        sig = (cert.signature_algorithm or "").lower()
        if not is_self_signed(cert) and ("md5" in sig or "sha1" in sig or "sha-1" in sig):
            found.append(
                Finding(
                    "weak_signature",
                    i,
                    f"{_label(cert, i).capitalize()} is signed with "
                    f"{cert.signature_algorithm}, which current clients reject.",
                )
            )
        if cert.error:
            found.append(
                Finding(
                    "unreadable",
                    i,
                    f"{_label(cert, i).capitalize()} could not be parsed ({cert.error}).",
                )
            )
    return found


def all_findings(
    chain: list[CertificateInfo], when: float, sni: str | None, server_ip: str
) -> list[Finding]:
    found = validity(chain, when)
    h = hostname(sni, server_ip, chain[0]) if chain else None
    if h:
        found.append(h)
    return found + chain_trust(chain) + weakness(chain)
