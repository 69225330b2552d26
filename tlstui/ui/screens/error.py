"""The error screen: why the capture could not be read, in one line, and how to leave."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tlstui.textsafe import safe_text


class ErrorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape,enter", "app.quit_error", "Quit", id="error.quit"),
    ]

    def __init__(self, name: str, message: str) -> None:
        super().__init__()
        self.file_name = name
        self.message = message

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="error-box"):
            yield Static(
                Text.assemble(
                    ("Cannot open ", "bold"),
                    (safe_text(self.file_name, 80), "bold"),
                ),
                id="error-title",
            )
            yield Static(Text(safe_text(self.message, 300)), id="error-message")
            yield Static(
                Text(
                    "tlstui reads pcap and pcapng files (tcpdump -w, Wireshark, dumpcap).\n"
                    "Press q to quit.",
                    style="dim",
                ),
                id="error-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#error-box").border_title = "Error"
