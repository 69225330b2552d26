"""Pilot tests for the TUI's keys and behaviour, on the committed showcase capture through the
real engine and ``make_app``.

Expectations are derived from the analysed report (which sessions failed, with which cause),
so they hold when the capture is regenerated with new ports and timings.
"""

from __future__ import annotations

import asyncio
import functools
import io
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SHOWCASE, quiet_app, wait_for_load
from rich.console import Console
from textual.widgets import Static

from tlstui.analysis.engine import CaptureError, Progress
from tlstui.analysis.model import Report
from tlstui.output import describe
from tlstui.ui import make_app
from tlstui.ui.app import TlsApp
from tlstui.ui.screens.error import ErrorScreen
from tlstui.ui.screens.help import HelpScreen
from tlstui.ui.widgets.detail import DetailView
from tlstui.ui.widgets.ladder import LadderView
from tlstui.ui.widgets.sessions import SessionsTable


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test body with asyncio (no async pytest plugin is installed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def showcase_app() -> TlsApp:
    return quiet_app(SHOWCASE)


def app_for(report: Report, name: str = "showcase.pcap") -> TlsApp:
    """The app on an already analysed (possibly edited) report."""
    return quiet_app(name, analyze=lambda path, **kw: report)


def ids(report: Report, predicate: Callable[[Any], bool]) -> list[int]:
    return [s.id for s in report.sessions if predicate(s)]


def visible(app: TlsApp) -> list[int]:
    return [s.id for s in app.screen.query_one(SessionsTable).sessions]


def current(app: TlsApp) -> int | None:
    session = app.screen.query_one(SessionsTable).current
    return session.id if session else None


def detail_text(app: TlsApp) -> str:
    body = app.screen.query_one("#detail-body", Static)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(body.content)
    return console.export_text()


class TestSessionsList:
    @sync
    async def test_starts_on_the_first_failed_session(self, report: Report) -> None:
        """The cursor starts on the first failure, so its diagnosis shows at once."""
        async with showcase_app().run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            assert current(pilot.app) == ids(report, lambda s: s.failed)[0]
            assert visible(pilot.app) == ids(report, lambda s: True)

    @sync
    async def test_filter_narrows_to_matching_sessions(self, report: Report) -> None:
        """`/` then text keeps the sessions whose alert, cause, SNI or address match; Enter keeps
        the filter and returns to the list; Escape clears it."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("slash", *"unknown_ca")
            expected = ids(report, lambda s: "unknown_ca" in describe.outcome_text(s))
            assert expected and visible(app) == expected
            await pilot.press("enter")
            assert app.focused is app.screen.query_one(SessionsTable)
            assert visible(app) == expected
            await pilot.press("escape")
            assert visible(app) == ids(report, lambda s: True)

    @sync
    async def test_filter_by_cause_port_and_words(self, report: Report) -> None:
        """The filter matches a cause, a server port, and needs every word to match."""
        app = showcase_app()
        target = report.sessions[3]
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("slash", *"untrusted_ca")
            assert visible(app) == ids(report, lambda s: s.diagnosis.best.cause == "untrusted_ca")
            await pilot.press("escape", "slash", *str(target.server.port))
            assert visible(app) == [target.id]
            await pilot.press("escape", "slash", *f"localhost {target.server.port}")
            assert visible(app) == [target.id]
            await pilot.press("escape", "slash", *"no-such-thing")
            assert visible(app) == []
            assert "No session matches" in detail_text(app)

    @sync
    async def test_failed_only_toggle(self, report: Report) -> None:
        """`f` shows failed sessions only; again shows all."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("f")
            assert visible(app) == ids(report, lambda s: s.failed)
            await pilot.press("f")
            assert visible(app) == ids(report, lambda s: True)

    @sync
    async def test_next_and_previous_failed(self, report: Report) -> None:
        """`n` lands on the next failed session (skipping ok ones, wrapping); `N` goes back."""
        failed = ids(report, lambda s: s.failed)
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("home")
            assert current(app) == report.sessions[0].id
            for expected in failed:
                await pilot.press("n")
                assert current(app) == expected
            await pilot.press("n")
            assert current(app) == failed[0]
            await pilot.press("N")
            assert current(app) == failed[-1]

    @sync
    async def test_cause_groups_cycle(self, report: Report) -> None:
        """`g` cycles the header's cause groups (most frequent first), then shows all again."""
        app = showcase_app()
        causes = [cause for cause, _ in describe.failure_counts(report)]
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            for cause in causes:
                await pilot.press("g")
                assert visible(app) == ids(
                    report, lambda s, c=cause: s.failed and s.diagnosis.best.cause == c
                )
            await pilot.press("g")
            assert visible(app) == ids(report, lambda s: True)

    @sync
    async def test_sort_cycles(self, report: Report) -> None:
        """`s` cycles the sort: status puts failures first, duration the longest first."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("s")
            assert visible(app) == (
                ids(report, lambda s: s.failed) + ids(report, lambda s: not s.failed)
            )
            await pilot.press("s", "s")
            longest = max(report.sessions, key=lambda s: s.end - s.start)
            assert visible(app)[0] == longest.id
            await pilot.press("s")
            assert visible(app) == ids(report, lambda s: True)


class TestLadderAndDetail:
    @sync
    async def test_enter_opens_ladder_at_the_alert(self, report: Report) -> None:
        """Enter on a failed session focuses its ladder on the fatal alert; the detail gives the
        alert's meaning and the diagnosis."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("enter")
            ladder = app.screen.query_one(LadderView)
            assert app.focused is ladder
            assert ladder.highlighted is not None and ladder.session is not None
            (index,) = ladder.groups[ladder.highlighted]
            event = ladder.session.events[index]
            assert event.type == "Alert"
            text = detail_text(app)
            assert describe.alert_name_text(event.detail.code) in text  # type: ignore[union-attr]
            assert "meaning" in text
            assert ladder.session.diagnosis.best.cause in text  # type: ignore[union-attr]
            assert "check next" in text

    @sync
    async def test_ladder_keys_select_events(self) -> None:
        """Moving in the ladder shows each event; Enter goes to the detail pane."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("enter", "home")
            assert "ClientHello" in detail_text(app)
            assert "cipher suites" in detail_text(app)
            await pilot.press("j")
            assert "ServerHello" in detail_text(app)
            await pilot.press("enter")
            assert app.focused is app.screen.query_one(DetailView)

    @sync
    async def test_zoom_toggles_the_focused_pane(self) -> None:
        """`z` maximises the focused pane; `z` again restores."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("3", "z")
            assert app.screen.maximized is app.screen.query_one(DetailView)
            await pilot.press("z")
            assert app.screen.maximized is None


class TestExport:
    @sync
    async def test_export_writes_markdown(
        self, report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`e` writes tlstui-CAPTURE-session-N.md in the current directory, never over an
        earlier export, shows the full path, and says the clipboard copy was *sent*."""
        monkeypatch.chdir(tmp_path)
        session = next(s for s in report.sessions if s.failed)
        earlier = tmp_path / f"tlstui-showcase-session-{session.id}.md"
        earlier.write_text("an export of another capture\n")
        app = showcase_app()
        notes: list[str] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
            await pilot.press("e")
            assert earlier.read_text() == "an export of another capture\n"
            out = tmp_path / f"tlstui-showcase-session-{session.id}-2.md"
            assert out.exists()
            text = out.read_text(encoding="utf-8")
            assert text.startswith(f"# TLS session #{session.id}: ✗ failed")
            assert f"`{session.diagnosis.best.cause}`" in text  # type: ignore[union-attr]
            assert "## Handshake ladder" in text
            assert app.clipboard == text
            assert notes[-1].startswith(f"Wrote {out.resolve()}\n")
            assert "Sent to the clipboard by OSC 52 (in tmux: set -g set-clipboard on" in notes[-1]
            assert "also copied" not in notes[-1]


class TestCaptureText:
    @sync
    async def test_hostile_sni_renders_literally(self, report: Report) -> None:
        """An SNI with markup and an escape sequence is shown as text, never interpreted."""
        session = report.sessions[0]
        assert session.client_hello is not None
        old = session.client_hello.sni
        session.client_hello.sni = "[red]x\x1b[31m"
        try:
            app = app_for(report)
            async with app.run_test(size=(120, 30)) as pilot:
                await wait_for_load(pilot)
                await pilot.press("home")
                table = app.screen.query_one(SessionsTable)
                assert "[red]x\\x1b[31m" in table.row_plain(0)
                assert "[red]x\\x1b[31m" in table.render_line(1).text
                assert "SNI [red]x\\x1b[31m" in " ".join(detail_text(app).split())
                await pilot.press("slash", *"[red]")
                assert visible(app) == [session.id]
        finally:
            session.client_hello.sni = old


class TestScreens:
    @sync
    async def test_help_screen(self) -> None:
        """`?` and F1 open the help screen; Escape closes it."""
        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)

    @sync
    async def test_not_a_capture_shows_error_screen(self, monkeypatch) -> None:
        """A text file: an error screen with the one-line reason; q quits with status 2."""
        monkeypatch.chdir(REPO)
        app = make_app("tests/data/make_no_tls.py")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert app.screen.message.startswith("not a pcap or pcapng file")
            await pilot.press("q")
        assert app.return_code == 2

    @sync
    async def test_missing_file_shows_error_screen(self, tmp_path: Path) -> None:
        """A missing file is a CaptureError too."""
        app = make_app(tmp_path / "nope.pcap")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert "\n" not in app.screen.message

    @sync
    async def test_capture_error_message_is_kept(self) -> None:
        """The engine's one-line CaptureError is shown as it is."""

        def fail(path, **kw):
            raise CaptureError("x.pcap: truncated pcap header")

        app = make_app("x.pcap", analyze=fail)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert app.screen.message == "truncated pcap header"

    @sync
    async def test_unexpected_error_is_one_line(self) -> None:
        """Any other exception becomes one line, without a traceback."""

        def fail(path, **kw):
            raise ValueError("boom\nsecond line")

        app = make_app("x.pcap", analyze=fail)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert app.screen.message == "internal error: ValueError: boom"

    @sync
    async def test_empty_capture_says_why(self) -> None:
        """A capture without TLS: the sessions pane says so and suggests reasons."""
        app = make_app(REPO / "tests" / "data" / "no_tls_http.pcap")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            text = str(app.screen.query_one("#notice", Static).render())
            assert "No TLS sessions found" in text
            assert "capture filter" in text
            assert "snaplen" in text


class TestLoading:
    @sync
    async def test_progress_shows_and_escape_stops(self, report: Report) -> None:
        """The window is up at once with bytes/packets/sessions read; Esc asks the loader to
        stop and the partial result is marked as such."""
        started = threading.Event()

        def slow(path, *, keylog=None, progress=None, should_stop=None):
            progress(Progress(350_000, 1_000_000, 1234, 5))
            started.set()
            while not should_stop():
                threading.Event().wait(0.01)
            return report

        app = make_app("big.pcap", analyze=slow)
        async with app.run_test(size=(80, 24)) as pilot:
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
            await pilot.pause(0.1)
            summary = str(app.screen.query_one("#summary", Static).render())
            assert "Reading big.pcap" in summary
            assert "35%" in summary
            assert "1,234 packets" in summary
            await pilot.press("escape")
            await wait_for_load(pilot)
            summary = str(app.screen.query_one("#summary", Static).render())
            assert "stopped early: partial" in summary
            assert visible(app) == ids(report, lambda s: True)


class TestPalette:
    @sync
    async def test_command_palette_offers_actions(self, report: Report) -> None:
        """The palette provider lists the same actions as the keys, and runs them."""
        from tlstui.ui.commands import TlsCommands

        app = showcase_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_load(pilot)
            provider = TlsCommands(app.screen)
            commands = {name: callback for name, callback, _ in provider._commands()}
            assert "Show failed sessions only (toggle)" in commands
            assert any(name.startswith("Export the session's diagnosis") for name in commands)
            assert any(name.startswith("Zoom the focused pane") for name in commands)
            await commands["Show failed sessions only (toggle)"]()
            await pilot.pause()
            assert visible(app) == ids(report, lambda s: s.failed)


def test_help_covers_every_binding() -> None:
    """Every declared key (but navigation aliases) appears in the help table."""
    from tlstui.ui.keys import key_text
    from tlstui.ui.screens.help import help_table
    from tlstui.ui.screens.main import MainScreen

    console = Console(width=120, record=True, file=io.StringIO())
    console.print(help_table())
    keys_column = {line[:20].strip() for line in console.export_text().splitlines()}
    shown = {key for cell in keys_column for key in cell.split()}
    hidden = {"j", "k", "home", "end", "up,k", "down,j", "pageup", "pagedown"}
    for bindings in (
        TlsApp.BINDINGS,
        MainScreen.BINDINGS,
        SessionsTable.BINDINGS,
        LadderView.BINDINGS,
    ):
        for b in bindings:
            if b.key in hidden:  # type: ignore[union-attr]
                continue
            for key in key_text(b.key).split():  # type: ignore[union-attr]
                assert key in shown, key
    for key in ("z", "g", "Esc", "1", "2", "3", "F1", "y", "v", "o"):
        assert key in shown, key


def test_no_session_screen_leads_with_what_the_reader_reported() -> None:
    """A capture of a link type tlstui does not decode: the empty screen listed four guesses
    (no TLS, a capture filter, snaplen, started late) and not the reason the reader knew."""
    from pathlib import Path

    from tlstui.analysis.engine import analyze
    from tlstui.ui.screens.main import empty_text

    path = Path(__file__).parent / "hostile" / "linktype147.pcap"
    text = empty_text(analyze(path)).plain
    assert text.splitlines()[:4] == [
        "No TLS sessions found in linktype147.pcap (22 packets read).",
        "",
        "The reader reported:",
        "  • link type 147 is not supported; its frames were skipped",
    ]
    assert "Other possible reasons:" in text
    clean = empty_text(analyze(Path(__file__).parent.parent / "captures" / "showcase.pcap"))
    assert "The reader reported" not in clean.plain
