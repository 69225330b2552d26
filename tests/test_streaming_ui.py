"""The TUI shows sessions while a large capture is still being read.

The capture is generated from the real showcase capture: its records repeated 1,200 times,
each copy moved 2 s later and its TCP ports shifted so that every copy is its own set of
connections (157,200 packets, 13,200 sessions: enough that reading takes several
batch intervals on a fast, idle machine too).  Counted, not timed: rows must be in the
sessions table while the progress says less than half of the file was read, and the keys
(help, filter) must answer then.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from conftest import wait_for_load
from test_streaming import SHOWCASE, pcap_records

from tlstui.ui.app import make_app
from tlstui.ui.widgets.sessions import SessionsTable

COPIES = 1200


def _big_capture(path: Path) -> None:
    records = pcap_records(SHOWCASE.read_bytes())
    with open(path, "wb") as out:
        out.write(records[0])
        for i in range(COPIES):
            for rec in records[1:]:
                sec, usec, caplen, origlen = struct.unpack_from("<IIII", rec)
                frame = bytearray(rec[16:])
                if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
                    t = 14 + (frame[14] & 0x0F) * 4
                    sport, dport = struct.unpack_from("!HH", frame, t)
                    struct.pack_into("!HH", frame, t, (sport + i) % 65536, (dport + i) % 65536)
                out.write(struct.pack("<IIII", sec + 2 * i, usec, caplen, origlen) + frame)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.pcap"
    _big_capture(path)
    return path


def test_rows_arrive_before_half_the_file_is_read(big: Path) -> None:
    async def run() -> None:
        app = make_app(big)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            table = screen.query_one(SessionsTable)
            rows_early = 0
            help_early = False
            for _ in range(2000):
                await pilot.pause(0.02)
                p = getattr(screen, "_progress", None)
                if p is None or not p.bytes_total:
                    continue
                if p.bytes_done * 2 >= p.bytes_total or not screen._scanning:
                    break
                rows_early = max(rows_early, len(table.sessions))
                if rows_early and not help_early:
                    # keys work while loading: help opens and closes
                    await pilot.press("question_mark")
                    await pilot.pause(0.05)
                    help_early = type(app.screen).__name__ == "HelpScreen"
                    await pilot.press("escape")
            assert rows_early > 0, "no row was shown before half of the file was read"
            assert help_early
            await wait_for_load(pilot)
            assert len(table.sessions) == 11 * COPIES
            assert screen.report is not None
            assert not any(s.in_progress for s in screen.report.sessions)

    asyncio.run(run())


def test_w_saves_the_session_and_asks_before_overwriting(tmp_path: Path) -> None:
    import shutil

    from tlstui.analysis.engine import analyze

    cap = tmp_path / "showcase.pcap"
    shutil.copy(SHOWCASE, cap)
    shutil.copy(SHOWCASE.with_suffix(".keys"), tmp_path / "showcase.keys")
    out = tmp_path / "showcase-session-3.pcapng"

    async def run() -> None:
        app = make_app(cap)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_load(pilot)
            table = app.screen.query_one(SessionsTable)
            table.select_session(3)
            await pilot.pause()
            await pilot.press("w")
            await pilot.pause()
            assert type(app.screen).__name__ == "ExtractScreen"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert out.exists()
            first = out.read_bytes()
            messages = [n.message for n in app._notifications]
            assert any("wrote session 3" in m and "key log line" in m for m in messages)
            # Again: the file exists, the first Enter only asks.
            out.write_bytes(b"keep me")
            await pilot.press("w")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert type(app.screen).__name__ == "ExtractScreen"
            assert out.read_bytes() == b"keep me"
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen).__name__ == "MainScreen"
            assert out.read_bytes() == b"keep me"
            # Confirmed: overwritten with the same packets.
            await pilot.press("w")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert out.read_bytes() == first

    asyncio.run(run())
    copy = analyze(out).sessions
    assert len(copy) == 1 and copy[0].status == "ok" and copy[0].established


def test_w_with_several_captures_saves_from_the_sessions_own_file(tmp_path: Path) -> None:
    """Two captures open together: session 2 comes from the second file, and w saves it from
    there (it read the first file with the second one's frame numbers: an empty capture)."""
    import shutil

    from tlstui.analysis.engine import analyze
    from tlstui.cli import _several_for_ui

    udp = SHOWCASE.parent / "udp"
    first, second = tmp_path / "quic-ok.pcap", tmp_path / "dtls12-untrusted-ca.pcap"
    shutil.copy(udp / first.name, first)
    shutil.copy(udp / second.name, second)
    out = tmp_path / "dtls12-untrusted-ca-session-2.pcapng"  # named after its own file

    async def run() -> None:
        app = make_app(first, analyze=_several_for_ui([str(first), str(second)]))
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_load(pilot)
            table = app.screen.query_one(SessionsTable)
            assert len(table.sessions) == 2
            table.select_session(2)
            await pilot.pause()
            await pilot.press("w")
            await pilot.pause()
            assert type(app.screen).__name__ == "ExtractScreen"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert any("wrote session 2 (11 packets)" in m for m in messages), messages

    asyncio.run(run())
    (copy,) = analyze(out).sessions
    assert (copy.transport, copy.status) == ("udp", "failed")
    assert copy.diagnosis is not None and copy.diagnosis.best.cause == "untrusted_ca"


def test_progress_line_live_and_reading() -> None:
    from tlstui.analysis.engine import Progress
    from tlstui.ui.widgets.summary import progress_text

    live = progress_text("cap.pcap", Progress(2_500_000, 2_500_000, 1234, 12, 0.0, True, 3.2))
    assert live.plain == (
        "Following cap.pcap · 2.5 MB · 1,234 packets · 12 sessions · last packet 3 s ago"
    )
    pipe = progress_text("-", Progress(1_000, None, 1, 0, 0.0, True, 0.2))
    assert pipe.plain.startswith("Following standard input · 0.0 MB")
    assert pipe.plain.endswith("last packet just now")
    reading = progress_text("big.pcap", Progress(350_000, 1_000_000, 99, 5, 85e6))
    assert reading.plain == "Reading big.pcap… ███░░░░░░░ 35% · 85 MB/s · 99 packets · 5 sessions"


def test_w_into_a_missing_folder_says_so_and_keeps_the_dialog(tmp_path: Path) -> None:
    """A path in a folder that does not exist: the dialog names that folder (not a temporary
    file the user never typed), stays open with the path, and nothing is written."""
    from textual.widgets import Input, Static

    missing = tmp_path / "nodir"
    typed = str(missing / "x.pcapng")

    async def run() -> None:
        app = make_app(SHOWCASE)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("w")
            await pilot.pause()
            assert type(app.screen).__name__ == "ExtractScreen"
            app.screen.query_one("#extract-path", Input).value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert type(app.screen).__name__ == "ExtractScreen"
            assert app.screen.query_one("#extract-path", Input).value == typed
            hint = str(app.screen.query_one("#extract-hint", Static).render())
            assert hint == f"No such folder: {missing}"
            assert not missing.exists()
            assert not any("Could not save" in n.message for n in app._notifications)

    asyncio.run(run())


def test_folder_problem(tmp_path: Path) -> None:
    from tlstui.ui.screens.extract import folder_problem

    assert folder_problem(tmp_path / "a.pcapng") is None
    assert folder_problem(tmp_path / "no" / "a.pcapng") == f"No such folder: {tmp_path / 'no'}"
    (tmp_path / "f").write_text("x")
    assert folder_problem(tmp_path / "f" / "a.pcapng") == f"Not a folder: {tmp_path / 'f'}"
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    import os

    if os.access(locked, os.W_OK):  # root writes anywhere: nothing to check then
        return
    assert folder_problem(locked / "a.pcapng") == f"Cannot write in {locked}: permission denied"


def test_follow_of_a_truncated_file_says_why_it_stopped(tmp_path: Path) -> None:
    """--follow, then the file is cut below what was read: the engine stops with a warning;
    the screen shows it as a notification and the header says "stopped following"."""
    import os
    import shutil

    from tlstui.ui.widgets.summary import SummaryBar

    path = tmp_path / "t.pcap"
    shutil.copy(SHOWCASE, path)

    async def run() -> None:
        app = make_app(path, follow=True, keylog=False)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            table = app.screen.query_one(SessionsTable)
            for _ in range(500):
                await pilot.pause(0.02)
                if len(table.sessions) == 11:
                    break
            assert len(table.sessions) == 11
            assert app.screen._scanning  # still following
            os.truncate(path, 3000)
            await wait_for_load(pilot)
            assert not app.screen._scanning
            notes = [n for n in app._notifications if n.title == "Stopped following"]
            assert len(notes) == 1
            assert notes[0].message == (
                f"{path}: the file was truncated (now 3,000 bytes, 24,982 read); stopped following"
            )
            header = str(app.screen.query_one(SummaryBar).render())
            assert header.startswith("t.pcap · 131 packets · 11 sessions")
            assert "stopped following" in header

    asyncio.run(run())


def test_a_capture_that_could_not_be_read_is_said_in_the_tui(tmp_path: Path) -> None:
    """Several captures, one of them not a capture: --report names it on stderr, and the TUI
    said nothing (the reader's warnings reached only the report); now a notification does."""
    import shutil

    from tlstui.cli import _several_for_ui

    good = tmp_path / "quic-ok.pcap"
    shutil.copy(SHOWCASE.parent / "udp" / good.name, good)
    bad = tmp_path / "notes.pcap"
    bad.write_text("not a capture\n")

    async def run() -> None:
        app = make_app(good, analyze=_several_for_ui([str(good), str(bad)]))
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_load(pilot)
            notes = [(n.title, n.message) for n in app._notifications]
            assert any(
                title == "Capture warnings" and "notes.pcap" in message and "not a pcap" in message
                for title, message in notes
            ), notes

    asyncio.run(run())
