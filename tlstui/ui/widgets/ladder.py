"""The ladder: one session's handshake as a sequence diagram, client left, server right."""

from __future__ import annotations

import textwrap
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tlstui.analysis.model import Event, Session
from tlstui.output import describe
from tlstui.ui.messages import EventHighlighted
from tlstui.ui.palette import ENCRYPTED, FAIL, RESET, WARN

MIN_INNER = 14


def line_style(events: list[Event]) -> str:
    first = events[0]
    if describe.is_fatal_alert(first):
        return f"bold {FAIL}"
    if describe.is_warning_alert(first):
        return WARN
    if first.type == "RST":
        return f"bold {RESET}"
    if first.type == "FIN":
        return "dim"
    if all(e.encrypted for e in events):
        return f"italic {ENCRYPTED}"
    return ""


def ladder_prompt(
    events: list[Event],
    origin: float,
    width: int,
    columns: tuple[int, int],
    evidence: bool = False,
    same_frame: bool = False,
) -> Text:
    """The (possibly multi-line) text of one ladder line of *width* cells.

    *columns* are the widths of the frame and time columns; *same_frame* leaves them blank
    when the line continues the previous line's frame (one sender's flight).
    """
    first = events[0]
    label = describe.group_label(events)
    fw, tw = columns
    if same_frame:
        prefix = " " * (fw + tw + 2)
    else:
        prefix = f"{first.frame:>{fw}} {describe.ms_since(first.time, origin):>{tw}} "
    inner = max(width - len(prefix) - 2, MIN_INNER)
    room = inner - 4  # arrow head, two spaces, one dash
    chunks = textwrap.wrap(label, room, break_on_hyphens=False) or [""]
    style = line_style(events)
    text = Text()
    mark = "◆" if evidence else " "
    for i, chunk in enumerate(chunks):
        if i:
            text.append("\n")
        lead = prefix if i == 0 else " " * len(prefix)
        if i == 0:
            lead = lead[:-1] + mark
        text.append(lead, style="dim" if i == 0 and not evidence else "bold")
        text.append("│", style="dim")
        if i == 0:
            dashes = inner - len(chunk) - 4
            if first.sender == "client":
                body = Text.assemble(
                    ("─ ", style), (chunk, style), (" " + "─" * dashes, style), ("▶", style)
                )
            else:
                body = Text.assemble(
                    ("◀", style), ("─" * dashes + " ", style), (chunk, style), (" ─", style)
                )
        else:
            pad = inner - len(chunk)
            if first.sender == "client":
                body = Text.assemble("  ", (chunk, style), " " * (pad - 2))
            else:
                body = Text.assemble(" " * (pad - 2), (chunk, style), "  ")
        text.append_text(body)
        text.append("│", style="dim")
    return text


def ladder_header(width: int, columns: tuple[int, int]) -> Text:
    fw, tw = columns
    prefix = f"{'frame':>{fw}} {'ms':>{tw}} "
    inner = max(width - len(prefix) - 2, MIN_INNER)
    gap = inner + 2 - len("client") - len("server")
    return Text(prefix + "client" + " " * max(gap, 1) + "server", style="bold")


class LadderView(OptionList):
    """The ladder lines; one option per line, posting ``EventHighlighted``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.focus_pane('detail')", "Detail", id="ladder.detail"),
        Binding("j", "cursor_down", "Down", show=False, id="ladder.down"),
        Binding("k", "cursor_up", "Up", show=False, id="ladder.up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self.session: Session | None = None
        self.origin = 0.0
        self.groups: list[list[int]] = []
        self._width = 0

    @property
    def columns(self) -> tuple[int, int]:
        """Widths of the frame and time columns for this session."""
        if not self.session or not self.session.events:
            return (5, 5)
        events = self.session.events
        frame = max(5, len(str(max(e.frame for e in events))))
        time = max(5, max(len(describe.ms_since(e.time, self.origin)) for e in events))
        return (frame, time)

    def _content_width(self) -> int:
        # Always leave room for the scrollbar: whether it shows depends on timing, and a
        # width that changes with it made the ladder one cell narrower on some runs.
        width = self.content_region.width - self.styles.scrollbar_size_vertical
        return max(width - 1, 30)

    def show(self, session: Session | None, origin: float) -> None:
        self.session = session
        self.origin = origin
        self.groups = describe.ladder_groups(session.events, merge=False) if session else []
        self._render_options()

    def _render_options(self, keep: int | None = None) -> None:
        self._width = self._content_width()
        self.clear_options()
        session = self.session
        if session is None:
            return
        evidence = set(session.diagnosis.best.evidence) if session.diagnosis else set()
        columns = self.columns
        options = []
        previous: Event | None = None
        for n, group in enumerate(self.groups):
            events = [session.events[i] for i in group]
            same = (
                previous is not None
                and previous.frame == events[0].frame
                and previous.sender == events[0].sender
            )
            prompt = ladder_prompt(
                events,
                self.origin,
                self._width,
                columns,
                evidence=not same and any(e.frame in evidence for e in events),
                same_frame=same,
            )
            previous = events[0]
            options.append(Option(prompt, id=f"line-{n}"))
        self.add_options(options)
        if keep is not None and keep < len(options):
            self.highlighted = keep

    def on_resize(self) -> None:
        if self.session is not None and self._content_width() != self._width:
            self._render_options(self.highlighted)

    def highlight_interesting(self) -> None:
        """Move to the first error alert (else the first line)."""
        if not self.session or not self.groups:
            return
        target = 0
        for n, group in enumerate(self.groups):
            if any(describe.is_fatal_alert(self.session.events[i]) for i in group):
                target = n
                break
        self.highlighted = target

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.session is not None and 0 <= event.option_index < len(self.groups):
            self.post_message(
                EventHighlighted(self.session.id, tuple(self.groups[event.option_index]))
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def action_select(self) -> None:
        """Enter is bound to the detail pane instead (see BINDINGS)."""


class LadderPane(Vertical):
    """The ladder with its column header."""

    ALLOW_MAXIMIZE = True

    def compose(self) -> ComposeResult:
        yield Static(id="ladder-header")
        yield LadderView(id="ladder")

    def show(self, session: Session | None, origin: float) -> None:
        ladder = self.query_one(LadderView)
        ladder.show(session, origin)
        self._update_header()
        if session is None:
            self.border_title = "Ladder"
        else:
            self.border_title = f"Ladder #{session.id}"

    def _update_header(self) -> None:
        ladder = self.query_one(LadderView)
        header = self.query_one("#ladder-header", Static)
        header.update(
            ladder_header(ladder._content_width(), ladder.columns) if ladder.session else Text("")
        )

    def on_resize(self) -> None:
        self._update_header()
