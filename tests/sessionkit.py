"""A small builder for hand-made sessions, so each diagnosis test reads like a ladder.

    s = (Kit().ch().sh(0x0303).cert([leaf("a.example")]).shd()
         .alert("client", 48).fin("client").build(status="failed"))

Frames count up from 1 (or from ``frame=``), times by 10 ms per event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tlstui.analysis.model import Alert, CaptureInfo, Endpoint, Event, Report, Session
from tlstui.tls.model import (
    AlertMsg,
    CertificateInfo,
    CertificateMsg,
    CertificateRequest,
    ClientHello,
    Extension,
    ServerHello,
    ServerKeyExchange,
)

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
NOW = datetime.fromtimestamp(T0, UTC)
ALERT_NAMES = {
    0: "close_notify",
    40: "handshake_failure",
    42: "bad_certificate",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    20: "bad_record_mac",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    112: "unrecognized_name",
    116: "certificate_required",
    120: "no_application_protocol",
    10: "unexpected_message",
    44: "certificate_revoked",
    43: "unsupported_certificate",
}
MODERN_SUITES = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]


def leaf(
    *names: str,
    issuer: str = "CN=Example Issuing CA",
    days: tuple[int, int] = (-30, 335),
    subject: str | None = None,
    self_signed: bool = False,
    key: str = "EC secp256r1",
    sig: str = "ecdsa-with-SHA256",
) -> CertificateInfo:
    subject = subject or (f"CN={names[0]}" if names else "CN=server")
    return CertificateInfo(
        subject=subject,
        issuer=subject if self_signed else issuer,
        not_before=NOW + timedelta(days=days[0]),
        not_after=NOW + timedelta(days=days[1]),
        san=list(names),
        self_signed=self_signed,
        key=key,
        signature_algorithm=sig,
        is_ca=False,
    )


def ca(
    subject: str, issuer: str | None = None, days: tuple[int, int] = (-300, 3000)
) -> CertificateInfo:
    return CertificateInfo(
        subject=subject,
        issuer=issuer or subject,
        not_before=NOW + timedelta(days=days[0]),
        not_after=NOW + timedelta(days=days[1]),
        self_signed=issuer is None,
        is_ca=True,
        signature_algorithm="sha256WithRSAEncryption",
        key="RSA 2048",
    )


def client_hello(
    sni: str | None = "www.example.com",
    versions: list[int] | None = None,
    suites: list[int] | None = None,
    groups: list[int] | None = None,
    shares: list[int] | None = None,
    alpn: list[str] | None = None,
    legacy: int = 0x0303,
    length: int = 512,
    ext_types: list[int] = (),
    sigalgs: list[int] | None = None,
) -> ClientHello:
    versions = [0x0304, 0x0303] if versions is None else versions
    groups = [29, 23, 24] if groups is None else groups
    exts = [Extension(t, b"") for t in ext_types]
    if sni:
        exts.insert(0, Extension(0, b""))
    return ClientHello(
        legacy_version=legacy,
        record_version=0x0301,
        random=b"\x11" * 32,
        session_id=b"",
        cipher_suites=list(MODERN_SUITES if suites is None else suites),
        compression_methods=[0],
        extensions=exts,
        sni=sni,
        alpn=list(alpn or []),
        supported_versions=versions,
        supported_groups=groups,
        key_share_groups=list(groups[:1] if shares is None else shares),
        signature_algorithms=[0x0403, 0x0804, 0x0401] if sigalgs is None else sigalgs,
        length=length,
    )


def server_hello(
    version: int = 0x0304,
    suite: int = 0x1301,
    group: int | None = 29,
    hrr: bool = False,
    ext_types: list[int] = (),
    alpn: str | None = None,
    sentinel: str | None = None,
) -> ServerHello:
    return ServerHello(
        legacy_version=0x0303,
        record_version=0x0303,
        random=b"\x22" * 32,
        session_id=b"",
        cipher_suite=suite,
        compression_method=0,
        extensions=[Extension(t, b"") for t in ext_types],
        selected_version=version if version == 0x0304 else None,
        key_share_group=group if version == 0x0304 else None,
        is_hrr=hrr,
        alpn=alpn,
        downgrade_sentinel=sentinel,
    )


class Kit:
    """Builds a Session event by event."""

    def __init__(
        self,
        frame: int = 4,
        t0: float = T0,
        server_port: int = 443,
        client_ip: str = "10.0.0.1",
        server_ip: str = "10.0.0.2",
        client_port: int = 50000,
    ) -> None:
        self.frame = frame
        self.first = frame
        self.t = t0
        self.t0 = t0
        self.s = Session(
            id=1,
            client=Endpoint(client_ip, client_port),
            server=Endpoint(server_ip, server_port),
            first_frame=1,
            last_frame=0,
            start=t0 - 0.01,
            end=t0,
        )

    # -- raw ----------------------------------------------------------------------------------
    def ev(
        self,
        type_: str,
        sender: str,
        detail=None,
        encrypted: bool = False,
        length: int = 0,
        frame: int | None = None,
        dt: float = 0.01,
        first_frame: int | None = None,
        note: str | None = None,
    ) -> Kit:
        if frame is not None:
            self.frame = frame
        self.t += dt
        self.s.events.append(
            Event(
                frame=self.frame,
                time=self.t,
                sender=sender,
                type=type_,
                detail=detail,
                encrypted=encrypted,
                length=length,
                first_frame=first_frame or self.frame,
                note=note,
            )
        )
        self.frame += 1
        return self

    # -- handshake messages ---------------------------------------------------------------------
    def ch(self, hello: ClientHello | None = None, **kw) -> Kit:
        hello = hello or client_hello(**kw)
        self.s.client_hellos.append(hello)
        return self.ev("ClientHello", "client", hello, length=hello.length + 4)

    def sh(self, hello: ServerHello | None = None, **kw) -> Kit:
        hello = hello or server_hello(**kw)
        self.s.server_hello = hello
        self.s.version = hello.version
        self.s.cipher_suite = hello.cipher_suite
        self.s.group = hello.key_share_group
        return self.ev("ServerHello", "server", hello, length=90)

    def hrr(self, group: int) -> Kit:
        hello = server_hello(group=group, hrr=True)
        self.s.hello_retry = hello
        return self.ev("HelloRetryRequest", "server", hello, length=88)

    def cert(self, chain: list[CertificateInfo], sender: str = "server") -> Kit:
        if sender == "server":
            self.s.server_certificates = chain
        else:
            self.s.client_certificates = chain
        return self.ev("Certificate", sender, CertificateMsg(chain), length=900 * len(chain) + 7)

    def ske(self, dh_bits: int | None = None, group: int | None = 29) -> Kit:
        kex = ServerKeyExchange(
            "DHE" if dh_bits else "ECDHE", named_group=None if dh_bits else group, dh_bits=dh_bits
        )
        self.s.server_key_exchange = kex
        return self.ev("ServerKeyExchange", "server", kex, length=300)

    def creq(self, ca_names: list[str] = ()) -> Kit:
        self.s.certificate_request = True
        return self.ev(
            "CertificateRequest", "server", CertificateRequest(ca_names=list(ca_names)), length=40
        )

    def shd(self) -> Kit:
        return self.ev("ServerHelloDone", "server", length=4)

    def tls12_client_flight(self, cert: list[CertificateInfo] | None = None) -> Kit:
        if cert is not None:
            self.cert(cert, "client")
        self.ev("ClientKeyExchange", "client", length=70)
        if cert:
            self.ev("CertificateVerify", "client", length=260)
        self.ev("ChangeCipherSpec", "client", length=1)
        return self.ev("EncryptedHandshake", "client", encrypted=True, length=40)

    def tls12_server_finish(self) -> Kit:
        self.ev("ChangeCipherSpec", "server", length=1)
        return self.ev("EncryptedHandshake", "server", encrypted=True, length=40)

    def tls13_server_flight(self, records: int = 1) -> Kit:
        self.ev("ChangeCipherSpec", "server", length=1)
        for _ in range(records):
            self.ev("EncryptedHandshake", "server", encrypted=True, length=2400)
        return self

    def tls13_client_finished(self, sizes: tuple[int, ...] = (53,)) -> Kit:
        self.ev("ChangeCipherSpec", "client", length=1)
        for n in sizes:
            self.ev("EncryptedHandshake", "client", encrypted=True, length=n)
        return self

    def appdata(self, sender: str, length: int = 100) -> Kit:
        return self.ev("ApplicationData", sender, encrypted=True, length=length)

    # -- alerts and closes --------------------------------------------------------------------
    def alert(self, sender: str, code: int, level: str = "fatal", **kw) -> Kit:
        self.ev("Alert", sender, AlertMsg(2 if level == "fatal" else 1, code), length=2, **kw)
        e = self.s.events[-1]
        self.s.alerts.append(
            Alert(e.frame, e.time, sender, level, code, ALERT_NAMES.get(code), length=2)
        )
        return self

    def enc_alert(self, sender: str, length: int = 19, code: int | None = None) -> Kit:
        """A TLS 1.3 encrypted alert; with *code*, as if a key log decrypted it."""
        self.ev(
            "Alert",
            sender,
            None,
            encrypted=True,
            length=length,
            note=f"likely alert ({length}-byte record before close)",
        )
        e = self.s.events[-1]
        self.s.alerts.append(
            Alert(
                e.frame,
                e.time,
                sender,
                "fatal" if code else None,
                code,
                ALERT_NAMES.get(code) if code else None,
                encrypted=True,
                decrypted=code is not None,
                length=length,
            )
        )
        return self

    def fin(self, sender: str, dt: float = 0.01) -> Kit:
        self.s.closed_by.setdefault(sender, "FIN")
        return self.ev("FIN", sender, dt=dt)

    def rst(self, sender: str, dt: float = 0.01) -> Kit:
        self.s.closed_by.setdefault(sender, "RST")
        return self.ev("RST", sender, dt=dt)

    # -- result -------------------------------------------------------------------------------
    def build(self, status: str = "failed", established: bool | None = None, **kw) -> Session:
        s = self.s
        s.status = status  # type: ignore[assignment]
        s.established = (status == "ok") if established is None else established
        s.last_frame = self.frame - 1
        s.end = self.t
        for k, v in kw.items():
            setattr(s, k, v)
        return s


def report(*sessions: Session, last_time: float | None = None) -> Report:
    for i, s in enumerate(sessions, 1):
        s.id = i
    times = [s.end for s in sessions]
    return Report(
        CaptureInfo(
            file="test.pcap",
            first_time=min(s.start for s in sessions),
            last_time=last_time if last_time is not None else max(times),
        ),
        sessions=list(sessions),
    )


def diag(session: Session, rep: Report | None = None):
    """diagnose_session with rule errors raised, not logged."""
    import tlstui.analysis.diagnosis as d

    d.STRICT = True
    try:
        return d.diagnose_session(session, rep)
    finally:
        d.STRICT = False


def run(rule, session: Session, rep: Report | None = None):
    """One rule on its own, with the context the registry would give it."""
    from tlstui.analysis.diagnosis.registry import Context

    return rule(session, Context.build(session, rep))


def ok_tls13() -> Session:
    """A clean TLS 1.3 handshake, for negative tests."""
    return (
        Kit()
        .ch()
        .sh()
        .tls13_server_flight()
        .tls13_client_finished()
        .appdata("client")
        .appdata("server")
        .enc_alert("client")
        .fin("client")
        .build(status="ok")
    )


def ok_tls12() -> Session:
    return (
        Kit()
        .ch(versions=[], legacy=0x0303)
        .sh(version=0x0303, suite=0xC02F)
        .cert([leaf("www.example.com"), ca("CN=Example Issuing CA", "CN=Example Root")])
        .ske()
        .shd()
        .tls12_client_flight()
        .tls12_server_finish()
        .appdata("client")
        .appdata("server")
        .build(status="ok")
    )
