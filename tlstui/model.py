"""The analysis model shared by every layer above TLS decoding.

Plain dataclasses with no Textual or Rich import: the report printer, the diagnosis rules and
the TUI all read these and nothing else.  Numbers are kept raw (codes, not names); the
``tlstui.names`` tables turn them into text at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Side = Literal["client", "server"]
Status = Literal["ok", "failed", "incomplete"]
Confidence = Literal["high", "medium", "low"]

# Ladder event types, exactly as the JSON report names them.
EVENT_TYPES = (
    "ClientHello", "ServerHello", "HelloRetryRequest", "Certificate", "ServerKeyExchange",
    "CertificateRequest", "ServerHelloDone", "CertificateVerify", "ClientKeyExchange",
    "Finished", "NewSessionTicket", "EncryptedExtensions", "KeyUpdate", "ChangeCipherSpec",
    "Alert", "EncryptedHandshake", "ApplicationData", "FIN", "RST",
)


@dataclass(slots=True, frozen=True)
class Endpoint:
    ip: str
    port: int

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


# --- decoded handshake messages -------------------------------------------------------------


@dataclass(slots=True)
class Extension:
    """One hello extension, in wire order; ``data`` is kept for the detail pane."""

    type: int
    data: bytes


@dataclass(slots=True)
class ClientHello:
    legacy_version: int                       # the hello's client_version (0x0303 for 1.3)
    record_version: int                       # version in the record header that carried it
    random: bytes
    session_id: bytes
    cipher_suites: list[int]                  # in order, GREASE and SCSVs included
    compression_methods: list[int]
    extensions: list[Extension]               # in wire order
    sni: str | None = None
    alpn: list[str] = field(default_factory=list)
    supported_versions: list[int] = field(default_factory=list)   # empty when absent
    supported_groups: list[int] = field(default_factory=list)
    key_share_groups: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    ec_point_formats: list[int] = field(default_factory=list)
    psk_offered: bool = False                 # pre_shared_key extension present
    early_data: bool = False
    session_ticket: bytes | None = None       # None: no extension; b"": empty (asks for one)
    sslv2_format: bool = False                # came in an SSLv2-format record
    length: int = 0                           # handshake body length (bytes)

    @property
    def fallback_scsv(self) -> bool:
        return 0x5600 in self.cipher_suites

    @property
    def offered_versions(self) -> list[int]:
        """supported_versions without GREASE, else the legacy version (as the spec says)."""
        from tlstui.names import is_grease

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
    selected_version: int | None = None       # supported_versions extension (1.3)
    key_share_group: int | None = None        # ServerHello key_share, or HRR's requested group
    psk_selected: bool = False                # pre_shared_key in ServerHello (1.3 resumption)
    alpn: str | None = None                   # selected protocol when visible (<= 1.2)
    is_hrr: bool = False
    downgrade_sentinel: str | None = None     # "TLS 1.2" / "TLS 1.1 or below" (RFC 8446 4.1.3)

    @property
    def version(self) -> int:
        return self.selected_version or self.legacy_version


@dataclass(slots=True)
class CertificateInfo:
    """A summary of one X.509 certificate, or why it could not be read."""

    subject: str = ""
    issuer: str = ""
    not_before: datetime | None = None        # timezone-aware UTC
    not_after: datetime | None = None
    san: list[str] = field(default_factory=list)
    self_signed: bool = False
    serial: str = ""
    key: str = ""                             # e.g. "RSA 2048", "EC secp256r1"
    signature_algorithm: str = ""
    is_ca: bool | None = None
    length: int = 0
    error: str | None = None                  # set when the DER could not be parsed


@dataclass(slots=True)
class CertificateMsg:
    chain: list[CertificateInfo]              # leaf first; empty list = empty Certificate
    request_context: bytes = b""              # TLS 1.3 only
    omitted: int = 0                          # certificates past the cap, counted not parsed


@dataclass(slots=True)
class ServerKeyExchange:
    kex: str                                  # "ECDHE", "DHE", "unknown"
    named_group: int | None = None
    dh_bits: int | None = None                # DHE prime size
    signature_algorithm: int | None = None


@dataclass(slots=True)
class CertificateRequest:
    certificate_types: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    ca_names: list[str] = field(default_factory=list)
    ca_names_omitted: int = 0                 # names past the cap, counted not decoded


@dataclass(slots=True)
class NewSessionTicket:
    lifetime: int
    ticket_length: int


@dataclass(slots=True)
class AlertMsg:
    level: int
    code: int


# --- the ladder -----------------------------------------------------------------------------

Detail = (
    ClientHello | ServerHello | CertificateMsg | ServerKeyExchange | CertificateRequest
    | NewSessionTicket | AlertMsg | bytes | None
)


@dataclass(slots=True)
class Event:
    """One row of the ladder: a handshake message, record, or TCP close, in capture order."""

    frame: int                                # frame where it completed (as Wireshark shows)
    time: float                               # epoch seconds of that frame
    sender: Side
    type: str                                 # one of EVENT_TYPES
    detail: Detail = None                     # decoded content when there is any
    encrypted: bool = False                   # carried in a protected record
    length: int = 0                           # record (or message) length in bytes
    first_frame: int = 0                      # frame where its first byte arrived
    malformed: str | None = None              # why decoding stopped, when it did
    note: str | None = None                   # short extra text ("19 bytes, likely an alert")


@dataclass(slots=True)
class Alert:
    frame: int
    time: float
    sender: Side
    level: str | None                         # "warning" | "fatal" | None when unreadable
    code: int | None
    name: str | None
    encrypted: bool = False
    decrypted: bool = False
    length: int = 0                           # record length (size hints at the cipher / type)


# --- diagnosis ------------------------------------------------------------------------------


@dataclass(slots=True)
class Cause:
    """One candidate explanation of a session's outcome."""

    cause: str                                # a word of the spec's cause vocabulary
    confidence: Confidence
    summary: str                              # one line a person reads first
    explanation: str                          # what was seen, why it points here, what next
    evidence: list[int] = field(default_factory=list)   # frame numbers
    rule: str = ""                            # the rule that produced it
    check_next: list[str] = field(default_factory=list)
    fault: str = ""                           # whose configuration to look at first


@dataclass(slots=True)
class Diagnosis:
    best: Cause
    candidates: list[Cause] = field(default_factory=list)   # ranked, best first


# --- sessions and the report ----------------------------------------------------------------


@dataclass(slots=True)
class Session:
    id: int
    client: Endpoint
    server: Endpoint
    first_frame: int
    last_frame: int
    start: float
    end: float
    events: list[Event] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    client_hellos: list[ClientHello] = field(default_factory=list)   # 2 after an HRR
    server_hello: ServerHello | None = None   # the real one (not the HRR)
    hello_retry: ServerHello | None = None
    server_certificates: list[CertificateInfo] | None = None   # None: not seen (or encrypted)
    client_certificates: list[CertificateInfo] | None = None   # []: empty Certificate sent
    certificate_request: bool = False
    server_key_exchange: ServerKeyExchange | None = None
    version: int | None = None                # negotiated
    cipher_suite: int | None = None
    group: int | None = None
    resumed: bool = False
    established: bool = False
    status: Status = "incomplete"
    closed_by: dict[str, str] = field(default_factory=dict)   # side -> "FIN" | "RST"
    non_tls_reply: bytes | None = None        # first bytes of a reply that is not TLS
    non_tls_reply_frame: int = 0
    client_hello_retransmits: int = 0
    malformed: list[str] = field(default_factory=list)   # "frame 12: record length 70000"
    gaps: int = 0                             # bytes lost to capture gaps
    ja3: str | None = None
    ja4: str | None = None
    diagnosis: Diagnosis | None = None

    @property
    def client_hello(self) -> ClientHello | None:
        return self.client_hellos[0] if self.client_hellos else None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def leaf(self) -> CertificateInfo | None:
        return self.server_certificates[0] if self.server_certificates else None


@dataclass(slots=True)
class CaptureInfo:
    file: str
    format: str = "pcap"                      # "pcap" | "pcapng"
    link_types: list[str] = field(default_factory=list)
    packets: int = 0
    damaged: int = 0
    truncated: bool = False
    snaplen_truncated: int = 0                # frames cut short by the snaplen
    first_time: float | None = None
    last_time: float | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    capture: CaptureInfo
    sessions: list[Session] = field(default_factory=list)

    @property
    def failed(self) -> list[Session]:
        return [s for s in self.sessions if s.status == "failed"]


@dataclass(slots=True)
class FailureGroup:
    """Failed sessions that share a server, SNI and cause: one line of the summary header."""

    server: Endpoint
    sni: str | None
    cause: str
    session_ids: list[int] = field(default_factory=list)
    first_time: float = 0.0
    last_time: float = 0.0

    @property
    def count(self) -> int:
        return len(self.session_ids)
