"""Decoders for handshake message bodies (the bytes after the 4-byte handshake header).

Every length on the wire is checked against what is left before it is used, so a lying or
truncated message raises ``DecodeError`` with a short reason and never ``IndexError`` or
``struct.error``.  Nothing is sanitised here: names are decoded as UTF-8 with invalid bytes
escaped, and ``tlstui.textsafe`` makes them safe for a screen later.  GREASE values are kept in
every list, in wire order.
"""

from __future__ import annotations

import struct
import warnings
from typing import TYPE_CHECKING

from tlstui.tls.der import dotted
from tlstui.tls.model import (
    CertificateInfo,
    CertificateMsg,
    CertificateRequest,
    ClientHello,
    Extension,
    NewSessionTicket,
    ServerHello,
    ServerKeyExchange,
)
from tlstui.tls.names import extension_name, kex_of_suite

if TYPE_CHECKING:
    from cryptography import x509

# cryptography (x509 parsing) is imported where a certificate or a distinguished name is
# met, not at start-up: most of a large capture, and many small ones, never need it.

__all__ = [
    "HRR_RANDOM",
    "MAX_CA_NAMES",
    "MAX_CERTS",
    "DecodeError",
    "alpn_of_extensions",
    "decode_certificate",
    "decode_certificate_request",
    "decode_client_hello",
    "decode_new_session_ticket",
    "decode_server_hello",
    "decode_server_key_exchange",
    "decode_sslv2_client_hello",
    "dn_to_string",
]

# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")
_DOWNGRADE = {b"DOWNGRD\x01": "TLS 1.2", b"DOWNGRD\x00": "TLS 1.1 or below"}

MAX_CERTS = 20  # certificates summarised per message; the rest are only counted
MAX_CA_NAMES = 50  # distinguished names decoded per CertificateRequest

# Extension codes used below.
_SNI, _GROUPS, _POINT_FORMATS, _SIG_ALGS, _ALPN = 0, 10, 11, 13, 16
_SESSION_TICKET, _PSK, _EARLY_DATA, _VERSIONS, _CAS = 35, 41, 42, 43, 47
_KEY_SHARES = (51, 40)  # 40 was key_share in TLS 1.3 drafts up to 22

_unpack_u16s = struct.unpack
_DTLS_VERSIONS = frozenset({0xFEFF, 0xFEFD, 0xFEFC, 0x0100})
_SIGNED_PARAMS_WITH_ALG = frozenset({0x0303, 0xFEFD})  # TLS 1.2 / DTLS 1.2 name the sigalg


class DecodeError(ValueError):
    """A handshake message that does not parse; the text says where and why."""


class _Reader:
    """Bounds-checked reads over a byte buffer, without copying until asked."""

    __slots__ = ("buf", "end", "pos", "what")

    def __init__(self, buf: bytes | memoryview, what: str) -> None:
        self.buf = buf if isinstance(buf, memoryview) else memoryview(buf)
        self.pos = 0
        self.end = len(self.buf)
        self.what = what

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def _short(self, n: int, field: str) -> DecodeError:
        return DecodeError(f"{self.what}: {field} needs {n} bytes, {self.end - self.pos} remaining")

    def u8(self, field: str) -> int:
        p = self.pos
        if p >= self.end:
            raise self._short(1, field)
        self.pos = p + 1
        return self.buf[p]

    def u16(self, field: str) -> int:
        p = self.pos
        if p + 2 > self.end:
            raise self._short(2, field)
        self.pos = p + 2
        b = self.buf
        return (b[p] << 8) | b[p + 1]

    def u24(self, field: str) -> int:
        p = self.pos
        if p + 3 > self.end:
            raise self._short(3, field)
        self.pos = p + 3
        b = self.buf
        return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2]

    def u32(self, field: str) -> int:
        p = self.pos
        if p + 4 > self.end:
            raise self._short(4, field)
        self.pos = p + 4
        return int.from_bytes(self.buf[p : p + 4], "big")

    def take(self, n: int, field: str) -> memoryview:
        p = self.pos
        if p + n > self.end:
            raise self._short(n, field)
        self.pos = p + n
        return self.buf[p : p + n]

    def vec(self, len_bytes: int, field: str) -> memoryview:
        """A length-prefixed vector (1, 2 or 3 length bytes)."""
        p, b, end = self.pos, self.buf, self.end
        if p + len_bytes > end:
            raise self._short(len_bytes, field + " length")
        if len_bytes == 2:
            n = (b[p] << 8) | b[p + 1]
        elif len_bytes == 1:
            n = b[p]
        else:
            n = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2]
        p += len_bytes
        if n > end - p:
            raise DecodeError(f"{self.what}: {field} length {n} exceeds {end - p} remaining")
        self.pos = p + n
        return b[p : p + n]


# Hellos from one client stack repeat the same lists and extensions on every connection, so
# equal small values are decoded once and shared between the hellos that carry them (a
# capture of 20,000 sessions holds a few dozen distinct ones).  Shared values are never
# mutated: the decoders build new lists, and nothing downstream appends to a hello's.
# Each table is emptied when it reaches _INTERN_MAX entries, which bounds it on hostile input.
_INTERN_MAX = 4096
_INTERN_BYTES = 512  # longer values (certificates, key shares, padding) are not shared
# Fresh on every connection (key shares, PSK identities, tickets, ECH): never shared.
_UNIQUE_EXTENSIONS = frozenset({51, 40, 41, 35, 0xFE0D})
_lists: dict[bytes, list[int]] = {}
_extensions: dict[tuple[int, bytes], Extension] = {}


def _u16_list(data: memoryview, what: str) -> list[int]:
    n = len(data)
    if n % 2:
        raise DecodeError(f"{what}: odd length {n} for a list of 16-bit values")
    if n > _INTERN_BYTES:
        return list(_unpack_u16s(f">{n >> 1}H", data))
    raw = bytes(data)
    found = _lists.get(raw)
    if found is None:
        if len(_lists) >= _INTERN_MAX:
            _lists.clear()
        found = _lists[raw] = list(_unpack_u16s(f">{n >> 1}H", raw))
    return found


def _extension(etype: int, data: memoryview) -> Extension:
    """The Extension for (etype, data), shared with earlier hellos when small."""
    if len(data) > _INTERN_BYTES or etype in _UNIQUE_EXTENSIONS:
        return Extension(etype, bytes(data))
    key = (etype, bytes(data))
    found = _extensions.get(key)
    if found is None:
        if len(_extensions) >= _INTERN_MAX:
            _extensions.clear()
        found = _extensions[key] = Extension(etype, key[1])
    return found


def _text(data: memoryview | bytes) -> str:
    return bytes(data).decode("utf-8", errors="backslashreplace")


def _read_extensions(r: _Reader) -> list[Extension]:
    """The extensions block at the end of a hello; absent (no bytes left) means none."""
    if r.remaining == 0:
        return []
    buf = r.vec(2, "extensions")
    end = len(buf)
    pos = 0
    exts: list[Extension] = []
    while pos < end:  # the hot loop of every hello: plain locals, no helper calls
        if end - pos < 4:
            raise DecodeError(f"{r.what}: extension header needs 4 bytes, {end - pos} remaining")
        etype = (buf[pos] << 8) | buf[pos + 1]
        n = (buf[pos + 2] << 8) | buf[pos + 3]
        pos += 4
        if n > end - pos:
            raise DecodeError(
                f"{r.what}: extension 0x{etype:04x} length {n} exceeds {end - pos} remaining"
            )
        exts.append(_extension(etype, buf[pos : pos + n]))
        pos += n
    return exts


def _ext_reader(ext: Extension) -> _Reader:
    return _Reader(ext.data, f"{extension_name(ext.type)} extension")


# --- ClientHello ------------------------------------------------------------------------------


def decode_client_hello(body: bytes, record_version: int) -> ClientHello:
    """Decode a ClientHello (TLS or DTLS) and the extensions the diagnosis looks at."""
    r = _Reader(body, "ClientHello")
    legacy_version = r.u16("client_version")
    random = bytes(r.take(32, "random"))
    session_id = bytes(r.vec(1, "session_id"))
    if legacy_version in _DTLS_VERSIONS:
        r.vec(1, "cookie")  # DTLS HelloVerifyRequest cookie
    cipher_suites = _u16_list(r.vec(2, "cipher_suites"), "ClientHello cipher_suites")
    compression_methods = list(r.vec(1, "compression_methods"))
    extensions = _read_extensions(r)
    ch = ClientHello(
        legacy_version=legacy_version,
        record_version=record_version,
        random=random,
        session_id=session_id,
        cipher_suites=cipher_suites,
        compression_methods=compression_methods,
        extensions=extensions,
        length=len(body),
    )
    for ext in extensions:
        _client_extension(ch, ext)
    return ch


def _client_extension(ch: ClientHello, ext: Extension) -> None:
    t = ext.type
    if t == _SNI:
        if ch.sni is None:
            ch.sni = _sni(ext)
    elif t == _GROUPS:
        ch.supported_groups = _u16_list(
            _ext_reader(ext).vec(2, "named_group_list"), "supported_groups"
        )
    elif t == _POINT_FORMATS:
        ch.ec_point_formats = list(_ext_reader(ext).vec(1, "ec_point_format_list"))
    elif t == _SIG_ALGS:
        ch.signature_algorithms = _u16_list(
            _ext_reader(ext).vec(2, "supported_signature_algorithms"), "signature_algorithms"
        )
    elif t == _ALPN:
        ch.alpn = _alpn(ext)
    elif t == _VERSIONS:
        ch.supported_versions = _u16_list(_ext_reader(ext).vec(1, "versions"), "supported_versions")
    elif t in _KEY_SHARES:
        shares = _Reader(_ext_reader(ext).vec(2, "client_shares"), "key_share extension")
        groups: list[int] = []
        while shares.remaining:
            groups.append(shares.u16("group"))
            shares.vec(2, "key_exchange")
        ch.key_share_groups = groups
    elif t == _PSK:
        ch.psk_offered = True
    elif t == _EARLY_DATA:
        ch.early_data = True
    elif t == _SESSION_TICKET:
        ch.session_ticket = ext.data


def _sni(ext: Extension) -> str | None:
    names = _Reader(_ext_reader(ext).vec(2, "server_name_list"), "server_name extension")
    while names.remaining:
        name_type = names.u8("name_type")
        name = names.vec(2, "host_name")
        if name_type == 0:
            return _text(name)
    return None


def _alpn(ext: Extension) -> list[str]:
    protos = _Reader(_ext_reader(ext).vec(2, "protocol_name_list"), "ALPN extension")
    out: list[str] = []
    while protos.remaining:
        out.append(_text(protos.vec(1, "protocol_name")))
    return out


def decode_sslv2_client_hello(record: bytes) -> ClientHello:
    """Decode an SSLv2-format ClientHello record (RFC 6101 E.1, RFC 5246 E.2).

    ``record`` starts at the SSLv2 record header (``80 xx`` or the 3-byte padded form).
    The result has ``sslv2_format=True`` and ``record_version=0x0002`` (the record layer is
    SSL 2.0 whatever version the hello asks for; ``legacy_version`` holds that, e.g. 0x0301
    for a TLS 1.0 client in compatibility mode).  Cipher specs 0x00XXYY become TLS code
    0xXXYY; SSLv2-only specs keep their 24-bit value.  The challenge is right-aligned in a
    zero-filled 32-byte ``random``, as TLS servers treat it.
    """
    r = _Reader(record, "SSLv2 ClientHello")
    b0 = r.u8("record header")
    b1 = r.u8("record header")
    if b0 & 0x80:
        length = ((b0 & 0x7F) << 8) | b1
    else:
        length = ((b0 & 0x3F) << 8) | b1
        r.u8("record padding")
    if length > r.remaining:
        raise DecodeError(
            f"SSLv2 ClientHello: record length {length} exceeds {r.remaining} remaining"
        )
    r = _Reader(r.take(length, "record"), "SSLv2 ClientHello")
    msg_type = r.u8("msg_type")
    if msg_type != 1:
        raise DecodeError(f"SSLv2 ClientHello: message type {msg_type} is not client_hello")
    version = r.u16("version")
    spec_len = r.u16("cipher_spec_length")
    sid_len = r.u16("session_id_length")
    chal_len = r.u16("challenge_length")
    if spec_len % 3:
        raise DecodeError(
            f"SSLv2 ClientHello: cipher_spec_length {spec_len} is not a multiple of 3"
        )
    if chal_len > 32:
        raise DecodeError(f"SSLv2 ClientHello: challenge_length {chal_len} exceeds 32")
    specs = r.take(spec_len, "cipher_specs")
    session_id = bytes(r.take(sid_len, "session_id"))
    challenge = bytes(r.take(chal_len, "challenge"))
    suites: list[int] = []
    for i in range(0, spec_len, 3):
        code = (specs[i] << 16) | (specs[i + 1] << 8) | specs[i + 2]
        suites.append(code)  # 0x00XXYY == TLS 0xXXYY, others stay 24-bit
    return ClientHello(
        legacy_version=version,
        record_version=0x0002,
        random=challenge.rjust(32, b"\x00"),
        session_id=session_id,
        cipher_suites=suites,
        compression_methods=[],
        extensions=[],
        sslv2_format=True,
        length=length,
    )


# --- ServerHello ------------------------------------------------------------------------------


def decode_server_hello(body: bytes, record_version: int) -> ServerHello:
    """Decode a ServerHello or HelloRetryRequest (also the TLS 1.3 draft <= 21 layout)."""
    r = _Reader(body, "ServerHello")
    legacy_version = r.u16("server_version")
    random = bytes(r.take(32, "random"))
    # Drafts 0x7f00-0x7f15 of TLS 1.3 dropped session_id and compression from ServerHello;
    # draft 22 brought them back for middlebox compatibility.
    old_draft = 0x7F00 <= legacy_version <= 0x7F15
    session_id = b"" if old_draft else bytes(r.vec(1, "session_id"))
    cipher_suite = r.u16("cipher_suite")
    compression = 0 if old_draft else r.u8("compression_method")
    extensions = _read_extensions(r)
    is_hrr = random == HRR_RANDOM
    sh = ServerHello(
        legacy_version=legacy_version,
        record_version=record_version,
        random=random,
        session_id=session_id,
        cipher_suite=cipher_suite,
        compression_method=compression,
        extensions=extensions,
        is_hrr=is_hrr,
        downgrade_sentinel=None if is_hrr else _DOWNGRADE.get(random[24:]),
    )
    for ext in extensions:
        t = ext.type
        if t == _VERSIONS:
            sh.selected_version = _ext_reader(ext).u16("selected_version")
        elif t in _KEY_SHARES:
            # HRR: just the requested group; ServerHello: group + key_exchange.
            sh.key_share_group = _ext_reader(ext).u16("group")
        elif t == _PSK:
            sh.psk_selected = True
        elif t == _ALPN:
            protos = _alpn(ext)
            sh.alpn = protos[0] if protos else None
    return sh


# --- Certificate ------------------------------------------------------------------------------


def decode_certificate(body: bytes, tls13: bool) -> CertificateMsg:
    """Decode a Certificate message; each certificate is summarised (never raises on DER).

    Only the first ``MAX_CERTS`` are summarised; the number of the others goes in
    ``CertificateMsg.omitted``.
    """
    r = _Reader(body, "Certificate")
    context = bytes(r.vec(1, "certificate_request_context")) if tls13 else b""
    entries = _Reader(r.vec(3, "certificate_list"), "Certificate")
    chain: list[CertificateInfo] = []
    omitted = 0
    from tlstui.tls.x509 import summarize_certificate  # cryptography: loaded when first met

    while entries.remaining:
        der = entries.vec(3, "cert_data")
        if tls13:
            entries.vec(2, "certificate extensions")
        if len(chain) < MAX_CERTS:
            chain.append(summarize_certificate(bytes(der)))
        else:
            omitted += 1
    return CertificateMsg(chain=chain, request_context=context, omitted=omitted)


# --- ServerKeyExchange ------------------------------------------------------------------------

_ECDH_PARAMS = {"ECDHE", "ECDH_anon", "ECDHE_PSK"}
_DH_PARAMS = {"DHE", "DH_anon", "DHE_PSK"}


def decode_server_key_exchange(body: bytes, cipher_suite: int, version: int) -> ServerKeyExchange:
    """Decode the key-exchange parameters the negotiated suite implies.

    ``kex`` is "ECDHE" (named_group set when the curve is named), "DHE" (dh_bits = prime
    size), "PSK" (identity hint only), "RSA" (export RSA key) or "unknown".  The signature
    algorithm is read for TLS 1.2 / DTLS 1.2, where it is on the wire.
    """
    family = kex_of_suite(cipher_suite)
    r = _Reader(body, "ServerKeyExchange")
    if family in ("PSK", "RSA_PSK", "DHE_PSK", "ECDHE_PSK"):
        r.vec(2, "psk_identity_hint")
        if family in ("PSK", "RSA_PSK"):
            return ServerKeyExchange(kex="PSK")
    signed = family not in ("ECDH_anon", "DH_anon", "ECDHE_PSK", "DHE_PSK")
    if family in _ECDH_PARAMS:
        ske = ServerKeyExchange(kex="ECDHE")
        curve_type = r.u8("curve_type")
        if curve_type != 3:  # explicit_prime / explicit_char2: not decoded further
            return ske
        ske.named_group = r.u16("named_curve")
        r.vec(1, "public point")
    elif family in _DH_PARAMS:
        ske = ServerKeyExchange(kex="DHE")
        p = r.vec(2, "dh_p")
        ske.dh_bits = int.from_bytes(p, "big").bit_length()
        r.vec(2, "dh_g")
        r.vec(2, "dh_Ys")
    elif family == "RSA":
        ske = ServerKeyExchange(kex="RSA")
        r.vec(2, "rsa_modulus")
        r.vec(2, "rsa_exponent")
    else:
        return ServerKeyExchange(kex="unknown")
    if signed and version in _SIGNED_PARAMS_WITH_ALG and r.remaining:
        ske.signature_algorithm = r.u16("signature algorithm")
        r.vec(2, "signature")
    return ske


# --- CertificateRequest -----------------------------------------------------------------------


def decode_certificate_request(
    body: bytes, tls13: bool, version: int | None = None
) -> CertificateRequest:
    """Decode a CertificateRequest: types and sigalgs (1.2) or extensions (1.3), and CA names.

    ``version`` (the negotiated one) matters for TLS <= 1.2 only: the signature algorithm list
    exists in TLS 1.2 and DTLS 1.2, not in SSL 3.0/TLS 1.0/1.1.  When it is not given, the 1.2
    layout is tried first and the older one if that does not parse.  Up to ``MAX_CA_NAMES``
    names are decoded to RFC 4514 strings; the count of the rest is ``ca_names_omitted``.
    """
    if tls13:
        r = _Reader(body, "CertificateRequest")
        req = CertificateRequest()
        r.vec(1, "certificate_request_context")
        for ext in _read_extensions(r):
            if ext.type == _SIG_ALGS:
                req.signature_algorithms = _u16_list(
                    _ext_reader(ext).vec(2, "supported_signature_algorithms"),
                    "signature_algorithms",
                )
            elif ext.type == _CAS:
                _read_ca_names(_ext_reader(ext), req)
        return req
    if version is None:
        try:
            return _certificate_request_12(body, with_sigalgs=True)
        except DecodeError:
            return _certificate_request_12(body, with_sigalgs=False)
    return _certificate_request_12(body, with_sigalgs=version in _SIGNED_PARAMS_WITH_ALG)


def _certificate_request_12(body: bytes, with_sigalgs: bool) -> CertificateRequest:
    r = _Reader(body, "CertificateRequest")
    req = CertificateRequest(certificate_types=list(r.vec(1, "certificate_types")))
    if with_sigalgs:
        req.signature_algorithms = _u16_list(
            r.vec(2, "supported_signature_algorithms"), "CertificateRequest signature algorithms"
        )
    if r.remaining:
        _read_ca_names(r, req)
    return req


def _read_ca_names(r: _Reader, req: CertificateRequest) -> None:
    names = _Reader(r.vec(2, "certificate_authorities"), r.what)
    while names.remaining:
        dn = names.vec(2, "distinguished name")
        if len(req.ca_names) < MAX_CA_NAMES:
            req.ca_names.append(dn_to_string(bytes(dn)))
        else:
            req.ca_names_omitted += 1


# X.520 string types that can appear in a Name, and how to read their bytes.
_STRING_CODECS = {
    0x0C: "utf-8",
    0x13: "ascii",
    0x16: "ascii",
    0x12: "ascii",
    0x1A: "ascii",
    0x14: "latin-1",
    0x1E: "utf-16-be",
    0x1C: "utf-32-be",
}


def dn_to_string(der: bytes) -> str:
    """RFC 4514 text of a DER Name (as in CertificateRequest); bad DER gives a hex note.

    cryptography has no public parser for a bare Name, so the fixed four levels (SEQUENCE of
    SET of SEQUENCE {OID, value}) are walked here and cryptography renders the text, the same
    way it renders certificate subjects.
    """
    from cryptography import x509  # loaded when a name is first met

    try:
        rdns: list[x509.RelativeDistinguishedName] = []
        for rdn_der in _der_items(_der_unwrap(der, 0x30)):
            attrs: list[x509.NameAttribute] = []
            for atv_tag, atv in _der_tlvs(_der_unwrap(rdn_der, 0x31)):
                if atv_tag != 0x30:
                    raise ValueError("attribute is not a SEQUENCE")
                parts = list(_der_tlvs(atv))
                if len(parts) != 2 or parts[0][0] != 0x06:
                    raise ValueError("bad AttributeTypeAndValue")
                oid = x509.ObjectIdentifier(_oid_text(parts[0][1]))
                vtag, vbytes = parts[1]
                codec = _STRING_CODECS.get(vtag)
                value = (
                    vbytes.decode(codec, errors="backslashreplace")
                    if codec
                    else "#" + bytes([vtag, len(vbytes)]).hex() + vbytes.hex()
                )
                attrs.append(_name_attribute(oid, value))
            if attrs:
                rdns.append(x509.RelativeDistinguishedName(attrs))
        return x509.Name(rdns).rfc4514_string()
    except Exception as exc:
        return f"<undecodable name {der[:16].hex()}{'…' if len(der) > 16 else ''}: {exc}>"


def _name_attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    """A NameAttribute without cryptography's length checks (as when it loads certificates):
    a capture may hold a 3-letter country name, and it should still be shown."""
    from cryptography import x509

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return x509.NameAttribute(oid, value, _validate=False)
        except TypeError:  # an older cryptography without _validate
            return x509.NameAttribute(oid, value)


def _der_header(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at pos; definite lengths only."""
    if pos + 2 > len(buf):
        raise ValueError("truncated DER")
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > len(buf):
            raise ValueError("bad DER length")
        n = int.from_bytes(buf[pos : pos + k], "big")
        pos += k
    if pos + n > len(buf):
        raise ValueError("DER length exceeds data")
    return tag, pos, pos + n


def _der_unwrap(buf: bytes, tag: int) -> bytes:
    t, start, end = _der_header(buf, 0)
    if t != tag:
        raise ValueError(f"expected DER tag 0x{tag:02x}, got 0x{t:02x}")
    return buf[start:end]


def _der_items(buf: bytes) -> list[bytes]:
    """The complete TLVs (header included) inside a constructed value."""
    out: list[bytes] = []
    pos = 0
    while pos < len(buf):
        _, _start, end = _der_header(buf, pos)
        out.append(buf[pos:end])
        pos = end
    return out


def _der_tlvs(buf: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(buf):
        tag, start, end = _der_header(buf, pos)
        out.append((tag, buf[start:end]))
        pos = end
    return out


def _oid_text(content: bytes) -> str:
    if not content:
        raise ValueError("empty OID")
    if content[-1] & 0x80:
        raise ValueError("truncated OID")
    return dotted(content)


# --- NewSessionTicket -------------------------------------------------------------------------


def alpn_of_extensions(body: bytes) -> str | None:
    """The protocol an EncryptedExtensions body selects (RFC 7301), if any; never raises."""
    if len(body) < 2:
        return None
    end = min(len(body), 2 + int.from_bytes(body[:2], "big"))
    pos = 2
    while pos + 4 <= end:
        etype, elen = struct.unpack(">HH", body[pos : pos + 4])
        data = body[pos + 4 : pos + 4 + elen]
        pos += 4 + elen
        if etype == 16 and len(data) >= 3:
            n = data[2]
            if 3 + n <= len(data):
                return data[3 : 3 + n].decode("utf-8", "replace")
    return None


def decode_new_session_ticket(body: bytes, tls13: bool) -> NewSessionTicket:
    """Decode a NewSessionTicket (RFC 5077 for <= 1.2, RFC 8446 4.6.1 for 1.3)."""
    r = _Reader(body, "NewSessionTicket")
    lifetime = r.u32("ticket_lifetime")
    if tls13:
        r.u32("ticket_age_add")
        r.vec(1, "ticket_nonce")
    ticket = r.vec(2, "ticket")
    if tls13:
        r.vec(2, "extensions")
    return NewSessionTicket(
        lifetime=lifetime, ticket_length=len(ticket), ticket=bytes(ticket[:65536])
    )
