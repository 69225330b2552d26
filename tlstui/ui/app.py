"""The application and its factory, shared by the CLI, the tests and the screenshot script."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tlstui.ui.commands import TlsCommands
from tlstui.ui.screens.main import Analyze, MainScreen


class TlsApp(App[None]):
    """tlstui: the failed TLS handshakes of one capture, and why they failed."""

    CSS_PATH = "tlstui.tcss"
    TITLE = "tlstui"
    COMMANDS = App.COMMANDS | {TlsCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        path: Path,
        *,
        keylog: Path | bool | None = None,
        analyze: Analyze | None = None,
        follow: bool = False,
        stdin_fd: int | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.keylog = keylog
        self.analyze = analyze  # None: the engine's scan, sessions shown as they are found
        self.follow = follow
        self.stdin_fd = stdin_fd

    def get_default_screen(self) -> Screen:
        return MainScreen(
            self.path,
            keylog=self.keylog,
            analyze=self.analyze,
            follow=self.follow,
            stdin_fd=self.stdin_fd,
        )

    def action_help(self) -> None:
        from tlstui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_quit_error(self) -> None:
        self.exit(return_code=2)


def make_app(
    path: str | Path,
    *,
    keylog: str | Path | bool | None = None,
    analyze: Analyze | None = None,
    follow: bool = False,
    stdin_fd: int | None = None,
) -> TlsApp:
    """Build the app for *path*; the capture is read in a background thread once it runs.

    *analyze* replaces the engine (tests): it returns the whole report at once.  Without it
    the engine's ``scan`` streams sessions to the screen as they are found; *follow* keeps
    reading a growing file, and ``-`` reads the capture from *stdin_fd*.
    """
    return TlsApp(
        Path(path),
        keylog=Path(keylog) if isinstance(keylog, str | Path) else keylog,
        analyze=analyze,
        follow=follow,
        stdin_fd=stdin_fd,
    )
