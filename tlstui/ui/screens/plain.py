"""The detail pane as plain text, for copying with the terminal's own selection.

The TUI captures the mouse, so a terminal cannot select text inside it.  ``v`` therefore
leaves the full-screen mode and prints the text to the terminal (where any selection or
scrollback works) until Enter; where the app cannot suspend (a test, a web driver) the same
text is shown in a read-only text area instead.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import TextArea


class PlainTextScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "dismiss", "Close", id="plain.close"),
    ]

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.text = text
        self.title_text = title

    def compose(self) -> ComposeResult:
        area = TextArea(self.text, read_only=True, id="plain-text", soft_wrap=False)
        area.border_title = f"{self.title_text} (plain text)"
        area.border_subtitle = "Esc closes"
        yield area


def show_in_terminal(text: str) -> bool:
    """Print *text* to the real terminal and wait for Enter; False when that is not possible."""
    import sys

    try:
        sys.stdout.write(text.rstrip("\n") + "\n\n-- select and copy above; Enter returns --")
        sys.stdout.flush()
        sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return True
