"""Every custom message of the UI, as dataclasses (attributes down, messages up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class LoadProgress(Message):
    """The loader read more of the capture (posted from the worker thread)."""

    progress: Any  # tlstui.analysis.engine.Progress


@dataclass
class LoadBatch(Message):
    """The engine's scan found sessions or read more (posted from the worker thread)."""

    batch: Any  # tlstui.analysis.engine.Batch


@dataclass
class SessionHighlighted(Message):
    """The cursor of the sessions table moved to a session (None: the table is empty)."""

    session_id: int | None


@dataclass
class SessionChosen(Message):
    """Enter on a session: open its ladder."""

    session_id: int


@dataclass
class EventHighlighted(Message):
    """The ladder cursor moved to a line; ``indexes`` are the session's events on that line."""

    session_id: int
    indexes: tuple[int, ...]
