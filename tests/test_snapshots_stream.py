"""Snapshots of the streaming states: sessions arriving while the capture is read, and the
save-session dialog (``w``).  LOOK at every changed SVG before accepting it.

The arriving state is made deterministic: the loader is a stand-in that waits, and the test
posts one batch built from the real showcase analysis (six ended sessions with a provisional
diagnosis, one connection still open).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tlstui.analysis.engine import Batch, Progress, analyze
from tlstui.ui import make_app
from tlstui.ui.messages import LoadBatch
from tlstui.ui.widgets.sessions import SessionsTable

ROOT = Path(__file__).resolve().parent.parent
SHOWCASE = Path("captures/showcase.pcap")
NARROW = (80, 24)
WIDE = (160, 48)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _arriving_app():
    report = analyze(ROOT / SHOWCASE)
    ended = report.sessions[:6]
    for s in ended:
        assert s.diagnosis is not None
        s.diagnosis.provisional = True
    s7 = report.sessions[6]
    open_one = replace(s7, events=s7.events[:2], status="incomplete", in_progress=True)
    batch = Batch(
        Progress(10_240, 24_982, 61, 7, rate=5.2e6),
        ended=ended,
        updated=[open_one],
    )
    started = threading.Event()

    def waiting(path, *, keylog=None, progress=None, should_stop=None):
        started.set()
        while not should_stop():
            threading.Event().wait(0.01)
        return report

    result = make_app(SHOWCASE, analyze=waiting)
    result.animation_level = "none"

    async def run_before(pilot: Pilot) -> None:
        started.wait(5)
        pilot.app.screen.post_message(LoadBatch(batch))
        await pilot.pause(0.2)
        table = pilot.app.screen.query_one(SessionsTable)
        table.select_session(2)
        await pilot.pause()

    return result, run_before


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "160x48"])
def test_sessions_arriving(snap_compare, size) -> None:
    app, run_before = _arriving_app()
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "160x48"])
def test_save_session_dialog(snap_compare, size) -> None:
    from conftest import wait_for_load

    app = make_app(SHOWCASE)
    app.animation_level = "none"

    async def run_before(pilot: Pilot) -> None:
        await wait_for_load(pilot)
        pilot.app.screen.query_one(SessionsTable).select_session(2)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause(0.3)
        # The cursor blinks on a timer: a fixed phase keeps the picture the same under load.
        pilot.app.screen.query_one("#extract-path").cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "160x48"])
def test_save_session_dialog_missing_folder(snap_compare, size) -> None:
    """A path in a folder that does not exist: the dialog says so about that folder and keeps
    the typed path to correct."""
    from conftest import wait_for_load
    from textual.widgets import Input

    app = make_app(SHOWCASE)
    app.animation_level = "none"

    async def run_before(pilot: Pilot) -> None:
        await wait_for_load(pilot)
        await pilot.press("w")
        await pilot.pause(0.3)
        box = pilot.app.screen.query_one("#extract-path", Input)
        box.cursor_blink = False
        box.value = "/nonexistent-tlstui-folder/nodir/x.pcapng"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _followed_then_truncated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The real engine following ``t.pcap`` (a copy of the showcase) until the file is cut
    below what was read: its final report, with the engine's warning."""
    import os
    import time

    from tlstui.analysis.engine import scan

    monkeypatch.chdir(tmp_path)
    path = Path("t.pcap")
    path.write_bytes((ROOT / SHOWCASE).read_bytes())

    def cut() -> None:
        time.sleep(0.6)
        os.truncate(path, 3000)

    t = threading.Thread(target=cut)
    t.start()
    final = None
    for batch in scan(path, follow=True, interval=0.05, keylog=False):
        final = batch
    t.join()
    monkeypatch.chdir(ROOT)
    assert final is not None and final.report is not None
    return final.report


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["80x24", "160x48"])
def test_follow_stopped_by_a_truncated_file(snap_compare, size, tmp_path, monkeypatch) -> None:
    """--follow ended because the file was truncated: the header says "stopped following"
    and a notification gives the engine's reason."""
    report = _followed_then_truncated(tmp_path, monkeypatch)
    assert report.capture.warnings == [
        "t.pcap: the file was truncated (now 3,000 bytes, 24,982 read); stopped following"
    ]
    app = make_app("t.pcap", analyze=lambda *a, **k: report, follow=True)
    app.animation_level = "none"

    async def run_before(pilot: Pilot) -> None:
        from conftest import wait_for_load

        await wait_for_load(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
