"""The detail pane: the selected event's decoded content, or the session and its diagnosis."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from tlstui.analysis.model import Cause, Session
from tlstui.output import describe
from tlstui.textsafe import safe_text
from tlstui.ui.palette import FAIL

CONFIDENCE_STYLES = {"high": "bold", "medium": "", "low": "dim"}


def kv_table(rows: list[tuple[str, str]], key_width: int = 14) -> Table:
    """Key/value lines; values are plain text (never parsed as markup)."""
    table = Table.grid(padding=(0, 1), expand=True)
    width = min(max((len(k) for k, _ in rows), default=1), key_width)
    table.add_column(style="bold", no_wrap=True, width=width)
    table.add_column(ratio=1, overflow="fold")
    for key, value in rows:
        table.add_row(Text(key), Text(value))
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
    return [title, kv_table(describe.cause_details(cause)[2:])]


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
    facts = kv_table(describe.session_details(session))
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

    def _show(self, renderable: RenderableType, title: str) -> None:
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
