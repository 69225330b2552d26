"""Decoded TLS handshake messages: what the record and message decoders produce.

Plain dataclasses, no I/O.  Numbers are kept raw (codes, not names); ``tlstui.tls.names`` turns
them into text at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# --- decoded handshake messages -------------------------------------------------------------


@dataclass(slots=True)
class Extension:
    """One hello extension, in wire order; ``data`` is kept for the detail pane."""

    type: int
    data: bytes


@dataclass(slots=True)
class ClientHello:
    legacy_version: int  # the hello's client_version (0x0303 for 1.3)
    record_version: int  # version in the record header that carried it
    random: bytes
    session_id: bytes
    cipher_suites: list[int]  # in order, GREASE and SCSVs included
    compression_methods: list[int]
    extensions: list[Extension]  # in wire order
    sni: str | None = None
    alpn: list[str] = field(default_factory=list)
    supported_versions: list[int] = field(default_factory=list)  # empty when absent
    supported_groups: list[int] = field(default_factory=list)
    key_share_groups: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    ec_point_formats: list[int] = field(default_factory=list)
    psk_offered: bool = False  # pre_shared_key extension present
    early_data: bool = False
    session_ticket: bytes | None = None  # None: no extension; b"": empty (asks for one)
    sslv2_format: bool = False  # came in an SSLv2-format record
    length: int = 0  # handshake body length (bytes)

    @property
    def fallback_scsv(self) -> bool:
        return 0x5600 in self.cipher_suites

    @property
    def offered_versions(self) -> list[int]:
        """supported_versions without GREASE, else the legacy version (as the spec says)."""
        from tlstui.tls.names import is_grease

        if self.supported_versions:
            return [v for v in self.supported_versions if not is_grease(v)]
        return [self.legacy_version]


@dataclass(slots=True)
class ServerHello:
    legacy_version: int
    record_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: list[Extension]
    selected_version: int | None = None  # supported_versions extension (1.3)
    key_share_group: int | None = None  # ServerHello key_share, or HRR's requested group
    psk_selected: bool = False  # pre_shared_key in ServerHello (1.3 resumption)
    alpn: str | None = None  # selected protocol when visible (<= 1.2)
    is_hrr: bool = False
    downgrade_sentinel: str | None = None  # "TLS 1.2" / "TLS 1.1 or below" (RFC 8446 4.1.3)

    @property
    def version(self) -> int:
        return self.selected_version or self.legacy_version


@dataclass(slots=True)
class CertificateInfo:
    """A summary of one X.509 certificate, or why it could not be read."""

    subject: str = ""
    issuer: str = ""
    not_before: datetime | None = None  # timezone-aware UTC
    not_after: datetime | None = None
    san: list[str] = field(default_factory=list)
    self_signed: bool = False
    serial: str = ""
    key: str = ""  # e.g. "RSA 2048", "EC secp256r1"
    signature_algorithm: str = ""
    is_ca: bool | None = None
    length: int = 0
    error: str | None = None  # set when the DER could not be parsed
    san_total: int = 0  # SAN entries in the certificate; ``san`` keeps at most x509.MAX_SAN
    explicit_ec_params: bool = False  # EC key with explicit curve parameters (CurveBall shape)


@dataclass(slots=True)
class CertificateMsg:
    chain: list[CertificateInfo]  # leaf first; empty list = empty Certificate
    request_context: bytes = b""  # TLS 1.3 only
    omitted: int = 0  # certificates past the cap, counted not parsed


@dataclass(slots=True)
class ServerKeyExchange:
    kex: str  # "ECDHE", "DHE", "unknown"
    named_group: int | None = None
    dh_bits: int | None = None  # DHE prime size
    signature_algorithm: int | None = None


@dataclass(slots=True)
class CertificateRequest:
    certificate_types: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    ca_names: list[str] = field(default_factory=list)
    ca_names_omitted: int = 0  # names past the cap, counted not decoded


@dataclass(slots=True)
class NewSessionTicket:
    lifetime: int
    ticket_length: int
    ticket: bytes = b""  # the opaque ticket (a resumed session's ClientHello sends it back)


@dataclass(slots=True)
class AlertMsg:
    level: int
    code: int


# --- the ladder -----------------------------------------------------------------------------
