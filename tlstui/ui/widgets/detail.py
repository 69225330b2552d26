"""The detail pane: the selected event's decoded content, or the session and its diagnosis."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from tlstui.analysis.model import Cause, Session
from tlstui.output import describe
from tlstui.output.commands import split_item
from tlstui.textsafe import safe_text
from tlstui.ui.palette import FAIL

COMMAND = "bold"  # shell commands in "check next"
CONFIDENCE_STYLES = {"high": "bold", "medium": "", "low": "dim"}


STACK_BELOW = 32  # narrower than this, a key goes on its own line above its value


class KeyValues:
    """Key/value lines that fit the width they are drawn at: a grid, or below
    ``STACK_BELOW`` cells each key above its indented value, so that a value is not folded
    into a column a dozen cells wide (``handshake_failur`` / ``e``)."""

    def __init__(self, rows: Sequence[tuple[str, str | Text]], key_width: int = 14) -> None:
        self.rows = rows
        self.key_width = key_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= STACK_BELOW:
            yield _grid(self.rows, self.key_width)
            return
        table = Table.grid(expand=True)
        table.add_column(ratio=1, overflow="fold")
        key = ""
        for name, value in self.rows:
            if name:
                key = name
                table.add_row(Text(name, style="bold"))
            text = value if isinstance(value, Text) else Text(value)
            table.add_row(Text("  ").append_text(text) if key else text)
        yield table


def kv_table(rows: Sequence[tuple[str, str | Text]], key_width: int = 14) -> KeyValues:
    """Key/value lines; values are plain text or ``Text`` (never parsed as markup)."""
    return KeyValues(rows, key_width)


def _grid(rows: Sequence[tuple[str, str | Text]], key_width: int) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    width = min(max((len(k) for k, _ in rows), default=1), key_width)
    table.add_column(style="bold", no_wrap=True, width=width)
    table.add_column(ratio=1, overflow="fold")
    for key, value in rows:
        table.add_row(Text(key), value if isinstance(value, Text) else Text(value))
    return table


def heading(text: str, style: str = "bold reverse") -> Text:
    return Text(f" {text} ", style=style)


def cause_block(cause: Cause, rank: str) -> list[RenderableType]:
    style = f"bold {FAIL}" if cause.cause not in ("ok", "unknown") else "bold"
    title = Text.assemble(
        (f"{rank} ", "bold"),
        (cause.cause, style),
        (f" ({cause.confidence} confidence)", CONFIDENCE_STYLES.get(cause.confidence, "")),
    )
    rows: list[tuple[str, str | Text]] = [
        row for row in describe.cause_details(cause)[2:] if not row[1].startswith("• ")
    ]
    key = "check next"
    for item in cause.check_next:
        split = split_item(item)
        if split.prose:
            rows.append((key, "• " + safe_text(split.prose, 2000)))
            key = ""
        for command in split.commands:
            # Commands on their own lines, marked, so that y (copy) and v (plain text) are
            # obviously about them.
            rows.append((key, Text("$ " + safe_text(command, 2000), style=COMMAND)))
            key = ""
    return [title, kv_table(rows)]


def diagnosis_blocks(session: Session) -> list[RenderableType]:
    diagnosis = session.diagnosis
    if diagnosis is None:
        return [heading("Diagnosis"), Text("(not diagnosed)")]
    blocks: list[RenderableType] = [heading("Diagnosis"), *cause_block(diagnosis.best, "best:")]
    others = [
        c
        for c in diagnosis.candidates
        if c is not diagnosis.best
        and (c.cause, c.summary) != (diagnosis.best.cause, diagnosis.best.summary)
    ]
    if others:
        blocks.append(Text(""))
        blocks.append(heading("Other candidates", "bold"))
        for n, cause in enumerate(others, start=2):
            blocks.append(Text(""))
            blocks += cause_block(cause, f"{n}.")
    return blocks


def session_renderable(session: Session) -> RenderableType:
    rows = describe.session_details(session)
    if session.secrets is not None:
        rows = [*rows, ("key log", describe.secrets_text(session))]
    facts = kv_table(rows)
    if session.status == "ok":
        return Group(facts, Text(""), *diagnosis_blocks(session))
    # A failed session: what went wrong comes first.
    return Group(*diagnosis_blocks(session), Text(""), heading("Session"), facts)


def events_renderable(session: Session, indexes: tuple[int, ...]) -> RenderableType:
    parts: list[RenderableType] = []
    has_alert = False
    for n, index in enumerate(indexes):
        event = session.events[index]
        if n:
            parts.append(Text(""))
        style = f"bold reverse {FAIL}" if describe.is_fatal_alert(event) else "bold reverse"
        parts.append(heading(describe.event_label(event), style))
        parts.append(kv_table(describe.event_details(event, session)))
        has_alert = has_alert or event.type == "Alert"
    if has_alert:
        parts.append(Text(""))
        parts += diagnosis_blocks(session)
    elif session.diagnosis and session.status != "ok":
        best = session.diagnosis.best
        parts.append(Text(""))
        parts.append(
            Text.assemble(
                ("session diagnosis: ", "bold"),
                (best.cause, f"bold {FAIL}"),
                f" ({best.confidence}) ",
                safe_text(best.summary, 500),
            )
        )
    return Group(*parts)


class DetailView(VerticalScroll):
    """Scrollable detail text; focus it to scroll with the arrow keys."""

    ALLOW_MAXIMIZE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Up", show=False, id="detail.up"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    _renderable: RenderableType = ""

    def _show(self, renderable: RenderableType, title: str) -> None:
        self._renderable = renderable
        self.query_one("#detail-body", Static).update(renderable)
        self.border_title = title
        self.scroll_home(animate=False)

    def show_session(self, session: Session | None) -> None:
        if session is None:
            self._show(Text("No session selected."), "Detail")
        else:
            title = f"Session #{session.id} summary"
            if session.in_progress:
                title += " · in progress"
            elif session.diagnosis is not None and session.diagnosis.provisional:
                title += " · may change"  # diagnosed before all sessions were read
            self._show(session_renderable(session), title)

    def show_events(self, session: Session, indexes: tuple[int, ...]) -> None:
        events = [session.events[i] for i in indexes]
        frames = sorted({e.frame for e in events})
        title = f"Frame {frames[0]}" if len(frames) == 1 else f"Frames {frames[0]}-{frames[-1]}"
        self._show(events_renderable(session, indexes), title)

    def show_text(self, text: Text, title: str = "Detail") -> None:
        self._show(text, title)

    def plain_text(self, width: int = 100) -> str:
        """What the pane shows, as plain text (no colour, no markup) *width* cells wide."""
        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(self._renderable)
        return "\n".join(line.rstrip() for line in console.export_text().splitlines())
