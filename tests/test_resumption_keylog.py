"""A TLS 1.2 session resumed with a ticket decrypts with the key log line of the full
handshake that issued the ticket (the resumed session's own CLIENT_RANDOM line removed), as
Wireshark does with its session ID/ticket -> master secret map."""

from __future__ import annotations

from pathlib import Path

from tlstui.analysis.engine import analyze

CAP = Path(__file__).resolve().parents[1] / "captures" / "tls12-resumption-ticket.pcap"


def test_resumed_session_uses_the_full_handshakes_master(tmp_path: Path) -> None:
    lines = CAP.with_suffix(".keys").read_text().splitlines()
    assert len(lines) == 2  # one CLIENT_RANDOM per connection
    first_only = tmp_path / "first.keys"
    first_only.write_text(lines[0] + "\n")
    full, resumed = analyze(CAP, keylog=first_only).sessions
    assert not full.resumed and resumed.resumed
    fins = [(e.frame, e.sender) for e in resumed.events if e.type == "Finished"]
    assert fins == [(23, "server"), (25, "client")]
    assert [(a.frame, a.code, a.decrypted) for a in resumed.alerts] == [
        (29, 0, True),
        (31, 0, True),
    ]
    assert any("resumed session, decrypted" in n for n in resumed.malformed)


def test_without_the_full_handshake_line_nothing_is_invented(tmp_path: Path) -> None:
    lines = CAP.with_suffix(".keys").read_text().splitlines()
    other = tmp_path / "second.keys"
    other.write_text("CLIENT_RANDOM " + "00" * 32 + " " + "11" * 48 + "\n")
    _full, resumed = analyze(CAP, keylog=other).sessions
    assert not any(e.type == "Finished" for e in resumed.events)
    assert all(a.code is None for a in resumed.alerts)
    assert lines
