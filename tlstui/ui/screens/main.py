"""The main screen: summary, sessions table, ladder and detail; owns the background load."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tlstui.analysis.engine import CaptureError, Progress
from tlstui.analysis.model import CaptureInfo, Report, Session
from tlstui.output import describe
from tlstui.output.commands import split_item
from tlstui.textsafe import safe_text
from tlstui.ui.messages import (
    EventHighlighted,
    LoadBatch,
    LoadProgress,
    SessionChosen,
    SessionHighlighted,
)
from tlstui.ui.view import (
    SORTS,
    SearchIndex,
    ViewState,
    next_cause,
    next_fingerprint,
    search_index,
    visible_sessions,
)
from tlstui.ui.widgets.detail import DetailView
from tlstui.ui.widgets.filter_box import FilterInput
from tlstui.ui.widgets.ladder import LadderPane, LadderView
from tlstui.ui.widgets.sessions import SessionsTable
from tlstui.ui.widgets.summary import SummaryBar

Analyze = Callable[..., Report]
# "with session #3", and the proxy legs' "opened session 2": a session the text names.
CITED = re.compile(r"\bsession #?(\d+)\b")
CLIPBOARD_NOTE = (
    "Sent to the clipboard by OSC 52 (in tmux: set -g set-clipboard on; some terminals ignore it)."
)
KeylogArg = Path | list[Path] | bool | None
NARROW_SCREEN = 70  # below this width the ladder takes more of the row (labels fit whole)
WIDE_SCREEN = 140  # from this width the detail pane gets more room
TALL_SCREEN = 30  # from this height the sessions pane may take more rows


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the load worker returns: the report and its filter index (built off the UI
    thread, since it touches every session)."""

    report: Report
    index: SearchIndex
    # A streamed scan's stream ids -> final ids (the rows shown while reading used the former).
    renumbered: dict[int, int] = field(default_factory=dict)


EMPTY_HINT = (
    "No TLS sessions found in {name} ({packets} read).\n\n"
    "Possible reasons:\n"
    "  • there is no TLS in this capture on any port (tlstui looks for TLS on every TCP port);\n"
    "  • a capture filter excluded it (e.g. the filter matched another port or host);\n"
    "  • the capture's snaplen cut packets short, so hellos could not be read{snaplen};\n"
    "  • the capture started after the handshakes (only application data was seen)."
)


def empty_text(report: Report) -> Text:
    capture = report.capture
    snaplen = (
        f" ({capture.snaplen_truncated:,} frames were cut short)"
        if capture.snaplen_truncated
        else ""
    )
    packets = f"{capture.packets:,} packet{'s' if capture.packets != 1 else ''}"
    text = EMPTY_HINT.format(
        name=safe_text(Path(capture.file).name, 80),
        packets=packets,
        snaplen=snaplen,
    )
    if capture.warnings:
        # What the reader itself reported (a link type it does not decode, a file cut
        # short) comes before the guesses: it is the likelier reason.
        first, rest = text.split("\n\n", 1)
        said = "\n".join(f"  • {safe_text(w, 300)}" for w in capture.warnings[:5])
        others = rest.removeprefix("Possible reasons:")
        text = f"{first}\n\nThe reader reported:\n{said}\n\nOther possible reasons:{others}"
    return Text(text)


def error_message(error: BaseException, path: Path | None = None) -> str:
    """One line for a person; never a traceback.  A leading ``PATH: `` is dropped (the
    error screen names the file already)."""
    if isinstance(error, CaptureError):
        text = str(error).splitlines()[0] if str(error) else "cannot read the capture"
        if path is not None:
            text = text.removeprefix(f"{path}: ")
        return safe_text(text)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return safe_text(f"{error.strerror or error}{where}")
    first = str(error).splitlines()[0] if str(error) else ""
    return safe_text(f"internal error: {type(error).__name__}" + (f": {first}" if first else ""))


class Pane(Vertical):
    """A pane that ``z`` can maximise."""

    ALLOW_MAXIMIZE = True


class MainScreen(Screen[None]):
    """Everything about one capture."""

    AUTO_FOCUS = ""  # nothing to focus until the capture is loaded

    # Each binding's tooltip is its help sentence: the help screen, the command palette and
    # the README's key list are built from these (tlstui.ui.keys).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "filter", "Filter", id="main.filter",
            tooltip="filter sessions: words, a|b, !word, cause: server: sni: version: transport:",
        ),
        Binding(
            "f", "failed_only", "Failed", id="main.failed_only",
            tooltip="show failed sessions only (toggle)",
        ),
        Binding("n", "next_failed", "Next ✗", id="main.next_failed", tooltip="next failed session"),
        Binding(
            "N", "previous_failed", "Prev ✗", show=False, id="main.previous_failed",
            tooltip="previous failed session",
        ),
        Binding(
            "g", "next_group", "Cause", id="main.next_group",
            tooltip="show the failed sessions of the next cause in the header (cycles)",
        ),
        Binding(
            "s", "cycle_sort", "Sort", id="main.sort",
            tooltip="cycle the sort: id, status, server, duration",
        ),
        Binding(
            "e", "export", "Export", id="main.export",
            tooltip="export the session's diagnosis as Markdown (and send it to the clipboard)",
        ),
        Binding(
            "w", "extract", "Save", show=False, id="main.extract",
            tooltip="save the session's packets (and only its key log lines) as pcapng",
        ),
        Binding(
            "y", "copy_command(-1)", "Copy cmd", show=False, id="main.copy_command",
            tooltip="copy the next \"check next\" command of the session (OSC 52)",
        ),
        Binding(
            "v", "plain_text", "Plain", show=False, id="main.plain_text",
            tooltip="show the detail as plain text the terminal can select",
        ),
        Binding(
            "o", "cited_session", "Cited", show=False, id="main.cited_session",
            tooltip="go to the session the diagnosis cites (\"with session #N\")",
        ),
        # Session comparison: c compares with the partner (or the marked session), space marks,
        # J narrows to one client fingerprint (JA4) at a time.
        Binding(
            "c", "compare", "Compare", show=False, id="main.compare",
            tooltip="compare with the most similar working session (or the marked one)",
        ),
        Binding(
            "space", "mark", "Mark", show=False, id="main.mark",
            tooltip="mark the session to compare with (again: unmark)",
        ),
        Binding(
            "J", "next_fingerprint", "Client FP", show=False, id="main.next_fingerprint",
            tooltip="cycle client fingerprints (JA4), most failures first",
        ),
        Binding(
            "z", "zoom", "Zoom", id="main.zoom",
            tooltip="zoom the focused pane to the whole screen (again: back)",
        ),
        Binding(
            "escape", "clear", "Clear", show=False, id="main.clear",
            tooltip="clear filter, failed-only, cause; unzoom; stop loading",
        ),
        Binding(
            "1", "focus_pane('sessions')", "Sessions", show=False, id="main.focus_sessions",
            tooltip="focus the sessions pane",
        ),
        Binding(
            "2", "focus_pane('ladder')", "Ladder", show=False, id="main.focus_ladder",
            tooltip="focus the ladder pane",
        ),
        Binding(
            "3", "focus_pane('detail')", "Detail", show=False, id="main.focus_detail",
            tooltip="focus the detail pane",
        ),
    ]  # fmt: skip

    # Responsive classes (Textual sets them on the screen as the terminal is resized).
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 - Textual declares it without ClassVar
        (0, "-tight"),
        (NARROW_SCREEN, "-narrow"),
        (WIDE_SCREEN, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-short"),
        (TALL_SCREEN, "-tall"),
    ]

    def __init__(
        self,
        path: Path,
        *,
        keylog: KeylogArg,
        analyze: Analyze | None,
        failed_only: bool = False,
        follow: bool = False,
        stdin_fd: int | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.keylog = keylog
        self._analyze = analyze
        self.follow = follow or str(path) == "-"
        self._stdin_fd = stdin_fd
        self.report: Report | None = None
        # While the scan runs: sessions by stream id (in-progress snapshots replaced by newer
        # ones, then by the ended session), the last progress, and whether loading goes on.
        self._live: dict[int, Session] = {}
        self._progress: Progress | None = None
        self._scanning = True
        self.state = ViewState(failed_only=failed_only)
        self.stopped = False
        self._stop_requested = False
        self._session_id: int | None = None
        self._index: SearchIndex | None = None
        self._copied = -1  # index of the last "check next" command copied with y
        self._renumbered: dict[int, int] = {}
        self.marked: int | None = None  # the session ``c`` compares with, when set

    # --- composition --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SummaryBar(id="summary")
        with Pane(id="sessions-pane"):
            yield FilterInput(
                placeholder="filter: words, a|b, !word, cause:x sni:x (Enter keeps, Esc clears)",
                id="filter",
                compact=True,
                select_on_focus=False,  # typeahead must not be selected and then replaced
            )
            yield Static(id="notice")
            yield SessionsTable(id="sessions")
        with Horizontal(id="lower"):
            yield LadderPane(id="ladder-pane")
            yield DetailView(id="detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#sessions-pane").border_title = "Sessions"
        self.query_one(SessionsTable).display = False
        self.query_one("#ladder-pane", LadderPane).border_title = "Ladder"
        self.query_one(DetailView).border_title = "Detail"
        self.query_one(SummaryBar).show_progress(self.path.name, None)
        self.query_one("#notice", Static).update(
            Text("Loading… (Esc stops and shows what was read)")
        )
        self.load()

    # --- loading --------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, name="load", group="load", exclusive=True)
    def load(self) -> Loaded:
        """Analyse the capture off the UI thread; the result reaches the screen through the
        worker's state change, so no screen state is written from this thread."""
        worker = get_current_worker()

        def progress(p: Progress) -> None:
            self.post_message(LoadProgress(p))

        def should_stop() -> bool:
            return self._stop_requested or worker.is_cancelled

        if self._analyze is not None:
            report = self._analyze(
                self.path, keylog=self.keylog, progress=progress, should_stop=should_stop
            )
            return Loaded(report, search_index(report))
        from tlstui.analysis.engine import scan

        # Batches go to the screen as messages (rows appear as sessions are found); the
        # final report comes back as the worker's result, like the one-shot analysis.
        final = None
        for batch in scan(
            self.path,
            keylog=self.keylog,
            follow=self.follow,
            should_stop=should_stop,
            stdin_fd=self._stdin_fd,
        ):
            if batch.report is not None:
                final = batch
            else:
                self.post_message(LoadBatch(batch))
        assert final is not None and final.report is not None
        return Loaded(final.report, search_index(final.report), final.renumbered)

    def on_load_progress(self, message: LoadProgress) -> None:
        if self.report is None:
            self.query_one(SummaryBar).show_progress(self.path.name, message.progress)

    def on_load_batch(self, message: LoadBatch) -> None:
        """Sessions found so far go into the list as they come: rows are appended (stream ids
        grow), the cursor stays on its session and the view does not scroll."""
        if not self._scanning:
            return  # a batch posted before the final report arrived
        batch = message.batch
        self._progress = batch.progress
        changed: set[int] = set()
        for s in batch.ended:
            self._live[s.id] = s
            changed.add(s.id)
        for s in batch.updated:
            self._live[s.id] = s
            changed.add(s.id)
        summary = self.query_one(SummaryBar)
        if changed:
            sessions = sorted(self._live.values(), key=lambda s: s.id)
            first = self.report is None
            if self.report is None:
                self.report = Report(CaptureInfo(file=str(self.path)), sessions)
            else:
                self.report.sessions = sessions
            self.report.capture.packets = batch.progress.packets
            if first:
                self.query_one("#notice", Static).display = False
                table = self.query_one(SessionsTable)
                table.display = True
                self.refresh_sessions()
                table.focus()
                self.refresh_bindings()
            else:
                self.refresh_sessions(self._session_id)
                if self._session_id in changed and not self.query_one(LadderView).has_focus:
                    self._show_session(self.session(self._session_id))
        if self.report is not None:
            summary.show_partial(self.report, batch.progress)
        else:
            summary.show_progress(self.path.name, batch.progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "load":
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Loaded):
            self.stopped = self._stop_requested
            self._scanning = False
            self._index = event.worker.result.index
            self._renumbered = event.worker.result.renumbered
            self.show_report(event.worker.result.report)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            from tlstui.ui.screens.error import ErrorScreen

            message = error_message(event.worker.error, self.path)
            self.app.push_screen(ErrorScreen(str(self.path), message))

    def show_report(self, report: Report) -> None:
        streamed = self.report is not None and bool(self.report.sessions)
        keep = self._session_id
        if streamed and keep is not None:
            keep = self._renumbered.get(keep, keep)
        self.report = report
        self.query_one(SummaryBar).show_report(report, self.stopped)
        warnings = report.capture.warnings
        if warnings:
            # What the reader could not take (a capture of several that is not one, frames
            # of a link type not decoded, a key log not read) and why following ended (the
            # file truncated, replaced or removed): said once, or only --report would say it.
            ended = any(w.endswith("stopped following") for w in warnings)
            self.notify(
                "\n".join(safe_text(w, 300) for w in warnings[:5]),
                title="Stopped following" if ended else "Capture warnings",
                severity="warning",
                timeout=30,
            )
        notice = self.query_one("#notice", Static)
        table = self.query_one(SessionsTable)
        if not report.sessions:
            notice.update(empty_text(report))
            self.add_class("-empty")
            self.query_one(DetailView).show_text(Text("Nothing to show: no TLS sessions."))
            return
        notice.display = False
        table.display = True
        if streamed:
            # Rows were shown while loading: the cursor stays on the same session (ids are
            # renumbered by first frame now) and its detail shows the final answer.
            self.refresh_sessions(keep)
            self._show_session(self.session(keep))
            self.refresh_bindings()
            return
        # Start on the first failure: that is what the person opening the capture is after.
        first_failed = next((s.id for s in report.sessions if s.failed), None)
        self.refresh_sessions(first_failed)
        self.set_focus(table)
        self.refresh_bindings()

    # --- the list -------------------------------------------------------------------------

    def session(self, session_id: int | None) -> Session | None:
        if self.report is None or session_id is None:
            return None
        for session in self.report.sessions:
            if session.id == session_id:
                return session
        return None

    def refresh_sessions(self, keep_id: int | None = None) -> None:
        if self.report is None:
            return
        sessions = visible_sessions(self.report, self.state, self._index)
        self.query_one(SessionsTable).set_sessions(sessions, keep_id, self.report.sessions)
        pane = self.query_one("#sessions-pane")
        total = len(self.report.sessions)
        shown = f"{len(sessions)} of {total}" if len(sessions) != total else f"{total}"
        sort = f" · sorted by {self.state.sort}" if self.state.sort != "id" else ""
        pane.border_title = f"Sessions ({shown}){sort}"
        narrowed = self.state.describe()
        pane.border_subtitle = Text(f"{safe_text(narrowed, 60)} · Esc clears") if narrowed else ""
        if not sessions:
            self._show_session(None)

    def _show_session(self, session: Session | None) -> None:
        had_session = self._session_id is not None
        self._session_id = session.id if session else None
        self._copied = -1
        if had_session != (session is not None):
            # e, y and o depend on a selected session: the footer must show that now, not
            # whenever it next happens to refresh.
            self.refresh_bindings()
        self.query_one(LadderPane).show(session)
        if session is None and self.report is not None:
            self.query_one(DetailView).show_text(
                Text("No session matches. Esc clears the filter."), "Detail"
            )
        else:
            self.query_one(DetailView).show_session(session)

    @on(SessionHighlighted)
    def _session_highlighted(self, message: SessionHighlighted) -> None:
        if message.session_id != self._session_id or message.session_id is None:
            self._show_session(self.session(message.session_id))

    @on(SessionChosen)
    def _session_chosen(self, message: SessionChosen) -> None:
        if message.session_id != self._session_id:
            self._show_session(self.session(message.session_id))
        ladder = self.query_one(LadderView)
        self.set_focus(ladder)
        ladder.highlight_interesting()

    @on(EventHighlighted)
    def _event_highlighted(self, message: EventHighlighted) -> None:
        session = self.session(message.session_id)
        if session is not None:
            self.query_one(DetailView).show_events(session, message.indexes)

    # --- filter ---------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.state = replace(self.state, text=event.value.strip())
        self.refresh_sessions()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.set_focus(self.query_one(SessionsTable))
        if not event.value.strip():
            self._hide_filter()

    # --- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in (
            "filter",
            "failed_only",
            "next_failed",
            "previous_failed",
            "next_group",
            "cycle_sort",
            "export",
            "extract",
            "zoom",
            "copy_command",
            "cited_session",
            "plain_text",
            "compare",
            "mark",
            "next_fingerprint",
        ):
            if self.report is None or not self.report.sessions:
                return False
        needs_session = ("export", "extract", "copy_command", "cited_session", "compare", "mark")
        if action in needs_session and self._session_id is None:
            return None
        return True

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        # Focus now, not after the next refresh (``focus()`` defers): keys typed right after
        # ``/`` are already queued and go to whatever has focus when each one is handled.
        box.display = True
        self.set_focus(box, scroll_visible=False)

    def _hide_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-shown")
        box.display = False

    def action_clear(self) -> None:
        box = self.query_one("#filter", Input)
        if self.report is None or (
            self._scanning and not self.state.narrowed and not box.has_focus and not box.value
        ):
            if not self._stop_requested:
                self._stop_requested = True
                self.notify("Stopping: showing what was read so far.")
            return
        box = self.query_one("#filter", Input)
        was_filtering = box.has_focus
        if box.value:
            with box.prevent(Input.Changed):
                box.value = ""
        self._hide_filter()
        if self.state.narrowed:
            keep = self._session_id
            self.state = self.state.cleared()
            self.refresh_sessions(keep)
        if was_filtering or not self.query_one(SessionsTable).has_focus:
            self.set_focus(self.query_one(SessionsTable))

    def action_failed_only(self) -> None:
        self.state = replace(self.state, failed_only=not self.state.failed_only)
        self.refresh_sessions(self._session_id)

    def action_next_group(self) -> None:
        assert self.report is not None
        cause = next_cause(self.report, self.state.cause)
        self.state = replace(self.state, cause=cause)
        self.refresh_sessions()
        if cause is None and not describe.failure_counts(self.report):
            self.notify("No failed sessions to group.")
        elif cause is not None:
            # A cause group holds failed sessions only: say so, since failed-only looks off.
            self.notify(f"Failed sessions with cause {cause} (g: next cause, Esc: all)")
        else:
            self.notify("All sessions again (g: first cause)")

    def action_cycle_sort(self) -> None:
        index = (SORTS.index(self.state.sort) + 1) % len(SORTS)
        self.state = replace(self.state, sort=SORTS[index])
        self.refresh_sessions(self._session_id)

    def _jump_failed(self, step: int) -> None:
        table = self.query_one(SessionsTable)
        sessions = table.sessions
        if not any(s.failed for s in sessions):
            self.notify("No failed session in the list.", severity="warning")
            return
        row = table.cursor_row if table.current is not None else -1
        n = len(sessions)
        for k in range(1, n + 1):
            i = (row + step * k) % n
            if sessions[i].failed:
                table.select_session(sessions[i].id)
                if not self.query_one(LadderView).has_focus:
                    self.set_focus(table)
                return

    def action_next_failed(self) -> None:
        self._jump_failed(1)

    def action_previous_failed(self) -> None:
        self._jump_failed(-1)

    def action_export(self) -> None:
        from tlstui.output.markdown import export_path, session_markdown

        session = self.session(self._session_id)
        if session is None or self.report is None:
            return
        text = session_markdown(self.report, session)
        try:
            path = export_path(Path.cwd(), self.report, session)
            with path.open("x", encoding="utf-8") as f:  # "x": never overwrite
                f.write(text)
        except OSError as error:
            self.notify(f"Could not write the export: {error.strerror}", severity="error")
            return
        self.app.copy_to_clipboard(text)
        self.notify(
            f"Wrote {safe_text(str(path), 300)}\n{CLIPBOARD_NOTE}", title="Exported", timeout=8
        )

    def commands_to_copy(self) -> list[str]:
        """The shell commands of the selected session's "check next" items, in order."""
        session = self.session(self._session_id)
        if session is None or session.diagnosis is None:
            return []
        return [
            command
            for item in session.diagnosis.best.check_next
            for command in split_item(item).commands
        ]

    def action_copy_command(self, index: int) -> None:
        """Copy one command (``-1``: the one after the last copied, cycling)."""
        commands = self.commands_to_copy()
        if not commands:
            self.notify("This session has no command to copy.", severity="warning")
            return
        if index < 0:
            index = (self._copied + 1) % len(commands)
        index = min(index, len(commands) - 1)
        self._copied = index
        self.app.copy_to_clipboard(commands[index])
        self.notify(
            f"Command {index + 1} of {len(commands)} sent to the clipboard:\n"
            f"{safe_text(commands[index], 300)}\n{CLIPBOARD_NOTE}",
            title="Copy",
            timeout=8,
        )

    def action_plain_text(self) -> None:
        from textual.app import SuspendNotSupported

        from tlstui.ui.screens.plain import PlainTextScreen, show_in_terminal

        detail = self.query_one(DetailView)
        # As wide as the text area inside its border, so no line is wrapped twice.
        text = detail.plain_text(max(self.app.size.width - 10, 30))
        commands = self.commands_to_copy()
        if commands:
            # Whole, one per line: a command wrapped by the table above breaks when pasted.
            text += "\n\nCommands to check next (one per line):\n" + "\n".join(
                safe_text(c, 2000) for c in commands
            )
        try:
            with self.app.suspend():
                if show_in_terminal(text):
                    return
        except SuspendNotSupported:
            pass
        self.app.push_screen(PlainTextScreen(text, str(detail.border_title or "Detail")))

    def cited_session(self) -> int | None:
        """The session the selected session's diagnosis cites, if any."""
        session = self.session(self._session_id)
        if session is None or session.diagnosis is None:
            return None
        best = session.diagnosis.best
        # The proxy explanation is about the upstream leg, whatever words it uses for it.
        leg = session.upstream_leg
        if best.rule == "proxy_upstream_failed" and leg is not None and self.session(leg.id):
            return leg.id
        for text in (best.summary, best.explanation):
            for match in CITED.finditer(text):
                cited = int(match.group(1))
                if cited != session.id and self.session(cited) is not None:
                    return cited
        return None

    def action_cited_session(self) -> None:
        cited = self.cited_session()
        if cited is None:
            self.notify("The diagnosis of this session cites no other session.")
            return
        table = self.query_one(SessionsTable)
        if not table.select_session(cited):
            # Hidden by the filter: show everything, then go there.
            self.state = self.state.cleared()
            self._hide_filter()
            self.refresh_sessions(cited)
        self.set_focus(table)

    def action_extract(self) -> None:
        """``w``: save the selected session's packets as pcapng (asks where first)."""
        from tlstui.ui.screens.extract import ExtractScreen, default_extract_path

        session = self.session(self._session_id)
        if session is None:
            return
        if str(self.path) == "-":
            self.notify(
                "The capture came from a pipe and cannot be read again: save it with "
                "tcpdump -w FILE to extract sessions.",
                severity="warning",
            )
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._extract(session, path)

        self.app.push_screen(
            ExtractScreen(session.id, default_extract_path(self._source(session), session.id)),
            chosen,
        )

    def _source(self, session: Session) -> Path:
        """The capture file *session* was read from: with several captures open, its own
        (``Session.capture``), not the first one named."""
        return Path(session.capture) if session.capture else self.path

    @work(thread=True, exit_on_error=False, group="extract")
    def _extract(self, session: Session, path: Path) -> None:
        from tlstui.analysis.extract import extract_session, keylog_lines

        source = self._source(session)
        try:
            lines = keylog_lines(source, self.keylog)
            result = extract_session(source, session, path, lines)
        except Exception as error:  # one line for the person; never a traceback
            self.app.call_from_thread(
                self.notify, f"Could not save: {error_message(error)}", severity="error"
            )
            return
        self.app.call_from_thread(
            self.notify, safe_text(result.describe(session.id), 300), title="Saved"
        )

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        node: DOMNode | None = self.focused
        while node is not None and not isinstance(node, (Pane, LadderPane, DetailView)):
            node = node.parent
        if isinstance(node, Widget):
            self.maximize(node, container=False)

    def action_focus_pane(self, pane: str) -> None:
        targets: dict[str, type[Widget]] = {
            "sessions": SessionsTable,
            "ladder": LadderView,
            "detail": DetailView,
        }
        # At once, not deferred: a key typed right after (z) must act on the new pane.
        self.set_focus(self.query_one(targets[pane]))

    # --- comparison -----------------------------------------------------------------------

    def action_mark(self) -> None:
        """Mark the selected session (again: unmark it); ``c`` then compares with it."""
        table = self.query_one(SessionsTable)
        self.marked = None if self.marked == self._session_id else self._session_id
        table.set_marked(self.marked)
        if self.marked is not None:
            self.notify(f"Marked #{self.marked}: select another session and press c to compare.")

    def action_compare(self) -> None:
        from tlstui.analysis.compare import compare_sessions
        from tlstui.analysis.partner import find_partner
        from tlstui.ui.screens.compare import CompareScreen

        session = self.session(self._session_id)
        if session is None or self.report is None:
            return
        partner = None
        other = self.session(self.marked)
        if other is None or other is session:
            partner = find_partner(session, self.report)
            other = partner.session
            if other is None:
                self.notify(safe_text(partner.reason, 400), title="No partner", severity="warning")
                return
        comparison = compare_sessions(session, other, partner)
        if len(self.report.captures) > 1:
            comparison.capture_a, comparison.capture_b = session.capture, other.capture
        self.app.push_screen(CompareScreen(self.report, comparison))

    def action_next_fingerprint(self) -> None:
        assert self.report is not None
        ja4 = next_fingerprint(self.report, self.state.ja4)
        self.state = replace(self.state, ja4=ja4)
        self.refresh_sessions()
        if ja4 is None and not any(s.ja4 for s in self.report.sessions):
            self.notify("No client fingerprints (no ClientHello was read).")
        elif ja4 is not None:
            mine = [s for s in self.report.sessions if s.ja4 == ja4]
            failed = sum(s.failed for s in mine)
            plural = "s" if len(mine) != 1 else ""
            self.notify(
                f"Client {ja4}: {failed} failed of {len(mine)} session{plural}"
                f" (of {len(self.report.failed)} failed in all). J: next client, Esc: all.",
                title="Client fingerprint",
            )
