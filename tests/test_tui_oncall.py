"""The TUI as an on-call user meets it over SSH at 80x24, 60x20 and 160x48: typeahead, zoom,
ladder labels and times, addresses, suite names, key log facts, copying, and the key list.

Pilot tests on the committed showcase capture through the real engine; expectations come
from the analysed report, not from the capture's file name.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import pytest
from conftest import REPO, SHOWCASE, quiet_app, wait_for_load
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tlstui.analysis.engine import analyze
from tlstui.analysis.model import Endpoint, Report
from tlstui.output import describe
from tlstui.ui.app import TlsApp
from tlstui.ui.keys import palette_commands, readme_lines
from tlstui.ui.screens.main import MainScreen
from tlstui.ui.widgets.detail import DetailView
from tlstui.ui.widgets.ladder import LadderPane, LadderView, label_lines
from tlstui.ui.widgets.sessions import SessionsTable, fit_endpoint, layout, row_text


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def app_for(report: Report, **kw: Any) -> TlsApp:
    """The app on an already analysed (possibly edited) report (the ``report`` fixture)."""
    return quiet_app("showcase.pcap", analyze=lambda path, **_: report, **kw)


async def loaded(pilot: Pilot) -> None:
    await wait_for_load(pilot)


def ladder_lines_shown(app: TlsApp) -> list[str]:
    ladder = app.screen.query_one(LadderView)
    lines: list[str] = []
    for n in range(ladder.option_count):
        prompt = ladder.get_option_at_index(n).prompt
        lines += str(getattr(prompt, "plain", prompt)).split("\n")
    return lines


class TestTypeahead:
    @sync
    async def test_keys_typed_right_after_slash_land_in_the_filter(self, report: Report) -> None:
        """All keys queued at once, as a laggy SSH link delivers "/ser": none may act as a
        binding (s = sort, e = export) and all must reach the filter box."""
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            for key, char in (("slash", "/"), ("s", "s"), ("e", "e"), ("r", "r")):
                app.post_message(events.Key(key, char))
            await pilot.pause()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MainScreen)
            assert screen.query_one("#filter", Input).value == "ser"
            assert screen.state.sort == "id"
            assert screen.state.text == "ser"

    @sync
    async def test_keys_typed_right_after_enter_act_on_the_list(self, report: Report) -> None:
        """ "/#4", Enter, "2", "z" at once: the filter keeps "#4", the ladder is zoomed."""
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            keys = [("slash", "/"), ("number_sign", "#"), ("4", "4"), ("enter", None)]
            keys += [("2", "2"), ("z", "z")]
            for key, char in keys:
                app.post_message(events.Key(key, char))
            for _ in range(4):
                await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MainScreen)
            assert screen.query_one("#filter", Input).value == "#4"
            assert screen.maximized is screen.query_one(LadderPane)


class TestZoomAndLayout:
    @sync
    async def test_zoom_gives_the_ladder_the_whole_screen(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("2")
            before = app.screen.query_one(LadderPane).region.width
            await pilot.press("z")
            await pilot.pause()
            pane = app.screen.query_one(LadderPane)
            assert before < 60
            assert pane.region.width == 80
            assert pane.region.height >= 22
            await pilot.press("z")
            await pilot.pause()
            assert app.screen.query_one(LadderPane).region.width == before

    @sync
    async def test_sessions_pane_shrinks_to_a_one_session_filter(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            full = app.screen.query_one("#sessions-pane").region.height
            await pilot.press("slash", *"#11", "enter")
            await pilot.pause()
            assert [s.id for s in app.screen.query_one(SessionsTable).sessions] == [11]
            # Borders, filter box, header and one row: the rest goes to ladder and detail.
            assert app.screen.query_one("#sessions-pane").region.height <= 6 < full
            assert app.screen.query_one(DetailView).region.height >= 14

    @pytest.mark.parametrize("size", [(80, 24), (60, 20)])
    @sync
    async def test_ladder_labels_never_break_inside_a_word(
        self, report: Report, size: tuple[int, int]
    ) -> None:
        app = app_for(report)
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            table = app.screen.query_one(SessionsTable)
            vocabulary = set()
            for session in report.sessions:
                for event in session.events:
                    vocabulary.update(re.split(r"[ ,]+", describe.event_label(event)))
            vocabulary |= {"(decrypted)", "(dec)", "×2", "×3", "×4"}
            vocabulary |= {short.strip() for _, short in label_abbreviations()}
            for session in report.sessions:
                table.select_session(session.id)
                await pilot.pause()
                for line in ladder_lines_shown(app):
                    inner = line.split("│")[1] if line.count("│") >= 2 else ""
                    words = re.split(r"[ ─▶◀,]+", inner)
                    for word in filter(None, words):
                        assert word in vocabulary or word.endswith("…"), (size, line)

    def test_alert_name_goes_on_its_own_line(self) -> None:
        assert label_lines("Alert fatal 45 certificate_expired", 20) == [
            "Alert fatal 45",
            "certificate_expired",
        ]
        assert label_lines("ClientKeyExchange, ChangeCipherSpec, Finished", 30) == [
            "ClientKeyEx, CCS, Finished",
        ]
        assert label_lines("ClientKeyExchange", 16) == ["ClientKeyEx"]

    @sync
    async def test_60x20_ladder_rows_fit_one_line(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(60, 20)) as pilot:
            await loaded(pilot)
            for line in ladder_lines_shown(app):
                # Every line carries both lifelines: no arrow was pushed onto a line of its own.
                assert line.count("│") == 2, line

    @sync
    async def test_60x20_detail_never_folds_an_alert_name(self, report: Report) -> None:
        session = next(s for s in report.sessions if s.failed and any(a.name for a in s.alerts))
        name = next(a.name for a in session.alerts if a.name)
        app = app_for(report)
        async with app.run_test(size=(60, 20)) as pilot:
            await loaded(pilot)
            app.screen.query_one(SessionsTable).select_session(session.id)
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            detail = app.screen.query_one(DetailView)
            assert detail.content_region.width < 32  # the stacked layout
            text = detail.plain_text(detail.content_region.width)
            assert name in text


class TestTimes:
    @sync
    async def test_ladder_time_is_since_the_session_start_with_deltas(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(160, 48)) as pilot:
            await loaded(pilot)
            session = app.screen.query_one(SessionsTable).current
            assert session is not None
            lines = [line for line in ladder_lines_shown(app) if line[:5].strip()]
            first, second = (re.split(r"[ ◆│]+", line.strip()) for line in lines[:2])
            assert float(first[1]) == pytest.approx(
                (session.events[0].time - session.start) * 1000, abs=0.06
            )
            assert float(first[1]) < 1000  # never seconds since the capture began
            assert second[2].startswith("+")
            assert float(second[1]) - float(first[1]) == pytest.approx(float(second[2]), abs=0.11)


class TestEndpointsAndColumns:
    def test_fit_endpoint_cuts_the_host_never_the_port(self) -> None:
        assert fit_endpoint("127.0.0.1:4433", 20) == "127.0.0.1:4433"
        assert fit_endpoint("127.0.0.1:4433", 11) == "…0.0.1:4433"
        assert fit_endpoint("[2400:cb00:2048:1::6813:c266]:443", 16) == "…:6813:c266]:443"

    def test_columns_come_from_content_and_room(self, report: Report) -> None:
        """At 100 columns a long SNI and a high port fit whole while the row has room."""
        session = replace(report.sessions[0], server=Endpoint("127.0.0.1", 34567), id=20000)
        hello = replace(session.client_hello, sni="perf.example.internal")  # type: ignore[type-var]
        session = replace(session, client_hellos=[hello])
        widths = layout(99, [session])
        text = row_text(session, widths).plain
        assert "127.0.0.1:34567" in text
        assert "perf.example.internal" in text

    @sync
    async def test_table_at_60_columns_keeps_every_port(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(60, 20)) as pilot:
            await loaded(pilot)
            table = app.screen.query_one(SessionsTable)
            for n, session in enumerate(table.sessions):
                assert f":{session.server.port}" in table.row_plain(n)

    @sync
    async def test_tls13_suites_show_their_iana_name(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(160, 48)) as pilot:
            await loaded(pilot)
            table = app.screen.query_one(SessionsTable)
            tls13 = [n for n, s in enumerate(table.sessions) if s.version == 0x0304]
            assert tls13
            for n in tls13:
                suite = describe.cipher_text(table.sessions[n].cipher_suite)
                assert suite.startswith("TLS_AES_") or suite.startswith("TLS_CHACHA20")
                assert suite in table.row_plain(n)
        assert describe.cipher_short(0x1302) == "TLS_AES_256_GCM_SHA384"
        assert describe.cipher_short(0x009D) == "RSA-AES256-GCM-SHA384"


class TestKeylogFacts:
    @sync
    async def test_header_and_detail_say_what_the_key_log_did(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(160, 48)) as pilot:
            await loaded(pilot)
            header = str(app.screen.query_one("#summary", Static).render())
            assert report.capture.keylog is not None
            n = report.capture.keylog.sessions_decrypted
            assert f"keys showcase.keys: {n} decrypted" in header
            table = app.screen.query_one(SessionsTable)
            for session in report.sessions[:3]:
                table.select_session(session.id)
                await pilot.pause()
                text = app.screen.query_one(DetailView).plain_text(200)
                expected = {
                    "decrypted": "secrets found; records decrypted",
                    "missing": "no secrets for this session's client_random",
                }[session.secrets or ""]
                assert "key log" in text and expected in text

    @sync
    async def test_header_says_when_no_key_log_was_used(self) -> None:
        report = analyze(SHOWCASE, keylog=False)
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            assert "no key log" in str(app.screen.query_one("#summary", Static).render())


class TestFailedOnly:
    @sync
    async def test_failed_option_starts_with_failed_sessions(self, report: Report) -> None:
        app = app_for(report, failed_only=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            shown = [s.id for s in app.screen.query_one(SessionsTable).sessions]
            assert shown == [s.id for s in report.sessions if s.failed]

    @sync
    async def test_cause_group_says_it_shows_failed_sessions(self, report: Report) -> None:
        app = app_for(report)
        notes: list[str] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            app.screen.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
            await pilot.press("g")
            await pilot.pause()
            cause = describe.failure_counts(report)[0][0]
            assert notes[-1].startswith(f"Failed sessions with cause {cause}")
            subtitle = str(app.screen.query_one("#sessions-pane").border_subtitle)
            assert f"failed with cause {cause}" in subtitle


class TestCiteAndCopy:
    @sync
    async def test_o_jumps_to_the_session_the_diagnosis_cites(self, report: Report) -> None:
        failed = next(s for s in report.sessions if s.failed and s.diagnosis)
        other = next(s for s in report.sessions if s.id != failed.id and not s.failed)
        assert failed.diagnosis is not None
        best = replace(
            failed.diagnosis.best,
            explanation=f"The same server negotiated TLS 1.2 with session #{other.id} (frame 9).",
        )
        edited = replace(report, sessions=list(report.sessions))
        edited.sessions[edited.sessions.index(failed)] = replace(
            failed, diagnosis=replace(failed.diagnosis, best=best)
        )
        app = app_for(edited)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("f")  # the cited (ok) session is hidden by failed-only
            app.screen.query_one(SessionsTable).select_session(failed.id)
            await pilot.pause()
            await pilot.press("o")
            await pilot.pause()
            current = app.screen.query_one(SessionsTable).current
            assert current is not None and current.id == other.id

    @sync
    async def test_o_follows_the_proxy_diagnosis_to_the_upstream_leg(self) -> None:
        """proxy-upstream-untrusted-both.pcap: #1's diagnosis says the proxy "opened session 2"
        and that leg failed first; ``o`` goes to #2 (Session.upstream_leg)."""
        app = quiet_app(REPO / "captures" / "proxy-upstream-untrusted-both.pcap")
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            table = screen.query_one(SessionsTable)
            table.select_session(1)
            await pilot.pause()
            first = screen.session(1)
            assert first is not None and first.diagnosis is not None
            assert first.diagnosis.best.rule == "proxy_upstream_failed"
            assert first.upstream_leg is not None and first.upstream_leg.id == 2
            assert screen.cited_session() == 2
            await pilot.press("o")
            await pilot.pause()
            current = table.current
            assert current is not None and current.id == 2

    @sync
    async def test_y_copies_each_check_next_command_in_turn(self, report: Report) -> None:
        session = next(
            s
            for s in report.sessions
            if s.diagnosis and any("`" in i for i in s.diagnosis.best.check_next)
        )
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            app.screen.query_one(SessionsTable).select_session(session.id)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MainScreen)
            commands = screen.commands_to_copy()
            assert len(commands) >= 2
            assert all("`" not in c for c in commands)
            await pilot.press("y")
            assert app.clipboard == commands[0]
            await pilot.press("y")
            assert app.clipboard == commands[1]
            # The command palette offers each command by itself too.
            from tlstui.ui.commands import TlsCommands

            entries = {name: run for name, run, _ in TlsCommands(screen)._commands()}
            name = f"Copy command 1: {commands[0]}"
            assert name in entries
            await entries[name]()
            assert app.clipboard == commands[0]

    @sync
    async def test_v_shows_the_detail_as_plain_text(self, report: Report) -> None:
        from textual.widgets import TextArea

        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("v")
            await pilot.pause()
            area = app.screen.query_one(TextArea)
            first_failed = next(s for s in report.sessions if s.failed)
            assert first_failed.diagnosis is not None
            assert first_failed.diagnosis.best.cause in area.text
            assert "\x1b" not in area.text and "[bold" not in area.text
            screen = app.screen_stack[0]
            assert isinstance(screen, MainScreen)
            lines = area.text.splitlines()
            assert lines[-len(screen.commands_to_copy()) :] == screen.commands_to_copy()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)


class TestPaletteAndKeys:
    def test_palette_has_zoom_and_every_binding(self) -> None:
        names = {c.name for c in palette_commands(MainScreen.BINDINGS, TlsApp.BINDINGS)}
        assert any(n.startswith("Zoom the focused pane") for n in names)
        assert any(n.startswith("Copy the next") for n in names)

    @sync
    async def test_palette_has_no_broken_screenshot_entry(self, report: Report) -> None:
        app = app_for(report)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert titles and not any("screenshot" in t.lower() for t in titles)

    def test_readme_key_list_is_the_help_screen_source(self) -> None:
        readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
        expected = readme_lines()
        start = readme.index(expected[0])
        assert readme[start : start + len(expected)] == expected
        for key in ("`z`", "`g`", "`Esc`", "`1`", "`2`", "`3`", "`F1`", "`y`", "`v`", "`o`"):
            assert any(key in line for line in expected), key


def label_abbreviations() -> list[tuple[str, str]]:
    from tlstui.ui.widgets.ladder import ABBREVIATIONS

    return list(ABBREVIATIONS)


def test_capture_column_shows_what_tells_the_files_apart() -> None:
    from tlstui.ui.widgets.sessions import distinct_names

    pair = [
        "captures/proxy-upstream-untrusted-client-leg.pcap",
        "captures/proxy-upstream-untrusted-upstream-leg.pcap",
    ]
    assert distinct_names(pair) == {pair[0]: "…client-leg", pair[1]: "…upstream-leg"}
    # Nothing shared up to a separator: whole names, without the extension they share.
    assert distinct_names(["tls12-ok.pcap", "tls13-hrr.pcap"]) == {
        "tls12-ok.pcap": "tls12-ok",
        "tls13-hrr.pcap": "tls13-hrr",
    }
    assert distinct_names(["a.pcap", "b.pcapng"]) == {"a.pcap": "a.pcap", "b.pcapng": "b.pcapng"}
    assert distinct_names(["d/x.pcap", "e/x.pcap"]) == {"d/x.pcap": "x.pcap", "e/x.pcap": "x.pcap"}


@sync
async def test_capture_column_rows_differ_and_fit_at_60_columns() -> None:
    from tlstui.cli import _several_for_ui

    pair = [
        str(REPO / "captures" / "proxy-upstream-untrusted-client-leg.pcap"),
        str(REPO / "captures" / "proxy-upstream-untrusted-upstream-leg.pcap"),
    ]
    for size in ((60, 20), (80, 24), (160, 48)):
        app = quiet_app(pair[0], analyze=_several_for_ui(pair))
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            table = app.screen.query_one(SessionsTable)
            rows = [table.row_plain(0), table.row_plain(1)]
            assert all(len(r) <= table.size.width for r in rows), (size, rows)
            if size[0] >= 80:
                assert "…client-leg" in rows[0], (size, rows)
                assert "…upstream-leg" in rows[1], (size, rows)
            else:  # the column at its narrowest still tells them apart
                assert rows[0].split()[1] == "…clie…" and rows[1].split()[1] == "…upst…", rows
