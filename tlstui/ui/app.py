"""The application and its factory, shared by the CLI, the tests and the screenshot script."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from tlstui.ui.commands import TlsCommands
from tlstui.ui.screens.main import Analyze, KeylogArg, MainScreen


class TlsApp(App[None]):
    """tlstui: the failed TLS handshakes of one capture, and why they failed."""

    CSS_PATH = "tlstui.tcss"
    TITLE = "tlstui"
    COMMANDS = App.COMMANDS | {TlsCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="this help"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="quit"),
    ]

    def __init__(
        self,
        path: Path,
        *,
        keylog: KeylogArg = None,
        analyze: Analyze | None = None,
        failed_only: bool = False,
        follow: bool = False,
        stdin_fd: int | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.keylog = keylog
        self.analyze = analyze  # None: the engine's scan, sessions shown as they are found
        self.failed_only = failed_only
        self.follow = follow
        self.stdin_fd = stdin_fd

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(
            self.path,
            keylog=self.keylog,
            analyze=self.analyze,
            failed_only=self.failed_only,
            follow=self.follow,
            stdin_fd=self.stdin_fd,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands without "Screenshot", which cannot save in a terminal
        session over SSH (it answered "Failed to save screenshot")."""
        for command in super().get_system_commands(screen):
            if "screenshot" not in command.title.lower():
                yield command

    def on_key(self, event: events.Key) -> None:
        """Typeahead into a text box that just took focus (``/`` then ``server`` with no
        pause, as a laggy SSH link delivers it): those keys were sent to the previously
        focused widget before the box had focus, bubbled up unhandled, and the box's own
        printable-key consumption keeps any binding from acting on them.  A text box stops
        the keys it handles itself, so a printable key that arrives here while one has focus
        was meant for it."""
        focused = self.focused
        if isinstance(focused, Input) and event.is_printable and event.character:
            event.stop()
            focused.insert_text_at_cursor(event.character)

    def action_help(self) -> None:
        from tlstui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_quit_error(self) -> None:
        self.exit(return_code=2)


def make_app(
    path: str | Path,
    *,
    keylog: str | Path | Sequence[str | Path] | bool | None = None,
    analyze: Analyze | None = None,
    failed_only: bool = False,
    follow: bool = False,
    stdin_fd: int | None = None,
) -> TlsApp:
    """Build the app for *path*; the capture is read in a background thread once it runs.

    *analyze* replaces the engine (tests, several captures): it returns the whole report at
    once.  Without it the engine's ``scan`` streams sessions to the screen as they are found;
    *follow* keeps reading a growing file, and ``-`` reads the capture from *stdin_fd*.
    """
    keys: KeylogArg
    if isinstance(keylog, str | Path):
        keys = [Path(keylog)]
    elif isinstance(keylog, bool) or keylog is None:
        keys = keylog
    else:
        keys = [Path(k) for k in keylog]
    return TlsApp(
        Path(path),
        keylog=keys,
        analyze=analyze,
        failed_only=failed_only,
        follow=follow,
        stdin_fd=stdin_fd,
    )
