"""The help screen: every key, grouped by where it works (built from the bindings)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "up": "↑",
    "down": "↓",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "ctrl+p": "Ctrl+P",
    "f1": "F1",
    "space": "Space",
}

# Keys that come from Textual's own widgets and are not declared by tlstui.
NAVIGATION = [
    ("Tab / Shift+Tab", "next / previous pane"),
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn Home End", "page, first, last"),
    ("Ctrl+P", "command palette: every action by name"),
]

# Longer descriptions for the help screen than the footer's.
DESCRIPTIONS = {
    "main.filter": "filter sessions by text (IP, port, SNI, alert, cause)",
    "main.failed_only": "show failed sessions only (toggle)",
    "main.next_failed": "next failed session",
    "main.previous_failed": "previous failed session",
    "main.next_group": "cycle the failure cause groups of the header",
    "main.sort": "cycle the sort: id, status, server, duration",
    "main.export": "export the session's diagnosis as Markdown, copy it",
    "main.extract": "save the session's packets (and only its keys) as pcapng",
    "main.clear": "clear filter, failed-only, cause; unzoom",
    "main.zoom": "zoom the focused pane (again: back)",
    "main.compare": "compare with the most similar working session (or the marked one)",
    "main.mark": "mark the session to compare with (again: unmark)",
    "main.next_fingerprint": "cycle client fingerprints (JA4), most failures first",
    "ladder.detail": "go to the selected line's detail",
    "main.focus_sessions": "focus the sessions pane",
    "main.focus_ladder": "focus the ladder pane",
    "main.focus_detail": "focus the detail pane",
    "sessions.ladder": "open the session's ladder at its alert",
    "app.help": "this help",
    "app.quit": "quit",
}


def key_text(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


# Bindings shown together on one help line: (ids, keys shown, description).
MERGED = [
    (("main.next_failed", "main.previous_failed"), "n N", "next / previous failed session"),
    (
        ("main.focus_sessions", "main.focus_ladder", "main.focus_detail"),
        "1 2 3",
        "focus the sessions / ladder / detail pane",
    ),
]


def _navigation(binding: Binding) -> bool:
    """Cursor movement, listed once under "In a pane" rather than per widget."""
    name = (binding.id or "").rpartition(".")[2]
    return name in ("up", "down", "page_up", "page_down", "first", "last")


def binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    """Help lines for *bindings* (navigation aliases left out, related keys merged)."""
    rows: list[tuple[str, str]] = []
    done: set[str] = set()
    for b in bindings:
        if not isinstance(b, Binding) or b.id in done or _navigation(b):
            continue
        merged = next((m for m in MERGED if b.id in m[0]), None)
        if merged is not None:
            done.update(merged[0])
            rows.append((merged[1], merged[2]))
            continue
        rows.append((key_text(b.key), DESCRIPTIONS.get(b.id or "", b.description.lower())))
    return rows


def help_table() -> Table:
    from tlstui.ui.app import TlsApp
    from tlstui.ui.screens.main import MainScreen
    from tlstui.ui.widgets.ladder import LadderView
    from tlstui.ui.widgets.sessions import SessionsTable

    panes = [
        (key, f"{where}: {description}")
        for where, bindings in (
            ("sessions", SessionsTable.BINDINGS),
            ("ladder", LadderView.BINDINGS),
        )
        for key, description in binding_rows(bindings)
    ]
    sections = [
        ("Everywhere", binding_rows(TlsApp.BINDINGS) + binding_rows(MainScreen.BINDINGS)),
        ("In a pane", panes + NAVIGATION),
    ]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for n, (title, rows) in enumerate(sections):
        if n:
            table.add_row("", "")
        table.add_row(Text(title, style="bold underline"), "")
        for key, description in rows:
            table.add_row(Text(key), Text(description))
    return table


LEGEND = (
    "Status: ✓ ok, ✗ failed, … incomplete (the capture ended mid-handshake). "
    "Ladder: client left, server right, with the frame number and the milliseconds since the "
    "capture's first frame; ◆ marks frames the diagnosis cites as evidence."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_table())
            yield Static(Text(LEGEND, style="dim"), id="help-legend")

    def on_mount(self) -> None:
        box = self.query_one("#help-box")
        box.border_title = "tlstui keys"
        box.border_subtitle = "Esc closes"
