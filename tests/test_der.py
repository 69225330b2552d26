"""The pure-Python certificate reader (tlstui.tls.der) against cryptography's.

``der.summarize`` either declines (None) or gives exactly what ``summarize_with_cryptography``
gives, field for field.  Checked on every certificate of captures/ and ../shared/corpus, on
certificates built here with cryptography's builder, on structural edits of them (each one an
encoding rule the pure reader must either honour or decline), on thousands of seeded random
byte mutations, and on junk.  A subprocess shows that ``--json`` of a capture of ordinary
certificates never imports cryptography and writes the same bytes as the cryptography path.
"""

from __future__ import annotations

import contextlib
import functools
import io
import ipaddress
import random
import subprocess
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import CAPTURES, CORPUS, HAVE_CORPUS
from cryptography import x509
from cryptography.hazmat._oid import _OID_NAMES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.name import _NAMEOID_TO_NAME, _ASN1Type, _escape_dn_value
from cryptography.x509.oid import (
    CRLEntryExtensionOID,
    ExtendedKeyUsageOID,
    ExtensionOID,
    NameOID,
    OCSPExtensionOID,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tlstui.tls import der as D
from tlstui.tls import x509 as X
from tlstui.tls.model import CertificateInfo

# --- helpers ----------------------------------------------------------------------------------


def _same(pure: CertificateInfo, ref: CertificateInfo) -> None:
    """Every field equal, and equal in repr too (a datetime's tzinfo object, bool vs int)."""
    for name in CertificateInfo.__dataclass_fields__:
        a, b = getattr(pure, name), getattr(ref, name)
        assert a == b and repr(a) == repr(b), (name, a, b)


def _check(der: bytes) -> bool:
    """Both readers on one DER: equal when the pure one answers.  True when it answered."""
    pure = D.summarize(der)
    if pure is None:
        return False
    _same(pure, X.summarize_with_cryptography(der))
    return True


def _ders_of(paths: list[Path]) -> list[bytes]:
    """The DER of every certificate the engine meets in *paths*, in first-seen order."""
    from tlstui.analysis.engine import analyze

    seen: dict[bytes, None] = {}
    real = X.summarize_certificate

    def spy(der: bytes) -> CertificateInfo:
        seen.setdefault(bytes(der), None)
        return real(der)

    X.summarize_certificate = spy
    try:
        for path in paths:
            analyze(path)
    finally:
        X.summarize_certificate = real
    return list(seen)


@functools.cache
def capture_ders() -> tuple[bytes, ...]:
    return tuple(_ders_of(sorted(p for p in CAPTURES.rglob("*") if ".pcap" in p.name)))


@functools.cache
def corpus_ders() -> tuple[bytes, ...]:
    if not HAVE_CORPUS:
        return ()
    return tuple(_ders_of(sorted(p for p in CORPUS.rglob("*") if p.suffix in (".pcap", ".pcapng"))))


# A minimal TLV tree for structural edits: [tag, bytes] or [tag, [children]] (constructed).
Node = list[Any]


def _parse(b: bytes) -> list[Node]:
    out: list[Node] = []
    pos = 0
    while pos < len(b):
        tag, n = b[pos], b[pos + 1]
        pos += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[pos : pos + k], "big")
            pos += k
        body = b[pos : pos + n]
        pos += n
        out.append([tag, _parse(body) if tag & 0x20 else body])
    return out


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _enc(nodes: list[Node]) -> bytes:
    out = b""
    for tag, value in nodes:
        body = _enc(value) if isinstance(value, list) else value
        out += bytes([tag]) + _length(len(body)) + body
    return out


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


# --- certificates built here ------------------------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
SHA256 = hashes.SHA256()


@functools.cache
def _keys() -> dict[str, Any]:
    return {
        "rsa1024": rsa.generate_private_key(65537, 1024),
        "rsa2048": rsa.generate_private_key(65537, 2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "p521": ec.generate_private_key(ec.SECP521R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
        "ed448": ed448.Ed448PrivateKey.generate(),
        "k256": ec.generate_private_key(ec.SECP256K1()),
    }


def _cn(text: str) -> x509.Name:
    with warnings.catch_warnings():  # an empty or long common name is only warned about
        warnings.simplefilter("ignore")
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text, _validate=False)])


def _build(
    *,
    subject: x509.Name | None = None,
    issuer: x509.Name | None = None,
    key: str = "p256",
    signer: str = "rsa2048",
    hash_alg: Any = SHA256,
    serial: int = 0x1234ABCD,
    not_before: datetime = NOW,
    not_after: datetime | None = None,
    extensions: list[tuple[x509.ExtensionType, bool]] | None = None,
    rsa_padding: Any = None,
) -> bytes:
    keys = _keys()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject or _cn("leaf.example"))
        .issuer_name(
            issuer
            or x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example CA Inc."),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Example Issuing CA"),
                ]
            )
        )
        .public_key(keys[key].public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after or not_before + timedelta(days=90))
    )
    for ext, critical in extensions or []:
        builder = builder.add_extension(ext, critical=critical)
    if signer in ("ed25519", "ed448"):
        hash_alg = None
    return builder.sign(keys[signer], hash_alg, rsa_padding=rsa_padding).public_bytes(Encoding.DER)


def _ski_aki(key: str = "p256") -> list[tuple[x509.ExtensionType, bool]]:
    pub = _keys()[key].public_key()
    return [
        (x509.SubjectKeyIdentifier.from_public_key(pub), False),
        (
            x509.AuthorityKeyIdentifier.from_issuer_public_key(_keys()["rsa2048"].public_key()),
            False,
        ),
    ]


def _leaf_extensions(*names: x509.GeneralName) -> list[tuple[x509.ExtensionType, bool]]:
    """What a public CA puts in a TLS leaf."""
    uri = x509.UniformResourceIdentifier
    return [
        (x509.SubjectAlternativeName(list(names) or [x509.DNSName("leaf.example")]), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            True,
        ),
        (
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            False,
        ),
        *_ski_aki(),
        (
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(x509.OID_OCSP, uri("http://ocsp.example")),
                    x509.AccessDescription(x509.OID_CA_ISSUERS, uri("http://ca.example/ca.der")),
                ]
            ),
            False,
        ),
        (
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([uri("http://crl.example/1.crl")], None, None, None)]
            ),
            False,
        ),
        (
            x509.CertificatePolicies(
                [
                    x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.1"), None),
                    x509.PolicyInformation(
                        x509.ObjectIdentifier("1.3.6.1.4.1.44947.1.1.1"), ["http://cps.example"]
                    ),
                ]
            ),
            False,
        ),
    ]


@functools.cache
def _generated() -> dict[str, bytes]:
    """Named certificates that the pure reader must read (and match) itself."""
    uni = x509.NameAttribute
    out: dict[str, bytes] = {}
    for key in ("rsa1024", "rsa2048", "p256", "p384", "p521", "ed25519", "ed448"):
        out[f"key-{key}"] = _build(key=key, extensions=_leaf_extensions())
    for signer, alg in (
        ("rsa2048", hashes.SHA224()),
        ("rsa2048", hashes.SHA384()),
        ("rsa2048", hashes.SHA512()),
        ("p256", hashes.SHA256()),
        ("p384", hashes.SHA384()),
        ("p521", hashes.SHA512()),
        ("p256", hashes.SHA224()),
        ("ed25519", None),
        ("ed448", None),
    ):
        out[f"sig-{signer}-{alg.name if alg else 'eddsa'}"] = _build(signer=signer, hash_alg=alg)
    for i, text in enumerate(
        [
            'a,b+c"d\\e<f>g;h=i',
            "#hash first",
            " leading space",
            "trailing space ",
            " ",
            "  ",
            "#",
            "nul\0inside",
            "Bücher 日本 😀 Ünïcödé",
            "tab\there\nnewline",
            "",
        ]
    ):
        out[f"escape-{i}"] = _build(subject=_cn(text))
    out["multi-valued-rdn"] = _build(
        subject=x509.Name(
            [
                x509.RelativeDistinguishedName(
                    [
                        uni(NameOID.COMMON_NAME, "multi"),
                        uni(NameOID.ORGANIZATIONAL_UNIT_NAME, "unit+plus"),
                        uni(NameOID.ORGANIZATION_NAME, "Org, Inc."),
                    ]
                ),
                x509.RelativeDistinguishedName([uni(NameOID.COUNTRY_NAME, "DE")]),
            ]
        )
    )
    out["all-short-names"] = _build(
        subject=x509.Name(
            [
                uni(NameOID.DOMAIN_COMPONENT, "example"),
                uni(NameOID.DOMAIN_COMPONENT, "com"),
                uni(NameOID.COUNTRY_NAME, "FR"),
                uni(NameOID.STATE_OR_PROVINCE_NAME, "Île-de-France"),
                uni(NameOID.LOCALITY_NAME, "Paris"),
                uni(NameOID.STREET_ADDRESS, "1 rue de la Paix"),
                uni(NameOID.ORGANIZATION_NAME, "Org"),
                uni(NameOID.ORGANIZATIONAL_UNIT_NAME, "Unit"),
                uni(NameOID.USER_ID, "uid42"),
                uni(NameOID.COMMON_NAME, "all.example"),
            ]
        )
    )
    out["dotted-names"] = _build(
        subject=x509.Name(
            [
                uni(NameOID.EMAIL_ADDRESS, "someone@example.com"),
                uni(NameOID.SERIAL_NUMBER, "12345"),
                uni(NameOID.BUSINESS_CATEGORY, "Private Organization"),
                uni(NameOID.JURISDICTION_COUNTRY_NAME, "US"),
                uni(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1.2.3"), "private"),
                uni(x509.ObjectIdentifier("2.999.1"), "joint-iso-itu-t arc"),
                uni(NameOID.COMMON_NAME, "dotted.example"),
            ]
        )
    )
    out["string-types"] = _build(
        subject=x509.Name(
            [
                uni(NameOID.COMMON_NAME, "printable (ok) 'x' +,-./:=?", _ASN1Type.PrintableString),
                uni(NameOID.ORGANIZATION_NAME, "ia5 ~!@#$%^&*", _ASN1Type.IA5String),
                uni(NameOID.ORGANIZATIONAL_UNIT_NAME, "teletex", _ASN1Type.T61String),
                uni(NameOID.LOCALITY_NAME, "visible [x]", _ASN1Type.VisibleString),
                uni(NameOID.STATE_OR_PROVINCE_NAME, "bmp Ω 日本 😀", _ASN1Type.BMPString),
            ]
        )
    )
    v4, v6 = ipaddress.IPv4Address, ipaddress.IPv6Address
    out["san-mixed"] = _build(
        extensions=_leaf_extensions(
            x509.DNSName("a.example"),
            x509.IPAddress(v4("192.0.2.7")),
            x509.RFC822Name("x@example.com"),
            x509.IPAddress(v6("2001:db8::1")),
            x509.UniformResourceIdentifier("https://u.example/"),
            x509.IPAddress(v6("::ffff:192.0.2.1")),
            x509.IPAddress(v6("::192.0.2.1")),
            x509.IPAddress(v6("::")),
            x509.IPAddress(v6("fe80::1:0:0:1")),
            x509.IPAddress(v4("0.0.0.0")),
            x509.RegisteredID(x509.ObjectIdentifier("1.2.3.4")),
            x509.DNSName("*.wild.example"),
            x509.DNSName._init_without_validation("ünïcode.example"),
        )
    )
    out["san-many"] = _build(
        extensions=_leaf_extensions(*(x509.DNSName(f"h{i}.example") for i in range(3000)))
    )
    out["dates-generalized-after-2050"] = _build(
        not_before=datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
        not_after=datetime(2051, 2, 28, 1, 2, 3, tzinfo=UTC),
    )
    out["dates-far"] = _build(
        not_before=datetime(1950, 1, 1, tzinfo=UTC),
        not_after=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    out["dates-leap"] = _build(
        not_before=datetime(2000, 2, 29, tzinfo=UTC),
        not_after=datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    )
    out["serial-small"] = _build(serial=1)
    out["serial-high-bit"] = _build(serial=0x80)
    out["serial-20-bytes"] = _build(serial=(1 << 159) - 12345)
    ku = x509.KeyUsage
    out["ca-pathlen"] = _build(
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (ku(False, False, False, False, False, True, True, False, False), True),
            *_ski_aki(),
        ]
    )
    out["ca-no-pathlen"] = _build(
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)]
    )
    out["ca-pathlen-big"] = _build(
        extensions=[(x509.BasicConstraints(ca=True, path_length=2**63), True)]
    )
    out["ku-agreement-only-bits"] = _build(
        extensions=[(ku(False, False, False, False, True, False, False, True, True), True)]
    )
    out["ku-none"] = _build(
        extensions=[(ku(False, False, False, False, False, False, False, False, False), False)]
    )
    out["unknown-extensions"] = _build(
        extensions=[
            (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\xff\x00"), True),
            (
                x509.UnrecognizedExtension(
                    x509.ObjectIdentifier("2.16.840.1.113730.1.13"), b"\x16\x03abc"
                ),
                False,
            ),
            (x509.BasicConstraints(ca=False, path_length=None), False),
        ]
    )
    out["aki-empty"] = _build(extensions=[(x509.AuthorityKeyIdentifier(None, None, None), False)])
    out["no-extensions-v3"] = _build(extensions=[])
    out["directory-name-san"] = _build(
        extensions=_leaf_extensions(
            x509.DirectoryName(_cn("dir, with comma")), x509.DNSName("after.example")
        )
    )
    return out


@functools.cache
def _declined_builds() -> dict[str, bytes]:
    """Certificates the pure reader must leave to cryptography (and the fallback reads)."""
    uni = x509.NameAttribute
    out = {
        "self-issued": _build(subject=_cn("same"), issuer=_cn("same")),
        "self-signed": _build(subject=_cn("root"), issuer=_cn("root"), key="p256", signer="p256"),
        "secp256k1-key": _build(key="k256"),
        "pss-signature": _build(
            rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        ),
        "universal-string": _build(
            subject=x509.Name([uni(NameOID.COMMON_NAME, "univ", _ASN1Type.UniversalString)])
        ),
        "other-name-san": _build(
            extensions=[
                (
                    x509.SubjectAlternativeName(
                        [
                            x509.OtherName(
                                x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), b"\x0c\x01u"
                            )
                        ]
                    ),
                    False,
                )
            ]
        ),
        "ip-network-san": _build(
            extensions=[
                (
                    x509.SubjectAlternativeName(
                        [x509.IPAddress(ipaddress.ip_network("192.0.2.0/24"))]
                    ),
                    False,
                )
            ]
        ),
        "user-notice": _build(
            extensions=[
                (
                    x509.CertificatePolicies(
                        [
                            x509.PolicyInformation(
                                x509.ObjectIdentifier("1.2.3"), [x509.UserNotice(None, "notice")]
                            )
                        ]
                    ),
                    False,
                )
            ]
        ),
        "name-constraints": _build(
            extensions=[
                (x509.NameConstraints([x509.DNSName("example.com")], None), True),
            ]
        ),
        "ocsp-no-check": _build(extensions=[(x509.OCSPNoCheck(), False)]),
        "tls-feature": _build(
            extensions=[(x509.TLSFeature([x509.TLSFeatureType.status_request]), False)]
        ),
        "crldp-with-reasons": _build(
            extensions=[
                (
                    x509.CRLDistributionPoints(
                        [
                            x509.DistributionPoint(
                                [x509.UniformResourceIdentifier("http://c.example")],
                                None,
                                frozenset([x509.ReasonFlags.key_compromise]),
                                None,
                            )
                        ]
                    ),
                    False,
                )
            ]
        ),
    }
    return out


# --- equality on real certificates -------------------------------------------------------------


def test_every_capture_certificate_reads_the_same_both_ways() -> None:
    ders = capture_ders()
    pure = sum(_check(d) for d in ders)
    print(f"captures/: {pure} of {len(ders)} certificates took the pure path")
    # Every certificate of captures/ but those whose subject is their issuer (self_signed
    # needs the signature check cryptography makes).
    declined = [X.summarize_with_cryptography(d) for d in ders if D.summarize(d) is None]
    assert all(info.subject == info.issuer for info in declined)
    assert len(ders) >= 20 and pure >= len(ders) - 6


@pytest.mark.corpus
def test_every_corpus_certificate_reads_the_same_both_ways() -> None:
    ders = corpus_ders()
    pure = sum(_check(d) for d in ders)
    print(f"../shared/corpus: {pure} of {len(ders)} certificates took the pure path")
    # 86 certificates, 27 of them with subject == issuer; the other declines are old
    # certificates (user notices, directory names, an explicit FALSE, a broken one).
    declined = [X.summarize_with_cryptography(d) for d in ders if D.summarize(d) is None]
    assert len(ders) >= 80 and pure >= 48
    assert sum(info.subject != info.issuer for info in declined) <= 10


def test_generated_certificates_take_the_pure_path_and_match() -> None:
    for name, der in _generated().items():
        assert _check(der), name


def test_generated_certificate_values() -> None:
    """A few values pinned outright, so agreement cannot hide a shared mistake."""
    gen = _generated()
    info = D.summarize(gen["escape-0"])
    assert info is not None and info.subject == 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h=i'
    assert info.issuer == "CN=Example Issuing CA,O=Example CA Inc.,C=US"
    assert D.summarize(gen["escape-2"]).subject == "CN=\\ leading space"  # type: ignore[union-attr]
    assert D.summarize(gen["escape-4"]).subject == "CN=\\ "  # type: ignore[union-attr]
    assert D.summarize(gen["escape-7"]).subject == "CN=nul\\00inside"  # type: ignore[union-attr]
    multi = D.summarize(gen["multi-valued-rdn"])
    assert multi is not None and multi.subject == "C=DE,CN=multi+O=Org\\, Inc.+OU=unit\\+plus"
    dotted = D.summarize(gen["dotted-names"])
    assert dotted is not None and dotted.subject.startswith("CN=dotted.example,2.999.1=joint")
    assert "1.2.840.113549.1.9.1=someone@example.com" in dotted.subject
    san = D.summarize(gen["san-mixed"])
    assert san is not None and san.san == [
        "a.example",
        "192.0.2.7",
        "2001:db8::1",
        str(ipaddress.IPv6Address("::ffff:192.0.2.1")),
        str(ipaddress.IPv6Address("::192.0.2.1")),
        "::",
        "fe80::1:0:0:1",
        "0.0.0.0",
        "*.wild.example",
        "ünïcode.example",
    ]
    assert san.san_total == 10 and san.is_ca is False and san.key == "EC secp256r1"
    late = D.summarize(gen["dates-generalized-after-2050"])
    assert late is not None and late.not_after == datetime(2051, 2, 28, 1, 2, 3, tzinfo=UTC)
    assert late.not_after.tzinfo is UTC and late.signature_algorithm == "sha256WithRSAEncryption"
    assert D.summarize(gen["key-rsa2048"]).key == "RSA 2048"  # type: ignore[union-attr]
    assert D.summarize(gen["key-p521"]).key == "EC secp521r1"  # type: ignore[union-attr]
    assert D.summarize(gen["key-ed448"]).key == "Ed448"  # type: ignore[union-attr]
    assert D.summarize(gen["sig-p384-sha384"]).signature_algorithm == "ecdsa-with-SHA384"  # type: ignore[union-attr]
    assert D.summarize(gen["sig-ed25519-eddsa"]).signature_algorithm == "ed25519"  # type: ignore[union-attr]
    assert D.summarize(gen["ca-pathlen"]).is_ca is True  # type: ignore[union-attr]
    assert D.summarize(gen["no-extensions-v3"]).is_ca is None  # type: ignore[union-attr]
    assert D.summarize(gen["serial-20-bytes"]).serial == f"{(1 << 159) - 12345:x}"  # type: ignore[union-attr]


def test_more_sans_than_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """san keeps MAX_SAN entries and san_total counts them all, on both paths."""
    monkeypatch.setattr(D, "MAX_SAN", 100)
    monkeypatch.setattr(X, "MAX_SAN", 100)
    der = _generated()["san-many"]
    info = D.summarize(der)
    assert info is not None and len(info.san) == 100 and info.san_total == 3000
    assert info.san[-1] == "h99.example"
    _same(info, X.summarize_with_cryptography(der))


def test_declined_certificates_fall_back_to_cryptography() -> None:
    for name, der in _declined_builds().items():
        assert D.summarize(der) is None, name
        assert X.summarize_certificate(der) == X.summarize_with_cryptography(der), name
    root = X.summarize_certificate(_declined_builds()["self-signed"])
    assert root.self_signed is True and root.subject == root.issuer == "CN=root"


# --- structural edits: each either honoured exactly or declined ---------------------------------


def _tree(der: bytes) -> Node:
    return _parse(der)[0]


def _tbs(tree: Node) -> list[Node]:
    tbs: list[Node] = tree[1][0][1]
    return tbs


def _exts(tree: Node) -> list[Node]:
    exts: list[Node] = _tbs(tree)[7][1][0][1]
    return exts


def _edits() -> Iterator[tuple[str, bytes, bool]]:
    """(what, edited DER, whether the pure reader must still answer)."""
    base = _generated()["key-p256"]
    utc, gen = 0x17, 0x18

    def edit(what: str, must: bool, change: Any) -> tuple[str, bytes, bool]:
        tree = _tree(base)
        result = change(tree)
        edited = result if isinstance(result, bytes) else _enc([tree])
        assert edited != base, what
        return what, edited, must

    def set_time(value: bytes, tag: int) -> Any:
        return lambda t: _tbs(t)[4][1].__setitem__(0, [tag, value])

    yield edit("GeneralizedTime before 2050", True, set_time(b"20300102030405Z", gen))
    yield edit("GeneralizedTime in 1950", True, set_time(b"19500102030405Z", gen))
    yield edit("GeneralizedTime in 1949", False, set_time(b"19490102030405Z", gen))
    yield edit("UTCTime year 49", True, set_time(b"491231235959Z", utc))
    yield edit("UTCTime year 50", True, set_time(b"500101000000Z", utc))
    yield edit("UTCTime without seconds", False, set_time(b"2401010000Z", utc))
    yield edit("UTCTime with offset", False, set_time(b"240101000000+0100", utc))
    yield edit("UTCTime second 60", False, set_time(b"240101000060Z", utc))
    yield edit("UTCTime Feb 30", False, set_time(b"240230000000Z", utc))
    yield edit("GeneralizedTime fraction", False, set_time(b"20300102030405.5Z", gen))
    yield edit("time as OCTET STRING", False, set_time(b"240101000000Z", 0x04))

    def v1(t: Node) -> None:
        del _tbs(t)[7], _tbs(t)[0]

    yield edit("version 1 without extensions", True, v1)
    yield edit("version 1 with extensions", False, lambda t: _tbs(t).__delitem__(0))
    yield edit(
        "version 0 written out", False, lambda t: _tbs(t)[0][1].__setitem__(0, [0x02, b"\x00"])
    )
    yield edit("version 2 (v2)", False, lambda t: _tbs(t)[0][1].__setitem__(0, [0x02, b"\x01"]))
    yield edit("version 4", False, lambda t: _tbs(t)[0][1].__setitem__(0, [0x02, b"\x03"]))
    yield edit("serial non-minimal", False, lambda t: _tbs(t)[1].__setitem__(1, b"\x00\x12"))
    yield edit("serial negative", False, lambda t: _tbs(t)[1].__setitem__(1, b"\xf2"))
    yield edit("serial zero", True, lambda t: _tbs(t)[1].__setitem__(1, b"\x00"))
    yield edit("serial empty", False, lambda t: _tbs(t)[1].__setitem__(1, b""))
    yield edit("subject unique id", False, lambda t: _tbs(t).insert(7, [0x82, b"\x00\x01"]))
    yield edit("issuer unique id", False, lambda t: _tbs(t).insert(7, [0x81, b"\x00\x01"]))
    yield edit("trailing TBS field", False, lambda t: _tbs(t).append([0x05, b""]))
    yield edit("trailing garbage", False, lambda t: _enc([t]) + b"\x00")
    yield edit(
        "inner and outer algorithms differ", False, lambda t: _tbs(t)[2][1].append([0x05, b""])
    )
    yield edit(
        "RSA signature algorithm without NULL",
        True,
        lambda t: _tbs(t)[2][1].pop() and t[1][1][1].pop() and None,
    )
    yield edit("signature padding bits", False, lambda t: t[1][2].__setitem__(1, b"\x01\xff"))
    yield edit("empty signature", True, lambda t: t[1][2].__setitem__(1, b"\x00"))
    yield edit("empty subject", True, lambda t: _tbs(t).__setitem__(5, [0x30, []]))
    yield edit("empty RDN", False, lambda t: _tbs(t)[5][1].append([0x31, []]))
    cn = lambda v, tag=0x0C: [0x30, [[0x06, b"\x55\x04\x03"], [tag, v]]]  # noqa: E731
    o = lambda v: [0x30, [[0x06, b"\x55\x04\x0a"], [0x0C, v]]]  # noqa: E731
    yield edit(
        "RDN sorted", True, lambda t: _tbs(t)[5].__setitem__(1, [[0x31, [cn(b"a"), o(b"b")]]])
    )
    yield edit(
        "RDN unsorted", False, lambda t: _tbs(t)[5].__setitem__(1, [[0x31, [o(b"b"), cn(b"a")]]])
    )
    yield edit(
        "RDN duplicate", False, lambda t: _tbs(t)[5].__setitem__(1, [[0x31, [cn(b"a"), cn(b"a")]]])
    )
    yield edit(
        "same attribute in two RDNs",
        True,
        lambda t: _tbs(t)[5].__setitem__(1, [[0x31, [cn(b"a")]], [0x31, [cn(b"a")]]]),
    )
    yield edit(
        "attribute with a third element",
        False,
        lambda t: _tbs(t)[5][1][0][1][0][1].append([0x05, b""]),
    )
    for tag, value, must in (
        (0x0C, b"\xed\xa0\x80", False),  # a UTF-8 surrogate
        (0x0C, b"\xc0\xaf", False),  # overlong
        (0x0C, "é".encode(), True),
        (0x13, b"a*b", False),
        (0x13, b"a@b", False),
        (0x16, b"\xe9", False),
        (0x16, b"tab\t", False),
        (0x14, b"\xe9t\xe9", False),
        (0x12, b"123", False),
        (0x1C, b"\x00\x00\x00a", False),
        (0x1E, b"\x00a\xd8\x00", False),  # a lone surrogate
        (0x1E, b"\x00a\x00", False),  # odd length
        (0x03, b"\x00\x01", False),
        (0x04, b"abc", False),
        (0x30, b"", False),
    ):
        yield edit(
            f"CN tag {tag:#x} {value!r}",
            must,
            lambda t, tag=tag, value=value: _tbs(t)[5].__setitem__(1, [[0x31, [cn(value, tag)]]]),
        )

    def ext(oid: str, value: bytes, critical: bytes | None = None) -> Node:
        parts: list[Node] = [[0x06, D.oid_bytes(oid)]]
        if critical is not None:
            parts.append([0x01, critical])
        return [0x30, [*parts, [0x04, value]]]

    def with_ext(node: Node) -> Any:
        return lambda t: _exts(t).append(node)

    yield edit(
        "extension critical FALSE written out",
        False,
        with_ext(ext("1.2.3.4", b"\x05\x00", b"\x00")),
    )
    yield edit("extension critical 0x01", False, with_ext(ext("1.2.3.4", b"\x05\x00", b"\x01")))
    yield edit("unknown critical extension", True, with_ext(ext("1.2.3.4", b"\x05\x00", b"\xff")))
    yield edit("unknown extension, junk value", True, with_ext(ext("1.3.6.1.5.5.7.1.12", b"\xff")))
    yield edit("duplicate extension", False, with_ext(ext("2.5.29.14", b"\x04\x01\x00")))
    yield edit("no extension in [3]", False, lambda t: _tbs(t)[7][1][0].__setitem__(1, []))
    yield edit(
        "extension without value",
        False,
        lambda t: _exts(t).append([0x30, [[0x06, D.oid_bytes("1.2.3.4")]]]),
    )
    san = "2.5.29.17"

    def replace(oid: str, value: bytes) -> Any:
        def change(t: Node) -> None:
            exts = _exts(t)
            exts[:] = [e for e in exts if e[1][0][1] != D.oid_bytes(oid)] + [ext(oid, value)]

        return change

    yield edit("SAN empty", False, replace(san, b"\x30\x00"))
    yield edit("SAN DNS bad UTF-8", False, replace(san, _tlv(0x30, _tlv(0x82, b"\xff"))))
    yield edit("SAN DNS constructed", False, replace(san, _tlv(0x30, _tlv(0xA2, _tlv(0x16, b"a")))))
    yield edit("SAN IP 5 bytes", False, replace(san, _tlv(0x30, _tlv(0x87, b"\x01" * 5))))
    yield edit(
        "SAN IP network",
        False,
        replace(san, _tlv(0x30, _tlv(0x87, b"\xc0\x00\x02\x00\xff\xff\xff\x00"))),
    )
    yield edit("SAN x400", False, replace(san, _tlv(0x30, _tlv(0xA3, b""))))
    yield edit("SAN trailing byte", False, replace(san, _tlv(0x30, _tlv(0x82, b"a")) + b"\x00"))
    yield edit("SAN empty DNS name", True, replace(san, _tlv(0x30, _tlv(0x82, b""))))
    yield edit("SAN NUL in DNS name", True, replace(san, _tlv(0x30, _tlv(0x82, b"a\x00b"))))
    bc = "2.5.29.19"
    yield edit("BC empty", True, replace(bc, b"\x30\x00"))
    yield edit("BC cA FALSE written out", False, replace(bc, _tlv(0x30, b"\x01\x01\x00")))
    yield edit("BC pathlen without cA", False, replace(bc, _tlv(0x30, b"\x02\x01\x01")))
    yield edit("BC negative pathlen", False, replace(bc, _tlv(0x30, b"\x01\x01\xff\x02\x01\xff")))
    yield edit(
        "BC pathlen 2**64",
        False,
        replace(bc, _tlv(0x30, b"\x01\x01\xff" + _tlv(0x02, b"\x01" + bytes(8)))),
    )
    ku = "2.5.29.15"
    yield edit("KU padding 8", False, replace(ku, b"\x03\x02\x08\x80"))
    yield edit("KU padding bits set", False, replace(ku, b"\x03\x02\x07\x81"))
    yield edit("KU empty", True, replace(ku, b"\x03\x01\x00"))
    yield edit("KU two bytes", True, replace(ku, b"\x03\x03\x07\x88\x80"))
    yield edit("KU decipherOnly alone", False, replace(ku, b"\x03\x03\x07\x00\x80"))
    yield edit("KU long", True, replace(ku, b"\x03\x04\x00\xa0\x00\x01"))
    eku = "2.5.29.37"
    yield edit("EKU bad OID", False, replace(eku, _tlv(0x30, b"\x06\x02\x80\x01")))
    yield edit("EKU empty OID", False, replace(eku, _tlv(0x30, b"\x06\x00")))
    yield edit(
        "EKU long OID arc",
        True,
        replace(eku, _tlv(0x30, _tlv(0x06, b"\x2a" + b"\xff" * 7 + b"\x7f"))),
    )
    aki = "2.5.29.35"
    yield edit("AKI with serial only", False, replace(aki, _tlv(0x30, b"\x82\x01\x01")))
    yield edit("AKI keyid constructed", False, replace(aki, _tlv(0x30, b"\xa0\x00")))
    yield edit("SKI not an OCTET STRING", False, replace("2.5.29.14", b"\x05\x00"))
    aia = "1.3.6.1.5.5.7.1.1"
    yield edit("AIA empty", False, replace(aia, b"\x30\x00"))
    yield edit(
        "AIA DNS location",
        True,
        replace(
            aia,
            _tlv(0x30, _tlv(0x30, b"\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x01" + _tlv(0x82, b"x"))),
        ),
    )
    yield edit(
        "AIA directory location",
        True,
        replace(
            aia,
            _tlv(
                0x30,
                _tlv(0x30, b"\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x01" + _tlv(0xA4, b"\x30\x00")),
            ),
        ),
    )
    yield edit(
        "SAN directoryName with an empty RDN",
        False,
        replace(san, _tlv(0x30, _tlv(0xA4, b"\x30\x02\x31\x00"))),
    )
    yield edit(
        "SAN directoryName not a Name", False, replace(san, _tlv(0x30, _tlv(0xA4, b"\x31\x00")))
    )
    yield edit(
        "SAN directoryName and trailing",
        False,
        replace(san, _tlv(0x30, _tlv(0xA4, b"\x30\x00\x05\x00"))),
    )
    yield edit(
        "SAN otherName",
        False,
        replace(san, _tlv(0x30, _tlv(0xA0, b"\x06\x01\x2a\xa0\x02\x05\x00"))),
    )
    crldp = "2.5.29.31"
    uri = _tlv(0x86, b"http://x")
    yield edit("CRLDP empty point", False, replace(crldp, _tlv(0x30, b"\x30\x00")))
    yield edit(
        "CRLDP empty full name",
        False,
        replace(crldp, _tlv(0x30, _tlv(0x30, _tlv(0xA0, b"\xa0\x00")))),
    )
    yield edit(
        "CRLDP two URIs",
        True,
        replace(crldp, _tlv(0x30, _tlv(0x30, _tlv(0xA0, _tlv(0xA0, uri + uri))))),
    )
    yield edit(
        "CRLDP relative name",
        False,
        replace(crldp, _tlv(0x30, _tlv(0x30, _tlv(0xA0, _tlv(0xA1, _enc([cn(b"x")])))))),
    )
    cp = "2.5.29.32"
    pol = b"\x06\x03\x2a\x03\x04"
    cps_id = _tlv(0x06, D.oid_bytes("1.3.6.1.5.5.7.2.1"))
    yield edit("CP no qualifiers", True, replace(cp, _tlv(0x30, _tlv(0x30, pol))))
    yield edit("CP empty qualifiers", False, replace(cp, _tlv(0x30, _tlv(0x30, pol + b"\x30\x00"))))
    yield edit(
        "CP CPS",
        True,
        replace(
            cp,
            _tlv(0x30, _tlv(0x30, pol + _tlv(0x30, _tlv(0x30, cps_id + _tlv(0x16, b"http://c"))))),
        ),
    )
    yield edit(
        "CP CPS not ASCII",
        False,
        replace(
            cp, _tlv(0x30, _tlv(0x30, pol + _tlv(0x30, _tlv(0x30, cps_id + _tlv(0x16, b"\xe9")))))
        ),
    )
    yield edit(
        "CP CPS as UTF8String",
        False,
        replace(
            cp, _tlv(0x30, _tlv(0x30, pol + _tlv(0x30, _tlv(0x30, cps_id + _tlv(0x0C, b"x")))))
        ),
    )
    yield edit(
        "CP unknown qualifier id",
        False,
        replace(cp, _tlv(0x30, _tlv(0x30, pol + _tlv(0x30, _tlv(0x30, pol + _tlv(0x16, b"x")))))),
    )
    sct_oid = "1.3.6.1.4.1.11129.2.4.2"

    def sct(version: int = 0, hash_alg: int = 4, sig_alg: int = 3, extra: bytes = b"") -> bytes:
        body = bytes([version]) + bytes(32) + (1_700_000_000_000).to_bytes(8, "big")
        body += b"\x00\x00" + bytes([hash_alg, sig_alg]) + b"\x00\x04sig!" + extra
        return len(body).to_bytes(2, "big") + body

    def sct_list(*items: bytes, slack: bytes = b"") -> bytes:
        inner = b"".join(items)
        return _tlv(0x04, len(inner).to_bytes(2, "big") + inner + slack)

    yield edit("SCT list of two", True, replace(sct_oid, sct_list(sct(), sct(sig_alg=1))))
    yield edit("SCT empty list", True, replace(sct_oid, sct_list()))
    yield edit("SCT version 1", False, replace(sct_oid, sct_list(sct(version=1))))
    yield edit("SCT hash 0", False, replace(sct_oid, sct_list(sct(hash_alg=0))))
    yield edit("SCT signature 0", False, replace(sct_oid, sct_list(sct(sig_alg=0))))
    yield edit("SCT slack inside", False, replace(sct_oid, sct_list(sct(extra=b"\x00"))))
    yield edit("SCT slack after", False, replace(sct_oid, sct_list(sct(), slack=b"\x00")))
    yield edit("SCT not wrapped", False, replace(sct_oid, b"\x00\x00"))
    for oid in (
        "2.5.29.9",
        "2.5.29.99",
        "1.3.6.1.5.5.7.1.24",
        "1.3.6.1.4.1.11129.2.4.3",
        "1.3.6.1.4.1.311.21.7",
        "1.3.36.8.3.3",
    ):
        yield edit(
            f"extension {oid} that cryptography parses", False, with_ext(ext(oid, b"\x05\x00"))
        )
    key = lambda t: _tbs(t)[6]  # noqa: E731
    yield edit(
        "EC point compressed", False, lambda t: key(t)[1][1].__setitem__(1, b"\x00\x02" + bytes(32))
    )
    yield edit("EC key with NULL", False, lambda t: key(t)[1][0][1].__setitem__(1, [0x05, b""]))
    yield edit(
        "EC key padding",
        False,
        lambda t: key(t)[1][1].__setitem__(1, b"\x01" + key(t)[1][1][1][1:]),
    )


def test_structural_edits_are_honoured_exactly_or_declined() -> None:
    answered = 0
    for what, der, must in _edits():
        took = _check(der)
        assert took == must, what
        answered += took
        assert X.summarize_certificate(der) == X.summarize_with_cryptography(der), what
    assert answered == sum(must for _, _, must in _edits())


def test_rsa_key_edits() -> None:
    """RSA keys: minimal positive integers, a plausible size and exponent, no parameters but
    NULL; odd ones are left to OpenSSL."""
    base = _generated()["key-rsa2048"]

    def with_key(n: bytes, e: bytes, params: list[Node] | None = None) -> bytes:
        tree = _tree(base)
        spki = _tbs(tree)[6]
        if params is not None:
            spki[1][0][1] = params
        spki[1][1][1] = b"\x00" + _enc([[0x30, [[0x02, n], [0x02, e]]]])
        return _enc([tree])

    n = b"\x00" + b"\xc3" * 256
    assert _check(with_key(n, b"\x01\x00\x01"))
    assert _check(with_key(n, b"\x03"))
    assert _check(with_key(n, b"\x01\x00\x01", [[0x06, D.oid_bytes("1.2.840.113549.1.1.1")]]))
    assert D.summarize(with_key(n, b"\x01\x00\x01")).key == "RSA 2048"  # type: ignore[union-attr]
    assert D.summarize(with_key(b"\x00\x00" + n[1:], b"\x03")) is None  # non-minimal
    assert D.summarize(with_key(n[1:], b"\x03")) is None  # negative
    assert D.summarize(with_key(n, b"\x02")) is None  # even exponent
    assert D.summarize(with_key(b"\x7f" * 32, b"\x03")) is None  # 255 bits
    assert (
        D.summarize(
            with_key(n, b"\x03", [[0x06, D.oid_bytes("1.2.840.113549.1.1.1")], [0x04, b""]])
        )
        is None
    )


# --- random mutations and junk ------------------------------------------------------------------


def _pool() -> list[bytes]:
    return [*_generated().values(), *capture_ders(), *corpus_ders()]


def test_seeded_mutations_never_disagree() -> None:
    """Random byte changes and cuts: whatever the pure reader still answers must equal
    cryptography's reading of the same bytes."""
    rng = random.Random(20261130)
    pool = [d for d in _pool() if len(d) < 20_000]
    answered = tried = 0
    for _ in range(2500):
        raw = bytearray(rng.choice(pool))
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        if rng.random() < 0.1:
            del raw[rng.randrange(len(raw)) :]
        tried += 1
        answered += _check(bytes(raw))
    print(f"mutations: the pure reader answered {answered} of {tried}")
    assert answered > 300  # most one-byte changes land in keys, signatures and names


def test_truncated_and_garbled_input_reads_as_before() -> None:
    """Bad DER still gives the error-bearing summary cryptography gives (the pure reader
    declines it), never an exception."""
    der = _generated()["key-rsa2048"]
    cuts = [der[:n] for n in range(0, len(der), 7)] + [der + b"\x00", b"\x30\x80" + der[2:]]
    junk = [
        b"",
        b"\x30",
        b"\x30\x82\xff\xff" + bytes(10),
        b"hello world" * 10,
        b"\x30\x00",
        b"\x30\x84\x00\x00\x00\x10" + bytes(16),
        b"\x30\x81\x05" + bytes(5),
    ]
    for raw in cuts + junk:
        assert D.summarize(raw) is None
        info = X.summarize_certificate(raw)
        assert info == X.summarize_with_cryptography(raw)
        assert info.error and info.error.startswith("not a valid X.509 certificate: ")
        assert info.length == len(raw)


def test_hostile_shapes_are_bounded() -> None:
    """Deep nesting and huge length claims cost one pass at most (no recursion)."""
    deep = b"\x30\x83\x0f\xff\xf0" + b"\x30\x80" * 400_000
    lying = b"\x30\x83\xff\xff\xff" + bytes(100)
    many = _tlv(0x30, b"\x30\x00" * 200_000)
    for raw in (deep, lying, many):
        assert D.summarize(raw) is None


_STRING_TAGS = st.sampled_from([0x0C, 0x13, 0x16, 0x14, 0x1A, 0x1E, 0x1C, 0x12, 0x03, 0x05])
_VALUE_BYTES = st.one_of(
    st.binary(max_size=12),
    st.text(max_size=8).map(lambda t: t.encode("utf-8")),
    st.text(max_size=6).map(lambda t: t.encode("utf-16-be", "surrogatepass")),
    st.text(alphabet=" #+,;<>\\\"=*@'()x", max_size=8).map(str.encode),
)
_ATTR_OIDS = st.sampled_from(
    [D.oid_bytes(o) for o in ("2.5.4.3", "2.5.4.10", "2.5.4.6", "1.2.840.113549.1.9.1")]
    + [D.oid_bytes("0.9.2342.19200300.100.1.25"), b"\x2a\x03", b"\x80\x01", b"\x2a\x83"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_ATTR_OIDS, _STRING_TAGS, _VALUE_BYTES), min_size=0, max_size=3),
        max_size=4,
    )
)
def test_random_subjects_read_the_same_both_ways(
    rdns: list[list[tuple[bytes, int, bytes]]],
) -> None:
    """Random attribute types, string tags and bytes (valid or not) in the subject."""
    tree = _tree(_generated()["key-p256"])
    _tbs(tree)[5][1] = [
        [0x31, [[0x30, [[0x06, oid], [tag, value]]] for oid, tag, value in rdn]] for rdn in rdns
    ]
    _check(_enc([tree]))


_GN_TAGS = st.sampled_from([0x81, 0x82, 0x86, 0x87, 0x88, 0x80, 0xA4, 0xA2])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_GN_TAGS, st.one_of(st.binary(max_size=17), _VALUE_BYTES)), max_size=5))
def test_random_san_entries_read_the_same_both_ways(names: list[tuple[int, bytes]]) -> None:
    tree = _tree(_generated()["key-p256"])
    san = _enc([[0x30, [[tag, value] for tag, value in names]]])
    for ext in _exts(tree):
        if ext[1][0][1] == D._SAN:
            ext[1][-1][1] = san
    _check(_enc([tree]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0x17, 0x18]), st.text(alphabet="0123456789Z.+-", min_size=10, max_size=17))
def test_random_times_read_the_same_both_ways(tag: int, text: str) -> None:
    tree = _tree(_generated()["key-p256"])
    _tbs(tree)[4][1][1] = [tag, text.encode()]
    _check(_enc([tree]))


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_escaping_matches_cryptography(text: str) -> None:
    assert D._escape(text) == _escape_dn_value(text)


# --- the tables against cryptography's own -----------------------------------------------------


def test_tables_match_cryptography() -> None:
    for raw, (name, _) in D._SIG_ALGS.items():
        oid = x509.ObjectIdentifier(D.dotted(raw))
        assert _OID_NAMES.get(oid, oid.dotted_string) == name
    assert {D.dotted(k): v for k, v in D._ATTR_NAMES.items()} == {
        k.dotted_string: v for k, v in _NAMEOID_TO_NAME.items()
    }
    curves = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(), "secp521r1": ec.SECP521R1()}
    for name, p, b in D._CURVES.values():  # p and b: a fresh point of cryptography's is on it
        point = ec.generate_private_key(curves[name]).public_key().public_numbers()
        assert (point.y**2 - (point.x**3 - 3 * point.x + b)) % p == 0
        assert p.bit_length() == curves[name].key_size
    for oid_text in (
        "1.2.840.113549",
        "2.999.1",
        "0.9.2342.19200300.100.1.25",
        "2.5.4.3",
        "1.3.6.1.4.1.311.60.2.1.3",
        "2.25.329800735698586629295641978511506172918",
    ):
        assert D.dotted(D.oid_bytes(oid_text)) == x509.ObjectIdentifier(oid_text).dotted_string


def test_every_extension_cryptography_parses_is_read_or_declined() -> None:
    read = {D._SKI, D._KU, D._SAN, D._BC, D._CRLDP, D._CP, D._AKI, D._EKU, D._AIA, D._SCT}
    for cls in (ExtensionOID, CRLEntryExtensionOID, OCSPExtensionOID):
        for attr, oid in vars(cls).items():
            if isinstance(oid, x509.ObjectIdentifier):
                raw = D.oid_bytes(oid.dotted_string)
                assert raw in read or raw.startswith(D._DECLINED_EXT_PREFIXES), attr


# --- the command line ---------------------------------------------------------------------------


def test_json_of_ordinary_certificates_loads_no_cryptography(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--json`` of a capture with a CA-signed leaf (no key log beside it) never imports
    cryptography, and writes the very bytes the cryptography path writes."""
    cap = CAPTURES / "messy-tls12-cut-before-done.pcap"
    assert not any(cap.with_suffix(s).exists() for s in (".keys", ".keylog"))
    code = (
        "import sys\n"
        "from tlstui.cli import main\n"
        "rc = main([sys.argv[1], '--json'])\n"
        "sys.stdout.flush()\n"
        "print('\\n' + str(rc), ' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(cap)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    rc, mods = p.stderr.strip().splitlines()[-1].split(" ", 1)
    assert rc == "0", p.stderr
    loaded = set(mods.split())
    assert "tlstui.tls.der" in loaded and "tlstui.tls.x509" in loaded  # a certificate was read
    assert not any(m == "cryptography" or m.startswith("cryptography.") for m in loaded)
    assert '"subject": "CN=' in p.stdout

    from tlstui.cli import main

    X._cached.cache_clear()
    monkeypatch.setattr(D, "summarize", lambda der: None)  # every certificate to cryptography
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert main([str(cap), "--json"]) == 0
    finally:
        X._cached.cache_clear()
    assert out.getvalue() == p.stdout
