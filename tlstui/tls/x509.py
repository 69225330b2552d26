"""Summaries of X.509 certificates seen in Certificate messages.

Certificates come off the wire, so anything may be in them: every failure becomes a
``CertificateInfo`` whose ``error`` says why, and this module never raises.

Two readers give the same summary.  ``tlstui.tls.der`` reads ordinary certificates in pure
Python; everything it is not sure of (self-signed certificates, odd encodings, rare algorithms
and extensions, broken input) goes to ``cryptography``, which is imported only then: loading it
costs 45-80 ms of CPU and about 14 MB of memory, a large share of a ``--json`` run over a capture
of ordinary CA-signed certificates.  tests/test_der.py proves the two agree field for field.
"""

from __future__ import annotations

import functools
import warnings
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tlstui.tls import der as _der
from tlstui.tls.der import EC_EXPLICIT as _EC_EXPLICIT
from tlstui.tls.der import MAX_SAN as MAX_SAN
from tlstui.tls.model import CertificateInfo

if TYPE_CHECKING:
    from cryptography import x509

# A real certificate is usually < 10 KB, but a leaf with thousands of SAN names (a shared
# hosting or test certificate with 10,000 DNS names is ~300 KB) is real too: parse up to the
# handshake message limit, keep at most MAX_SAN names of it, and count the rest.
MAX_CERT_BYTES = 1 << 20
SMALL_CERT = 64 * 1024  # certificates up to this size share the big summary cache


def summarize_certificate(der: bytes) -> CertificateInfo:
    """Summarise one DER certificate; a bad one gives ``error`` instead of an exception.

    A server sends the same chain on every connection, so summaries are cached by their DER
    bytes (treat the returned object as read-only: it may be shared between sessions).
    """
    der = bytes(der)
    return _cached(der) if len(der) <= SMALL_CERT else _cached_big(der)


@functools.lru_cache(maxsize=2048)
def _cached(der: bytes) -> CertificateInfo:
    return _summarize(der)


@functools.lru_cache(maxsize=8)
def _cached_big(der: bytes) -> CertificateInfo:
    """Big certificates get a small cache of their own: a server repeats its one big chain,
    and a capture of many distinct huge certificates must not pin them all in memory."""
    return _summarize(der)


def _summarize(der: bytes) -> CertificateInfo:
    length = len(der)
    if length > MAX_CERT_BYTES:
        return CertificateInfo(
            error=f"not a valid X.509 certificate: {length} bytes is too large", length=length
        )
    info = _der.summarize(der)
    return info if info is not None else summarize_with_cryptography(der)


def summarize_with_cryptography(der: bytes) -> CertificateInfo:
    """The summary as cryptography reads it: the reference the pure reader must equal, and the
    reader of everything the pure one declines.  Not cached (callers cache).

    cryptography's deprecation warnings about sloppy encodings are silenced: odd certificates
    are normal in captures and the warnings would only clutter stderr.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _summarize_cryptography(der)


def _summarize_cryptography(der: bytes) -> CertificateInfo:
    from cryptography import x509  # 45-80 ms and ~14 MB: only for what der.py declines

    length = len(der)
    if length > MAX_CERT_BYTES:  # checked again so that this reader stands alone (tests)
        return CertificateInfo(
            error=f"not a valid X.509 certificate: {length} bytes is too large", length=length
        )
    try:
        cert = x509.load_der_x509_certificate(bytes(der))
        subject = cert.subject.rfc4514_string()
        issuer = cert.issuer.rfc4514_string()
        info = CertificateInfo(
            subject=subject,
            issuer=issuer,
            not_before=_utc(cert, "not_valid_before"),
            not_after=_utc(cert, "not_valid_after"),
            serial=f"{cert.serial_number:x}",
            length=length,
        )
    except Exception as exc:  # the parser raises many types on hostile input
        return CertificateInfo(error=f"not a valid X.509 certificate: {_short(exc)}", length=length)
    # Each optional part is read on its own: one odd extension must not hide the rest.
    info.san, info.san_total = _san(cert)
    info.explicit_ec_params = _EC_EXPLICIT in der
    info.is_ca = _is_ca(cert)
    info.key = _key(cert)
    info.signature_algorithm = _sig_alg(cert)
    try:
        info.self_signed = cert.subject == cert.issuer and _verifies_itself(cert)
    except Exception:
        info.self_signed = subject == issuer
    return info


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def _utc(cert: x509.Certificate, attr: str) -> datetime | None:
    try:
        return getattr(cert, attr + "_utc")
    except AttributeError:  # cryptography < 42
        value = getattr(cert, attr)
        return value.replace(tzinfo=UTC)
    except Exception:
        return None


def _san(cert: x509.Certificate) -> tuple[list[str], int]:
    """The DNS and IP SAN entries (at most ``MAX_SAN`` kept) and how many there are."""
    from cryptography import x509

    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except Exception:
        return [], 0
    names: list[str] = []
    total = 0
    try:
        for name in ext.value:
            if isinstance(name, x509.DNSName):
                value = name.value
            elif isinstance(name, x509.IPAddress):
                value = str(name.value)
            else:
                continue
            total += 1
            if len(names) < MAX_SAN:
                names.append(value)
    except Exception:
        pass
    return names, total


def _is_ca(cert: x509.Certificate) -> bool | None:
    from cryptography import x509

    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except Exception:
        return None


def _key(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed448, ed25519, rsa, x448

    try:
        key = cert.public_key()
    except Exception:
        try:  # a key type cryptography cannot load (GOST, ...): name its algorithm
            return _oid_name(cert.public_key_algorithm_oid)
        except Exception:
            return "unknown"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    if isinstance(key, dh.DHPublicKey):
        return f"DH {key.key_size}"
    if isinstance(key, x448.X448PublicKey):
        return "X448"
    return type(key).__name__


def _sig_alg(cert: x509.Certificate) -> str:
    try:
        oid = cert.signature_algorithm_oid
    except Exception:
        return "unknown"
    return _oid_name(oid)


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    name = getattr(oid, "_name", "")
    return name if name and name != "Unknown OID" else oid.dotted_string


def _verifies_itself(cert: x509.Certificate) -> bool:
    """True when the certificate's signature checks out with its own public key.

    A subject == issuer match alone is what most tools call self-signed; the signature check
    tells a real self-signed root from a certificate that merely repeats its issuer's name.
    When the check cannot be made (unsupported algorithm) the name match is trusted.
    """
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(cert)
    except InvalidSignature:
        return False
    except Exception:  # unsupported key or signature type: keep the name match
        return True
    return True
