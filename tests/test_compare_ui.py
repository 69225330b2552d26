"""The TUI side of the comparison: ``c``, ``space``, the compare screen, its export, and the
client-fingerprint filter ``J``, on mixed.pcap through the real engine."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_for_load

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Report
from tlstui.ui import make_app
from tlstui.ui.app import TlsApp
from tlstui.ui.screens.compare import CompareScreen, side_values
from tlstui.ui.screens.main import MainScreen
from tlstui.ui.view import fingerprint_counts
from tlstui.ui.widgets.sessions import SessionsTable

MIXED = Path(__file__).resolve().parent.parent / "captures" / "mixed.pcap"
pytestmark = pytest.mark.skipif(not MIXED.exists(), reason="captures/ not present")


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


@pytest.fixture(scope="module")
def report() -> Report:
    return analyze(MIXED)


def app_for(report: Report) -> TlsApp:
    app = make_app("mixed.pcap", analyze=lambda path, **kw: report)
    app.animation_level = "none"
    return app


async def select(pilot, session_id: int) -> None:
    assert pilot.app.screen.query_one(SessionsTable).select_session(session_id)
    await pilot.pause()


@sync
async def test_c_compares_with_the_partner_and_escape_returns(report: Report) -> None:
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await select(pilot, 8)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert (screen.comparison.a.id, screen.comparison.b.id) == (8, 6)
        assert screen.comparison.partner_reason is not None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


@sync
async def test_space_marks_and_c_compares_with_the_marked_session(report: Report) -> None:
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await select(pilot, 1)
        await pilot.press("space")
        assert app.screen.marked == 1  # type: ignore[attr-defined]
        await select(pilot, 11)
        await pilot.press("c")
        await pilot.pause()
        c = app.screen.comparison  # type: ignore[attr-defined]
        assert (c.a.id, c.b.id, c.partner_reason) == (11, 1, None)


@sync
async def test_no_partner_is_a_notice_not_a_screen(report: Report) -> None:
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await select(pilot, 21)  # SNI unknown.example: nothing like it succeeded
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("capture a connection" in str(n.message) for n in app._notifications)


@sync
async def test_export_of_a_comparison(report: Report, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await select(pilot, 17)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        out = tmp_path / "tlstui-compare-17-28.md"
        text = out.read_text(encoding="utf-8")
        assert text.startswith("# TLS sessions #17 and #28 compared\n")
        assert "**Hostname mismatch: the failing server's certificate names wrong.example" in text
        row = (
            "| certificate_names | only a: `wrong.example` | "
            "only b: `localhost`, `127.0.0.1`, `::1` |"
        )
        assert row in text
        assert "## Ladder of a (#17)" in text and "## Ladder of b (#28)" in text
        assert app.clipboard == text


@sync
async def test_j_walks_client_fingerprints_most_failures_first(report: Report) -> None:
    counts = fingerprint_counts(report)
    top, failed, total = counts[0]
    assert failed == max(f for _, f, _ in counts)
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("J")
        await pilot.pause()
        shown = app.screen.query_one(SessionsTable).sessions
        assert len(shown) == total and {s.ja4 for s in shown} == {top}
        for _ in counts:
            await pilot.press("J")
        await pilot.pause()
        assert len(app.screen.query_one(SessionsTable).sessions) == len(report.sessions)


def test_side_values_for_lists(report: Report) -> None:
    from tlstui.analysis.compare import Difference

    d = Difference(
        "groups", ["x25519", "secp256r1"], ["x25519", "x448"], True, ["secp256r1"], ["x448"]
    )
    assert side_values(d) == ("only here: secp256r1", "only here: x448")
    d = Difference("extensions", ["a", "b"], ["b", "a"], True, [], [], reordered=True)
    assert side_values(d) == (
        "2 items, all in b too; shared items in another order",
        "2 items, all in a too; shared items in another order",
    )


@sync
async def test_slash_filter_finds_a_client_fingerprint(report: Report) -> None:
    ja4 = report.sessions[7].ja4  # the no-shared-cipher client's fingerprint, unique in mixed
    assert ja4 is not None
    want = [s.id for s in report.sessions if s.ja4 == ja4]
    app = app_for(report)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("slash", *ja4[:18])
        await pilot.pause()
        assert [s.id for s in app.screen.query_one(SessionsTable).sessions] == want


@sync
async def test_j_and_k_scroll_the_compare_screen_and_the_help(report: Report) -> None:
    """The help lists j/k for moving in a pane; the compare screen and the help itself
    ignored them (only the arrows scrolled)."""
    from tlstui.ui.screens.compare import CompareView

    app = app_for(report)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_load(pilot)
        await select(pilot, 8)
        await pilot.press("c")
        await pilot.pause()
        view = app.screen.query_one(CompareView)
        assert view.max_scroll_y > 3
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert view.scroll_y == 3
        await pilot.press("k")
        await pilot.pause()
        assert view.scroll_y == 2
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help-box")
        assert box.max_scroll_y > 2
        await pilot.press("j", "j")
        await pilot.pause()
        assert box.scroll_y == 2
