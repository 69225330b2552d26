"""The application and its factory, shared by the CLI, the tests and the screenshot script."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tlstui.ui.commands import TlsCommands
from tlstui.ui.screens.main import Analyze, MainScreen


def _engine_analyze(*args: object, **kwargs: object):
    from tlstui.analysis.engine import analyze

    return analyze(*args, **kwargs)  # type: ignore[arg-type]


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
    ) -> None:
        super().__init__()
        self.path = path
        self.keylog = keylog
        self.analyze = analyze or _engine_analyze

    def get_default_screen(self) -> Screen:
        return MainScreen(self.path, keylog=self.keylog, analyze=self.analyze)

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
) -> TlsApp:
    """Build the app for *path*; the capture is read in a background thread once it runs."""
    return TlsApp(
        Path(path),
        keylog=Path(keylog) if isinstance(keylog, str | Path) else keylog,
        analyze=analyze,
    )
