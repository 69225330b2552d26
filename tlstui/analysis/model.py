"""The analysis model: sessions, their ladder, alerts, diagnosis and the report.

Plain dataclasses with no Textual or Rich import: the report printers, the diagnosis rules and
the TUI all read these.  Decoded handshake messages live in ``tlstui.tls.model``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from tlstui.tls.model import (
    AlertMsg,
    CertificateInfo,
    CertificateMsg,
    CertificateRequest,
    ClientHello,
    NewSessionTicket,
    ServerHello,
    ServerKeyExchange,
)

Side = Literal["client", "server"]
Status = Literal["ok", "failed", "incomplete"]
Confidence = Literal["high", "medium", "low"]


@dataclass(slots=True, frozen=True)
class Endpoint:
    ip: str
    port: int

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


Detail = (
    ClientHello
    | ServerHello
    | CertificateMsg
    | ServerKeyExchange
    | CertificateRequest
    | NewSessionTicket
    | AlertMsg
    | bytes
    | None
)


@dataclass(slots=True)
class Event:
    """One row of the ladder: a handshake message, record, or TCP close, in capture order."""

    frame: int  # frame where it completed (as Wireshark shows)
    time: float  # epoch seconds of that frame
    sender: Side
    type: str  # a handshake message (names.HANDSHAKE_EVENTS), Alert, FIN, RST, ...
    detail: Detail = None  # decoded content when there is any
    encrypted: bool = False  # carried in a protected record
    length: int = 0  # record (or message) length in bytes
    first_frame: int = 0  # frame where its first byte arrived
    malformed: str | None = None  # why decoding stopped, when it did
    note: str | None = None  # short extra text ("19 bytes, likely an alert")


@dataclass(slots=True)
class Alert:
    frame: int
    time: float
    sender: Side
    level: str | None  # "warning" | "fatal" | None when unreadable
    code: int | None
    name: str | None
    encrypted: bool = False
    decrypted: bool = False
    length: int = 0  # record length (size hints at the cipher / type)


@dataclass(slots=True)
class CutRecord:
    """A record the capture holds only the start of: the capture (or this side's bytes in
    it) ended before the record did.  ``messages`` names the handshake messages that begin
    inside the captured part, with how many of each one's bytes were captured."""

    sender: Side
    content_type: int  # 22 handshake, 23 application data, ...
    length: int  # the record's length from its header
    captured: int  # body bytes captured
    frame: int  # frame where the record began
    time: float
    messages: list[tuple[str, int, int]] = field(default_factory=list)  # (name, have, length)


@dataclass(slots=True)
class Damage:
    """Bytes of one side that are not a valid record although the session is TLS: a damaged
    frame at the capture point, or a record whose header was mangled."""

    frame: int
    time: float
    sender: Side
    data: bytes  # the first bytes (at most 64)
    why: str
    # When the damaged bytes still frame one record (its length matches what follows), the
    # record's type as far as it can be read: "alert" with (level, code), else None.
    alert: tuple[int, int] | None = None


# --- diagnosis ------------------------------------------------------------------------------


@dataclass(slots=True)
class Cause:
    """One candidate explanation of a session's outcome."""

    cause: str  # a word of the spec's cause vocabulary
    confidence: Confidence
    summary: str  # one line a person reads first
    explanation: str  # what was seen, why it points here, what next
    evidence: list[int] = field(default_factory=list)  # frame numbers
    rule: str = ""  # the rule that produced it
    check_next: list[str] = field(default_factory=list)
    fault: str = ""  # whose configuration to look at first


@dataclass(slots=True)
class Diagnosis:
    best: Cause
    candidates: list[Cause] = field(default_factory=list)  # ranked, best first
    # Made while the capture was still being read: rules that compare with other sessions
    # (nearest success, an earlier attempt) may answer differently once all are known.
    provisional: bool = False


# --- QUIC -----------------------------------------------------------------------------------


@dataclass(slots=True)
class QuicClose:
    """The CONNECTION_CLOSE frame that ended a QUIC connection (RFC 9000 19.19)."""

    frame: int
    sender: Side
    packet_type: str  # Initial, Handshake, 1-RTT
    error_code: int | None  # None: the frame could not be read (no keys)
    frame_type: int | None  # the frame that triggered a transport close
    tls_alert: int | None  # CRYPTO_ERROR 0x0100 + alert
    reason: str
    encrypted: bool = False  # inferred from an unreadable packet, not read


@dataclass(slots=True)
class QuicInfo:
    """What a QUIC session adds to a TLS session: version, connection ids, the close."""

    version: int
    client_cid: bytes = b""
    server_cid: bytes = b""
    close: QuicClose | None = None
    retries: int = 0
    version_negotiation: tuple[int, ...] = ()  # versions a Version Negotiation offered


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
    client_hellos: list[ClientHello] = field(default_factory=list)  # 2 after an HRR
    server_hello: ServerHello | None = None  # the real one (not the HRR)
    hello_retry: ServerHello | None = None
    server_certificates: list[CertificateInfo] | None = None  # None: not seen (or encrypted)
    client_certificates: list[CertificateInfo] | None = None  # []: empty Certificate sent
    certificate_request: bool = False
    server_key_exchange: ServerKeyExchange | None = None
    version: int | None = None  # negotiated
    cipher_suite: int | None = None
    group: int | None = None
    resumed: bool = False
    established: bool = False
    status: Status = "incomplete"
    closed_by: dict[str, str] = field(default_factory=dict)  # side -> "FIN" | "RST"
    non_tls_reply: bytes | None = None  # first bytes of a reply that is not TLS
    non_tls_reply_frame: int = 0
    client_hello_retransmits: int = 0
    malformed: list[str] = field(default_factory=list)  # "frame 12: record length 70000"
    gaps: int = 0  # bytes lost to capture gaps
    cut: CutRecord | None = None  # the capture ends inside a record
    damage: list[Damage] = field(default_factory=list)  # damaged records (bounded)
    # Set when a damaged record sits where one side's ChangeCipherSpec belongs and the rest
    # of the ladder (the peer's Finished, application data both ways) shows the peers went
    # on: the handshake counts as completed, and the diagnosis says which frame was damaged.
    damaged_but_completed: int = 0
    # TLS <= 1.2: frame of a renegotiation attempt after application data (0: none).
    renegotiation_frame: int = 0
    ja3: str | None = None
    ja4: str | None = None
    diagnosis: Diagnosis | None = None
    # What the key log held for this session: None (no key log was used), "missing" (no
    # secrets for its client_random), "found" (secrets, but nothing was decrypted with them),
    # "decrypted" (records were opened with them).
    secrets: str | None = None
    transport: str = "tcp"  # "tcp" | "udp" (DTLS) | "quic"
    quic: QuicInfo | None = None
    # A snapshot of a connection still open while the capture is read live: its ladder so far,
    # status not decided yet (shown as in progress; replaced by the final session).
    in_progress: bool = False
    capture: str | None = None  # the file it came from, when several captures were opened
    # Rotated files read as one: the connection goes on in the next file(s), where its later
    # frames (last_frame among them) are numbered as in that file.
    goes_on: bool = False
    # Proxy legs (analysis.legs): this session's server opened ``upstream_leg`` on its behalf,
    # or this session is the upstream leg of ``client_leg``.
    upstream_leg: Session | None = None
    client_leg: Session | None = None

    @property
    def client_hello(self) -> ClientHello | None:
        return self.client_hellos[0] if self.client_hellos else None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def in_progress_copy(self, **changes: object) -> Session:
        """A snapshot of an open session for a live view: the lists and mutable parts are
        copied, since the scan goes on writing to the original while the UI thread reads."""
        return replace(
            self,
            events=list(self.events),
            alerts=list(self.alerts),
            malformed=list(self.malformed),
            closed_by=dict(self.closed_by),
            quic=replace(self.quic) if self.quic is not None else None,
            in_progress=True,
            **changes,  # type: ignore[arg-type]
        )

    @property
    def leaf(self) -> CertificateInfo | None:
        return self.server_certificates[0] if self.server_certificates else None


@dataclass(slots=True)
class KeylogInfo:
    """The key log(s) an analysis used: where from, how much of them could be used, and to what
    effect; a person whose answer stays "likely" needs to see that the key log did nothing."""

    paths: list[str] = field(default_factory=list)  # files read; the capture itself for a DSB
    lines: int = 0  # usable secret lines (comments and garbage not counted)
    sessions_decrypted: int = 0


@dataclass(slots=True)
class CaptureInfo:
    file: str
    format: str = "pcap"  # "pcap" | "pcapng"
    link_types: list[str] = field(default_factory=list)
    packets: int = 0
    damaged: int = 0
    truncated: bool = False
    snaplen_truncated: int = 0  # frames cut short by the snaplen
    first_time: float | None = None
    last_time: float | None = None
    warnings: list[str] = field(default_factory=list)
    keylog: KeylogInfo | None = None  # None: no key log was found or asked for


@dataclass(slots=True)
class Report:
    capture: CaptureInfo  # the first capture when there are several
    sessions: list[Session] = field(default_factory=list)
    captures: list[CaptureInfo] = field(default_factory=list)  # all of them; [] for one file

    @property
    def failed(self) -> list[Session]:
        return [s for s in self.sessions if s.status == "failed"]

    def keylog_used(self) -> KeylogInfo | None:
        """The key logs of the whole report: the capture's, or with several captures every
        file any of them used, their usable lines (counted once per set of files: the files of
        one rotation share theirs) and all the sessions they decrypted."""
        infos = [c.keylog for c in (self.captures or [self.capture]) if c.keylog is not None]
        if len(infos) <= 1:
            return infos[0] if infos else None
        lines = {tuple(i.paths): i.lines for i in infos}
        return KeylogInfo(
            list(dict.fromkeys(p for i in infos for p in i.paths)),
            sum(lines.values()),
            sum(i.sessions_decrypted for i in infos),
        )


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
