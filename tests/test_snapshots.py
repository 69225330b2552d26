"""Snapshot tests: what a person sees, from committed captures through the real engine.

Every app comes from ``make_app`` with animations off; each ``run_before`` waits for the
loader thread before pressing keys.  Paths are relative to the repository (the tests chdir
there), so no absolute path reaches the screen.  Update with ``pytest --snapshot-update`` and
LOOK at every changed SVG before accepting it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import CAPTURES, REPO, quiet_app, wait_for_load
from textual.pilot import Pilot

from tlstui.analysis.model import Event, Session
from tlstui.ui.app import TlsApp
from tlstui.ui.widgets.ladder import LadderView
from tlstui.ui.widgets.sessions import SessionsTable

SHOWCASE = Path("captures/showcase.pcap")

RunBefore = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def app(path: Path | str = SHOWCASE, keylog: bool | None = None) -> TlsApp:
    return quiet_app(path, keylog=keylog)


async def loaded(pilot: Pilot) -> None:
    await wait_for_load(pilot)


def press(*keys: str) -> RunBefore:
    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()

    return run_before


async def select_session(pilot: Pilot, predicate: Callable[[Session], bool]) -> Session:
    table = pilot.app.screen.query_one(SessionsTable)
    session = next(s for s in table.sessions if predicate(s))
    table.select_session(session.id)
    await pilot.pause()
    return session


async def open_ladder_at(pilot: Pilot, predicate: Callable[[Event], bool]) -> None:
    """Enter the selected session's ladder and move to the first line matching *predicate*."""
    await pilot.press("enter")
    await pilot.pause()
    ladder = pilot.app.screen.query_one(LadderView)
    assert ladder.session is not None
    events = ladder.session.events
    ladder.highlighted = next(
        n for n, group in enumerate(ladder.groups) if any(predicate(events[i]) for i in group)
    )
    await pilot.pause()


def is_encrypted_alert(event: Event) -> bool:
    return event.type == "Alert" and event.detail is None


def has_encrypted_alert(session: Session) -> bool:
    return any(is_encrypted_alert(e) for e in session.events)


NARROW = (80, 24)
WIDE = (160, 48)
SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((60, 20), id="60x20"),
    pytest.param((160, 48), id="160x48"),
]


@pytest.mark.parametrize("size", SIZES)
class TestStartup:
    def test_startup(self, snap_compare, size: tuple[int, int]) -> None:
        """The showcase: summary with the key log and cause groups, the first failed session
        selected, its ladder (ms since the session's start, +ms since the line before) and its
        diagnosis."""
        assert snap_compare(app(), terminal_size=size, run_before=press())


@pytest.mark.parametrize("size", SIZES)
class TestSessions:
    def test_next_failed_session(self, snap_compare, size: tuple[int, int]) -> None:
        """`n` moves to the next failed session; ladder and detail follow."""
        assert snap_compare(app(), terminal_size=size, run_before=press("n"))

    def test_filter_active(self, snap_compare, size: tuple[int, int]) -> None:
        """`/` with a field word narrows the list; the pane shrinks to the rows it needs and
        its border says how to clear."""
        assert snap_compare(
            app(), terminal_size=size, run_before=press("slash", *"alert:unknown_ca", "enter")
        )

    def test_failed_only(self, snap_compare, size: tuple[int, int]) -> None:
        """`f` shows failed sessions only."""
        assert snap_compare(app(), terminal_size=size, run_before=press("f"))


@pytest.mark.parametrize("size", SIZES)
class TestLadderAndDetail:
    def test_alert_detail(self, snap_compare, size: tuple[int, int]) -> None:
        """Enter on a failed session: its ladder, focused on the fatal alert, and the alert's
        meaning with the ranked diagnosis."""
        assert snap_compare(app(), terminal_size=size, run_before=press("enter"))

    def test_alert_detail_zoomed(self, snap_compare, size: tuple[int, int]) -> None:
        """`3` then `z`: the detail pane fills the screen to read the whole diagnosis."""
        assert snap_compare(app(), terminal_size=size, run_before=press("enter", "3", "z"))

    def test_ladder_zoomed(self, snap_compare, size: tuple[int, int]) -> None:
        """`2` then `z` on the session with the longest labels: the ladder gets the whole
        screen, labels unabbreviated where they fit."""

        async def run_before(pilot: Pilot) -> None:
            await loaded(pilot)
            await select_session(pilot, lambda s: s.version == 0x0303 and s.status == "ok")
            await pilot.press("2", "z")
            await pilot.pause()

        assert snap_compare(app(), terminal_size=size, run_before=run_before)

    def test_certificate_detail(self, snap_compare, size: tuple[int, int]) -> None:
        """A server Certificate line: subject, issuer, validity and SAN of the chain."""

        async def run_before(pilot: Pilot) -> None:
            await loaded(pilot)
            await select_session(
                pilot,
                lambda s: (
                    s.failed
                    and any(
                        e.type == "Certificate" and e.sender == "server" and e.detail is not None
                        for e in s.events
                    )
                ),
            )
            await open_ladder_at(pilot, lambda e: e.type == "Certificate")

        assert snap_compare(app(), terminal_size=size, run_before=run_before)

    def test_encrypted_alert(self, snap_compare, size: tuple[int, int]) -> None:
        """A TLS 1.3 alert read without the key log: what it probably is, and that the key log
        would tell; the header says no key log was used."""
        # Key logs off (--no-keylog), so the alert stays encrypted.
        source = CAPTURES / "tls13-client-cert-missing.pcap"

        async def run_before(pilot: Pilot) -> None:
            await loaded(pilot)
            await open_ladder_at(pilot, is_encrypted_alert)

        assert snap_compare(app(source, keylog=False), terminal_size=size, run_before=run_before)

    def test_plain_text_detail(self, snap_compare, size: tuple[int, int]) -> None:
        """`v` where the app cannot leave the screen (tests): the detail as plain text."""
        assert snap_compare(app(), terminal_size=size, run_before=press("v"))


@pytest.mark.parametrize("size", SIZES)
class TestScreens:
    def test_help(self, snap_compare, size: tuple[int, int]) -> None:
        """`?`: every key, grouped by where it works, and where exports go."""
        assert snap_compare(app(), terminal_size=size, run_before=press("question_mark"))

    def test_error_not_a_capture(self, snap_compare, size: tuple[int, int]) -> None:
        """A file that is not a capture: an error screen with the one-line reason."""
        assert snap_compare(
            app("tests/data/make_no_tls.py"), terminal_size=size, run_before=press()
        )

    def test_empty_capture(self, snap_compare, size: tuple[int, int]) -> None:
        """A real capture of plain HTTP: no TLS sessions, and why that may be."""
        assert snap_compare(
            app("tests/data/no_tls_http.pcap"), terminal_size=size, run_before=press()
        )


MIXED = Path("captures/mixed.pcap")


def compare_from(session_id: int, *keys: str) -> RunBefore:
    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await select_session(pilot, lambda s: s.id == session_id)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()

    return run_before


class TestCompare:
    def test_compare_80x24(self, snap_compare) -> None:
        """`c` on mixed.pcap #8 (no shared cipher): its partner #6, the summary naming the
        suite, where the ladders part, then the differences stacked, each marked ≠."""
        assert snap_compare(app(MIXED), terminal_size=NARROW, run_before=compare_from(8, "c"))

    def test_compare_160x48(self, snap_compare) -> None:
        """At 160 columns: #18 (client certificate missing) and #28 side by side, field | a | b,
        the same fields folded into one ``=`` line."""
        assert snap_compare(app(MIXED), terminal_size=WIDE, run_before=compare_from(18, "c"))

    def test_marked_session_and_ja4_column_160x48(self, snap_compare) -> None:
        """`space` marks #11 (shown with *), the client JA4 column at 160 columns."""
        assert snap_compare(app(MIXED), terminal_size=WIDE, run_before=compare_from(11, "space"))


SEVERAL = [
    "captures/tls12-no-shared-cipher.pcap",
    "captures/tls12-ok.pcap",
    "captures/tls13-hrr.pcap",
]


def several_app() -> TlsApp:
    from tlstui.cli import _several_for_ui

    return quiet_app(SEVERAL[0], analyze=_several_for_ui(SEVERAL))


class TestSeveralCaptures:
    def test_several_captures_80x24(self, snap_compare) -> None:
        """Three captures in one list: the capture column, ids 1-3, "+2 more" in the header."""
        assert snap_compare(several_app(), terminal_size=NARROW, run_before=press())

    def test_several_captures_160x48(self, snap_compare) -> None:
        """The same at 160 columns: capture and client JA4 columns both shown."""
        assert snap_compare(several_app(), terminal_size=WIDE, run_before=press())


LONG_NAME = "captures/go-client-untrusted-ca-tls13-then-tls12.pcap"


@pytest.mark.parametrize(
    "size", [pytest.param(NARROW, id="80x24"), pytest.param((60, 20), id="60x20")]
)
def test_long_file_name_keeps_the_failure_line(snap_compare, size: tuple[int, int]) -> None:
    """A long capture name is shortened in the middle, never wrapped: the second header line
    still says ``2 failed: 2 untrusted_ca``."""
    assert snap_compare(app(LONG_NAME), terminal_size=size, run_before=press())


PROXY_PAIR = [
    "captures/proxy-upstream-untrusted-client-leg.pcap",
    "captures/proxy-upstream-untrusted-upstream-leg.pcap",
]


@pytest.mark.parametrize("size", SIZES)
def test_several_captures_with_a_long_shared_prefix(snap_compare, size: tuple[int, int]) -> None:
    """Two captures named alike: the capture column shows the part that differs
    (``…client-leg``, ``…upstream-leg``) and the row fits at 60 columns."""
    from tlstui.cli import _several_for_ui

    several = quiet_app(PROXY_PAIR[0], analyze=_several_for_ui(PROXY_PAIR))
    assert snap_compare(several, terminal_size=size, run_before=press())
