"""The filter box: an Input that hands keys typed right after Enter back to the list."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FilterInput(Input):
    """``/`` types here; Enter keeps the filter and moves on to the next pane (the sessions
    table) at once, since keys typed with no pause after Enter are already queued here.

    Such a key, found here after focus has left, is posted again so that it acts where the
    person now is (``2`` focuses the ladder, ``z`` zooms) instead of growing the filter.
    """

    async def action_submit(self) -> None:
        await super().action_submit()
        self.screen.focus_next()

    async def _on_key(self, event: events.Key) -> None:
        if not self.has_focus and event.is_printable:
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character))
            return
        await super()._on_key(event)
