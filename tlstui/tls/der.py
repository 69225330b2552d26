"""A small, strict DER reader that summarises ordinary certificates without ``cryptography``.

Why: importing ``cryptography.x509`` costs 45-80 ms of CPU and about 14 MB of memory (its Rust
extension, libcrypto, the email package...): up to a tenth of the time and a quarter of the peak
memory of a ``--json`` run over a capture whose servers all send ordinary CA-signed certificates.
This module reads those certificates itself and gives exactly the ``CertificateInfo`` that
``tlstui.tls.x509``'s cryptography-based reader gives, field for field.

It is a *fast path*, not a second parser: :func:`summarize` returns ``None`` ("decline") for
anything it is not sure it renders exactly as cryptography does, and the caller then asks
cryptography.  It declines on: non-DER encodings (indefinite or non-minimal lengths, long tags,
non-minimal integers, explicitly encoded defaults, unsorted SETs, non-zero bit-string padding),
trailing bytes, versions other than v1 (no extensions) and v3, unique identifiers, unknown
signature or key algorithms, unusual algorithm parameters, EC points not on their named curve,
string types or characters it cannot reproduce, certificates whose subject equals their issuer
(``self_signed`` needs a signature check), extensions cryptography parses that are not read
here or that have an unusual shape, duplicate extensions, and any unexpected exception.  Every
length is checked against its container before use and the walk is iterative over a fixed
structure (no recursion), so hostile input costs time proportional to its size at most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn

from tlstui.tls.model import CertificateInfo

# Kept in step with tlstui.tls.x509 (which imports these values from here).
MAX_SAN = 20_000  # SAN entries kept per certificate; ``san_total`` counts them all
# id-ecPublicKey followed by a SEQUENCE instead of a named-curve OID: explicit curve parameters.
EC_EXPLICIT = bytes.fromhex("06072a8648ce3d020130")


class _Decline(Exception):
    """Raised anywhere in the walk: this certificate is left to cryptography."""


def _no() -> NoReturn:
    raise _Decline


# --- TLV primitives ---------------------------------------------------------------------------
# Positions are indexes into the one certificate ``bytes``; nothing is copied until a value is
# decoded.  Invariant of every (start, stop) pair returned: 0 <= start <= stop <= the end of the
# container it was read from.


def _tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content stop) of the element at *pos*; DER definite lengths only."""
    if pos + 2 > end:
        _no()
    tag = buf[pos]
    if tag & 0x1F == 0x1F:  # high tag numbers never occur in the fields read here
        _no()
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        # 0x80 is indefinite (BER only); more than 3 length bytes is over MAX_CERT_BYTES anyway.
        if k == 0 or k > 3 or pos + k > end or buf[pos] == 0:
            _no()
        n = int.from_bytes(buf[pos : pos + k], "big")
        if n < 0x80:  # DER: the short form must be used when it fits
            _no()
        pos += k
    if n > end - pos:
        _no()
    return tag, pos, pos + n


def _items(buf: bytes, start: int, stop: int) -> list[tuple[int, int, int]]:
    """Every element inside a constructed value, which they must fill exactly."""
    out: list[tuple[int, int, int]] = []
    pos = start
    while pos < stop:
        item = _tlv(buf, pos, stop)
        out.append(item)
        pos = item[2]
    return out


def _expect(buf: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    t, s, e = _tlv(buf, pos, end)
    if t != tag:
        _no()
    return s, e


def _bit_string_ok(buf: bytes, s: int, e: int) -> None:
    """DER BIT STRING content: a padding count 0-7, zero padding bits, none when empty."""
    if e <= s:
        _no()
    pad = buf[s]
    if pad > 7 or (e == s + 1 and pad) or (pad and buf[e - 1] & ((1 << pad) - 1)):
        _no()


def _uint(buf: bytes, s: int, e: int) -> int:
    """A non-negative, minimally encoded INTEGER (a negative one is declined)."""
    if e <= s or buf[s] & 0x80:
        _no()
    if e - s > 1 and buf[s] == 0 and not buf[s + 1] & 0x80:
        _no()
    return int.from_bytes(buf[s:e], "big")


def _true(buf: bytes, s: int, e: int) -> None:
    """A BOOLEAN that may only be TRUE: FALSE is the DEFAULT, which DER must not encode."""
    if e - s != 1 or buf[s] != 0xFF:
        _no()


# --- object identifiers -----------------------------------------------------------------------


def oid_bytes(dotted: str) -> bytes:
    """The DER content of a dotted OID (for the tables below, built once at import)."""
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def _oid(buf: bytes, s: int, e: int) -> bytes:
    """A valid OID's content bytes: 1-63 bytes, each arc minimal and at most 8 bytes long."""
    raw = buf[s:e]
    if raw in _KNOWN_OIDS:
        return raw
    if not 0 < len(raw) <= 63 or raw[-1] & 0x80:
        _no()
    run = 0
    for b in raw:
        if run == 0 and b == 0x80:  # a leading zero septet
            _no()
        run = run + 1 if b & 0x80 else 0
        if run > 7:
            _no()
    return raw


def dotted(raw: bytes) -> str:
    """The dotted text of OID content bytes (the first arc split as X.690 says)."""
    arcs: list[int] = []
    value = 0
    for b in raw:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = f"{first // 40}.{first % 40}" if first < 80 else f"2.{first - 80}"
    return ".".join([head, *map(str, arcs[1:])])


# RFC 4514 short names that cryptography writes (x509.name._NAMEOID_TO_NAME); others are dotted.
_ATTR_NAMES = {
    oid_bytes(d): n
    for d, n in (
        ("2.5.4.3", "CN"),
        ("2.5.4.7", "L"),
        ("2.5.4.8", "ST"),
        ("2.5.4.10", "O"),
        ("2.5.4.11", "OU"),
        ("2.5.4.6", "C"),
        ("2.5.4.9", "STREET"),
        ("0.9.2342.19200300.100.1.25", "DC"),
        ("0.9.2342.19200300.100.1.1", "UID"),
    )
}

# Signature algorithms read here: cryptography's name for each (``ObjectIdentifier._name``) and
# whether a NULL parameter is accepted beside an absent one.  ECDSA with NULL parameters only
# loads with a deprecation warning, and EdDSA forbids parameters: both are left to cryptography.
_SIG_ALGS = {
    oid_bytes(d): (n, null_ok)
    for d, n, null_ok in (
        ("1.2.840.113549.1.1.4", "md5WithRSAEncryption", True),
        ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", True),
        ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption", True),
        ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", True),
        ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", True),
        ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", True),
        ("1.2.840.10045.4.1", "ecdsa-with-SHA1", False),
        ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", False),
        ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", False),
        ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", False),
        ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", False),
        ("1.3.101.112", "ed25519", False),
        ("1.3.101.113", "ed448", False),
    )
}

_RSA = oid_bytes("1.2.840.113549.1.1.1")
_EC = oid_bytes("1.2.840.10045.2.1")
_ED25519 = oid_bytes("1.3.101.112")
_ED448 = oid_bytes("1.3.101.113")

# Named curves checked here: (cryptography's curve name, p, b); all three have a = -3.
_CURVES = {
    oid_bytes("1.2.840.10045.3.1.7"): (
        "secp256r1",
        2**256 - 2**224 + 2**192 + 2**96 - 1,
        0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    ),
    oid_bytes("1.3.132.0.34"): (
        "secp384r1",
        2**384 - 2**128 - 2**96 + 2**32 - 1,
        int(
            "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
            "C656398D8A2ED19D2A85C8EDD3EC2AEF",
            16,
        ),
    ),
    oid_bytes("1.3.132.0.35"): (
        "secp521r1",
        2**521 - 1,
        int(
            "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
            "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B50"
            "3F00",
            16,
        ),
    ),
}

_SKI = oid_bytes("2.5.29.14")
_KU = oid_bytes("2.5.29.15")
_SAN = oid_bytes("2.5.29.17")
_BC = oid_bytes("2.5.29.19")
_CRLDP = oid_bytes("2.5.29.31")
_CP = oid_bytes("2.5.29.32")
_AKI = oid_bytes("2.5.29.35")
_EKU = oid_bytes("2.5.29.37")
_AIA = oid_bytes("1.3.6.1.5.5.7.1.1")
_SCT = oid_bytes("1.3.6.1.4.1.11129.2.4.2")
_CPS = oid_bytes("1.3.6.1.5.5.7.2.1")

# Extensions cryptography parses (and may reject) that are not read here: a certificate with one
# is declined.  Whole arcs are listed where new parsed extensions would appear (id-ce, CT, OCSP);
# anything else cryptography keeps as an unparsed ``UnrecognizedExtension``.
_DECLINED_EXT_PREFIXES = tuple(
    oid_bytes(d)
    for d in (
        "2.5.29",  # id-ce: every standard extension
        "1.3.6.1.5.5.7.1.11",  # subjectInfoAccess
        "1.3.6.1.5.5.7.1.24",  # TLS feature (must-staple)
        "1.3.6.1.5.5.7.48.1",  # OCSP: nonce, no-check, acceptable responses
        "1.3.6.1.4.1.11129.2.4",  # certificate transparency
        "1.3.6.1.4.1.311.21",  # Microsoft: certificate template
        "1.3.36.8.3.3",  # admissions
    )
)

# OIDs known valid, so that _oid need not re-check them byte by byte.
_KNOWN_OIDS = frozenset(
    (*_ATTR_NAMES, *_SIG_ALGS, *_CURVES, _RSA, _EC, _ED25519, _ED448, _CPS, _SKI, _KU, _SAN)
).union((_BC, _CRLDP, _CP, _AKI, _EKU, _AIA, _SCT))


# --- names ------------------------------------------------------------------------------------

# PrintableString's alphabet (X.680 41.4): other bytes are declined rather than guessed about.
_PRINTABLE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
_VISIBLE = frozenset(range(0x20, 0x7F))


def _attr_value(buf: bytes, tag: int, s: int, e: int) -> str:
    """The text cryptography gives a name attribute value, for the string types read here."""
    raw = buf[s:e]
    if tag == 0x0C:  # UTF8String: decoded as UTF-8 by both (surrogates and overlongs refused)
        return raw.decode("utf-8")
    if tag == 0x13:  # PrintableString
        if not _PRINTABLE.issuperset(raw):
            _no()
        return raw.decode("ascii")
    if tag in (0x16, 0x14, 0x1A):  # IA5String, T61String, VisibleString: ASCII text only
        if not _VISIBLE.issuperset(raw):
            _no()
        return raw.decode("ascii")
    if tag == 0x1E:  # BMPString: decoded by Python's own codec on both paths
        return raw.decode("utf-16-be")
    _no()


def _escape(val: str) -> str:
    """RFC 4514 escaping exactly as cryptography's ``_escape_dn_value`` does it."""
    if not val:
        return ""
    val = val.replace("\\", "\\\\")
    val = val.replace('"', '\\"')
    val = val.replace("+", "\\+")
    val = val.replace(",", "\\,")
    val = val.replace(";", "\\;")
    val = val.replace("<", "\\<")
    val = val.replace(">", "\\>")
    val = val.replace("\0", "\\00")
    if val[0] == "#" or (val[0] == " " and len(val) > 1):
        val = "\\" + val
    if val[-1] == " ":
        val = val[:-1] + "\\ "
    return val


_NameKey = tuple[frozenset[tuple[bytes, str]], ...]


def _name(buf: bytes, s: int, e: int) -> tuple[str, _NameKey]:
    """A Name's RFC 4514 text (RDNs reversed, ``+`` inside one) and a key that is equal exactly
    when cryptography's ``Name.__eq__`` says two names are (RDN by RDN, as sets of attributes)."""
    rdns: list[str] = []
    key: list[frozenset[tuple[bytes, str]]] = []
    for tag, rs, re_ in _items(buf, s, e):
        if tag != 0x31:
            _no()
        attrs = _items(buf, rs, re_)
        if not attrs:  # cryptography refuses an empty RDN
            _no()
        parts: list[str] = []
        members: set[tuple[bytes, str]] = set()
        previous = b""
        start = rs  # where the current attribute's encoding (header included) begins
        for atag, as_, ae in attrs:
            if atag != 0x30:
                _no()
            if len(attrs) > 1:  # DER SET OF: whole encodings strictly ascending
                encoded = buf[start:ae]
                if encoded <= previous:
                    _no()
                previous = encoded
            start = ae
            ts, te = _expect(buf, as_, ae, 0x06)
            oid = _oid(buf, ts, te)
            vtag, vs, ve = _tlv(buf, te, ae)
            if ve != ae:
                _no()
            value = _attr_value(buf, vtag, vs, ve)
            if (oid, value) in members:  # cryptography: "duplicate attributes are not allowed"
                _no()
            members.add((oid, value))
            name = _ATTR_NAMES.get(oid) or dotted(oid)
            parts.append(f"{name}={_escape(value)}")
        rdns.append("+".join(parts))
        key.append(frozenset(members))
    return ",".join(reversed(rdns)), tuple(key)


# --- times, keys ------------------------------------------------------------------------------


def _time(buf: bytes, pos: int, end: int) -> tuple[datetime, int]:
    """A UTCTime or GeneralizedTime in the one form RFC 5280 allows (seconds, ``Z``)."""
    tag, s, e = _tlv(buf, pos, end)
    raw = buf[s:e]
    if tag == 0x17 and len(raw) == 13 and raw[12] == 0x5A and raw[:12].isdigit():
        yy = int(raw[:2])
        year, rest = (1900 + yy if yy >= 50 else 2000 + yy), raw[2:12]
    elif tag == 0x18 and len(raw) == 15 and raw[14] == 0x5A and raw[:14].isdigit():
        year, rest = int(raw[:4]), raw[4:14]
        if year < 1950:
            _no()
    else:
        _no()
    month, day, hour, minute, second = (int(rest[i : i + 2]) for i in range(0, 10, 2))
    try:  # the same UTC datetime cryptography builds (tzinfo: datetime.UTC itself)
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # day 31 of a 30-day month, second 60...
        _no()
    return when, e


def _signature_algorithm(buf: bytes, s: int, e: int) -> tuple[bytes, bool]:
    """(OID, whether a NULL parameter follows) of a signature AlgorithmIdentifier; any other
    parameter (RSA-PSS's, a stray value) is declined."""
    items = _items(buf, s, e)
    if not 1 <= len(items) <= 2 or items[0][0] != 0x06:
        _no()
    oid = _oid(buf, items[0][1], items[0][2])
    if len(items) == 1:
        return oid, False
    tag, ps, pe = items[1]
    if tag != 0x05 or ps != pe:
        _no()
    return oid, True


def _key(buf: bytes, s: int, e: int) -> str:
    """The key description x509._key writes, for RSA, P-256/384/521 and EdDSA keys."""
    alg_tag, als, ale = _tlv(buf, s, e)
    if alg_tag != 0x30:
        _no()
    ks, ke = _expect(buf, ale, e, 0x03)
    if ke != e:
        _no()
    _bit_string_ok(buf, ks, ke)
    if buf[ks] != 0:
        _no()
    ks += 1
    items = _items(buf, als, ale)
    if not 1 <= len(items) <= 2 or items[0][0] != 0x06:
        _no()
    alg = _oid(buf, items[0][1], items[0][2])
    params = items[1] if len(items) == 2 else None
    if alg == _RSA:
        if params is not None and (params[0] != 0x05 or params[1] != params[2]):
            _no()
        ss, se = _expect(buf, ks, ke, 0x30)
        if se != ke:
            _no()
        ns, ne = _expect(buf, ss, se, 0x02)
        es, ee = _expect(buf, ne, se, 0x02)
        if ee != se:
            _no()
        n, exponent = _uint(buf, ns, ne), _uint(buf, es, ee)
        # Odd keys (tiny moduli, even or tiny exponents) are left to cryptography/OpenSSL.
        if n.bit_length() < 512 or exponent < 3 or not exponent & 1:
            _no()
        return f"RSA {n.bit_length()}"
    if alg == _EC:
        if params is None or params[0] != 0x06:
            _no()
        curve = _CURVES.get(buf[params[1] : params[2]])
        if curve is None:
            _no()
        name, p, b = curve
        size = (p.bit_length() + 7) // 8
        # Uncompressed points only; OpenSSL refuses coordinates >= p and points off the curve.
        if ke - ks != 1 + 2 * size or buf[ks] != 4:
            _no()
        x = int.from_bytes(buf[ks + 1 : ks + 1 + size], "big")
        y = int.from_bytes(buf[ks + 1 + size : ke], "big")
        if x >= p or y >= p or (y * y - (x * x * x - 3 * x + b)) % p:
            _no()
        return f"EC {name}"
    if params is not None:
        _no()
    if alg == _ED25519 and ke - ks == 32:
        return "Ed25519"
    if alg == _ED448 and ke - ks == 57:
        return "Ed448"
    _no()


# --- extensions -------------------------------------------------------------------------------


def _text(buf: bytes, s: int, e: int) -> str:
    """An IA5String-typed GeneralName: cryptography only requires valid UTF-8."""
    return buf[s:e].decode("utf-8")


def _general_name(buf: bytes, tag: int, s: int, e: int) -> tuple[int, str]:
    """(tag, text) of a GeneralName cryptography accepts as is: rfc822Name, dNSName, URI,
    iPAddress (a single address; a network is declined), registeredID, directoryName.
    otherName, x400Address and ediPartyName are declined."""
    if tag in (0x81, 0x82, 0x86):
        return tag, _text(buf, s, e)
    if tag == 0x87:
        if e - s == 4:
            return tag, ".".join(str(b) for b in buf[s:e])
        if e - s == 16:
            import ipaddress  # only for an IPv6 SAN: the same text cryptography's path writes

            return tag, str(ipaddress.IPv6Address(buf[s:e]))
        _no()
    if tag == 0x88:
        _oid(buf, s, e)
        return tag, ""
    if tag == 0xA4:  # directoryName: [4] EXPLICIT Name, held to the subject's rules
        ns, ne = _expect(buf, s, e, 0x30)
        if ne != e:
            _no()
        _name(buf, ns, ne)
        return tag, ""
    _no()


def _general_names(buf: bytes, s: int, e: int) -> list[tuple[int, str]]:
    items = _items(buf, s, e)
    if not items:  # GeneralNames is SIZE (1..MAX); cryptography 46+ refuses an empty one
        _no()
    return [_general_name(buf, t, gs, ge) for t, gs, ge in items]


def _only_sequence(buf: bytes, s: int, e: int) -> list[tuple[int, int, int]]:
    """The non-empty elements of the one SEQUENCE that fills an extension value."""
    ss, se = _expect(buf, s, e, 0x30)
    if se != e:
        _no()
    items = _items(buf, ss, se)
    if not items:
        _no()
    return items


def _basic_constraints(buf: bytes, s: int, e: int) -> bool:
    ss, se = _expect(buf, s, e, 0x30)
    if se != e:
        _no()
    items = _items(buf, ss, se)
    if not items:
        return False
    tag, bs, be = items[0]
    if tag != 0x01:  # a path length without cA: cryptography refuses it
        _no()
    _true(buf, bs, be)
    if len(items) == 2:
        tag, ps, pe = items[1]
        if tag != 0x02 or _uint(buf, ps, pe) >= 1 << 64:
            _no()
    elif len(items) > 2:
        _no()
    return True


def _key_usage(buf: bytes, s: int, e: int) -> None:
    bs, be = _expect(buf, s, e, 0x03)
    if be != e:
        _no()
    _bit_string_ok(buf, bs, be)
    bits = buf[bs + 1 : be]

    def bit(n: int) -> bool:
        return n // 8 < len(bits) and bool(bits[n // 8] & (0x80 >> (n % 8)))

    # cryptography's KeyUsage refuses encipherOnly/decipherOnly without keyAgreement.
    if (bit(7) or bit(8)) and not bit(4):
        _no()


def _authority_key_id(buf: bytes, s: int, e: int) -> None:
    ss, se = _expect(buf, s, e, 0x30)
    if se != e:
        _no()
    items = _items(buf, ss, se)
    # Only the key identifier: issuer and serial must come together (cryptography checks).
    if len(items) > 1 or (items and items[0][0] != 0x80):
        _no()


def _access_descriptions(buf: bytes, s: int, e: int) -> None:
    for tag, ds, de in _only_sequence(buf, s, e):
        if tag != 0x30:
            _no()
        ms, me = _expect(buf, ds, de, 0x06)
        _oid(buf, ms, me)
        gtag, gs, ge = _tlv(buf, me, de)
        if ge != de:
            _no()
        _general_name(buf, gtag, gs, ge)


def _distribution_points(buf: bytes, s: int, e: int) -> None:
    """Distribution points that hold a full name only (reasons, CRL issuers, relative names
    bring cryptography's consistency checks with them and are declined)."""
    for tag, ds, de in _only_sequence(buf, s, e):
        if tag != 0x30:
            _no()
        ns, ne = _expect(buf, ds, de, 0xA0)
        if ne != de:
            _no()
        fs, fe = _expect(buf, ns, ne, 0xA0)
        if fe != ne:
            _no()
        _general_names(buf, fs, fe)


def _policies(buf: bytes, s: int, e: int) -> None:
    """Policies with no qualifier or CPS URIs only (user notices are declined)."""
    for tag, ps, pe in _only_sequence(buf, s, e):
        if tag != 0x30:
            _no()
        os_, oe = _expect(buf, ps, pe, 0x06)
        _oid(buf, os_, oe)
        if oe == pe:
            continue
        qs, qe = _expect(buf, oe, pe, 0x30)
        if qe != pe:
            _no()
        qualifiers = _items(buf, qs, qe)
        if not qualifiers:
            _no()
        for qtag, is_, ie in qualifiers:
            if qtag != 0x30:
                _no()
            ids, ide = _expect(buf, is_, ie, 0x06)
            if buf[ids:ide] != _CPS:
                _no()
            us, ue = _expect(buf, ide, ie, 0x16)
            if ue != ie or not buf[us:ue].isascii():
                _no()


def _scts(buf: bytes, s: int, e: int) -> None:
    """A TLS-encoded SCT list (RFC 6962) inside an OCTET STRING, read as cryptography reads it
    but with no slack: every length must fill its container exactly."""
    os_, oe = _expect(buf, s, e, 0x04)
    if oe != e or oe - os_ < 2 or int.from_bytes(buf[os_ : os_ + 2], "big") != oe - os_ - 2:
        _no()
    pos = os_ + 2
    while pos < oe:
        if pos + 2 > oe:
            _no()
        n = int.from_bytes(buf[pos : pos + 2], "big")
        pos += 2
        stop = pos + n
        # The smallest SCT: version 0, log id (32), timestamp (8), extensions' length (2),
        # hash and signature algorithms (1 + 1), signature length (2).
        if stop > oe or n < 47 or buf[pos] != 0:
            _no()
        p = pos + 41
        p += 2 + int.from_bytes(buf[p : p + 2], "big")
        # hash (md5..sha512 = 1..6) and signature (rsa, dsa, ecdsa = 1..3) algorithms
        if p + 4 > stop or not 1 <= buf[p] <= 6 or not 1 <= buf[p + 1] <= 3:
            _no()
        p += 2
        p += 2 + int.from_bytes(buf[p : p + 2], "big")
        if p != stop:
            _no()
        pos = stop


def _extensions(buf: bytes, s: int, e: int) -> tuple[list[str], int, bool | None]:
    """(SAN DNS/IP texts kept, their count, cA) after checking every extension cryptography
    would parse; anything it might refuse is declined, since one refusal empties both."""
    seen: set[bytes] = set()
    san: list[str] = []
    total = 0
    is_ca: bool | None = None
    for tag, xs, xe in _only_sequence(buf, s, e):
        if tag != 0x30:
            _no()
        items = _items(buf, xs, xe)
        if not 2 <= len(items) <= 3 or items[0][0] != 0x06:
            _no()
        oid = _oid(buf, items[0][1], items[0][2])
        if oid in seen:  # cryptography: DuplicateExtension
            _no()
        seen.add(oid)
        if len(items) == 3:
            if items[1][0] != 0x01:
                _no()
            _true(buf, items[1][1], items[1][2])
        vtag, vs, ve = items[-1]
        if vtag != 0x04:
            _no()
        if oid == _SAN:
            ss, se = _expect(buf, vs, ve, 0x30)
            if se != ve:
                _no()
            for gtag, text in _general_names(buf, ss, se):
                if gtag in (0x82, 0x87):
                    total += 1
                    if len(san) < MAX_SAN:
                        san.append(text)
        elif oid == _BC:
            is_ca = _basic_constraints(buf, vs, ve)
        elif oid == _KU:
            _key_usage(buf, vs, ve)
        elif oid == _SKI:
            ss, se = _expect(buf, vs, ve, 0x04)
            if se != ve:
                _no()
        elif oid == _AKI:
            _authority_key_id(buf, vs, ve)
        elif oid == _EKU:
            for etag, es, ee in _only_sequence(buf, vs, ve):
                if etag != 0x06:
                    _no()
                _oid(buf, es, ee)
        elif oid == _AIA:
            _access_descriptions(buf, vs, ve)
        elif oid == _CRLDP:
            _distribution_points(buf, vs, ve)
        elif oid == _CP:
            _policies(buf, vs, ve)
        elif oid == _SCT:
            _scts(buf, vs, ve)
        elif oid.startswith(_DECLINED_EXT_PREFIXES):
            _no()
        # any other extension is kept unparsed by cryptography too
    return san, total, is_ca


# --- the certificate --------------------------------------------------------------------------


def summarize(der: bytes) -> CertificateInfo | None:
    """The summary cryptography's path would give, or None when this reader is not sure.

    Never raises; bounded work: one pass over the bytes plus one modular check per EC key.
    """
    try:
        return _certificate(der)
    except Exception:  # _Decline, and anything unforeseen: cryptography decides
        return None


def _certificate(der: bytes) -> CertificateInfo:
    end = len(der)
    cs, ce = _expect(der, 0, end, 0x30)
    if ce != end:  # trailing bytes after the certificate
        _no()
    parts = _items(der, cs, ce)
    if len(parts) != 3 or parts[0][0] != 0x30 or parts[1][0] != 0x30 or parts[2][0] != 0x03:
        _no()
    (_, ts, te), (_, os_, oe), (_, ss, se) = parts
    _bit_string_ok(der, ss, se)
    fields = _items(der, ts, te)
    i = 0
    version = 0
    if fields and fields[0][0] == 0xA0:
        vs, ve = _expect(der, fields[0][1], fields[0][2], 0x02)
        if ve != fields[0][2] or der[vs:ve] != b"\x02":  # only v3 is written out (v1 is default)
            _no()
        version, i = 2, 1
    if len(fields) < i + 6:
        _no()
    (stag, sers, sere), (atag, als, ale), (itag, iss, ise) = fields[i : i + 3]
    (vtag, vas, vae), (subtag, subs, sube), (ktag, ks, ke) = fields[i + 3 : i + 6]
    if (stag, atag, itag, vtag, subtag, ktag) != (0x02, 0x30, 0x30, 0x30, 0x30, 0x30):
        _no()
    rest = fields[i + 6 :]
    if rest and (version != 2 or len(rest) != 1 or rest[0][0] != 0xA3):
        _no()  # unique identifiers, extensions in a v1 certificate, anything after them
    if sere - sers > 32:  # RFC 5280 allows 20 bytes; longer ones are left to cryptography
        _no()
    serial = _uint(der, sers, sere)
    # The inner signature algorithm must equal the outer one byte for byte.
    outer = der[os_:oe]
    if der[als:ale] != outer:
        _no()
    sig_oid, sig_null = _signature_algorithm(der, os_, oe)
    sig = _SIG_ALGS.get(sig_oid)
    if sig is None or (sig_null and not sig[1]):
        _no()
    subject, subject_key = _name(der, subs, sube)
    issuer, issuer_key = _name(der, iss, ise)
    if subject == issuer or subject_key == issuer_key:  # self_signed needs the signature check
        _no()
    not_before, pos = _time(der, vas, vae)
    not_after, pos = _time(der, pos, vae)
    if pos != vae:
        _no()
    key = _key(der, ks, ke)
    san: list[str] = []
    total = 0
    is_ca: bool | None = None
    if rest:  # [3] EXPLICIT: one SEQUENCE OF Extension fills it
        san, total, is_ca = _extensions(der, rest[0][1], rest[0][2])
    return CertificateInfo(
        subject=subject,
        issuer=issuer,
        not_before=not_before,
        not_after=not_after,
        san=san,
        self_signed=False,
        serial=f"{serial:x}",
        key=key,
        signature_algorithm=sig[0],
        is_ca=is_ca,
        length=end,
        san_total=total,
        explicit_ec_params=EC_EXPLICIT in der,
    )
