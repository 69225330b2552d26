"""tlstui against tshark on the shared corpus of real public captures.

Each capture in ``../shared/corpus/oracle.jsonl`` was dissected by tshark 4.0; here every TCP
TLS session must agree with it on endpoints, first frame, SNI, negotiated version, cipher suite,
plaintext alerts (frame, level, code), TLS <= 1.2 encrypted alerts, completion and resumption.
Where tlstui deliberately differs, ``DEVIATIONS`` says why and the test asserts tlstui's value.
Skipped when ``../shared`` is absent (a user's clone).
"""

from __future__ import annotations

import json
import warnings

import pytest
from conftest import CORPUS, ORACLE

from tlstui.analysis.engine import analyze
from tlstui.tls.names import version_name

pytestmark = pytest.mark.corpus


def _entries() -> list[dict]:
    if not ORACLE.exists():
        return []
    return [json.loads(line) for line in ORACLE.read_text().splitlines() if line.strip()]


# file -> {field: (tlstui's value, why)}
DEVIATIONS: dict[str, dict[str, tuple[object, str]]] = {
    "zeek/tls/hrr.pcap": {
        "version": (
            "TLS 1.3",
            "frame 9 arrives before frame 11 (out of order); tlstui "
            "reassembles in sequence order and decodes the real ServerHello, "
            "tshark 4.0 shows 'Continuation Data'",
        ),
        "cipher": (
            "0x1302",
            "same: the ServerHello in the reordered segments picks TLS_AES_256_GCM_SHA384",
        ),
        "ladder": ("ServerHello", "same: the reassembled ServerHello appears in frame 11"),
    },
    "wireshark-notes/tls/tls-null.pcapng": {
        "ladder": (
            "EncryptedHandshake",
            "NULL cipher: the Finished after ChangeCipherSpec is "
            "readable and tshark names it; tlstui shows it as the "
            "encrypted Finished (its alerts are read, see _alert)",
        ),
    },
    "zeek/tls/ssl-v2.pcap": {
        "ladder": (
            "ClientKeyExchange",
            "SSLv2 CLIENT-MASTER-KEY is shown as the key exchange "
            "step; tshark names it 'Client Master Key'",
        ),
        "cipher": (
            "0x700c0",
            "SSLv2: the CLIENT-MASTER-KEY names the cipher spec "
            "SSL_CK_DES_192_EDE3_CBC_WITH_MD5 (0x0700c0); the oracle only "
            "records TLS ServerHello suites",
        ),
    },
    "zeek/tls/tls1.2-late-protocol-error.pcap": {
        "encrypted_alerts": (
            1,
            "the client's CCS record header is corrupt (length 0xff01); "
            "tlstui resynchronises on the next record header and still "
            "finds the encrypted alert in frame 20, tshark stops decoding "
            "the client side",
        ),
        "ladder": (
            "EncryptedHandshake",
            "tlstui reads the record after the damaged CCS header as the client's encrypted "
            "Finished (frame 10); tshark stops decoding the client side there",
        ),
        "established": (
            True,
            "only the captured copy of the client's CCS header is damaged: the server's "
            "Finished (frame 11) and application data both ways (frames 13-18) show the "
            "peers completed the handshake; tshark's oracle cannot see the client's Finished",
        ),
    },
}


LADDER_NAMES = {
    "Client Hello": "ClientHello",
    "Server Hello": "ServerHello",
    "Hello Retry Request": "HelloRetryRequest",
    "Certificate": "Certificate",
    "Server Key Exchange": "ServerKeyExchange",
    "Certificate Request": "CertificateRequest",
    "Server Hello Done": "ServerHelloDone",
    "Certificate Verify": "CertificateVerify",
    "Client Key Exchange": "ClientKeyExchange",
    "New Session Ticket": "NewSessionTicket",
    "Change Cipher Spec": "ChangeCipherSpec",
    "Certificate Status": "CertificateStatus",
    "Hello Request": "HelloRequest",
    "Encrypted Handshake Message": "EncryptedHandshake",
}


def _norm(ep: str) -> str:
    ip, port = ep.rsplit(":", 1)
    return f"[{ip}]:{port}" if ":" in ip else ep


@pytest.mark.parametrize("entry", _entries(), ids=lambda e: e["file"])
def test_agrees_with_tshark(entry: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = analyze(CORPUS / entry["file"], diagnose=False)
    dev = DEVIATIONS.get(entry["file"], {})
    expected = [s for s in entry.get("sessions", []) if s.get("transport", "tcp") == "tcp"]
    assert report.capture.packets == entry["packets"]
    tcp = [s for s in report.sessions if s.transport == "tcp"]  # DTLS: test_dtls_corpus.py
    assert len(tcp) == len(expected)
    mine = {(str(s.client), str(s.server)): s for s in tcp}
    for o in expected:
        s = mine[(_norm(o["client"]), _norm(o["server"]))]
        assert s.first_frame == o["first_frame"]
        ch = s.client_hello
        assert (ch.sni if ch else None) == o.get("sni")

        version = version_name(s.version) if s.version is not None else None
        want = (
            dev["version"][0]
            if "version" in dev
            else (o.get("negotiated_version") or {}).get("name")
        )
        assert version == want

        cipher = f"0x{s.cipher_suite:04x}" if s.cipher_suite is not None else None
        want = dev["cipher"][0] if "cipher" in dev else (o.get("cipher_suite") or {}).get("hex")
        assert cipher == want

        plain = [(a["frame"], a["desc"]) for a in o.get("alerts", []) if not a.get("encrypted")]
        assert [(a.frame, a.code) for a in s.alerts if not a.encrypted] == plain
        levels = [
            a.get("level_name", "").lower() for a in o.get("alerts", []) if not a.get("encrypted")
        ]
        assert [a.level for a in s.alerts if not a.encrypted] == levels

        if s.version is None or s.version < 0x0304:
            enc = sum(1 for a in o.get("alerts", []) if a.get("encrypted"))
            want = dev["encrypted_alerts"][0] if "encrypted_alerts" in dev else enc
            assert sum(1 for a in s.alerts if a.encrypted) == want

        # The ladder: every plaintext handshake message, CCS and encrypted handshake record of
        # TLS <= 1.2 at the same frame, from the same side, with the same name.
        if "ladder" not in dev and (s.version is None or s.version < 0x0304):
            want_ladder = [
                (e["frame"], e["dir"][0], LADDER_NAMES.get(e["msg"], e["msg"]))
                for e in o["ladder"]
                if e["kind"] in ("handshake", "change_cipher_spec", "encrypted_handshake")
            ]
            got = [
                (e.frame, e.sender[0], e.type)
                for e in s.events
                if e.type in set(LADDER_NAMES.values())
            ]
            assert got == want_ladder
        elif "ladder" in dev:
            assert any(e.type == dev["ladder"][0] for e in s.events)

        if "established" in dev:
            assert s.established == dev["established"][0]
        elif o.get("handshake_complete") is not None:
            assert s.established == o["handshake_complete"], o.get("complete_basis")
        if o.get("resumed") is not None:
            assert s.resumed == o["resumed"]


def test_deviations_name_real_files() -> None:
    files = {e["file"] for e in _entries()}
    assert set(DEVIATIONS) <= files
