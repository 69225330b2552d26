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

from tlstui.ui.filter import FIELDS
from tlstui.ui.keys import EXPORT_NOTE, sections


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for n, section in enumerate(sections()):
        if n:
            table.add_row("", "")
        table.add_row(Text(section.title, style="bold underline"), "")
        for key, description in section.rows:
            table.add_row(Text(key), Text(description))
    return table


LEGEND = (
    "Status: ✓ ok, ✗ failed, … incomplete (the capture ended mid-handshake). "
    "Ladder: client left, server right, with the frame number, the milliseconds since the "
    "session's first packet and since the line before; ◆ marks frames the diagnosis cites as "
    "evidence. Filter (/): words match any column (Q1.3, QUIC 1.3, D1.2 too); field:value "
    "looks in one of " + " ".join(f"{f}:" for f in FIELDS) + " (transport: quic, dtls, udp, "
    "tcp or a tunnel such as vxlan). " + EXPORT_NOTE
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
        # The keys this help lists for moving in a pane (the arrows scroll it already).
        Binding("j", "scroll(1)", show=False),
        Binding("k", "scroll(-1)", show=False),
    ]

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-box").scroll_relative(y=lines, animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_table())
            yield Static(Text(LEGEND, style="dim"), id="help-legend")

    def on_mount(self) -> None:
        box = self.query_one("#help-box")
        box.border_title = "tlstui keys"
        box.border_subtitle = "Esc closes"
