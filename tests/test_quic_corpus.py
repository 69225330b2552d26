"""Every QUIC connection of the public corpus agrees with its tshark oracle.

``../shared/corpus/quic-oracle.jsonl`` lists, per connection with a ClientHello, what tshark
4.0 reads after removing Initial packet protection: endpoints, the frame where the ClientHello
was complete, SNI, ALPN offered, QUIC version and the ServerHello's cipher suite.  Google QUIC
captures (no TLS inside) must give no QUIC session at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Session

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ORACLE = CORPUS / "quic-oracle.jsonl"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not ORACLE.exists(), reason="../shared/corpus not present"),
]


def _oracle() -> dict[str, list[dict]]:
    by_file: dict[str, list[dict]] = defaultdict(list)
    if ORACLE.exists():
        for line in ORACLE.read_text().splitlines():
            if line.strip():
                o = json.loads(line)
                by_file[o["file"]].append(o)
    return by_file


ORACLES = _oracle()


def _find(sessions: list[Session], o: dict) -> Session:
    for s in sessions:
        if str(s.client).replace("[", "").replace("]", "") == o["client"] and (
            s.transport == o["transport"]
        ):
            return s
    raise AssertionError(f"no {o['transport']} session from {o['client']}")


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_quic_connections_agree_with_tshark(name: str) -> None:
    report = analyze(CORPUS / name, diagnose=False)
    expected = ORACLES[name]
    quic = [s for s in report.sessions if s.transport == "quic"]
    assert len(quic) == sum(o["transport"] == "quic" for o in expected)
    for o in expected:
        s = _find(report.sessions, o)
        assert str(s.server).replace("[", "").replace("]", "") == o["server"]
        ch_events = [e for e in s.events if e.type == "ClientHello"]
        assert ch_events and ch_events[0].frame == o["first_client_hello_frame"]
        ch = s.client_hello
        assert ch is not None
        assert ch.sni == o["sni"]
        assert list(ch.alpn) == o["alpn_offered"]
        if "cipher_suite" in o:
            assert s.cipher_suite == o["cipher_suite"]
        if o["transport"] == "quic":
            assert s.quic is not None
            assert f"0x{s.quic.version:08x}" == o["quic_version"]
            assert s.quic.client_cid is not None


@pytest.mark.parametrize("name", ["quic-alerts", "quic-cyu"])
def test_google_quic_is_not_ietf_quic(name: str) -> None:
    report = analyze(CORPUS / "suricata-verify" / name / "input.pcap", diagnose=False)
    assert [s for s in report.sessions if s.transport == "quic"] == []


def test_retry_and_v2_are_in_the_ladder() -> None:
    retry = analyze(CORPUS / "suricata-verify/quic-retry/input.pcap")
    (s,) = retry.sessions
    assert s.quic is not None and s.quic.retries >= 1
    assert next(e.frame for e in s.events if e.type == "Retry") == 3
    assert s.server_hello is not None  # opened with keys from the Retry's connection id
    v2 = analyze(CORPUS / "suricata-verify/quic-v2/input.pcap")
    (s2,) = v2.sessions
    assert s2.quic is not None and s2.quic.version == 0x6B3343CF
    assert s2.cipher_suite == 0x1301


def test_quic_ja4_starts_with_q_and_matches_foxio() -> None:
    """JA4 names the protocol in its first character (q = QUIC); the Chrome -> Cloudflare
    connection (client port 50280) is FoxIO's published QUIC example."""
    report = analyze(CORPUS / "suricata-verify/ja4-tls-quic/input.pcap", diagnose=False)
    quic = next(s for s in report.sessions if s.transport == "quic")
    tcp = next(s for s in report.sessions if s.transport == "tcp")
    assert quic.client.port == 50280
    assert quic.ja4 == "q13d0310h3_55b375c5d22e_cd85d2d88918"
    assert tcp.ja4 is not None and tcp.ja4.startswith("t13")


def _corpus_sessions(name: str) -> list[Session]:
    path = CORPUS / "suricata-verify" / name / "input.pcap"
    if not path.exists():
        pytest.skip(f"{path} missing")
    return analyze(path).sessions


def test_unanswered_quic_initial_is_not_explained_as_tcp() -> None:
    """A lone client Initial with no server packet: over UDP nothing shows the server took it,
    so no TCP story ("took the connection", PROXY header) and never high."""
    sessions = _corpus_sessions("ja4-quic")
    assert len(sessions) == 11
    for s in sessions:
        d = s.diagnosis.best  # type: ignore[union-attr]
        assert (s.status, d.cause, d.fault) == ("incomplete", "no_response", "unknown")
        assert d.confidence in ("medium", "low")
        assert "took the connection" not in d.explanation and "PROXY" not in d.explanation
        assert "UDP/443" in d.explanation and "cannot tell these apart" in d.explanation
        assert any("ICMP port unreachable" in c for c in d.check_next)
    first = sessions[0].diagnosis.best  # type: ignore[union-attr]
    assert first.confidence == "medium"
    assert first.summary == (
        "No reply from the server to the QUIC Initial: filtered, nothing listening, or ignored"
    )
    assert sessions[-1].diagnosis.best.confidence == "low"  # type: ignore[union-attr]


def test_quic_flight_resent_for_100_s_is_medium_not_capture_too_short() -> None:
    """The server sends its flight again up to t=102.4 s, the client never answers: the
    capture went on (medium, as docs/diagnosis.md says for >= 5 s), and a ServerHello is not
    called a complete QUIC flight."""
    (s,) = _corpus_sessions("quic-initial-not-first")
    d = s.diagnosis.best  # type: ignore[union-attr]
    assert (d.cause, d.confidence) == ("no_response", "medium")
    assert d.summary == (
        "No answer from the client to the server's flight (last message: ServerHello, "
        "frame 8) in 102.1 s"
    )
    assert "stopped too soon" not in d.explanation and "complete" not in d.explanation
    assert "this connection's packets go on until frame 43" in d.explanation


def test_report_header_counts_sessions_that_got_no_answer() -> None:
    """11 unanswered Initials: the --report header says so, not "no failures"."""
    import io

    from rich.console import Console

    from tlstui.output import describe
    from tlstui.output.text_report import print_report

    path = CORPUS / "suricata-verify" / "ja4-quic" / "input.pcap"
    if not path.exists():
        pytest.skip(f"{path} missing")
    report = analyze(path)
    assert describe.failure_summary(report) == "11 incomplete: 11 no_response"
    out = io.StringIO()
    print_report(report, console=Console(file=out, width=80))
    assert out.getvalue().splitlines()[2] == "11 incomplete: 11 no_response"
    assert "no failures" not in out.getvalue()
