"""Command palette provider: the main screen's actions by name (built from the bindings),
plus one entry per "check next" command of the selected session, which copies it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

Entry = tuple[str, Callable[[], Awaitable[None]], str]


class TlsCommands(Provider):
    """Offers the same actions as the keys, on the main screen."""

    def _commands(self) -> list[Entry]:
        from tlstui.ui.app import TlsApp
        from tlstui.ui.keys import palette_commands
        from tlstui.ui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        result: list[Entry] = []
        for command in palette_commands(MainScreen.BINDINGS, TlsApp.BINDINGS):
            if command.action.startswith("app."):
                callback = self._runner(self.app, command.action.removeprefix("app."))
            else:
                if screen.check_action(command.action.split("(")[0], ()) is not True:
                    continue
                callback = self._runner(screen, command.action)
            result.append((command.name, callback, f"key: {command.keys}"))
        for n, text in enumerate(screen.commands_to_copy()):
            result.append(
                (f"Copy command {n + 1}: {text}", self._runner(screen, f"copy_command({n})"), "")
            )
        return result

    def _runner(self, target: DOMNode, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.app.run_action(action, target)

        return run

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
