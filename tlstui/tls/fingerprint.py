"""JA3 and JA4 client fingerprints of a ClientHello.

They let a user match a failing client in the capture to a known library or to the same client
in another tool's logs (Zeek, Suricata, Arkime and Wireshark print them).  GREASE values are left
out of every list, as both specifications say.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tlstui.tls.model import ClientHello
from tlstui.tls.names import is_grease

__all__ = ["ja3", "ja3_hash", "ja4"]


def _builtin_hash(name: str, modules: tuple[str, ...]) -> Callable[..., Any]:
    """Python's own implementation of hash *name* (what hashlib falls back to), else
    hashlib's: every session is fingerprinted, and hashlib's OpenSSL backend maps libcrypto
    (~4 MB of memory) for a few short strings per session.  Module names vary by version."""
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    import hashlib

    return getattr(hashlib, name)


_md5 = _builtin_hash("md5", ("_md5",))
_sha256 = _builtin_hash("sha256", ("_sha2", "_sha256"))  # 3.12+, 3.11

_SNI, _ALPN, _SIG_ALGS = 0x0000, 0x0010, 0x000D

_JA4_VERSIONS = {
    0x0304: "13",
    0x0303: "12",
    0x0302: "11",
    0x0301: "10",
    0x0300: "s3",
    0x0002: "s2",
    0xFEFF: "d1",
    0xFEFD: "d2",
    0xFEFC: "d3",
}
_DTLS = frozenset({0xFEFF, 0xFEFD, 0xFEFC})


def _no_grease(values: list[int]) -> list[int]:
    return [v for v in values if not is_grease(v)]


def ja3(ch: ClientHello) -> str:
    """The JA3 string: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats."""
    return ",".join(
        (
            str(ch.legacy_version),
            "-".join(str(c) for c in _no_grease(ch.cipher_suites)),
            "-".join(str(e.type) for e in ch.extensions if not is_grease(e.type)),
            "-".join(str(g) for g in _no_grease(ch.supported_groups)),
            "-".join(str(f) for f in ch.ec_point_formats),
        )
    )


def ja3_hash(ch: ClientHello) -> str:
    """MD5 of the JA3 string, as JA3 tools print it."""
    return _md5(ja3(ch).encode(), usedforsecurity=False).hexdigest()


def ja4(ch: ClientHello, quic: bool = False) -> str:
    """The JA4 fingerprint (FoxIO JA4 spec), e.g. ``t13d1516h2_8daaf6152771_02713d6af862``."""
    versions = _no_grease(ch.supported_versions)
    version = max(versions) if versions else ch.legacy_version
    if quic:
        proto = "q"
    elif ch.legacy_version in _DTLS or version in _DTLS:
        proto = "d"
    else:
        proto = "t"
    ciphers = [c for c in _no_grease(ch.cipher_suites) if c <= 0xFFFF]
    ext_types = [e.type for e in ch.extensions if not is_grease(e.type)]
    sni = "d" if _SNI in ext_types else "i"
    part_a = (
        f"{proto}{_JA4_VERSIONS.get(version, '00')}{sni}"
        f"{min(len(ciphers), 99):02d}{min(len(ext_types), 99):02d}{_alpn_chars(ch)}"
    )

    part_b = _hash12(",".join(f"{c:04x}" for c in sorted(ciphers))) if ciphers else "0" * 12

    exts = sorted(t for t in ext_types if t not in (_SNI, _ALPN))
    sigalgs = _no_grease(ch.signature_algorithms)
    if not exts:
        part_c = "0" * 12
    else:
        text = ",".join(f"{t:04x}" for t in exts)
        if sigalgs:
            text += "_" + ",".join(f"{s:04x}" for s in sigalgs)
        part_c = _hash12(text)
    return f"{part_a}_{part_b}_{part_c}"


def _hash12(text: str) -> str:
    return _sha256(text.encode()).hexdigest()[:12]


def _alpn_chars(ch: ClientHello) -> str:
    """First and last character of the first ALPN value; hex digits when either is not
    alphanumeric; "00" without ALPN.  Read from the raw extension, not the decoded text."""
    first = _first_alpn(ch)
    if not first:
        return "00"
    a, z = first[0], first[-1]
    if _alnum(a) and _alnum(z):
        return chr(a) + chr(z)
    h = first.hex()
    return h[0] + h[-1]


def _alnum(b: int) -> bool:
    return 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def _first_alpn(ch: ClientHello) -> bytes:
    for ext in ch.extensions:
        if ext.type == _ALPN:
            d = ext.data
            # protocol_name_list<2..2^16-1>, then the first opaque ProtocolName<1..2^8-1>
            if len(d) >= 3:
                n = d[2]
                return d[3 : 3 + n]
            return b""
    if ch.alpn:  # a ClientHello built by hand, without raw extensions
        return ch.alpn[0].encode("utf-8", errors="replace")
    return b""
