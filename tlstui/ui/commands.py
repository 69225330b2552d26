"""Command palette provider: the main screen's actions by name."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS: list[tuple[str, str, str]] = [
    ("Filter sessions", "filter", "Filter by IP, port, SNI, alert or cause  (/)"),
    ("Toggle failed only", "failed_only", "Show only failed sessions  (f)"),
    ("Next failed session", "next_failed", "Jump to the next failed session  (n)"),
    ("Previous failed session", "previous_failed", "Jump to the previous failed session  (N)"),
    ("Next cause group", "next_group", "Show the next failure cause group  (g)"),
    ("Cycle sort", "cycle_sort", "Sort by id, status, server, duration  (s)"),
    ("Export session as Markdown", "export", "Write tlstui-session-N.md and copy it  (e)"),
    ("Save session as pcapng", "extract", "Its packets and only its key log lines  (w)"),
    ("Clear filters", "clear", "Clear filter, failed-only and cause group  (Esc)"),
    ("Focus sessions", "focus_pane('sessions')", "Focus the sessions pane  (1)"),
    ("Focus ladder", "focus_pane('ladder')", "Focus the ladder pane  (2)"),
    ("Focus detail", "focus_pane('detail')", "Focus the detail pane  (3)"),
    ("Help: keys", "app.help", "Every key  (? or F1)"),
]


class TlsCommands(Provider):
    """Offers the same actions as the keys, on the main screen."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from tlstui.ui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        result = []
        for name, action, help_text in COMMANDS:
            if action.startswith("app."):
                callback = self._runner(self.app, action.removeprefix("app."))
            else:
                if screen.check_action(action.split("(")[0], ()) is not True:
                    continue
                callback = self._runner(screen, action)
            result.append((name, callback, help_text))
        return result

    def _runner(self, target: object, action: str) -> Callable[[], object]:
        async def run() -> None:
            await self.app.run_action(action, target)  # type: ignore[arg-type]

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
