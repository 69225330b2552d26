"""Every DTLS session of the public corpus (``oracle.jsonl``, transport udp) agrees with tshark:
endpoints, first frame, version, cipher suite, completion, and the alerts (frame, sender,
encrypted).  The ladder shows each handshake message once, in the frame where it completed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ORACLE = CORPUS / "oracle.jsonl"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not ORACLE.exists(), reason="../shared/corpus not present"),
]


def _udp_oracles() -> list[tuple[str, dict]]:
    out = []
    if ORACLE.exists():
        for line in ORACLE.read_text().splitlines():
            o = json.loads(line)
            out += [(o["file"], s) for s in o.get("sessions", []) if s["transport"] == "udp"]
    return out


CASES = _udp_oracles()


def _ep(e) -> str:
    return f"{e.ip}:{e.port}"


@pytest.mark.parametrize(("name", "o"), CASES, ids=[f"{n}#{o['stream']}" for n, o in CASES])
def test_dtls_session_agrees_with_tshark(name: str, o: dict) -> None:
    report = analyze(CORPUS / name)
    (s,) = [s for s in report.sessions if _ep(s.client) == o["client"]]
    assert s.transport == "udp"
    assert _ep(s.server) == o["server"]
    assert s.first_frame == o["first_frame"]
    assert s.last_frame == o["last_frame"]
    assert s.version == int(o["negotiated_version"]["hex"], 16)
    assert s.cipher_suite == int(o["cipher_suite"]["hex"], 16)
    assert s.established == o["handshake_complete"]
    dirs = {"c2s": "client", "s2c": "server"}
    assert [(a.frame, a.sender, a.encrypted) for a in s.alerts] == [
        (a["frame"], dirs[a["dir"]], a["encrypted"]) for a in o["alerts"]
    ]
    # Messages tshark completed (it repeats a fragmented one per fragment): each once here,
    # in the last frame tshark shows it.
    names = {
        "Client Hello": "ClientHello",
        "Hello Verify Request": "HelloVerifyRequest",
        "Server Hello": "ServerHello",
        "Certificate": "Certificate",
        "Server Key Exchange": "ServerKeyExchange",
        "Server Hello Done": "ServerHelloDone",
        "Client Key Exchange": "ClientKeyExchange",
        "New Session Ticket": "NewSessionTicket",
    }
    want: list[tuple[str, str]] = []
    for row in o["ladder"]:
        t = names.get(row["msg"])
        if t is None:
            continue
        item = (dirs[row["dir"]], t)
        if t != "ClientHello" and item in want:
            continue
        want.append(item)
    ours = [(e.sender, e.type) for e in s.events if e.type in names.values()]
    # ClientHellos: tshark lists each fragment; the distinct messages are those with
    # hs_version (complete) rows.
    want_ch = sum(1 for r in o["ladder"] if r["msg"] == "Client Hello" and "hs_version" in r)
    assert sum(1 for x in ours if x[1] == "ClientHello") == want_ch
    assert [x for x in ours if x[1] != "ClientHello"] == [x for x in want if x[1] != "ClientHello"]
