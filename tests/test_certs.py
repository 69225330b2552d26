"""Certificate summaries: real certificates from the corpus, generated ones, and junk."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from conftest import certificate_ders, handshake_body
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlstui.tls.x509 import MAX_CERT_BYTES, summarize_certificate


def _ders(fixture: str, direction: str = "s2c") -> list[bytes]:
    return certificate_ders(handshake_body(fixture, 11, direction=direction))


def _make(subject: str, issuer: str, key, signer, *, ca: bool = False, san=None) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    now = datetime(2024, 1, 1, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    algo = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algo).public_bytes(Encoding.DER)


def test_real_leaf_certificate() -> None:
    leaf = summarize_certificate(_ders("client_certificate")[0])
    assert leaf.error is None
    assert leaf.subject == "CN=certauth.idrix.fr"
    assert leaf.issuer == "CN=R3,O=Let's Encrypt,C=US"
    assert leaf.not_before == datetime(2023, 1, 4, 16, 14, 7, tzinfo=UTC)
    assert leaf.not_after == datetime(2023, 4, 4, 16, 14, 6, tzinfo=UTC)
    assert leaf.not_after.tzinfo is not None
    assert leaf.san == ["certauth.idrix.fr"]
    assert leaf.key == "RSA 2048"
    assert leaf.signature_algorithm == "sha256WithRSAEncryption"
    assert leaf.serial == "45a905e1ea86942ac3857b481d6de9a85cb"
    assert leaf.is_ca is False and leaf.self_signed is False
    assert leaf.length == len(_ders("client_certificate")[0])


def test_real_chain_details() -> None:
    r3 = summarize_certificate(_ders("client_certificate")[1])
    assert r3.is_ca is True and r3.subject == "CN=R3,O=Let's Encrypt,C=US"
    ecdsa_leaf, ecdsa_ca = (summarize_certificate(d) for d in _ders("ecdsa_cert"))
    assert ecdsa_leaf.key == "EC secp384r1"
    assert ecdsa_leaf.san == ["pantz.org", "www.pantz.org"]
    assert ecdsa_ca.key == "EC secp256r1" and ecdsa_ca.signature_algorithm == "ecdsa-with-SHA384"
    old = summarize_certificate(_ders("tls10")[2])
    assert old.subject == "CN=GeoTrust Global CA,O=GeoTrust Inc.,C=US"
    assert old.signature_algorithm == "sha1WithRSAEncryption"


def test_real_self_signed() -> None:
    cert = summarize_certificate(_ders("selfsign_ssl3")[0])
    assert cert.subject == cert.issuer == "CN=molochftw"
    assert cert.self_signed is True and cert.key == "RSA 1024"


def test_generated_certificates() -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    own = summarize_certificate(
        _make(
            "root",
            "root",
            ed,
            ed,
            ca=True,
            san=[
                x509.DNSName("a.example"),
                x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
                x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
                x509.RFC822Name("x@y.z"),
            ],
        )
    )
    assert own.key == "Ed25519" and own.self_signed and own.is_ca is True
    assert own.san == ["a.example", "192.0.2.7", "2001:db8::1"]
    assert own.serial == "1234abcd" and own.signature_algorithm == "ed25519"

    # Same subject and issuer, signed by another key: only looks self-signed.
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    fake = summarize_certificate(_make("same", "same", key, other))
    assert fake.subject == fake.issuer and fake.self_signed is False
    assert fake.key == "EC secp256r1"


def test_junk_never_raises() -> None:
    for junk in (b"", b"\x30", b"\x30\x82\xff\xff" + bytes(10), b"hello world" * 10):
        info = summarize_certificate(junk)
        assert info.error and info.error.startswith("not a valid X.509 certificate: ")
        assert info.length == len(junk) and info.subject == ""
    big = summarize_certificate(b"\x30" * (MAX_CERT_BYTES + 1))
    assert big.error and "too large" in big.error


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    info = summarize_certificate(data)
    assert info.error is not None


_REAL_DERS = _ders("client_certificate") + _ders("ecdsa_cert") + _ders("dhe")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_REAL_DERS), st.data())
def test_mutated_real_certificates(der: bytes, data: st.DataObject) -> None:
    raw = bytearray(der)
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    info = summarize_certificate(bytes(raw[: data.draw(st.integers(0, len(raw)))]))
    assert info.error is not None or info.subject is not None
    info = summarize_certificate(bytes(raw))
    assert isinstance(info.san, list)
