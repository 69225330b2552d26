"""``--extract ID -o OUT.pcapng``: one session saved, read back with the same verdict.

For every failed session of every bundled capture, and every QUIC, DTLS and tunnelled session:
the extracted file holds exactly the session's frames (tshark's count of that flow's frames in
the original; a failed proxy client leg with its failed upstream leg), gives the same ladder
(types, senders, encryption, times) and the same cause when tlstui reads it, and embeds only
those sessions' key log lines.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tlstui.analysis.diagnosis import diagnose_session
from tlstui.analysis.engine import analyze
from tlstui.analysis.extract import extract_session, keylog_lines, session_key_lines
from tlstui.cli import main

CAPTURES = Path(__file__).resolve().parents[1] / "captures"
FILES = sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))
TSHARK = shutil.which("tshark")

FAILED = [
    (path, s.id)
    for path in FILES
    for s in analyze(path, diagnose=False).sessions
    if s.status == "failed"
]


def _ladder(session):
    return [(e.type, e.sender, e.encrypted, round(e.time, 6)) for e in session.events]


def _tshark_count(path: Path, session) -> int:
    """Frames of the session's flow in the original, by tshark's own dissection (UDP for
    QUIC/DTLS, TCP otherwise, at any tunnel depth: the filter fields match inner headers)."""
    c, s = session.client, session.server
    ip = "ipv6" if ":" in c.ip else "ip"
    l4 = "tcp" if session.transport == "tcp" else "udp"
    flt = (
        f"{ip}.addr=={c.ip} && {ip}.addr=={s.ip} && {l4}.port=={c.port} && {l4}.port=={s.port}"
        f" && frame.number>={session.first_frame} && frame.number<={session.last_frame}"
    )
    out = subprocess.run(
        [TSHARK, "-r", str(path), "-n", "-Y", flt, "-T", "fields", "-e", "frame.number"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return len(out.split())


def test_there_are_failures_to_extract() -> None:
    assert len(FAILED) >= 20
    assert {p.suffix for p, _ in FAILED} == {".pcap", ".pcapng"}


@pytest.mark.parametrize("path,sid", FAILED, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_extract_round_trip(path: Path, sid: int, tmp_path: Path) -> None:
    report = analyze(path)
    session = next(s for s in report.sessions if s.id == sid)
    lines = keylog_lines(path, None)
    out = tmp_path / "one.pcapng"
    result = extract_session(path, session, out, lines)

    again = analyze(out)
    # A failed proxy client leg takes its failed upstream leg along: the report explains the
    # one by the other, and so does the extract (it used to give the proxy's alert instead).
    up = session.upstream_leg
    saved = [session] if up is None or up.status != "failed" else [session, up]
    assert result.upstream == (up.id if len(saved) == 2 else None)
    assert len(again.sessions) == len(saved)
    copy = next(
        s for s in again.sessions if (s.client, s.server) == (session.client, session.server)
    )
    assert copy.status == "failed"
    assert copy.diagnosis is not None and session.diagnosis is not None
    assert copy.diagnosis.best.cause == session.diagnosis.best.cause
    if len(saved) == 2:
        assert copy.diagnosis.best.rule == session.diagnosis.best.rule == "proxy_upstream_failed"
        assert diagnose_session(session).best.cause != session.diagnosis.best.cause
    assert _ladder(copy) == _ladder(session)
    assert again.capture.packets == result.packets
    assert (
        result.packets <= max(s.last_frame for s in saved) - min(s.first_frame for s in saved) + 1
    )

    # Only this session's secrets are in the file; the other sessions' randoms never are.
    body = out.read_bytes()
    mine = [line for one in saved for line in session_key_lines(one, lines)]
    assert result.key_lines == len(mine)
    for line in mine:
        assert line.encode() in body
    for other in report.sessions:
        if all(other is not one for one in saved) and other.client_hello is not None:
            assert other.client_hello.random.hex().encode() not in body

    if TSHARK:
        assert sum(_tshark_count(path, one) for one in saved) == result.packets
        count = subprocess.run(
            [TSHARK, "-r", str(out), "-n", "-T", "fields", "-e", "frame.number"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        assert len(count) == result.packets


def test_keys_embedded_and_used(tmp_path: Path) -> None:
    """A TLS 1.3 failure whose alert is readable only with keys stays readable in the extract."""
    path = CAPTURES / "tls13-client-cert-missing.pcap"
    report = analyze(path)
    session = next(s for s in report.sessions if s.failed)
    assert any(a.decrypted for a in session.alerts)
    out = tmp_path / "one.pcapng"
    result = extract_session(path, session, out, keylog_lines(path, None))
    assert result.key_lines >= 4  # TLS 1.3: handshake and traffic secrets of both sides
    assert "with its" in result.describe(session.id)
    copy = analyze(out).sessions[0]
    assert [(a.code, a.decrypted) for a in copy.alerts] == [
        (a.code, a.decrypted) for a in session.alerts
    ]
    # and tshark decrypts it from the embedded block alone
    if TSHARK:
        text = subprocess.run(
            [
                TSHARK,
                "-r",
                str(out),
                "-n",
                "-Y",
                "tls.alert_message",
                "-T",
                "fields",
                "-e",
                "tls.alert_message.desc",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        assert [int(x) for x in text] == [a.code for a in session.alerts]


def test_cli_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.pcapng"
    assert main([str(CAPTURES / "showcase.pcap"), "--extract", "2", "-o", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith("tlstui: wrote session 2 (") and str(out) in line
    assert out.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"


def test_cli_extract_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.pcapng"
    assert main([str(CAPTURES / "showcase.pcap"), "--extract", "999", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no session 999" in err
    assert not out.exists()


def test_cli_extract_refuses_to_overwrite_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cap = tmp_path / "c.pcap"
    cap.write_bytes((CAPTURES / "showcase.pcap").read_bytes())
    assert main([str(cap), "--extract", "1", "-o", str(cap)]) == 2
    assert "is the capture being read" in capsys.readouterr().err
    assert cap.read_bytes() == (CAPTURES / "showcase.pcap").read_bytes()


# QUIC, DTLS and tunnelled sessions: --extract used to match TCP frames only, so each of these
# came out as a file with no session in it.
UDP_AND_TUNNELS = [
    (path, s.id)
    for path in sorted((CAPTURES / "udp").glob("*.pcap"))
    + sorted((CAPTURES / "tunnels").glob("*.pcap"))
    for s in analyze(path, diagnose=False).sessions
]


def test_there_are_udp_and_tunnel_sessions_to_extract() -> None:
    transports = {analyze(p, diagnose=False).sessions[0].transport for p, _ in UDP_AND_TUNNELS}
    assert transports == {"quic", "udp", "tcp"}  # QUIC, DTLS, and TCP inside VXLAN
    assert len(UDP_AND_TUNNELS) >= 16


@pytest.mark.parametrize(
    "path,sid",
    UDP_AND_TUNNELS,
    ids=lambda v: f"{v.parent.name}/{v.name}" if isinstance(v, Path) else v,
)
def test_extract_round_trip_udp_and_tunnels(path: Path, sid: int, tmp_path: Path) -> None:
    report = analyze(path)
    session = next(s for s in report.sessions if s.id == sid)
    out = tmp_path / "one.pcapng"
    result = extract_session(path, session, out, keylog_lines(path, None))
    again = analyze(out)
    assert len(again.sessions) == 1
    copy = again.sessions[0]
    assert (copy.transport, copy.status) == (session.transport, session.status)
    assert copy.diagnosis is not None and session.diagnosis is not None
    assert copy.diagnosis.best.cause == session.diagnosis.best.cause
    assert _ladder(copy) == _ladder(session)
    assert (copy.client, copy.server) == (session.client, session.server)
    assert copy.malformed == session.malformed  # "inside a tunnel: vxlan ..." stays
    assert again.capture.packets == result.packets > 0
    if TSHARK:
        assert _tshark_count(path, session) == result.packets


def test_extract_takes_the_upstream_leg_from_the_other_capture(tmp_path: Path) -> None:
    """The proxy captured on both sides, one file per side (opened together, as `w` in the
    TUI does): the client leg's extract takes its failed upstream leg from the other file,
    merged in time order, and keeps the report's cause (it gave peer_internal_error, the
    proxy's own alert)."""
    from tlstui.analysis.multi import analyze_many

    client_file = CAPTURES / "proxy-upstream-untrusted-client-leg.pcap"
    upstream_file = CAPTURES / "proxy-upstream-untrusted-upstream-leg.pcap"
    rep = analyze_many([client_file, upstream_file]).report
    assert rep is not None
    leg = next(s for s in rep.sessions if s.upstream_leg is not None)
    up = leg.upstream_leg
    assert up is not None and (leg.capture, up.capture) == (str(client_file), str(upstream_file))
    assert leg.diagnosis is not None and leg.diagnosis.best.rule == "proxy_upstream_failed"
    out = tmp_path / "legs.pcapng"
    result = extract_session(client_file, leg, out, keylog_lines(client_file, None))
    assert result.upstream == up.id
    assert f"and its proxy upstream leg {up.id}" in result.describe(leg.id)
    again = analyze(out)
    assert [(s.client, s.server) for s in again.sessions] == [
        (leg.client, leg.server),
        (up.client, up.server),
    ]
    copy = again.sessions[0]
    assert copy.diagnosis is not None
    assert (copy.diagnosis.best.cause, copy.diagnosis.best.rule) == (
        leg.diagnosis.best.cause,
        "proxy_upstream_failed",
    )
    times = [e.time for s in again.sessions for e in s.events]
    assert times == sorted(times) or again.capture.packets == result.packets
    alone = {p: analyze(p).capture.packets for p in (client_file, upstream_file)}
    assert result.packets == again.capture.packets <= sum(alone.values())
    if TSHARK:
        assert result.packets == _tshark_count(client_file, leg) + _tshark_count(upstream_file, up)
    # The upstream leg's secrets, from the key log beside its own file (the proxy logged its
    # own client side; nobody logged the client leg's).
    body = out.read_bytes()
    assert up.client_hello is not None and leg.client_hello is not None
    assert up.client_hello.random.hex().encode() in body
    assert leg.client_hello.random.hex().encode() not in body
    assert result.key_lines == len(session_key_lines(up, keylog_lines(upstream_file, None))) == 5
