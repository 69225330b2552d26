"""The "save this session" dialog (``w``): asks where, never overwrites without asking.

The default path is next to the capture (``CAPTURE-session-ID.pcapng``), or the current
directory when the capture's directory cannot be written.  The dialog returns the chosen path
(or None when cancelled); the main screen does the writing in a worker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tlstui.textsafe import safe_text


def default_extract_path(capture: Path, session_id: int) -> Path:
    """Beside the capture when its directory is writable, else in the current directory."""
    name = f"{capture.stem}-session-{session_id}.pcapng"
    folder = capture.parent if str(capture) != "-" else Path(".")
    if not os.access(folder if str(folder) else ".", os.W_OK):
        folder = Path(".")
    return folder / name


def folder_problem(path: Path) -> str | None:
    """Why *path* cannot be written in its folder (missing, not a folder, not writable), in
    words about the folder the user typed; None when it can be tried."""
    folder = path.parent if str(path.parent) else Path(".")
    shown = safe_text(str(folder), 200)
    if not folder.exists():
        return f"No such folder: {shown}"
    if not folder.is_dir():
        return f"Not a folder: {shown}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"Cannot write in {shown}: permission denied"
    return None


class ExtractScreen(ModalScreen[Path | None]):
    """One input line for the path; a second Enter confirms overwriting an existing file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="extract.cancel"),
    ]

    def __init__(self, session_id: int, default: Path) -> None:
        super().__init__()
        self.session_id = session_id
        self.default = default
        self._confirm: Path | None = None  # an existing file the user was asked about

    def compose(self) -> ComposeResult:
        with Vertical(id="extract-box"):
            yield Static(
                Text(
                    f"Save session #{self.session_id}'s packets (and only its key log lines) "
                    "as pcapng:"
                )
            )
            yield Input(value=str(self.default), id="extract-path")
            yield Static(Text("Enter saves · Esc cancels", style="dim"), id="extract-hint")

    def on_mount(self) -> None:
        self.query_one("#extract-box").border_title = "Save session"
        self.query_one(Input).focus()

    @on(Input.Changed, "#extract-path")
    def _changed(self) -> None:
        if self._confirm is not None:
            self._confirm = None
            self._hint(Text("Enter saves · Esc cancels", style="dim"))

    def _hint(self, text: Text) -> None:
        self.query_one("#extract-hint", Static).update(text)

    @on(Input.Submitted, "#extract-path")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self._hint(Text(f"{safe_text(text, 60)} is a directory", style="bold red"))
            return
        problem = folder_problem(path)
        if problem is not None:
            # Said here, about the path as typed, with the dialog still open to correct it:
            # the writer's own error would name its temporary file instead.
            self._hint(Text(problem, style="bold red"))
            return
        if path.exists() and self._confirm != path:
            self._confirm = path
            self._hint(
                Text(
                    f"{safe_text(path.name, 50)} exists: Enter again overwrites it, "
                    "or change the name",
                    style="bold yellow",
                )
            )
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
